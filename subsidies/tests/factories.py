from datetime import timedelta

import factory
from django.utils import timezone

from subsidies.models import ApplicationRound, Measure, Track, TrackCap


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    name = factory.Sequence(lambda n: f"テスト補助金{n}")
    kind = "subsidy"
    administering_body = "テスト省"
    step = "reduce"
    description = "テスト用の支援策です。"
    source_url = "https://example.jp/measure"
    source_title = "テスト省「テスト用の資料」"
    source_date = "令和8年4月"
    source_url_title = "テスト省「テスト用の資料」（令和8年度）"


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    measure = factory.SubFactory(MeasureFactory)
    name = factory.Sequence(lambda n: f"枠{n}")
    subsidy_rate = "1/2"
    rate_numerator = 1
    rate_denominator = 2


class TrackCapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackCap

    track = factory.SubFactory(TrackFactory)
    max_amount_yen = 1_000_000


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationRound

    measure = factory.SubFactory(MeasureFactory)
    name = "第1回"
    acceptance_start_datetime = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    acceptance_end_datetime = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
