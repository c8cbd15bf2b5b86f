"""Closing an account (issue 14, finding 9): the person's data goes, anonymous counts stay, and it works end to end."""

from pathlib import Path

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.urls import reverse

from accounts.models import User
from accounts.services import CLOSED_COMPANY_NAME, account_close
from accounts.tests.factories import PASSWORD, SmeUserFactory, SupportInstitutionFactory
from consultations.models import Booking, BookingStatus
from consultations.services import booking_create
from consultations.tests.conftest import NOW, at, intake, make_advisor
from core.errors import ApplicationError
from core.models import MailOutbox
from selfcheck import services as selfcheck_services
from selfcheck.models import Sheet
from selfcheck.tests.helpers import filled_sheet
from seminars.models import Registration, RegistrationStatus
from seminars.services import registration_create
from seminars.tests.factories import SeminarFactory
from sharing.models import Share
from sharing.services import share_grant
from subsidies.models import Follow, Measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def member(frozen):
    """An SME user with a bit of everything: bookings, a shared sheet with its PDF, seminars, follows and mail."""
    user = SmeUserFactory(first_name="太郎", last_name="山田")
    company = user.company
    make_advisor()
    upcoming = booking_create(
        user=user, start=at(2026, 4, 23, 14), **intake(customer_request="取引先のA社から排出量を聞かれた")
    )
    past = booking_create(user=user, start=at(2026, 4, 28, 10), **intake(question="LEDの更新時期を相談したい"))
    Booking.objects.filter(pk=past.pk).update(
        start=at(2026, 4, 2, 10), end=at(2026, 4, 2, 11), status=BookingStatus.DONE, private_record="山田様と面談"
    )
    sheet = filled_sheet(company)
    share_grant(company=company, kind="institution", user=user, institution=SupportInstitutionFactory())
    pdf = selfcheck_services.pdf_directory() / f"close-test-{sheet.pk}.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    Sheet.objects.filter(pk=sheet.pk).update(pdf_path=pdf.name)
    full = SeminarFactory(capacity=1)
    seat = registration_create(seminar_id=full.pk, user=user)
    waiting = registration_create(seminar_id=full.pk, user=SmeUserFactory())
    finished = SeminarFactory(starts_at=at(2026, 3, 1, 14), ends_at=at(2026, 3, 1, 16))
    attended = Registration.objects.create(
        seminar=finished, user=user, status=RegistrationStatus.REGISTERED, organisation=company.name
    )
    Follow.objects.create(user=user, measure=Measure.objects.first())
    return {
        "user": user,
        "company": company,
        "upcoming": upcoming,
        "past": past,
        "sheet": sheet,
        "pdf": pdf,
        "seat": seat,
        "waiting": waiting,
        "attended": attended,
    }


def test_closing_removes_the_persons_data_and_keeps_only_anonymous_counts(member, django_capture_on_commit_callbacks):
    user, company = member["user"], member["company"]
    address = user.email
    assert MailOutbox.objects.filter(to__contains=[address]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        account_close(user=user)

    user.refresh_from_db()
    assert user.email.endswith("@deleted.invalid") and address not in user.email
    assert (user.first_name, user.last_name, user.is_active) == ("", "", False)
    assert not user.has_usable_password() and user.company_id is None
    assert not EmailAddress.objects.filter(email=address).exists()
    assert authenticate(email=address, password=PASSWORD) is None

    company.refresh_from_db()
    assert (company.name, company.employees, company.capital_yen) == (CLOSED_COMPANY_NAME, None, None)
    assert company.industry == "manufacturing"  # the anonymous statistics keep the band and industry

    assert not Sheet.objects.filter(pk=member["sheet"].pk).exists()
    assert not Share.objects.filter(company=company).exists()
    assert not member["pdf"].exists()

    upcoming = Booking.objects.get(pk=member["upcoming"].pk)
    past = Booking.objects.get(pk=member["past"].pk)
    assert upcoming.status == BookingStatus.CANCELLED
    assert past.status == BookingStatus.DONE and past.topics == ["current_state"]
    for booking in (upcoming, past):
        assert (booking.question, booking.customer_request, booking.private_record) == ("", "", "")

    assert Registration.objects.get(pk=member["seat"].pk).status == RegistrationStatus.CANCELLED
    assert Registration.objects.get(pk=member["waiting"].pk).status == RegistrationStatus.REGISTERED
    attended = Registration.objects.get(pk=member["attended"].pk)
    assert attended.status == RegistrationStatus.REGISTERED and attended.organisation == ""

    assert not User.history.filter(id=user.pk, email=address).exists()
    assert not User.history.filter(id=user.pk).exclude(first_name="").exists()
    assert not company.history.exclude(name=CLOSED_COMPANY_NAME).exists()
    assert not Sheet.history.filter(company_id=company.pk).exists()
    assert not Booking.history.filter(company_id=company.pk).exclude(question="").exists()
    assert not Registration.history.filter(user_id=user.pk).exclude(organisation="").exists()

    assert not Follow.objects.filter(user=user).exists()
    assert not [row for row in MailOutbox.objects.all() if address in row.to]


def test_a_colleague_keeps_the_company_and_its_sheets(member):
    user, company = member["user"], member["company"]
    colleague = SmeUserFactory(company=company)
    account_close(user=user)
    company.refresh_from_db()
    assert company.name != CLOSED_COMPANY_NAME
    assert Sheet.objects.filter(pk=member["sheet"].pk).exists()
    assert Booking.objects.get(pk=member["upcoming"].pk).status == BookingStatus.REQUESTED
    assert User.objects.get(pk=colleague.pk).is_active


def test_staff_accounts_are_not_closed_from_the_portal(staff_user):
    with pytest.raises(ApplicationError):
        account_close(user=staff_user)
    staff_user.refresh_from_db()
    assert staff_user.is_active


def test_an_advisors_login_is_not_closed_from_the_portal(frozen):
    from accounts.tests.factories import UserFactory
    from advisors.models import AdvisorAccount

    user = UserFactory()
    AdvisorAccount.objects.create(advisor=make_advisor(), user=user)
    with pytest.raises(ApplicationError):
        account_close(user=user)
    user.refresh_from_db()
    assert user.is_active


def test_close_page_needs_the_password_and_a_tick_then_logs_out(client, member):
    user = member["user"]
    client.force_login(user)
    page = client.get(reverse("accounts:close")).content.decode()
    assert "すぐに消すもの" in page and "セルフチェックシート" in page and "名前を外して残すもの" in page
    wrong = client.post(reverse("accounts:close"), {"password": "not-my-password", "understood": "on"})
    assert wrong.status_code == 400 and "パスワードが正しくありません。" in wrong.content.decode()
    unticked = client.post(reverse("accounts:close"), {"password": PASSWORD})
    assert unticked.status_code == 400 and "チェックを入れてください" in unticked.content.decode()
    user.refresh_from_db()
    assert user.is_active and Sheet.objects.filter(company=member["company"]).exists()

    response = client.post(reverse("accounts:close"), {"password": PASSWORD, "understood": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "アカウントを削除しました" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:dashboard")).status_code == 302


def test_the_closed_address_can_sign_up_again(member):
    address = member["user"].email
    account_close(user=member["user"])
    again = User.objects.create_user(email=address, password="another-horse-battery-7")
    assert again.pk != member["user"].pk


def _copies_in_database(needles: list[str]) -> list[str]:
    """Every text, JSON and character column of every table, and the mail outbox's attachments decoded, searched for
    each needle: where a copy of it is still kept."""
    import base64

    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('character varying', 'text', 'jsonb', 'json')"
        )
        for table, column in cursor.fetchall():
            for needle in needles:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}" WHERE "{column}"::text LIKE %s', [f"%{needle}%"])
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column}: {needle}")
    for row in MailOutbox.objects.exclude(attachments=[]):
        for item in row.attachments:
            content = base64.b64decode(item["content"]).decode("utf-8", errors="replace")
            found += [f"outbox #{row.pk} attachment {item['filename']}: {n}" for n in needles if n in content]
    return found


def test_closing_leaves_no_copy_of_the_name_or_the_texts_anywhere_in_the_database(
    frozen, django_capture_on_commit_callbacks, settings, tmp_path
):
    """The desk's and the advisor's mails (and the cancellation the closing itself sends) kept the company's name
    and the consultation's text after the account was deleted."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dispatch import services as dispatch
    from dispatch.models import Programme
    from matching import services as matching
    from matching.tests.factories import PDF_BYTES, NeedFactory

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    user = SmeUserFactory(first_name="花子", last_name="緑川", company__name="緑川精機株式会社")
    make_advisor()
    texts = ["コンプレッサを夜間に止められるか相談したい", "取引先の青葉商事から排出量の報告を求められた"]
    with django_capture_on_commit_callbacks(execute=True):
        upcoming = booking_create(user=user, start=at(2026, 4, 23, 14), **intake(question=texts[0]))
        booking_create(user=user, start=at(2026, 4, 28, 10), **intake(customer_request=texts[1]))
        dispatch.case_apply(
            user=user, programme=Programme.DIAGNOSIS, wants="乾燥炉の重油を減らしたい", sites="緑川本社"
        )
        proposal = matching.proposal_create(
            user=user,
            need_id=NeedFactory().pk,
            offer="緑川式の排熱回収ユニット",
            fit="同業の工場で燃料を三割減らした",
            files=[SimpleUploadedFile("緑川カタログ.pdf", PDF_BYTES)],
        )
    attachment = proposal.attachments.get()
    assert Path(attachment.file.path).is_file()
    needles = [user.email, "緑川精機", "緑川 花子", "緑川様", "緑川 様", *texts, "乾燥炉の重油を減らしたい", "緑川本社"]
    needles += ["緑川式の排熱回収ユニット", "同業の工場で燃料を三割減らした", "緑川カタログ"]
    assert _copies_in_database(needles)  # the check finds what it looks for
    assert MailOutbox.objects.exclude(to__contains=[user.email]).filter(body__contains="緑川精機").exists()
    assert upcoming.status == BookingStatus.REQUESTED
    with django_capture_on_commit_callbacks(execute=True):
        account_close(user=user)
    assert _copies_in_database(needles) == []
    assert not Path(attachment.file.path).exists()
