"""The person's name on sign-up and once afterwards (no allauth import here: allauth imports this module while it
builds its own sign-up form)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import InputChecksMixin


class NameFieldsMixin(forms.Form):
    family_name = forms.CharField(
        label=_("姓"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        error_messages={"required": _("姓を入力してください。")},
    )
    given_name = forms.CharField(
        label=pgettext_lazy("given name", "名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={"required": _("名を入力してください。")},
    )


class SignupNameForm(InputChecksMixin, NameFieldsMixin):
    """Sign-up asks the person's name (姓 then 名): mails and lists address them by it."""

    field_order = ["family_name", "given_name", "email", "password1", "password2"]

    def signup(self, request, user) -> None:
        user.last_name = self.cleaned_data["family_name"]
        user.first_name = self.cleaned_data["given_name"]
        user.save(update_fields=["last_name", "first_name"])


class NameForm(InputChecksMixin, NameFieldsMixin):
    """An account made before names were asked gives its name once."""
