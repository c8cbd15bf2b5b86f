"""Accessible admin inputs: shared by the staff admin site and the audited model admins."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


class LabelledWidgetsMixin:
    """Inputs Django's admin renders without a <label> (a tabular inline's cells, the date and time halves of a
    split date/time) get an aria-label naming the field, so that a screen reader says what each input is."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):

        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is None:
            return None
        label = str(capfirst(db_field.verbose_name))
        widget = getattr(formfield.widget, "widget", formfield.widget)  # inside RelatedFieldWidgetWrapper
        if isinstance(widget, forms.MultiWidget):
            for sub, part in zip(widget.widgets, (_("日付"), _("時刻")), strict=False):
                sub.attrs.setdefault("aria-label", f"{label}（{part}）")
        else:
            widget.attrs.setdefault("aria-label", label)
        return formfield
