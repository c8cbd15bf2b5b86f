from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import SupportInstitution
from core.forms import InputChecksMixin

from .services import CUSTOMER_MAX_DAYS, RECIPIENT_MAX

ALL_YEARS = ""


def year_choices(years) -> list[tuple[str, str]]:
    return [(ALL_YEARS, _("すべての年度（今後の年度も含む）"))] + [
        (str(y), _("%(y)s年度") % {"y": y}) for y in sorted(set(years), reverse=True)
    ]


class _YearsMixin:
    def _set_years(self, years) -> None:
        self.fields["fiscal_year"].choices = year_choices(years)

    def clean_fiscal_year(self) -> int | None:
        value = self.cleaned_data.get("fiscal_year")
        return int(value) if value else None


class InstitutionShareForm(_YearsMixin, InputChecksMixin, forms.Form):
    institution = forms.ModelChoiceField(
        label=_("共有する支援機関"),
        queryset=SupportInstitution.objects.order_by("prefecture", "name"),
        help_text=_("選んだ機関の担当者が、セルフチェックの結果とPDFを見られるようになります。いつでも取り消せます。"),
        error_messages={"required": _("共有する支援機関を選んでください。")},
    )
    fiscal_year = forms.ChoiceField(label=_("共有する年度"), required=False)
    consent = forms.BooleanField(
        label=_("この支援機関にシートの内容を共有することに同意します"),
        required=True,
        error_messages={"required": _("共有するには同意が必要です。")},
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._set_years(years)


class CustomerShareForm(_YearsMixin, InputChecksMixin, forms.Form):
    DAYS = [(30, _("30日")), (90, _("90日")), (180, _("180日")), (CUSTOMER_MAX_DAYS, _("1年"))]

    recipient = forms.CharField(
        label=_("共有先の取引先名"),
        max_length=RECIPIENT_MAX,
        help_text=_("例：株式会社○○ 調達部。閲覧の記録にこの名前で表示されます。"),
        error_messages={"required": _("共有先の取引先名を入力してください。")},
    )
    fiscal_year = forms.ChoiceField(label=_("開示する年度"), required=False)
    days = forms.TypedChoiceField(label=_("リンクの有効期間"), choices=DAYS, coerce=int, initial=90)
    consent = forms.BooleanField(
        label=_("このリンクを知っている人が、開示ページとPDFを見られることに同意します"),
        required=True,
        error_messages={"required": _("リンクを作るには同意が必要です。")},
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._set_years(years)

    def clean_recipient(self) -> str:
        value = self.cleaned_data["recipient"]
        if any(ch in value for ch in "\r\n\x00"):
            raise forms.ValidationError(_("改行を含めずに入力してください。"))
        return value.strip()
