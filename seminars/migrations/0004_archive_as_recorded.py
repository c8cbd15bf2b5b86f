"""The 23 past seminars as reference/000 records them (issue 14, finding 8).

0002 gave every one 14:00〜16:00, no capacity (shown as 定員なし) and a made-up title, turned 「600名以上」 into 600,
counted 「20社」 as people, reworded the sites and branches, and guessed two prefectures. Here each row keeps only
what the source gives: the day, format, co-host, audience and attendance as written. Rows staff have since edited
(their title is no longer the one 0002 made up) are left alone.
"""

from datetime import date, datetime

from django.db import migrations

from core.jst import JST

FIRST_TITLE = "カーボンニュートラルセミナー ～脱炭素社会の到来！最新動向を語る～"
TRAINING_TITLE = "中小企業のためのカーボンニュートラル研修"

# day, co-host, audience as written (when more specific than the category), attendance as written,
# (number, unit, at least) when the attendance is a count, prefecture named by the co-host (else "").
RECORDED = [
    ("2021-12-16", "関東経済産業局", "", "600名以上", (600, "people", True), ""),
    ("2022-01-11", "関東経済産業局", "よろず支援拠点", "関東地域のよろず11拠点", None, ""),
    ("2022-01-27", "茨城県産業技術センター", "", "20社", (20, "companies", False), "ibaraki"),
    ("2022-02-03", "線材製品協会", "", "100名", (100, "people", False), ""),
    ("2022-02-21", "関東経済産業局", "中小企業診断士", "関東地域の診断士協会", None, ""),
    ("2022-02-22", "地方銀行", "行員", "61支店", None, ""),
    ("2022-03-03", "鳥取大学振興協力会", "", "30名", (30, "people", False), "tottori"),
    ("2022-05-31", "大手商社", "", "130名", (130, "people", False), ""),
    ("2022-06-14", "金融財政事情研究会", "金融機関・保証協会", "20名", (20, "people", False), ""),
    ("2022-06-15", "商工中金鳥取支店", "", "30名", (30, "people", False), "tottori"),
    ("2022-07-14", "愛知県小牧商工会議所", "", "30名", (30, "people", False), "aichi"),
    ("2022-07-29", "商工中金盛岡支店", "", "50名", (50, "people", False), "iwate"),
    ("2022-08-23", "三重県工業研究所", "", "30名", (30, "people", False), "mie"),
    ("2022-10-25", "栃木県産業振興センター", "", "20名", (20, "people", False), "tochigi"),
    ("2022-11-16", "日本政策金融公庫（中部）", "", "70名", (70, "people", False), ""),
    ("2022-11-17", "大手物流", "", "30名", (30, "people", False), ""),
    ("2022-11-22", "宇都宮商工会議所", "", "20名", (20, "people", False), "tochigi"),
    ("2022-12-02", "岐阜県産業経済振興センター", "", "20名", (20, "people", False), "gifu"),
    ("2022-12-06", "山梨県よろず支援拠点", "", "30名", (30, "people", False), "yamanashi"),
    ("2022-12-07", "北海道経済産業局", "", "30名", (30, "people", False), "hokkaido"),
    ("2022-12-08", "神奈川県", "", "", None, "kanagawa"),
    ("2023-01-25", "", "", "30名", (30, "people", False), ""),
    ("2023-02-28", "", "", "30名", (30, "people", False), ""),
]


def _invented_title(index: int, cohost: str) -> str:
    if index == 0:
        return FIRST_TITLE
    if not cohost:
        return TRAINING_TITLE
    return f"カーボンニュートラルセミナー（{cohost}）"


def fill_days(apps, schema_editor):
    Seminar = apps.get_model("seminars", "Seminar")
    for seminar in Seminar.objects.filter(held_on__isnull=True).exclude(starts_at__isnull=True):
        seminar.held_on = seminar.starts_at.astimezone(JST).date()
        seminar.save(update_fields=["held_on"])


def as_recorded(apps, schema_editor):
    Seminar = apps.get_model("seminars", "Seminar")
    for index, (day, cohost, audience_note, attendance, count, prefecture) in enumerate(RECORDED):
        held_on = date.fromisoformat(day)
        start = datetime.combine(held_on, datetime.min.time(), JST)
        seminar = Seminar.objects.filter(
            accepts_registration=False,
            title=_invented_title(index, cohost),
            starts_at__gte=start,
            starts_at__lt=start.replace(hour=23, minute=59),
        ).first()
        if seminar is None:
            continue
        number, unit, at_least = count or (None, "other" if attendance else "people", False)
        seminar.title = FIRST_TITLE if index == 0 else ""
        seminar.held_on = held_on
        seminar.starts_at = None
        seminar.ends_at = None
        seminar.capacity = None
        seminar.final_headcount = number
        seminar.headcount_unit = unit
        seminar.headcount_at_least = at_least
        seminar.headcount_note = attendance
        seminar.audience_note = audience_note
        seminar.prefecture = prefecture
        seminar.save()


class Migration(migrations.Migration):
    dependencies = [("seminars", "0003_archive_fields")]

    operations = [
        migrations.RunPython(fill_days, migrations.RunPython.noop),
        migrations.RunPython(as_recorded, migrations.RunPython.noop),
    ]
