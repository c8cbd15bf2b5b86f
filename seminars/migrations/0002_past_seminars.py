"""The 23 CN seminars SMRJ held with partners from December 2021 to February 2023 (reference/000)."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.db import migrations

TOKYO = ZoneInfo("Asia/Tokyo")

# format, date, co-host, audience, headcount, note, prefecture
PAST = [
    ("online", "2021-12-16", "関東経済産業局", "sme", 600, "600名以上", ""),
    ("online", "2022-01-11", "関東経済産業局", "institution", None, "関東地域のよろず支援拠点11拠点", ""),
    ("online", "2022-01-27", "茨城県産業技術センター", "sme", 20, "20社", "ibaraki"),
    ("online", "2022-02-03", "線材製品協会", "sme", 100, "", ""),
    ("online", "2022-02-21", "関東経済産業局", "consultant", None, "関東地域の中小企業診断士協会", ""),
    ("online", "2022-02-22", "地方銀行", "financial", None, "行員向け・61支店", ""),
    ("online", "2022-03-03", "鳥取大学振興協力会", "sme", 30, "", "tottori"),
    ("online", "2022-05-31", "大手商社", "sme", 130, "", ""),
    ("hybrid", "2022-06-14", "金融財政事情研究会", "financial", 20, "金融機関・保証協会", "tokyo"),
    ("onsite", "2022-06-15", "商工中金鳥取支店", "sme", 30, "", "tottori"),
    ("hybrid", "2022-07-14", "愛知県小牧商工会議所", "sme", 30, "", "aichi"),
    ("onsite", "2022-07-29", "商工中金盛岡支店", "sme", 50, "", "iwate"),
    ("online", "2022-08-23", "三重県工業研究所", "sme", 30, "", "mie"),
    ("online", "2022-10-25", "栃木県産業振興センター", "institution", 20, "", "tochigi"),
    ("hybrid", "2022-11-16", "日本政策金融公庫（中部）", "sme", 70, "", "aichi"),
    ("online", "2022-11-17", "大手物流", "sme", 30, "", ""),
    ("online", "2022-11-22", "宇都宮商工会議所", "sme", 20, "", "tochigi"),
    ("onsite", "2022-12-02", "岐阜県産業経済振興センター", "sme", 20, "", "gifu"),
    ("onsite", "2022-12-06", "山梨県よろず支援拠点", "sme", 30, "", "yamanashi"),
    ("hybrid", "2022-12-07", "北海道経済産業局", "financial", 30, "", "hokkaido"),
    ("video", "2022-12-08", "神奈川県", "sme", None, "", "kanagawa"),
    ("training", "2023-01-25", "", "sme", 30, "", ""),
    ("training", "2023-02-28", "", "sme", 30, "", ""),
]

FIRST_PROGRAMME = [
    "カーボンニュートラル実現に向けた当局の取組について（関東経済産業局）",
    "ファーストステップ 省エネの重要性、効果的な取組とは（省エネルギーセンター）",
    "中小企業を取り巻く環境と支援について（中小機構）",
    "町工場が取り組む脱炭素への挑戦 ～2030年までの完全脱炭素を目指して～",
]


def load(apps, schema_editor):
    Seminar = apps.get_model("seminars", "Seminar")
    CoHost = apps.get_model("seminars", "CoHost")
    Session = apps.get_model("seminars", "Session")
    for index, (fmt, day, cohost, audience, headcount, note, prefecture) in enumerate(PAST):
        date = datetime.strptime(day, "%Y-%m-%d").date()
        if index == 0:
            title = "カーボンニュートラルセミナー ～脱炭素社会の到来！最新動向を語る～"
        elif fmt == "training":
            title = "中小企業のためのカーボンニュートラル研修"
        else:
            title = f"カーボンニュートラルセミナー（{cohost}）"
        if Seminar.objects.filter(title=title, starts_at__date=date).exists():
            continue
        seminar = Seminar.objects.create(
            title=title,
            summary="省エネ・カーボンニュートラルの普及啓発と取組事例の紹介。" if index == 0 else "",
            format=fmt,
            starts_at=datetime.combine(date, time(14, 0), TOKYO),
            ends_at=datetime.combine(date, time(16, 0), TOKYO),
            prefecture=prefecture,
            for_sme=audience == "sme",
            for_institution=audience == "institution",
            for_financial=audience == "financial",
            for_consultant=audience == "consultant",
            accepts_registration=False,
            final_headcount=headcount,
            headcount_note=note,
            registration_close_hours=24,
        )
        if cohost:
            CoHost.objects.create(seminar=seminar, name=cohost)
        if index == 0:
            for order, session in enumerate(FIRST_PROGRAMME):
                Session.objects.create(seminar=seminar, title=session, order=order)


def unload(apps, schema_editor):
    apps.get_model("seminars", "Seminar").objects.filter(accepts_registration=False, starts_at__year__lt=2024).delete()


def grant(apps, schema_editor):
    from accounts.roles import SEMINAR_DESK
    from core.migration_utils import grant_permissions

    perms = [
        f"seminars.{action}_{model}"
        for model in ("seminar", "session", "cohost", "material", "registration")
        for action in ("view", "add", "change", "delete")
        if not (model == "registration" and action in ("add", "delete"))
    ]
    grant_permissions(apps, SEMINAR_DESK, perms)


class Migration(migrations.Migration):
    dependencies = [("seminars", "0001_initial"), ("accounts", "0002_staff_groups")]

    operations = [
        migrations.RunPython(load, unload),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
