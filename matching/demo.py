"""Demo matching data (all fictional): two buyers, five needs, proposals at every stage, made through the services."""

import datetime as dt
import io

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from accounts.demo import DEMO_ADMIN, DEMO_PASSWORD, DEMO_SME, desk_steps
from accounts.models import Company, User
from core.choices import EmployeeBand, Industry, Prefecture, RevenueBand
from core.jst import JST, jst_now, jst_today

from . import services
from .models import Buyer
from .roles import MATCHING_DESK

DEMO_BUYER_1 = "buyer@example.jp"
DEMO_BUYER_2 = "buyer2@example.jp"


# A one-page PDF so that the demo proposals have an attachment to open.
def _demo_pdf() -> bytes:
    """A one-page blank PDF, whole (an attachment is parsed to its end before it is accepted)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _user(email: str, **fields) -> User:
    user, created = User.objects.get_or_create(email=email, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _sme(email: str, company_name: str, prefecture: str, last: str, first: str) -> User:
    company, _ = Company.objects.get_or_create(
        name=company_name,
        defaults={
            "prefecture": prefecture,
            "industry": Industry.MANUFACTURING,
            "employee_band": EmployeeBand.UP_TO_50,
            "employees": 35,
            "revenue_band": RevenueBand.UP_TO_500M,
        },
    )
    return _user(email, company=company, last_name=last, first_name=first)


def _at(days: int, hour: int) -> dt.datetime:
    return dt.datetime.combine(jst_today() + dt.timedelta(days=days), dt.time(hour), tzinfo=JST)


def load_demo(*, stdout) -> None:
    if Buyer.objects.filter(name__endswith="（デモ）").exists():
        stdout.write("ビジネスマッチングのデモデータは読み込み済みです。")
        return
    admin = User.objects.get(email=DEMO_ADMIN)
    admin.groups.add(Group.objects.get_or_create(name=MATCHING_DESK)[0])
    with desk_steps(admin):
        _load(admin=admin, stdout=stdout)


def _load(*, admin: User, stdout) -> None:
    buyer_users = []
    for email, name, profile, industry, pref, last in [
        (
            DEMO_BUYER_1,
            "みなと住設販売株式会社（デモ）",
            "大手住宅用設備機器卸売・小売業",
            Industry.WHOLESALE,
            "tokyo",
            "港",
        ),
        (DEMO_BUYER_2, "北斗ロジスティクス株式会社（デモ）", "大手総合物流業", Industry.TRANSPORT, "osaka", "北斗"),
    ]:
        user = _user(email, last_name=last, first_name="一郎")
        member = services.buyer_member_apply(
            user=user,
            buyer_name=name,
            profile=profile,
            industry=industry,
            prefecture=Prefecture(pref),
            department="サステナビリティ推進部",
        )
        services.buyer_member_approve(member_id=member.pk, actor=admin)
        buyer_users.append(user)
    minato, hokuto = buyer_users

    def need(user, publish=True, **fields):
        item = services.need_create(user=user, **fields)
        return services.need_publish(need_id=item.pk, actor=admin) if publish else item

    deadline = jst_today() + dt.timedelta(days=28)
    windows = need(
        minato,
        title="店舗・住宅向けの窓の遮熱・断熱製品",
        theme="energy_saving",
        summary="住宅設備の販売網で扱える、窓からの熱の出入りを減らす製品を探しています。後付けできるものを歓迎します。",
        sought="既存の窓に後付けできる遮熱フィルム・内窓・遮熱塗料など。省エネ効果のデータがあるもの。",
        conditions="全国の販売店で扱える供給体制。施工の手引きがあれば尚可。",
        region="nationwide",
        deadline=deadline,
    )
    hvac = need(
        minato,
        title="省エネ型の業務用給湯・空調の周辺機器",
        theme="energy_saving",
        summary="店舗や小規模オフィス向けに、給湯・空調のエネルギー使用量を減らす周辺機器を探しています。",
        sought="配管の断熱材、排熱回収ユニット、インバーター制御盤など。",
        conditions="関東の店舗で試験導入できること。",
        region="kanto",
        deadline=deadline + dt.timedelta(days=14),
    )
    solar = need(
        hokuto,
        title="物流センター屋根の太陽光発電（自家消費）",
        theme="renewables",
        summary="近畿の物流センターの屋根で、自家消費型の太陽光発電を導入する提案を募集します。",
        sought="屋根荷重の小さい太陽光パネルと、設置・保守まで一括で担える体制。",
        conditions="屋根面積 約8,000m²。稼働中のセンターで工事できること。",
        region="kinki",
        deadline=deadline,
    )
    packaging = need(
        hokuto,
        title="梱包材の再生素材への切り替え",
        theme="materials",
        summary="配送で使う緩衝材やストレッチフィルムを、再生素材やリサイクルしやすい素材に切り替えたいと考えています。",
        sought="再生プラスチック・紙系の緩衝材、回収して再利用できる梱包資材。",
        conditions="月間数万個の規模で安定供給できること。",
        region="nationwide",
        deadline=deadline + dt.timedelta(days=7),
    )
    need(
        hokuto,
        publish=False,
        title="配送車両のエネルギー使用量の見える化",
        theme="measurement",
        summary="配送車両ごとの燃料・電力使用量とCO2を自動で集計する仕組みを探しています。",
        sought="車載器やアプリで走行データを集め、車両別・拠点別に集計できるサービス。",
        region="nationwide",
        deadline=deadline + dt.timedelta(days=21),
    )

    midori = User.objects.get(email=DEMO_SME)
    hikari = _sme("sme2@example.jp", "有限会社ひかり塗装（デモ）", Prefecture.SHIZUOKA, "光井", "次郎")
    aoba = _sme("sme3@example.jp", "株式会社あおば電機（デモ）", Prefecture.MIYAGI, "青葉", "三郎")

    def propose(user, item, offer, fit):
        return services.proposal_create(
            user=user,
            need_id=item.pk,
            offer=offer,
            fit=fit,
            company_pr="創業40年。県内の工場・店舗を中心に施工実績があります（デモ）。",
            files=[SimpleUploadedFile("catalogue.pdf", _demo_pdf())],
        )

    # submitted
    propose(aoba, windows, "窓枠に取り付ける樹脂製の内窓キット", "二重窓にすることで暖房の熱損失を抑えます。")
    propose(midori, hvac, "排熱回収ユニット", "空調の排熱で給湯の予熱を行います。")
    # shortlisted
    p = propose(hikari, hvac, "配管用の高性能断熱カバー", "既存配管に工具なしで巻けます。")
    services.proposal_shortlist(user=minato, proposal_id=p.pk)
    # declined
    p = propose(hikari, packaging, "紙製の緩衝材", "古紙100%で、使用後は古紙回収に出せます。")
    services.proposal_decline(
        user=hokuto, proposal_id=p.pk, reason="今回は必要な供給量（月数万個）に届かないため、見送らせてください。"
    )
    # meeting requested
    p = propose(aoba, solar, "軽量の薄型太陽光パネル", "屋根荷重を従来の半分に抑えられます。")
    services.meeting_request(
        user=hokuto, proposal_id=p.pk, times=[_at(5, 10), _at(6, 14), _at(8, 15)], mode="online", location=""
    )
    # meeting set
    p = propose(midori, windows, "窓用遮熱シート", "夏の室温上昇を抑え、空調の電力を減らした実績があります。")
    meeting = services.meeting_request(
        user=minato,
        proposal_id=p.pk,
        times=[_at(7, 10), _at(9, 13)],
        mode="online",
        location="https://meet.example.jp/demo-room",
        message="製品の施工事例を伺いたいです。",
    )
    services.meeting_accept(user=midori, meeting_id=meeting.pk, slot_id=meeting.slots.first().pk)
    # closed with an outcome
    p = propose(hikari, windows, "屋根・外壁用の遮熱塗料", "表面温度を下げ、空調負荷を減らします。")
    meeting = services.meeting_request(
        user=minato, proposal_id=p.pk, times=[jst_now() + dt.timedelta(hours=3)], mode="onsite", location="本社"
    )
    services.meeting_accept(user=hikari, meeting_id=meeting.pk, slot_id=meeting.slots.get().pk)
    services.proposal_record_outcome(user=minato, proposal_id=p.pk, outcome="continuing", note="試験施工を検討")
    services.theme_follows_set(user=midori, themes=["energy_saving", "renewables"])

    stdout.write("  ビジネスマッチング（大手企業）:  " + DEMO_BUYER_1 + ", " + DEMO_BUYER_2)
    stdout.write("  ビジネスマッチング（中小企業）:  sme2@example.jp, sme3@example.jp")
