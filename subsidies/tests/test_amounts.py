"""Yen as people write them and a track's estimate within its minimum, cap and eligibility (no database)."""

import pytest

from subsidies.amounts import Cap, TrackRules, track_estimate, yen_about, yen_words

M = 1_000_000


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (150 * M, "1億5,000万円"),
        (100 * M, "1億円"),
        (15 * M, "1,500万円"),
        (7_500_000, "750万円"),
        (13_333_333, "1,333万3,333円"),
        (17_500, "1万7,500円"),
        (900, "900円"),
        (0, "0円"),
        (1_230_000_000_000, "1兆2,300億円"),
        (1_000_000_000_000, "1兆円"),
        (1_000_000_000_001, "1兆1円"),
        (12_345_000_000_000_000, "12,345兆円"),
    ],
)
def test_amounts_read_as_people_write_them_with_oku_and_man(value, text):
    assert yen_words(value) == text


def test_amounts_never_read_as_ten_thousand_man_yen():
    assert "10,000万" not in yen_words(100 * M)
    assert "15,000万" not in yen_words(150 * M)


def test_one_cho_yen_reads_as_1_cho_never_ten_thousand_oku():
    assert yen_words(10**12) == "1兆円"
    assert "10,000億" not in yen_words(10**12) and "億" not in yen_words(10**12)
    assert yen_about(10**12 + 5_000) == "約1兆円"


def test_an_estimate_is_rounded_down_to_man_yen_and_says_about():
    assert yen_about(13_333_333) == "約1,333万円"
    assert yen_about(6 * M) == "600万円"
    assert yen_about(5_000) == "5,000円"


SME = TrackRules(rate_numerator=1, rate_denominator=2, min_amount_yen=1 * M, caps=(Cap(0, None, 100 * M),))
MIDSIZE = TrackRules(
    rate_numerator=1, rate_denominator=3, min_amount_yen=1 * M, caps=(Cap(0, None, 150 * M),), eligible_min_employees=51
)
BANDED = TrackRules(
    rate_numerator=2,
    rate_denominator=3,
    min_amount_yen=None,
    caps=(Cap(0, 5, 7_500_000), Cap(6, 20, 10 * M), Cap(21, None, 12_500_000)),
)


def test_an_estimate_below_the_track_minimum_is_not_offered_and_names_the_investment_needed():
    estimate = track_estimate(SME, employees=12, investment_yen=1 * M)
    assert estimate.subsidy_yen is None and estimate.below_minimum
    assert estimate.min_investment_yen == 2 * M
    assert track_estimate(SME, employees=12, investment_yen=2 * M).subsidy_yen == 1 * M


def test_an_estimate_never_exceeds_the_track_maximum():
    assert track_estimate(SME, employees=12, investment_yen=500 * M).subsidy_yen == 100 * M
    assert track_estimate(BANDED, employees=12, investment_yen=60 * M).subsidy_yen == 10 * M


def test_without_a_head_count_a_banded_estimate_is_held_under_the_highest_cap_and_says_it_depends():
    estimate = track_estimate(BANDED, employees=None, investment_yen=60 * M)
    assert estimate.subsidy_yen == 12_500_000
    assert estimate.cap_depends_on_employees and estimate.max_amount_yen is None
    assert estimate.highest_cap_yen == 12_500_000


def test_a_twelve_person_company_is_not_eligible_for_the_midsize_track():
    estimate = track_estimate(MIDSIZE, employees=12, investment_yen=30 * M)
    assert estimate.eligible is False
    assert estimate.subsidy_yen is None and estimate.max_amount_yen is None
    assert track_estimate(MIDSIZE, employees=400, investment_yen=30 * M).subsidy_yen == 10 * M
    assert track_estimate(MIDSIZE, employees=None, investment_yen=30 * M).eligible is None
