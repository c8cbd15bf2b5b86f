"""Model fields with the project's defaults."""

from django.db import models


class HttpsURLField(models.URLField):
    """A URL field whose form field assumes https:// for a bare domain (Django 6.0's default, chosen now).

    It deconstructs as Django's URLField, so migrations do not change.
    """

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.URLField", args, kwargs
