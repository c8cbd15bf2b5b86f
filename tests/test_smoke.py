import pytest


@pytest.mark.django_db
def test_home_page_links_to_the_four_areas(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    for path in ("/consultations/", "/selfcheck/", "/seminars/", "/subsidies/"):
        assert f'href="{path}"' in body
