"""PostgreSQL unreachable: every page answers 503 in Japanese with Retry-After, the API a JSON 503; never a 500."""

import pytest
from django.db import connection
from django.test import Client

from accounts.tests.factories import SmeUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_and_the_api_answer_503_with_retry_after_while_the_database_is_down(settings):
    client = Client(raise_request_exception=False)
    client.force_login(SmeUserFactory())
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there: every connection attempt is refused
    try:
        pages = {path: client.get(path) for path in ["/", "/seminars/", "/consultations/", "/me/"]}
        posted = client.post("/seminars/1/register/")
        api = client.get("/api/v1/seminars")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    figures = {path: response.status_code for path, response in {**pages, "POST register": posted, "api": api}.items()}
    print(f"\ndatabase down: {figures}")
    for response in [*pages.values(), posted]:
        body = response.content.decode()
        assert response.status_code == 503 and response["Retry-After"] == str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
        assert "ただいま一時的にご利用いただけません" in body and "保存されていません" in body
        assert "システムエラー" not in body
    assert api.status_code == 503 and api["Retry-After"] == "30" and api["Content-Type"] == "application/json"
    assert "データベースに接続できません" in api.json()["detail"]
