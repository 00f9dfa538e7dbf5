"""Table tests of reconciler.numbers: the number rules the validator and the server share."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler import numbers
from reconciler.numbers import Problem

# -- senders -----------------------------------------------------------------

SENDERS_OK = [
    ("+1 (833) 555-0100", "+18335550100"),
    ("(833) 555-0100", "+18335550100"),
    ("833-555-0100", "+18335550100"),
    ("833.555.0100", "+18335550100"),
    ("8335550100", "+18335550100"),
    ("18335550100", "+18335550100"),
    ("1-855-555-0122", "+18555550122"),
    ("+18005550161", "+18005550161"),
    ("+1 844 555 0111", "+18445550111"),
    ("+1 866 555 0133", "+18665550133"),
    ("+1 877 555 0144", "+18775550144"),
    ("+1 888 555 0160", "+18885550160"),
    ("  +1 888 555 0160  ", "+18885550160"),
    ("+1 888/555/0160", "+18885550160"),  # slow path: phonenumbers reads it too
    ("+1(888)5550160", "+18885550160"),
]


@pytest.mark.parametrize(("raw", "e164"), SENDERS_OK)
def test_toll_free_senders_normalise_to_e164(raw: str, e164: str) -> None:
    result = numbers.check_sender(raw)
    assert result.ok, result.message
    assert result.e164 == e164
    assert result.region == "US"


SENDERS_BAD = [
    ("24680", Problem.SHORT_CODE, "short code"),
    ("123456", Problem.SHORT_CODE, "short code"),
    ("+1 212 555 0100", Problem.NOT_TOLL_FREE, "US long code"),
    ("212-555-0100", Problem.NOT_TOLL_FREE, "US long code"),
    ("+1 900 555 0100", Problem.NOT_TOLL_FREE, "premium-rate"),
    ("+1 416 555 0100", Problem.OUTSIDE_US, "Canada (CA)"),
    ("+1 787 555 0100", Problem.OUTSIDE_US, "Puerto Rico (PR)"),
    ("+44 20 7946 0958", Problem.OUTSIDE_US, "(GB)"),
    ("+44 800 555 0100", Problem.OUTSIDE_US, "United Kingdom (GB)"),
    ("+1 800 FLOWERS", Problem.LETTERS, "letters"),
    ("+1 833 555 0100 ext 12", Problem.EXTENSION, "extension (12)"),
    ("+1 833 555 0100 x12", Problem.EXTENSION, "extension (12)"),
    ("８３３５５５０１００", Problem.HIDDEN_CHARACTER, "U+FF18 FULLWIDTH DIGIT EIGHT"),
    ("+1 833\u200b555 0100", Problem.HIDDEN_CHARACTER, "U+200B ZERO WIDTH SPACE"),
    ("\u202e+1 833 555 0100", Problem.HIDDEN_CHARACTER, "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("+1 833 555 0100\t", Problem.HIDDEN_CHARACTER, "U+0009"),
    ("", Problem.NOT_A_NUMBER, "is empty"),
    ("   ", Problem.NOT_A_NUMBER, "is empty"),
    ("12", Problem.NOT_A_NUMBER, "not a valid North American number"),
    ("+1 833 555 010", Problem.NOT_A_NUMBER, "not a valid"),
    ("+1 8OO 555 0100", Problem.LETTERS, "letters"),
    ("+1 833 055 0100", Problem.NOT_A_NUMBER, "not a valid"),
]


@pytest.mark.parametrize(("raw", "problem", "fragment"), SENDERS_BAD)
def test_bad_senders_say_why(raw: str, problem: Problem, fragment: str) -> None:
    result = numbers.check_sender(raw)
    assert not result.ok
    assert result.e164 is None
    assert result.problem is problem
    assert fragment in result.message


# -- forwarding numbers ------------------------------------------------------

FORWARD_OK = [
    ("+1 212 555 0199", "+12125550199"),
    ("(212) 555-0142", "+12125550142"),
    ("212.555.0199", "+12125550199"),
    ("1-415-555-0100", "+14155550100"),
    ("+1 808 555 0100", "+18085550100"),  # Hawaii is US
    ("+1 907 555 0100", "+19075550100"),  # Alaska is US
    ("+1 800 555 0199", "+18005550199"),  # an undeclared toll-free number is a US number
]


@pytest.mark.parametrize(("raw", "e164"), FORWARD_OK)
def test_us_forwarding_numbers_are_accepted(raw: str, e164: str) -> None:
    result = numbers.check_forward_to(raw, sender="+18335550100")
    assert result.ok, result.message
    assert result.e164 == e164


FORWARD_BAD = [
    ("+1 416 555 0100", Problem.OUTSIDE_US, "CA", "Canada (CA)"),
    ("+1 604 555 0100", Problem.OUTSIDE_US, "CA", "Canada (CA)"),
    ("+1 787 555 0100", Problem.US_TERRITORY, "PR", "Puerto Rico (PR), a US territory"),
    ("+1 340 555 0100", Problem.US_TERRITORY, "VI", "(VI), a US territory"),
    ("+1 671 555 0100", Problem.US_TERRITORY, "GU", "Guam (GU), a US territory"),
    ("+1 809 555 0100", Problem.OUTSIDE_US, "DO", "Dominican Republic (DO)"),
    ("+1 876 555 0100", Problem.OUTSIDE_US, "JM", "Jamaica (JM)"),
    ("+44 20 7946 0958", Problem.OUTSIDE_US, "GB", "(GB)"),
    ("+1 900 555 0100", Problem.PREMIUM_RATE, "US", "premium-rate"),
    ("+1 212 555 0100 ext. 7", Problem.EXTENSION, None, "extension (7)"),
    ("+1 833 555 0100", Problem.LOOP, "US", "the sender itself"),
    ("833.555.0100", Problem.LOOP, "US", "loop"),
    ("24680", Problem.SHORT_CODE, None, "short code"),
    ("+1 212 555 CALL", Problem.LETTERS, None, "letters"),
    ("２１２５５５０１００", Problem.HIDDEN_CHARACTER, None, "FULLWIDTH DIGIT TWO"),
    ("+1 212 555 0100\u200e", Problem.HIDDEN_CHARACTER, None, "U+200E LEFT-TO-RIGHT MARK"),
    ("+1 212 055 0100", Problem.NOT_A_NUMBER, None, "not a valid US phone number"),
    ("hello", Problem.LETTERS, None, "contains letters"),
    ("+++", Problem.NOT_A_NUMBER, None, "not a phone number"),
]


@pytest.mark.parametrize(("raw", "problem", "region", "fragment"), FORWARD_BAD)
def test_bad_forwarding_numbers_say_why(
    raw: str, problem: Problem, region: str | None, fragment: str
) -> None:
    result = numbers.check_forward_to(raw, sender="+18335550100")
    assert result.problem is problem
    assert result.e164 is None
    assert fragment in result.message
    if region is not None:
        assert result.region == region


TERRITORIES = [
    ("+1 787 555 0100", "+17875550100", "PR"),
    ("(340) 555-0100", "+13405550100", "VI"),
    ("+1 671 555 0100", "+16715550100", "GU"),
    ("+1 684 633 0100", "+16846330100", "AS"),
    ("+1 670 555 0100", "+16705550100", "MP"),
]


@pytest.mark.parametrize(("raw", "e164", "region"), TERRITORIES)
def test_us_territories_are_refused_by_default_and_pass_when_allowed(
    raw: str, e164: str, region: str
) -> None:
    refused = numbers.check_forward_to(raw, sender="+18335550100")
    assert refused.problem is Problem.US_TERRITORY and refused.region == region
    assert "callfwd reads the vendor's rule" in refused.message
    assert "numbers: {us_territories: allow}" in refused.message
    allowed = numbers.check_forward_to(raw, sender="+18335550100", us_territories=True)
    assert allowed.ok and allowed.e164 == e164 and allowed.region == region


@pytest.mark.parametrize("raw", ["+1 416 555 0100", "+1 809 555 0100", "+44 20 7946 0958"])
def test_allowing_territories_never_lets_other_countries_pass(raw: str) -> None:
    result = numbers.check_forward_to(raw, us_territories=True)
    assert result.problem is Problem.OUTSIDE_US


def test_loop_needs_the_sender() -> None:
    assert numbers.check_forward_to("+1 833 555 0100").ok


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1 (833) 555-0100", "+18335550100"),
        ("1-855-555-0122", "+18555550122"),
        ("212.555.0199", "+12125550199"),
        ("+44 20 7946 0958", "+442079460958"),
        ("not a number", None),
        ("８３３５５５０１００", None),
    ],
)
def test_normalise(raw: str, expected: str | None) -> None:
    assert numbers.normalise(raw) == expected


# -- the fast paths give phonenumbers' own answers ---------------------------

_STYLES = (
    "+1 ({a}) {e}-{n}",
    "({a}) {e}-{n}",
    "{a}-{e}-{n}",
    "{a}.{e}.{n}",
    "{a}{e}{n}",
    "1{a}{e}{n}",
    "+1{a}{e}{n}",
    "1-{a}-{e}-{n}",
    "1 {a} {e} {n}",
    "+1 {a} {e} {n}",
    "+1-{a}-{e}-{n}",
    "+1.{a}.{e}.{n}",
)

digits10 = st.from_regex(r"\A[2-9][0-9]{2}[2-9][0-9]{6}\Z")


@settings(max_examples=300, deadline=None)
@given(nsn=digits10, style=st.sampled_from(_STYLES))
def test_fast_parse_agrees_with_phonenumbers(nsn: str, style: str) -> None:
    raw = style.format(a=nsn[:3], e=nsn[3:6], n=nsn[6:])
    ours = numbers.normalise(raw)
    theirs = phonenumbers.parse(raw, "US")
    assert ours == phonenumbers.format_number(theirs, phonenumbers.PhoneNumberFormat.E164)


@settings(max_examples=300, deadline=None)
@given(nsn=digits10 | st.from_regex(r"\A8(00|33|44|55|66|77|88)[2-9][0-9]{6}\Z"))
def test_us_number_type_agrees_with_phonenumbers(nsn: str) -> None:
    n = phonenumbers.PhoneNumber(country_code=1, national_number=int(nsn))
    ours = numbers._us_number_type(n)
    if phonenumbers.region_code_for_number(n) != "US":
        assert ours is None
        return
    theirs = phonenumbers.number_type(n)
    if theirs in (
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
    ):
        assert ours == theirs
    else:
        assert ours == phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE


@settings(max_examples=200, deadline=None)
@given(nsn=digits10)
def test_sender_verdict_matches_number_type(nsn: str) -> None:
    n = phonenumbers.PhoneNumber(country_code=1, national_number=int(nsn))
    is_toll_free = phonenumbers.number_type(n) == phonenumbers.PhoneNumberType.TOLL_FREE
    assert numbers.check_sender(nsn).ok == is_toll_free


@settings(max_examples=200, deadline=None)
@given(raw=st.text(max_size=30))
def test_never_raises_on_any_text(raw: str) -> None:
    for check in (numbers.check_sender, numbers.check_forward_to):
        result = check(raw)
        assert result.ok or (result.problem is not None and result.message)
