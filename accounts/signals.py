"""Signals accounts sends so that each app looks after its own rows (accounts imports no app)."""

from django.dispatch import Signal

# Sent by account_close once the account no longer works and before the user row is anonymised, with `user` and
# `company` (the company that closes with this account, or None when other people still use it). Each app removes
# the person's own data and anonymises what must stay for anonymous statistics (a past consultation, a seminar
# head-count), in its own transactions and so that running it again does no harm.
account_closing = Signal()

# Sent by account_close just before account_closing, with the same `user` and `company`. Each app returns the free
# texts it holds for them (a consultation's question, a case's description) that mails may have copied: once every
# app has done its part, the mail outbox loses every copy of them (core.mail.outbox_redact).
account_personal_texts = Signal()
