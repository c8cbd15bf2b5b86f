from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import InputChecksMixin

from .models import Company


class CompanyForm(InputChecksMixin, forms.ModelForm):
    class Meta:
        model = Company
        fields = [
            "name",
            "prefecture",
            "industry",
            "employee_band",
            "employees",
            "revenue_band",
            "capital_yen",
        ]
        widgets = {
            "employees": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "capital_yen": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric", "step": 1}),
        }
        error_messages = {
            "name": {"required": _("会社名・屋号を入力してください。")},
            "prefecture": {"required": _("都道府県を選んでください。")},
            "industry": {"required": _("業種を選んでください。")},
            "employee_band": {"required": _("従業員数の区分を選んでください。")},
            "revenue_band": {"required": _("売上高の区分を選んでください。")},
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("prefecture", "industry", "employee_band", "revenue_band"):
            self.fields[name].choices = [("", _("選択してください"))] + list(self.fields[name].choices)[1:]


class AccountCloseForm(InputChecksMixin, forms.Form):
    """Closing is for good: the person types their password and ticks that they understand."""

    password = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("確認のため、現在のパスワードを入力してください。")},
    )
    understood = forms.BooleanField(
        label=_("削除したデータは元に戻せないことを理解しました"),
        error_messages={"required": _("削除してよいか確認のため、チェックを入れてください。")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("パスワードが正しくありません。"))
        return password


class LoginForm(AllauthLoginForm):
    """E-mail, password, then the button: the reset link sits after the button (allauth puts it in the password's
    hint, between the password and the button, where Tab then Enter opened the reset page)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""
