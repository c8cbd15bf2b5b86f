"""Demo data of this area for `manage.py load_demo` (idempotent): the demo SME shares its self-check with the demo
chamber."""

from accounts.demo import DEMO_INSTITUTION, DEMO_SME
from accounts.models import User

from . import services


def load_demo(*, stdout) -> None:
    sme = User.objects.filter(email=DEMO_SME).select_related("company").first()
    staff = User.objects.filter(email=DEMO_INSTITUTION).select_related("institution").first()
    if sme and sme.company and staff and staff.institution:
        services.share_grant(company=sme.company, kind="institution", institution=staff.institution, user=sme)
