import datetime as dt
import io

import factory
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from accounts.tests.factories import SmeUserFactory, UserFactory
from core.choices import Industry, Prefecture
from core.jst import fiscal_year_of, jst_date
from matching.models import (
    Buyer,
    BuyerMember,
    MemberStatus,
    Need,
    NeedStatus,
    Proposal,
    Theme,
)
from matching.selectors import normalise


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 64)).save(out, kind)
    return out.getvalue()


# Small but whole files: the attachment check parses each one to its end (core.uploads).
PDF_BYTES = _pdf()
PNG_BYTES = _image("PNG")
JPEG_BYTES = _image("JPEG")


class BuyerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Buyer

    name = factory.Sequence(lambda n: f"テスト大手{n}ホールディングス株式会社")
    profile = "大手設備機器メーカー"
    industry = Industry.MANUFACTURING
    prefecture = Prefecture.TOKYO


class BuyerMemberFactory(factory.django.DjangoModelFactory):
    """An approved buyer member (SMRJ has checked them)."""

    class Meta:
        model = BuyerMember

    user = factory.SubFactory(UserFactory)
    buyer = factory.SubFactory(BuyerFactory)
    department = "サステナビリティ推進部"
    status = MemberStatus.APPROVED
    decided_at = factory.LazyFunction(timezone.now)


class NeedFactory(factory.django.DjangoModelFactory):
    """A published need, open for three weeks."""

    class Meta:
        model = Need

    buyer = factory.SubFactory(BuyerFactory)
    title = factory.Sequence(lambda n: f"工場の省エネ設備の提案募集{n}")
    theme = Theme.ENERGY_SAVING
    summary = "工場の空調と照明の電力を減らす技術を探しています。"
    sought = "既存設備に後付けできる省エネ機器。導入実績のあるもの。"
    conditions = "年間100台程度。"
    region = "nationwide"
    deadline = factory.LazyFunction(lambda: jst_date(timezone.now()) + dt.timedelta(days=21))
    status = NeedStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    fiscal_year = factory.LazyAttribute(lambda o: fiscal_year_of(jst_date(o.published_at)) if o.published_at else None)
    search_text = factory.LazyAttribute(lambda o: normalise(" ".join([o.title, o.summary, o.sought, o.conditions])))


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    need = factory.SubFactory(NeedFactory)
    submitted_by = factory.SubFactory(SmeUserFactory)
    company = factory.LazyAttribute(lambda o: o.submitted_by.company)
    offer = "窓用の遮熱シート"
    fit = "夏の空調負荷を2割下げた実績があります。"
