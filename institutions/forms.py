from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import InputChecksMixin


class InviteForm(InputChecksMixin, forms.Form):
    company_name = forms.CharField(
        label=_("会社名"), max_length=200, error_messages={"required": _("会社名を入力してください。")}
    )
    email = forms.EmailField(
        label=_("メールアドレス"),
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式が正しくありません。"),
        },
    )
    contact_name = forms.CharField(label=_("担当者名"), max_length=100, required=False)

    def clean(self):
        data = super().clean()
        for name in ("company_name", "contact_name"):
            if any(ch in (data.get(name) or "") for ch in "\r\n\x00"):
                self.add_error(name, _("改行などの使えない文字が含まれています。"))
        return data


class CsvUploadForm(InputChecksMixin, forms.Form):
    file = forms.FileField(
        label=_("会員名簿のCSVファイル"),
        help_text=_(
            "1行目に見出し「会社名」「メールアドレス」（任意で「担当者名」）。UTF-8またはShift_JIS（Excelの「CSV」形式）、"
            "500行まで。送信前に各行の確認画面が出ます。"
        ),
        error_messages={"required": _("ファイルを選んでください。")},
    )
