"""Shared categories, so that profiles, statistics and filters in every app line up (DOMAIN.md)."""

from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    HOKKAIDO = "hokkaido", _("北海道")
    TOHOKU = "tohoku", _("東北")
    KANTO = "kanto", _("関東")
    CHUBU = "chubu", _("中部")
    HOKURIKU = "hokuriku", _("北陸")
    KINKI = "kinki", _("近畿")
    CHUGOKU = "chugoku", _("中国")
    SHIKOKU = "shikoku", _("四国")
    KYUSHU = "kyushu", _("九州")
    OKINAWA = "okinawa", _("沖縄")


class Prefecture(models.TextChoices):
    HOKKAIDO = "hokkaido", _("北海道")
    AOMORI = "aomori", _("青森県")
    IWATE = "iwate", _("岩手県")
    MIYAGI = "miyagi", _("宮城県")
    AKITA = "akita", _("秋田県")
    YAMAGATA = "yamagata", _("山形県")
    FUKUSHIMA = "fukushima", _("福島県")
    IBARAKI = "ibaraki", _("茨城県")
    TOCHIGI = "tochigi", _("栃木県")
    GUNMA = "gunma", _("群馬県")
    SAITAMA = "saitama", _("埼玉県")
    CHIBA = "chiba", _("千葉県")
    TOKYO = "tokyo", _("東京都")
    KANAGAWA = "kanagawa", _("神奈川県")
    NIIGATA = "niigata", _("新潟県")
    TOYAMA = "toyama", _("富山県")
    ISHIKAWA = "ishikawa", _("石川県")
    FUKUI = "fukui", _("福井県")
    YAMANASHI = "yamanashi", _("山梨県")
    NAGANO = "nagano", _("長野県")
    GIFU = "gifu", _("岐阜県")
    SHIZUOKA = "shizuoka", _("静岡県")
    AICHI = "aichi", _("愛知県")
    MIE = "mie", _("三重県")
    SHIGA = "shiga", _("滋賀県")
    KYOTO = "kyoto", _("京都府")
    OSAKA = "osaka", _("大阪府")
    HYOGO = "hyogo", _("兵庫県")
    NARA = "nara", _("奈良県")
    WAKAYAMA = "wakayama", _("和歌山県")
    TOTTORI = "tottori", _("鳥取県")
    SHIMANE = "shimane", _("島根県")
    OKAYAMA = "okayama", _("岡山県")
    HIROSHIMA = "hiroshima", _("広島県")
    YAMAGUCHI = "yamaguchi", _("山口県")
    TOKUSHIMA = "tokushima", _("徳島県")
    KAGAWA = "kagawa", _("香川県")
    EHIME = "ehime", _("愛媛県")
    KOCHI = "kochi", _("高知県")
    FUKUOKA = "fukuoka", _("福岡県")
    SAGA = "saga", _("佐賀県")
    NAGASAKI = "nagasaki", _("長崎県")
    KUMAMOTO = "kumamoto", _("熊本県")
    OITA = "oita", _("大分県")
    MIYAZAKI = "miyazaki", _("宮崎県")
    KAGOSHIMA = "kagoshima", _("鹿児島県")
    OKINAWA = "okinawa", _("沖縄県")


_REGION_OF = {
    Region.HOKKAIDO: ["hokkaido"],
    Region.TOHOKU: ["aomori", "iwate", "miyagi", "akita", "yamagata", "fukushima"],
    Region.KANTO: [
        "ibaraki",
        "tochigi",
        "gunma",
        "saitama",
        "chiba",
        "tokyo",
        "kanagawa",
        "niigata",
        "yamanashi",
        "nagano",
    ],
    Region.CHUBU: ["gifu", "shizuoka", "aichi", "mie"],
    Region.HOKURIKU: ["toyama", "ishikawa", "fukui"],
    Region.KINKI: ["shiga", "kyoto", "osaka", "hyogo", "nara", "wakayama"],
    Region.CHUGOKU: ["tottori", "shimane", "okayama", "hiroshima", "yamaguchi"],
    Region.SHIKOKU: ["tokushima", "kagawa", "ehime", "kochi"],
    Region.KYUSHU: ["fukuoka", "saga", "nagasaki", "kumamoto", "oita", "miyazaki", "kagoshima"],
    Region.OKINAWA: ["okinawa"],
}
PREFECTURE_REGION: dict[str, str] = {pref: region.value for region, prefs in _REGION_OF.items() for pref in prefs}


def prefectures_in(region: str) -> list[str]:
    """The prefecture codes of one region block."""
    return [pref for pref, reg in PREFECTURE_REGION.items() if reg == region]


class Industry(models.TextChoices):
    """The industry split SMRJ uses in its consultation statistics."""

    MANUFACTURING = "manufacturing", _("製造業")
    WHOLESALE = "wholesale", _("卸売業")
    CONSTRUCTION = "construction", _("建設業")
    SERVICES = "services", _("サービス業")
    RETAIL = "retail", _("小売業")
    TRANSPORT = "transport", _("運輸業")
    REAL_ESTATE = "real_estate", _("不動産業")
    FOOD_LODGING = "food_lodging", _("飲食・宿泊業")
    OTHER = "other", _("その他・不明")


class RevenueBand(models.TextChoices):
    UP_TO_10M = "le_10m", _("1千万円以下")
    UP_TO_50M = "le_50m", _("5千万円以下")
    UP_TO_100M = "le_100m", _("1億円以下")
    UP_TO_500M = "le_500m", _("5億円以下")
    UP_TO_1B = "le_1b", _("10億円以下")
    UP_TO_3B = "le_3b", _("30億円以下")
    OVER_3B = "gt_3b", _("30億円超")
    UNKNOWN = "unknown", _("不明・回答しない")


class EmployeeBand(models.TextChoices):
    UP_TO_5 = "le_5", _("5人以下")
    UP_TO_20 = "le_20", _("6〜20人")
    UP_TO_50 = "le_50", _("21〜50人")
    UP_TO_100 = "le_100", _("51〜100人")
    UP_TO_300 = "le_300", _("101〜300人")
    OVER_300 = "gt_300", _("301人以上")
    UNKNOWN = "unknown", _("不明・回答しない")


_EMPLOYEE_BAND_LIMITS = [
    (5, EmployeeBand.UP_TO_5),
    (20, EmployeeBand.UP_TO_20),
    (50, EmployeeBand.UP_TO_50),
    (100, EmployeeBand.UP_TO_100),
    (300, EmployeeBand.UP_TO_300),
]


def employee_band_for(count: int | None) -> str:
    """The statistics band of an exact head-count."""
    if count is None:
        return EmployeeBand.UNKNOWN
    for limit, band in _EMPLOYEE_BAND_LIMITS:
        if count <= limit:
            return band
    return EmployeeBand.OVER_300


class InstitutionType(models.TextChoices):
    CHAMBER_OF_COMMERCE = "chamber", _("商工会議所")
    SOCIETY_OF_COMMERCE = "society", _("商工会")
    SME_ASSOCIATION = "association", _("中小企業団体中央会・組合")
    SHOPPING_STREET = "shopping_street", _("商店街振興組合")
    BANK = "bank", _("金融機関（地方銀行・信用金庫など）")
    CONSULTANT = "consultant", _("士業・コンサルタント")
    PUBLIC_CENTRE = "public", _("公的支援機関")


def prefecture_order(field: str):
    """An expression that sorts rows by `field` (a Prefecture code) in the usual 北海道→沖縄 order."""
    return Case(
        *(When(**{field: code}, then=Value(position)) for position, code in enumerate(Prefecture.values)),
        default=Value(len(Prefecture.values)),
        output_field=IntegerField(),
    )
