"""The six windows and their default opening (Tue and Thu, 9:00-17:00, one-hour slots); used by a data migration."""

import datetime

WINDOWS = [
    ("hq", "本部 オンライン相談窓口", True, False, "", 0),
    ("tohoku", "東北本部 相談窓口", True, True, "中小機構 東北本部（宮城県仙台市）", 1),
    ("chubu", "中部本部 相談窓口", True, True, "中小機構 中部本部（愛知県名古屋市）", 2),
    ("kinki", "近畿本部 相談窓口", True, True, "中小機構 近畿本部（大阪府大阪市）", 3),
    ("chugoku", "中国本部 相談窓口", True, True, "中小機構 中国本部（広島県広島市）", 4),
    ("kyushu", "九州本部 相談窓口", True, True, "中小機構 九州本部（福岡県福岡市）", 5),
]


def create_default_windows(Window, Rule) -> None:
    """Idempotent: a window that exists keeps the rules staff gave it."""
    for code, name, online, in_person, address, order in WINDOWS:
        window, created = Window.objects.get_or_create(
            code=code,
            defaults={"name": name, "online": online, "in_person": in_person, "address": address, "sort_order": order},
        )
        if created:
            for weekday in (1, 3):
                Rule.objects.create(
                    window=window, weekday=weekday, start=datetime.time(9), end=datetime.time(17), slot_minutes=60
                )
