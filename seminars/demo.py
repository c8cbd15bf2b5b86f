"""Upcoming demo seminars (fictional), relative to today so that the demo always has something to join."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.demo import DEMO_ADMIN
from accounts.models import User
from core.choices import Prefecture

from .models import CoHost, Seminar, SeminarFormat, Session
from .services import registration_create

UPCOMING = [
    {
        "title": "はじめての省エネ診断とCO2の見える化",
        "format": SeminarFormat.ONLINE,
        "days": 10,
        "capacity": 100,
        "cohosts": ["さくら商工会議所（デモ）"],
        "summary": "電気・ガスの請求書からCO2排出量を計算する方法と、省エネルギー診断の受け方を、実例とともに紹介します。",
        "sessions": [
            ("14:00", "カーボンニュートラルと中小企業：いま何が求められているか", "中小機構 CNアドバイザー"),
            ("14:40", "請求書から始めるCO2排出量の算定", "エネルギー管理士 山田 一郎（架空）"),
            ("15:20", "質疑応答", ""),
        ],
        "streaming_url": "https://example.jp/webinar/cn-2026-12",
    },
    {
        "title": "取引先から排出量を聞かれたら：サプライチェーン対応の実務",
        "format": SeminarFormat.HYBRID,
        "days": 17,
        "capacity": 40,
        "venue": "名古屋市中小企業振興会館（会場例）",
        "prefecture": Prefecture.AICHI,
        "cohosts": ["中部経済産業局（想定）", "みどり信用金庫（デモ）"],
        "summary": "大手企業からのCO2排出量の問い合わせに、中小企業がどう答えるか。SBT・RE Actionの基礎も解説します。",
        "sessions": [("13:30", "Scope1・2・3の基本と回答の作り方", "中小企業診断士 佐藤 花（架空）")],
        "for_financial": True,
    },
    {
        "title": "支援機関職員のためのカーボンニュートラル研修",
        "format": SeminarFormat.TRAINING,
        "days": 24,
        "capacity": 30,
        "venue": "中小企業大学校 東京校（会場例）",
        "prefecture": Prefecture.TOKYO,
        "for_sme": False,
        "for_institution": True,
        "for_consultant": True,
        "summary": "会員企業へのプッシュ型支援のために、CO2チェックシートの使い方と相談対応の進め方を学びます。",
        "sessions": [("10:00", "CNアクションプランの作り方", "中小機構 職員")],
    },
    {
        "title": "ヤメル・サゲル・トメル：お金をかけない省エネ（満席の例）",
        "format": SeminarFormat.ONLINE,
        "days": 31,
        "capacity": 1,
        "summary": "運用の見直しだけでできる省エネの考え方を紹介します。キャンセル待ちを受け付けています。",
        "sessions": [("15:00", "省エネの6つの視点", "省エネルギーの専門家（架空）")],
    },
]


def load_demo(*, stdout) -> None:
    today = timezone.localdate()
    for item in UPCOMING:
        start_time = time.fromisoformat(item["sessions"][0][0])
        starts = timezone.make_aware(datetime.combine(today + timedelta(days=item["days"]), start_time))
        seminar, created = Seminar.objects.get_or_create(
            title=item["title"],
            defaults={
                "format": item["format"],
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "capacity": item["capacity"],
                "venue": item.get("venue", ""),
                "prefecture": item.get("prefecture", ""),
                "summary": item["summary"],
                "streaming_url": item.get("streaming_url", ""),
                "for_sme": item.get("for_sme", True),
                "for_institution": item.get("for_institution", False),
                "for_financial": item.get("for_financial", False),
                "for_consultant": item.get("for_consultant", False),
            },
        )
        if created:
            for order, name in enumerate(item.get("cohosts", [])):
                CoHost.objects.create(seminar=seminar, name=name, order=order)
            for order, (at, title, speaker) in enumerate(item["sessions"]):
                Session.objects.create(
                    seminar=seminar, title=title, speaker=speaker, starts_at=time.fromisoformat(at), order=order
                )
    full = Seminar.objects.get(title=UPCOMING[-1]["title"])
    admin = User.objects.filter(email=DEMO_ADMIN).first()
    if admin and not full.registrations.exists():
        registration_create(seminar_id=full.pk, user=admin)
    stdout.write(f"セミナー: {Seminar.objects.count()} 件")
