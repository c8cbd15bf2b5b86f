"""Demo data of this area for `manage.py load_demo` (idempotent): the demo chamber's member companies, an accepted
and an open invitation, and an open request for a consultation it would sit in on. No mail is sent."""

import datetime as dt

from django.utils import timezone

from accounts.demo import DEMO_INSTITUTION, DEMO_PASSWORD, DEMO_SME, _user
from accounts.models import Company, User
from consultations.models import ConsultationWindow
from core.choices import EmployeeBand, Industry, Prefecture, RevenueBand

from .models import ConsultationRequest, MemberInvitation, Membership, RequestStatus

DEMO_MEMBER = "aoba@example.jp"
DEMO_STAFF_2 = "shokokai-kankyo@example.jp"


def _member(*, institution, company, email: str, staff) -> None:
    if Membership.objects.filter(institution=institution, company=company, left_at__isnull=True).exists():
        return
    now = timezone.now()
    invitation = MemberInvitation.objects.filter(institution=institution, email=email).first()
    if invitation is None:
        invitation = MemberInvitation.objects.create(
            institution=institution,
            email=email,
            company_name=company.name,
            sent_at=now - dt.timedelta(days=3),
            accepted_at=now - dt.timedelta(days=2),
            accepted_company=company,
            created_by=staff,
        )
    Membership.objects.create(institution=institution, company=company, invitation=invitation)


def load_demo(*, stdout) -> None:
    staff = User.objects.filter(email=DEMO_INSTITUTION).select_related("institution").first()
    sme = User.objects.filter(email=DEMO_SME).select_related("company").first()
    if staff is None or staff.institution is None or sme is None or sme.company is None:
        return
    institution = staff.institution
    _user(DEMO_STAFF_2, institution=institution, last_name="環境", first_name="次郎")
    aoba, _created = Company.objects.get_or_create(
        name="あおば食品株式会社（デモ）",
        defaults={
            "prefecture": Prefecture.AICHI,
            "industry": Industry.MANUFACTURING,
            "employee_band": EmployeeBand.UP_TO_50,
            "employees": 38,
            "revenue_band": RevenueBand.UP_TO_1B,
        },
    )
    _user(DEMO_MEMBER, company=aoba, last_name="青葉", first_name="さくら")
    _member(institution=institution, company=sme.company, email=DEMO_SME, staff=staff)
    _member(institution=institution, company=aoba, email=DEMO_MEMBER, staff=staff)
    if not MemberInvitation.objects.filter(institution=institution, email="hikari@example.jp").exists():
        MemberInvitation.objects.create(
            institution=institution,
            email="hikari@example.jp",
            company_name="ひかり運輸（デモ）",
            sent_at=timezone.now(),
            created_by=staff,
        )
    if not ConsultationRequest.objects.filter(institution=institution, company=sme.company).exists():
        ConsultationRequest.objects.create(
            institution=institution,
            company=sme.company,
            status=RequestStatus.PENDING,
            window=ConsultationWindow.objects.filter(code="hq").first(),
            preferred="来月の火曜日か木曜日の午前",
            topics=["subsidy"],
            message="省エネ設備の更新と補助金について、中小機構の専門家に一緒に相談しませんか。当所の担当者が同席します。",
            requested_by=staff,
        )
    stdout.write(
        f"  支援機関 ({institution.name}): 職員 (staff) {DEMO_INSTITUTION}, {DEMO_STAFF_2}; "
        f"会員企業 (members) {DEMO_SME}, {DEMO_MEMBER} / {DEMO_PASSWORD}"
    )
    stdout.write(f"    {DEMO_SME} のマイページに、{institution.name} からの相談の依頼（同席）が表示されます")
