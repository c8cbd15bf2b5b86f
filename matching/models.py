"""CN business matching: large companies (buyers) post needs, SMEs propose, buyers review and meet (商談)."""

import datetime as dt
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.choices import Industry, Prefecture, Region
from core.fields import HttpsURLField
from core.jst import JST
from core.models import BaseModel

from .storage import private_storage


class Theme(models.TextChoices):
    ENERGY_SAVING = "energy_saving", _("省エネルギー")
    RENEWABLES = "renewables", _("再生可能エネルギー")
    MATERIALS = "materials", _("素材・リサイクル")
    LOGISTICS = "logistics", _("物流")
    MEASUREMENT = "measurement", _("計測・見える化")
    OTHER = "other", _("その他")


NATIONWIDE = "nationwide"
REGION_CHOICES = [(NATIONWIDE, _("全国"))] + list(Region.choices)


class Buyer(BaseModel):
    """A large company (大手企業) that posts CN needs; its staff are approved by SMRJ."""

    name = models.CharField(_("企業名"), max_length=200, unique=True)
    profile = models.CharField(
        _("企業概要（公開）"),
        max_length=200,
        help_text=_("社名を出さずに公開する説明です。例：大手住宅用設備機器卸売・小売業"),
    )
    industry = models.CharField(_("業種"), max_length=20, choices=Industry.choices, default=Industry.OTHER)
    prefecture = models.CharField(_("本社所在地"), max_length=20, choices=Prefecture.choices)
    website = HttpsURLField(_("ウェブサイト"), blank=True)

    class Meta:
        verbose_name = _("大手企業（バイヤー）")
        verbose_name_plural = _("大手企業（バイヤー）")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MemberStatus(models.TextChoices):
    PENDING = "pending", _("承認待ち")
    APPROVED = "approved", _("承認済み")
    REJECTED = "rejected", _("不承認")
    REVOKED = "revoked", _("取り消し")


class BuyerMember(BaseModel):
    """A person who acts for a buyer; only APPROVED members may post needs or see proposals."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buyer_membership", verbose_name=_("ユーザー")
    )
    buyer = models.ForeignKey(Buyer, on_delete=models.PROTECT, related_name="members", verbose_name=_("大手企業"))
    department = models.CharField(_("部署"), max_length=200)
    job_title = models.CharField(_("役職"), max_length=100, blank=True)
    status = models.CharField(
        _("状態"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("判断した職員"),
    )
    decided_at = models.DateTimeField(_("判断日時"), null=True, blank=True)
    decision_note = models.TextField(_("判断の理由・メモ"), blank=True)

    class Meta:
        verbose_name = _("大手企業の担当者")
        verbose_name_plural = _("大手企業の担当者")
        ordering = ["status", "-created_at"]
        permissions = [("approve_buyermember", _("大手企業の担当者を承認・不承認にできる"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False), name="buyer_member_decision_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer} / {self.user}"

    @property
    def is_approved(self) -> bool:
        return self.status == MemberStatus.APPROVED


class NeedStatus(models.TextChoices):
    IN_REVIEW = "in_review", _("審査中")
    RETURNED = "returned", _("差し戻し")
    PUBLISHED = "published", _("公開中")


class Need(BaseModel):
    """A CN technology need of a buyer. SMRJ staff review it before anyone else sees it."""

    buyer = models.ForeignKey(Buyer, on_delete=models.PROTECT, related_name="needs", verbose_name=_("大手企業"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("登録者")
    )
    title = models.CharField(_("ニーズの件名"), max_length=120)
    theme = models.CharField(_("テーマ"), max_length=20, choices=Theme.choices, db_index=True)
    summary = models.TextField(
        _("概要（公開）"), max_length=600, help_text=_("ログインしていない人にも表示されます。600字まで。")
    )
    sought = models.TextField(_("求める技術・製品"), max_length=4000)
    conditions = models.TextField(_("条件（数量・価格・納期・対応地域など）"), max_length=4000, blank=True)
    region = models.CharField(_("対象地域"), max_length=20, choices=REGION_CHOICES, default=NATIONWIDE)
    deadline = models.DateField(_("提案の締切日"), help_text=_("締切日の23:59（日本時間）まで提案を受け付けます。"))
    status = models.CharField(
        _("状態"), max_length=20, choices=NeedStatus.choices, default=NeedStatus.IN_REVIEW, db_index=True
    )
    submitted_at = models.DateTimeField(_("審査依頼日時"), null=True, blank=True)
    published_at = models.DateTimeField(_("公開日時"), null=True, blank=True, db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(_("公開年度"), null=True, blank=True, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("審査した職員"),
    )
    review_note = models.TextField(_("審査コメント"), blank=True)
    # NFKC-normalised, lower-cased title + summary + sought, so that a search for ＬＥＤ finds LED and ｼｰﾄ finds シート.
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("ニーズ")
        verbose_name_plural = _("ニーズ")
        ordering = ["deadline", "pk"]
        permissions = [("review_need", _("ニーズを審査・公開できる"))]
        indexes = [models.Index(fields=["status", "deadline"], name="need_status_deadline_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | (Q(published_at__isnull=False) & Q(fiscal_year__isnull=False)),
                name="need_published_has_time_and_year",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def deadline_at(self) -> dt.datetime:
        """The instant proposals close: the end of the deadline day in Japan."""
        return dt.datetime.combine(self.deadline + dt.timedelta(days=1), dt.time(0, 0), tzinfo=JST)

    def is_open_at(self, now: dt.datetime) -> bool:
        return self.status == NeedStatus.PUBLISHED and now < self.deadline_at


class ThemeFollow(BaseModel):
    """An SME follows a theme to receive the weekly digest of new needs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="matching_follows", verbose_name=_("ユーザー")
    )
    theme = models.CharField(_("テーマ"), max_length=20, choices=Theme.choices)

    class Meta:
        verbose_name = _("フォロー中のテーマ")
        verbose_name_plural = _("フォロー中のテーマ")
        constraints = [models.UniqueConstraint(fields=["user", "theme"], name="theme_follow_once")]

    def __str__(self) -> str:
        return f"{self.user} → {self.get_theme_display()}"


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("提案受付")
    SHORTLISTED = "shortlisted", _("検討候補")
    MEETING_REQUESTED = "meeting_requested", _("商談の日程調整中")
    MEETING_SET = "meeting_set", _("商談決定")
    CLOSED = "closed", _("商談結果の記録済み")
    DECLINED = "declined", _("見送り")


class Outcome(models.TextChoices):
    DEAL = "deal", _("取引・共同開発に進む")
    CONTINUING = "continuing", _("継続して検討する")
    NO_DEAL = "no_deal", _("今回は見送る")


class Proposal(BaseModel):
    """An SME's answer to one need. One per company and need (a database constraint)."""

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("ニーズ"))
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="matching_proposals", verbose_name=_("提案企業")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="matching_proposals", verbose_name=_("提案者")
    )
    offer = models.TextField(_("提案する製品・技術"), max_length=4000)
    fit = models.TextField(_("ニーズにどう応えるか"), max_length=4000)
    company_pr = models.TextField(_("会社紹介・実績"), max_length=2000, blank=True)
    selfcheck_level = models.PositiveSmallIntegerField(_("セルフチェックの総合レベル"), null=True, blank=True)
    selfcheck_fiscal_year = models.PositiveSmallIntegerField(_("セルフチェックの年度"), null=True, blank=True)
    status = models.CharField(
        _("状態"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED, db_index=True
    )
    shortlisted_at = models.DateTimeField(_("候補にした日時"), null=True, blank=True)
    declined_at = models.DateTimeField(_("見送った日時"), null=True, blank=True)
    decline_reason = models.TextField(_("見送りの理由"), blank=True)
    meeting_agreed_at = models.DateTimeField(_("商談が決まった日時"), null=True, blank=True, db_index=True)
    outcome = models.CharField(_("商談の結果"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("結果のメモ"), blank=True)
    outcome_at = models.DateTimeField(_("結果の記録日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("提案")
        verbose_name_plural = _("提案")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["need", "company"], name="one_proposal_per_company_and_need"),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""), name="proposal_declined_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | (~Q(outcome="") & Q(meeting_agreed_at__isnull=False)),
                name="proposal_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["meeting_set", "closed"]) | Q(meeting_agreed_at__isnull=False),
                name="proposal_meeting_set_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} → {self.need}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is random: the uploader's file name is kept only as data, never as a path.
    suffix = PurePath(filename).suffix.lower()
    return f"proposals/{instance.proposal_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(BaseModel):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("提案"))
    file = models.FileField(_("ファイル"), storage=private_storage, upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("元のファイル名"), max_length=200)
    content_type = models.CharField(_("種類"), max_length=50)
    size = models.PositiveIntegerField(_("サイズ（バイト）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("登録者")
    )

    class Meta:
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty")]

    def __str__(self) -> str:
        return self.original_name


class MeetingMode(models.TextChoices):
    ONLINE = "online", _("オンライン")
    ONSITE = "onsite", _("対面（訪問・来社）")


class MeetingStatus(models.TextChoices):
    REQUESTED = "requested", _("日程調整中")
    ACCEPTED = "accepted", _("確定")
    DECLINED = "declined", _("候補日が合わない")
    CANCELLED = "cancelled", _("取り消し")


class Meeting(BaseModel):
    """A buyer's request for a 商談 with up to three proposed times; the SME accepts one."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("提案"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("依頼した人")
    )
    message = models.TextField(_("メッセージ"), max_length=2000, blank=True)
    mode = models.CharField(_("形式"), max_length=20, choices=MeetingMode.choices, default=MeetingMode.ONLINE)
    location = models.CharField(
        _("場所またはオンライン会議のURL"), max_length=300, blank=True, help_text=_("確定した相手にだけ表示します。")
    )
    duration_minutes = models.PositiveSmallIntegerField(_("所要時間（分）"), default=60)
    status = models.CharField(
        _("状態"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.REQUESTED, db_index=True
    )
    starts_at = models.DateTimeField(_("確定した日時"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("回答した人"),
    )
    responded_at = models.DateTimeField(_("回答日時"), null=True, blank=True)
    response_note = models.TextField(_("回答のメモ"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("商談")
        verbose_name_plural = _("商談")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal"],
                condition=Q(status__in=["requested", "accepted"]),
                name="one_open_meeting_per_proposal",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(starts_at__isnull=False), name="meeting_accepted_has_time"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15) & Q(duration_minutes__lte=480), name="meeting_duration_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} ({self.get_status_display()})"

    @property
    def ends_at(self) -> dt.datetime | None:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes) if self.starts_at else None


class MeetingSlot(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="slots", verbose_name=_("商談"))
    starts_at = models.DateTimeField(_("候補日時"))

    class Meta:
        verbose_name = _("商談の候補日時")
        verbose_name_plural = _("商談の候補日時")
        ordering = ["starts_at"]
        constraints = [models.UniqueConstraint(fields=["meeting", "starts_at"], name="meeting_slot_once")]

    def __str__(self) -> str:
        return str(self.starts_at)


class AuditAction(models.TextChoices):
    MEMBER_APPLIED = "member_applied", _("担当者の登録申請")
    MEMBER_APPROVED = "member_approved", _("担当者の承認")
    MEMBER_REJECTED = "member_rejected", _("担当者の不承認")
    MEMBER_REVOKED = "member_revoked", _("担当者の承認取り消し")
    NEED_PUBLISHED = "need_published", _("ニーズの公開")
    NEED_RETURNED = "need_returned", _("ニーズの差し戻し")


class AuditEvent(models.Model):
    """Who at SMRJ (or which applicant) did what to a buyer, a member or a need; rows are never edited."""

    at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("操作した人")
    )
    action = models.CharField(_("操作"), max_length=30, choices=AuditAction.choices)
    buyer = models.ForeignKey(
        Buyer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("大手企業")
    )
    member = models.ForeignKey(
        BuyerMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("担当者")
    )
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("ニーズ")
    )
    note = models.TextField(_("メモ"), blank=True)

    class Meta:
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.actor})"


class SourceFigure(models.Model):
    """Historical matching results quoted from an SMRJ document, shown next to (never mixed into) portal counts."""

    fiscal_year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    buyers = models.PositiveIntegerField(_("大手企業（社）"))
    needs = models.PositiveIntegerField(_("ニーズ（件）"))
    proposals = models.PositiveIntegerField(_("提案（件）"))
    proposing_smes = models.PositiveIntegerField(_("提案した中小企業（社）"))
    negotiations = models.PositiveIntegerField(_("商談（件）"), null=True, blank=True)
    negotiating_firms = models.PositiveIntegerField(_("商談に至った中小企業（社）"), null=True, blank=True)
    source = models.CharField(_("出典"), max_length=300)
    note = models.CharField(_("注記"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("出典の実績値")
        verbose_name_plural = _("出典の実績値")
        ordering = ["fiscal_year"]
        permissions = [("view_matching_statistics", _("ビジネスマッチングの統計を見られる"))]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度（{self.source}）"
