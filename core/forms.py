"""Forms of the shared admin pages."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .audit import HISTORY_TYPES, audited_models


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("対象"), required=False)
    user = forms.ModelChoiceField(
        label=_("変更した人"),
        required=False,
        queryset=get_user_model().objects.filter(is_staff=True).order_by("email"),
        empty_label=_("すべての職員"),
    )
    history_type = forms.ChoiceField(
        label=_("種類"), required=False, choices=[("", _("すべて")), *HISTORY_TYPES.items()]
    )
    date_from = forms.DateField(label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("すべて"))] + [
            (m._meta.label, m._meta.verbose_name) for m in audited_models()
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", _("終了日は開始日以降の日付にしてください（開始日と終了日が逆です）。"))
        return cleaned

    def filters(self) -> dict:
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        return {
            "model_label": data.get("model") or "",
            "user_id": data["user"].pk if data.get("user") else None,
            "history_type": data.get("history_type") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
