"""Questions accounts asks the apps above it (core.hooks; docs/architecture.md)."""

from core.hooks import HookList

# Which session keys hold what a visitor started before signing up (a try-out's token, an invitation's link): each
# app answers with a list of its keys. accounts keeps them for the new account at sign-up and puts them back into
# the session of its first log-in, so that the verification mail opened in another browser loses nothing
# (accounts.carry).
signup_session_keys = HookList("accounts.signup_session_keys")
