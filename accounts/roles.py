"""Names of the SMRJ staff groups created by the data migration (the admin shows them as they are)."""

CONSULTATION_DESK = "相談デスク"
SEMINAR_DESK = "セミナーデスク"
CATALOGUE_EDITOR = "カタログ編集者"
SELFCHECK_DESK = "セルフチェック管理"
ACCOUNT_ADMIN = "アカウント管理"

ALL_GROUPS = [CONSULTATION_DESK, SEMINAR_DESK, CATALOGUE_EDITOR, SELFCHECK_DESK, ACCOUNT_ADMIN]
