"""The six windows; only HQ's online window gets the source's timetable (Tue and Thu, 9:00-17:00, one-hour slots).

reference/000 (中小機構「中小機構のカーボンニュートラルに係る取組みについて」) gives that timetable for the online
window at HQ only; for the regional windows it says 「申込方法：各地域本部にご連絡ください。」. A regional window is
therefore a contact (its office and how to apply, no online slots) until staff give it a timetable."""

import datetime

WINDOWS = [
    ("hq", "本部 オンライン相談窓口", True, False, "", 0),
    ("tohoku", "東北本部 相談窓口", True, True, "中小機構 東北本部（宮城県仙台市）", 1),
    ("chubu", "中部本部 相談窓口", True, True, "中小機構 中部本部（愛知県名古屋市）", 2),
    ("kinki", "近畿本部 相談窓口", True, True, "中小機構 近畿本部（大阪府大阪市）", 3),
    ("chugoku", "中国本部 相談窓口", True, True, "中小機構 中国本部（広島県広島市）", 4),
    ("kyushu", "九州本部 相談窓口", True, True, "中小機構 九州本部（福岡県福岡市）", 5),
]


SOURCE_TIMETABLE_WINDOW = "hq"
HOW_TO_APPLY = "申込方法：{office}にご連絡ください（対面またはオンライン、費用は無料）。"
DEFAULT_RULE = {"weekdays": (1, 3), "start": datetime.time(9), "end": datetime.time(17), "slot_minutes": 60}


def create_default_windows(Window, Rule) -> None:
    """Idempotent: a window that exists keeps the rules staff gave it."""
    for code, name, online, in_person, address, order in WINDOWS:
        window, created = Window.objects.get_or_create(
            code=code,
            defaults={"name": name, "online": online, "in_person": in_person, "address": address, "sort_order": order},
        )
        if created and code == SOURCE_TIMETABLE_WINDOW:
            for weekday in (1, 3):
                Rule.objects.create(
                    window=window, weekday=weekday, start=datetime.time(9), end=datetime.time(17), slot_minutes=60
                )


def regional_windows_contact_only(Window, Rule) -> None:
    """The regional windows lose the Tue/Thu timetable no source gives them (only where it is still exactly the
    default the first migration wrote) and say how to apply; a timetable staff set is kept."""
    for code, _name, _online, _in_person, address, _order in WINDOWS:
        if code == SOURCE_TIMETABLE_WINDOW:
            continue
        window = Window.objects.filter(code=code).first()
        if window is None:
            continue
        rules = list(Rule.objects.filter(window=window))
        default = (
            len(rules) == 2
            and all(
                (r.start, r.end, r.slot_minutes)
                == (DEFAULT_RULE["start"], DEFAULT_RULE["end"], DEFAULT_RULE["slot_minutes"])
                for r in rules
            )
            and sorted(r.weekday for r in rules) == list(DEFAULT_RULE["weekdays"])
        )
        if default:
            Rule.objects.filter(window=window).delete()
        if not window.description:
            office = address.split("（")[0] if address else window.name
            window.description = HOW_TO_APPLY.format(office=office)
            window.save(update_fields=["description"])
