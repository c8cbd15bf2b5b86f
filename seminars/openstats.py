"""What seminars publish in the open statistics (core.openstats): seminars held and their attendance per 年度."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.jst import fiscal_year_bounds
from core.openstats import StatTable, provider

from .models import HeadcountUnit, RegistrationStatus, Seminar, SeminarFormat


@provider
def seminar_tables(fiscal_year: int) -> list[StatTable]:
    """Seminars held in the year (by the day they were held, JST) by format, and the people who took part."""
    start, end = fiscal_year_bounds(fiscal_year)
    seminars = list(
        Seminar.objects.filter(is_published=True, held_on__gte=start.date(), held_on__lt=end.date()).annotate(
            n_attended=Count("registrations", filter=Q(registrations__attended=True)),
            n_registered=Count("registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED)),
        )
    )
    section = _("セミナー")
    by_format = {value: 0 for value in SeminarFormat.values}
    people = 0
    for seminar in seminars:
        by_format[seminar.format] = by_format.get(seminar.format, 0) + 1
        if seminar.final_headcount is not None and seminar.headcount_unit == HeadcountUnit.PEOPLE:
            people += seminar.final_headcount
        elif seminar.accepts_registration:
            people += seminar.n_attended  # recorded at the door (check-in) or by the desk
    return [
        StatTable(
            "seminars_by_format",
            section,
            _("形式別の開催回数"),
            pgettext("unit: sessions", "回"),
            [(str(label), by_format.get(value, 0)) for value, label in SeminarFormat.choices],
        ),
        StatTable(
            "seminars_attendance",
            section,
            _("参加者数"),
            _("名"),
            [(_("参加者"), people)],
            note=_(
                "最終参加者数（人数）が記録されたセミナーはその数、ポータルで申込を受け付けたセミナーは"
                "出席を記録した人数です。企業数・拠点数で記録されたものは含みません。"
            ),
        ),
    ]
