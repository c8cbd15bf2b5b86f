"""What the self-check asks of the apps built on it (sharing answers), without importing them."""

from core.hooks import Hook, HookList

# result_context(request=, sheet=) -> dict: more context for a company sheet's result page (sharing adds its panel).
result_context = HookList("selfcheck.result_context")

# shared_sheet_opened(user=, sheet=, action=) -> bool: may this user, who does not own the sheet, open it (an active
# share)? The answering app records the access when it says yes. Until one answers, only the owner may.
shared_sheet_opened = Hook("selfcheck.shared_sheet_opened", default=lambda *, user, sheet, action: False)
