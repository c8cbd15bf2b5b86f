from datetime import timedelta

import factory
from django.utils import timezone

from seminars.models import Seminar, SeminarFormat


class SeminarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seminar

    title = factory.Sequence(lambda n: f"省エネルギー入門セミナー{n}")
    format = SeminarFormat.ONLINE
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    capacity = 10
    streaming_url = "https://example.jp/live/secret-room"
    for_sme = True
