"""The SMRJ staff groups and exactly what each may do in the admin (least privilege, one place).

`staff_groups_sync` (run after every `migrate`, and after a test flush) creates the groups and sets each one's
permissions to exactly this list, so a permission added by hand in the admin does not survive a deploy.
Superusers are the only ones who manage staff accounts, groups, permissions and the audit trail. The consultation and
seminar desks, who are told of undeliverable mail, see the mail outbox and may send a failed mail again.
"""

CONSULTATION_DESK = "相談デスク"
SEMINAR_DESK = "セミナーデスク"
CATALOGUE_EDITOR = "カタログ編集者"
SELFCHECK_DESK = "セルフチェック管理"
ACCOUNT_ADMIN = "アカウント管理"

ALL_GROUPS = [CONSULTATION_DESK, SEMINAR_DESK, CATALOGUE_EDITOR, SELFCHECK_DESK, ACCOUNT_ADMIN]


def _crud(app: str, *models: str, verbs=("view", "add", "change", "delete")) -> list[str]:
    return [f"{app}.{verb}_{model}" for model in models for verb in verbs]


_SEE_ORGANISATIONS = ["accounts.view_company", "accounts.view_supportinstitution"]
# The outbox: queued, sent and failed mails, and "send again" for a failed one (core.mail.outbox_resend, audited).
_MAIL_DESK = ["core.view_mailoutbox", "core.resend_mailoutbox", "core.view_mailresend"]

GROUP_PERMISSIONS: dict[str, list[str]] = {
    CONSULTATION_DESK: [
        *_SEE_ORGANISATIONS,
        *_MAIL_DESK,
        "accounts.view_user",
        *_crud(
            "consultations",
            "consultationwindow",
            "openingrule",
            "advisor",
            "advisoravailability",
            "advisordayoff",
            "closure",
        ),
        # Bookings change only through the desk services (status, move, meeting); no add, no delete.
        "consultations.view_booking",
        "consultations.change_booking",
        # advisors' logins are created by inviting them; their follow-ups are read here
        "advisors.view_advisoraccount",
        "advisors.add_advisoraccount",
        "advisors.view_followup",
        "advisors.view_recommendation",
    ],
    SEMINAR_DESK: [
        *_SEE_ORGANISATIONS,
        *_MAIL_DESK,
        "accounts.view_user",
        *_crud("seminars", "seminar", "session", "cohost", "material"),
        "seminars.view_registration",
        "seminars.change_registration",
    ],
    SELFCHECK_DESK: [
        *_SEE_ORGANISATIONS,
        *_crud("selfcheck", "factorset", "factor", verbs=("view", "add", "change")),
        "selfcheck.view_selfchecksettings",
        "selfcheck.change_selfchecksettings",
        "selfcheck.view_sheet",
        # consent and access log of shared results: read-only (the company owns its consent)
        "sharing.view_share",
        "sharing.view_shareaccess",
    ],
    CATALOGUE_EDITOR: [
        "accounts.view_supportinstitution",
        *_crud("subsidies", "measure", "track", "trackcap", "applicationround", "actionplan"),
        "subsidies.view_follow",
        # The check log is written only by the "確認済みにする" action (who and when); editors read it.
        "subsidies.view_measurecheck",
    ],
    ACCOUNT_ADMIN: [
        *_SEE_ORGANISATIONS,
        "accounts.add_supportinstitution",
        "accounts.change_supportinstitution",
        "accounts.change_company",
        # SME and institution users only: the user admin hides staff accounts from non-superusers.
        "accounts.view_user",
        "accounts.change_user",
        # institutions' member lists and invitations (read-only: the institutions and companies own them)
        "institutions.view_membership",
        "institutions.view_memberinvitation",
        "institutions.view_consultationrequest",
    ],
}
