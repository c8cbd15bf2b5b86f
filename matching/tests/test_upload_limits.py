"""Issue 26 item 13: a proposal takes attachments up to 10 MB each through the whole middleware stack; a body too
large is refused with the page as it was (what was typed, the user still signed in), never a bare 413 page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from accounts.tests.factories import SmeUserFactory
from matching.models import Proposal

from .factories import NeedFactory

pytestmark = pytest.mark.django_db


def pdf(size: int) -> bytes:
    """A whole one-page PDF of exactly `size` bytes (attachments are parsed to their end): the page's content
    stream is padded with a comment."""

    def build(pad: int) -> bytes:
        writer = PdfWriter()
        page = writer.add_blank_page(width=595, height=842)
        stream = DecodedStreamObject()
        stream.set_data(b"%" + b"0" * pad + b"\n")
        page[NameObject("/Contents")] = writer._add_object(stream)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    pad = max(0, size - len(build(0)))
    data = build(pad)
    return build(pad + size - len(data))


@pytest.fixture
def signed_in(frozen):
    user = SmeUserFactory()
    client = Client()
    client.force_login(user)
    return client, user


def test_a_9_mb_pdf_goes_through_every_middleware_into_the_proposal(signed_in, settings):
    assert settings.MATCHING_ATTACHMENT_MAX_BYTES == 10 * 1024 * 1024  # docs/matching.md promises 10 MB
    client, user = signed_in
    need = NeedFactory()
    nine = SimpleUploadedFile("spec.pdf", pdf(9 * 1024 * 1024), content_type="application/pdf")
    response = client.post(
        f"/matching/needs/{need.pk}/propose/", {"offer": "遮熱塗料", "fit": "実績", "attachments": nine}
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response.url == f"/matching/proposals/{proposal.pk}/"
    assert proposal.attachments.get().size == 9 * 1024 * 1024


def test_a_body_above_the_routes_limit_shows_the_form_again_with_what_was_typed(signed_in, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20_000
    settings.MATCHING_ATTACHMENT_MAX_BYTES = 10_000  # the route takes 5 × 10,000 + 20,000 bytes
    client, user = signed_in
    need = NeedFactory()
    big = SimpleUploadedFile("spec.pdf", pdf(200_000), content_type="application/pdf")
    response = client.post(
        f"/matching/needs/{need.pk}/propose/",
        {"offer": "打ち込んだ提案の本文", "fit": "打ち込んだ実績", "attachments": big},
    )
    body = response.content.decode()
    assert response.status_code == 413
    assert "添付ファイルが大きすぎるため受け取れませんでした（1回の送信で合わせて0.1 MBまで）" in body
    assert "打ち込んだ提案の本文" in body and "打ち込んだ実績" in body  # nothing typed is lost
    assert 'id="id_attachments_error"' in body  # the error sits next to the file field
    assert "ログアウト" in body  # still shown signed in
    assert not Proposal.objects.exists()


def test_a_body_above_the_hard_limit_is_a_portal_page_with_the_user_signed_in(signed_in, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20_000
    settings.MATCHING_ATTACHMENT_MAX_BYTES = 10_000
    settings.REQUEST_BODY_HARD_LIMIT = 100_000
    client, user = signed_in
    need = NeedFactory()
    big = SimpleUploadedFile("spec.pdf", pdf(200_000), content_type="application/pdf")
    response = client.post(f"/matching/needs/{need.pk}/propose/", {"offer": "a", "fit": "b", "attachments": big})
    body = response.content.decode()
    assert response.status_code == 413 and "送信されたデータが大きすぎます" in body
    assert "ログアウト" in body and '<html lang="ja">' in body
    assert not Proposal.objects.exists()


def test_a_route_without_uploads_keeps_the_default_limit(signed_in, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20_000
    client, _user = signed_in
    response = client.post("/dispatch/apply/", {"wants": "x" * 30_000, "sites": "本社", "programme": "diagnosis"})
    assert response.status_code == 413 and "ログアウト" in response.content.decode()
    # A large urlencoded body to the proposal route is not a file upload: the default limit applies there too.
    need = NeedFactory()
    response = client.post(
        f"/matching/needs/{need.pk}/propose/",
        f"offer={'x' * 30_000}&fit=b",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
