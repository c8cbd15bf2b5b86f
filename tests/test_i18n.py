import pytest


@pytest.mark.django_db
def test_the_site_is_japanese_even_for_an_english_browser(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert '<html lang="ja">' in body
    assert "知る・測る・減らす" in body


@pytest.mark.django_db
def test_the_language_switch_shows_the_english_catalogue(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert "Know, measure, reduce" in body
    assert "Book a consultation" in body
    body = client.get("/accounts/signup/").content.decode()
    assert "Sign Up" in body
    client.post("/i18n/setlang/", {"language": "ja", "next": "/"})
    assert "知る・測る・減らす" in client.get("/").content.decode()
