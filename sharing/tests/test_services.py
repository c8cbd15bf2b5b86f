"""One service grants the three kinds of share; access ends by revocation, expiry or 30 days after a consultation."""

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.db import IntegrityError
from django.utils import timezone

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory
from core.errors import ApplicationError
from selfcheck.tests.helpers import filled_sheet
from sharing import selectors, services
from sharing.models import Share, ShareKind

from .factories import make_advisor, make_booking

pytestmark = pytest.mark.django_db


def test_institution_share_is_idempotent_per_institution_and_year(sme_user, institution_user):
    kwargs = {"company": sme_user.company, "kind": ShareKind.INSTITUTION, "user": sme_user}
    first = services.share_grant(institution=institution_user.institution, fiscal_year=2025, **kwargs)
    again = services.share_grant(institution=institution_user.institution, fiscal_year=2025, **kwargs)
    all_years = services.share_grant(institution=institution_user.institution, fiscal_year=None, **kwargs)
    all_again = services.share_grant(institution=institution_user.institution, fiscal_year=None, **kwargs)
    assert first == again and all_years == all_again and first != all_years
    assert Share.objects.count() == 2


def test_the_database_refuses_a_second_active_all_years_share():
    user = SmeUserFactory()
    institution = InstitutionUserFactory().institution
    Share.objects.create(company=user.company, kind="institution", institution=institution)
    with pytest.raises(IntegrityError):
        Share.objects.create(company=user.company, kind="institution", institution=institution)


def test_the_database_refuses_a_share_without_its_grantee(sme_user):
    with pytest.raises(IntegrityError):
        Share.objects.create(company=sme_user.company, kind="institution")


def test_only_a_user_of_the_company_can_grant(sme_user, institution_user):
    with pytest.raises(ApplicationError):
        services.share_grant(
            company=sme_user.company,
            kind=ShareKind.INSTITUTION,
            institution=institution_user.institution,
            user=SmeUserFactory(),
        )
    with pytest.raises(ApplicationError):
        services.share_grant(
            company=sme_user.company,
            kind=ShareKind.INSTITUTION,
            institution=institution_user.institution,
            user=institution_user,
        )
    assert not Share.objects.exists()


def test_customer_share_needs_a_name_and_a_period_within_a_year(sme_user):
    base = {"company": sme_user.company, "kind": ShareKind.CUSTOMER, "user": sme_user}
    with pytest.raises(ApplicationError) as error:
        services.share_grant(recipient="  ", days=30, **base)
    assert error.value.field == "recipient"
    with pytest.raises(ApplicationError) as error:
        services.share_grant(recipient="株式会社取引先", days=366, **base)
    assert error.value.field == "days"
    with pytest.raises(ApplicationError) as error:
        services.share_grant(recipient="株式会社取引先", days=0, **base)
    assert error.value.field == "days"
    assert not Share.objects.exists()
    share = services.share_grant(recipient="株式会社取引先\n調達部", days=30, **base)
    assert share.recipient == "株式会社取引先 調達部"
    assert dt.timedelta(days=29, hours=23) < share.expires_at - timezone.now() <= dt.timedelta(days=30)


def test_advisor_share_belongs_to_the_booking_and_ends_30_days_after_the_consultation(sme_user):
    advisor = make_advisor()
    booking = make_booking(user=sme_user, advisor=advisor)
    share = services.share_grant(company=sme_user.company, kind=ShareKind.ADVISOR, booking=booking, user=sme_user)
    assert (
        services.share_grant(company=sme_user.company, kind=ShareKind.ADVISOR, booking=booking, user=sme_user) == share
    )
    assert selectors.share_for_advisor(advisor_id=advisor.pk, company_id=sme_user.company_id) == share
    assert selectors.share_ends_at(share) == booking.end + dt.timedelta(days=30)
    with time_machine.travel(booking.end + dt.timedelta(days=29, hours=23), tick=False):
        assert selectors.share_for_advisor(advisor_id=advisor.pk, company_id=sme_user.company_id) == share
    with time_machine.travel(booking.end + dt.timedelta(days=30, seconds=1), tick=False):
        assert selectors.share_for_advisor(advisor_id=advisor.pk, company_id=sme_user.company_id) is None
        share.refresh_from_db()
        assert not selectors.share_is_active(share)


def test_advisor_share_follows_the_booking_to_a_new_advisor_and_ends_with_a_cancellation(sme_user):
    first, second = make_advisor(), make_advisor(name="専門家 二郎", email="jiro@example.jp")
    booking = make_booking(user=sme_user, advisor=first)
    services.share_grant(company=sme_user.company, kind=ShareKind.ADVISOR, booking=booking, user=sme_user)
    booking.advisor = second
    booking.save()
    assert selectors.share_for_advisor(advisor_id=first.pk, company_id=sme_user.company_id) is None
    assert selectors.share_for_advisor(advisor_id=second.pk, company_id=sme_user.company_id) is not None
    booking.status = "cancelled"
    booking.save()
    assert selectors.share_for_advisor(advisor_id=second.pk, company_id=sme_user.company_id) is None


def test_advisor_share_of_another_company_booking_is_refused(sme_user):
    other = SmeUserFactory()
    booking = make_booking(user=other, advisor=make_advisor())
    with pytest.raises(ApplicationError):
        services.share_grant(company=sme_user.company, kind=ShareKind.ADVISOR, booking=booking, user=sme_user)


def test_a_revoked_share_grants_nothing_and_a_new_consent_makes_a_new_row(sme_user, institution_user):
    sheet = filled_sheet(sme_user.company)
    kwargs = {"company": sme_user.company, "kind": ShareKind.INSTITUTION, "user": sme_user}
    share = services.share_grant(institution=institution_user.institution, **kwargs)
    assert selectors.share_for_sheet(user=institution_user, sheet=sheet) == share
    services.share_revoke(share=share)
    assert selectors.share_for_sheet(user=institution_user, sheet=sheet) is None
    again = services.share_grant(institution=institution_user.institution, **kwargs)
    assert again != share and selectors.share_for_sheet(user=institution_user, sheet=sheet) == again


def test_disclosure_token_round_trip_and_every_way_it_fails(sme_user):
    share = services.share_grant(
        company=sme_user.company, kind=ShareKind.CUSTOMER, user=sme_user, recipient="取引先", days=30
    )
    token = services.disclosure_token(share)
    assert services.share_from_token(token) == share
    for forged in (
        token + "x",
        token[:-3],
        "abc",
        signing.Signer(salt=services.LINK_SALT).sign_object({"s": share.pk, "n": "guess"}),
    ):
        with pytest.raises(services.ShareLinkError) as error:
            services.share_from_token(forged)
        assert error.value.code == "forged"
    with time_machine.travel(share.expires_at + dt.timedelta(seconds=1), tick=False):
        with pytest.raises(services.ShareLinkError) as error:
            services.share_from_token(token)
        assert error.value.code == "expired"
    services.share_revoke(share=share)
    with pytest.raises(services.ShareLinkError) as error:
        services.share_from_token(token)
    assert error.value.code == "revoked"


def test_an_institution_share_token_cannot_be_made_into_a_link(sme_user, institution_user):
    share = services.share_grant(
        company=sme_user.company, kind=ShareKind.INSTITUTION, institution=institution_user.institution, user=sme_user
    )
    forged = signing.Signer(salt=services.LINK_SALT).sign_object({"s": share.pk, "n": share.nonce})
    with pytest.raises(services.ShareLinkError):
        services.share_from_token(forged)
