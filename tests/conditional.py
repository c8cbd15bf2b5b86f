"""Helpers of the conditional-GET tests (core.cache.conditional): a browser revalidating its copy, a change that
must retire it, and the desk saving an admin change form as rendered."""

from collections.abc import Generator

from django.test import Client

from tests.formpost import as_post, rendered_forms


def revalidate(client: Client, url: str, etag: str):
    """A GET with the ETag of the copy the client holds."""
    return client.get(url, headers={"if-none-match": etag})


def check_change_retires(client: Client, url: str, steps: Generator) -> None:
    """`steps` sets the scene, then (at its second step) makes one change and yields the text the page shows after
    it, or None when the page is gone: the copy from before is a 304 until the change, and after it the answer is
    the new page with a new ETag (or a 404 without one)."""
    next(steps)
    first = client.get(url)
    assert revalidate(client, url, first["ETag"]).status_code == 304
    shown = next(steps)
    after = revalidate(client, url, first["ETag"])
    if shown is None:
        assert after.status_code == 404 and not after.has_header("ETag")
        return
    assert shown not in first.content.decode()
    assert after.status_code == 200 and after["ETag"] != first["ETag"] and shown in after.content.decode()


def admin_save(desk: Client, url: str, form_id: str, changes: dict[str, str | None]) -> None:
    """Submit an admin change form as rendered, with some fields changed (None: a checkbox left unticked)."""
    form = next(f for f in rendered_forms(desk.get(url).content.decode()) if f["id"] == form_id)
    data = as_post(form["data"], {k: v for k, v in changes.items() if v is not None})
    for name in [k for k, v in changes.items() if v is None]:
        data.pop(name, None)
    response = desk.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
