"""The test helper that plays the authenticator app must not hand out a code its own step is about to retire."""

import time

import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, validate_totp_code

from .factories import TOTP_MARGIN_SECONDS, TOTP_SECRET, totp_code

STEP = 30
BOUNDARY = 1_795_000_020  # a multiple of 30 s, in November 2026


def test_a_code_asked_for_in_a_steps_last_second_is_the_next_steps_and_still_valid_after_the_margin():
    with time_machine.travel(BOUNDARY - 1, tick=True):
        code = totp_code()
        assert time.time() >= BOUNDARY
        assert code == format_hotp_value(hotp_value(TOTP_SECRET, BOUNDARY // STEP))
        assert code != format_hotp_value(hotp_value(TOTP_SECRET, BOUNDARY // STEP - 1))
    with time_machine.travel(BOUNDARY + STEP - TOTP_MARGIN_SECONDS + 0.5, tick=False):
        assert validate_totp_code(TOTP_SECRET, code)


def test_a_code_asked_for_early_in_a_step_comes_at_once():
    with time_machine.travel(BOUNDARY + 1, tick=False):
        started = time.monotonic()
        code = totp_code()
        assert time.monotonic() - started < 0.5
        assert code == format_hotp_value(hotp_value(TOTP_SECRET, BOUNDARY // STEP))
