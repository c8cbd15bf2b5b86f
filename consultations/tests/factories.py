import datetime as dt

import factory

from accounts.tests.factories import CompanyFactory
from consultations.models import Advisor, AdvisorAvailability, Booking, ConsultationWindow

JST = dt.timezone(dt.timedelta(hours=9))


class AdvisorFactory(factory.django.DjangoModelFactory):
    """An active advisor; pass `windows=[...]` to attach the windows they serve."""

    class Meta:
        model = Advisor
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"専門家{n}")
    email = factory.Sequence(lambda n: f"advisor{n}@example.jp")
    expertise = "省エネ"

    @factory.post_generation
    def windows(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.windows.set(extracted)


class AdvisorAvailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdvisorAvailability

    advisor = factory.SubFactory(AdvisorFactory)
    weekday = 1
    start = dt.time(9)
    end = dt.time(17)


class BookingFactory(factory.django.DjangoModelFactory):
    """A one-hour online booking at the hq window."""

    class Meta:
        model = Booking

    company = factory.SubFactory(CompanyFactory)
    window = factory.LazyFunction(lambda: ConsultationWindow.objects.get(code="hq"))
    advisor = factory.SubFactory(AdvisorFactory)
    start = factory.LazyFunction(lambda: dt.datetime(2026, 4, 23, 9, tzinfo=JST))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(hours=1))
    mode = "online"
    topics = factory.LazyFunction(lambda: ["current_state"])
    question = "何から始めればよいか知りたい"
    meeting_tool = "zoom"
