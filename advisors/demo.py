"""Demo data of this area for `manage.py load_demo` (idempotent): a login for one of the fictional demo advisors."""

from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, _user
from consultations.models import Advisor
from core.site import absolute_url

from .models import AdvisorAccount

DEMO_ADVISOR = "advisor@example.jp"
ADVISOR_NAME = "山田 太一（デモ）"


def load_demo(*, stdout) -> None:
    # consultations.demo gives its advisor this address; this area only adds the login.
    advisor = Advisor.objects.filter(name=ADVISOR_NAME, email=DEMO_ADVISOR).first()
    if advisor is None:
        return
    user = _user(DEMO_ADVISOR, last_name="山田", first_name="太一")
    AdvisorAccount.objects.get_or_create(advisor=advisor, user=user, defaults={"activated_at": timezone.now()})
    site = absolute_url()
    stdout.write(f"  専門家 (advisor, {ADVISOR_NAME}): {DEMO_ADVISOR} / {DEMO_PASSWORD}")
    stdout.write(
        f"    専門家も二段階認証が必須です (a second factor, as for staff): 初回ログイン後 {site}/accounts/2fa/totp/activate/ "
        f"で認証アプリを登録すると {site}/advisor/ が開きます"
    )
