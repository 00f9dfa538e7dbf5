"""The call-forwarding number rules, written once.

Both the manifest validator and the local settings server call these
functions, so a number the validator accepts is a number the server accepts
and the other way round.

Rules (from the vendor's help article):
- only US toll-free numbers can forward calls; short codes and numbers outside
  the US cannot;
- the forwarding number must be a US number.

"A US number" is read as the 50 states and DC by default: the safest reading.
Numbers of the US territories (PR, VI, GU, AS, MP) share the +1 country code
but have region codes of their own; ``us_territories=True`` (callfwd.yaml
``numbers: {us_territories: allow}``) lets them pass, in the validator, the
plan and the local server alike.

Nothing here raises on bad input: every check returns a ``NumberResult`` whose
``problem`` is ``None`` when the number is acceptable.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberType

# Area codes of the North American toll-free plan (as of 2026).
TOLL_FREE_AREA_CODES = ("800", "833", "844", "855", "866", "877", "888")

# Characters people write in phone numbers; anything else (fullwidth or
# other-script digits, zero-width or direction marks, letters) is refused
# before phonenumbers sees it, because phonenumbers would silently fold them.
_ALLOWED = frozenset("0123456789+-.() /")
_SHORT_CODE = re.compile(r"\d{5,6}")
_LETTER = re.compile(r"[A-Za-z]")
# The usual ways of writing a NANP number ("+1 (833) 555-0100", "833.555.0100",
# "18335550100"...) are read directly: phonenumbers.parse gives the same result
# (tests/test_numbers.py checks it) at several times the cost.
_NANP = re.compile(
    r"(?:\+?1[ .-]?)?(?:\(([2-9]\d\d)\)|([2-9]\d\d))[ .-]?([2-9]\d\d)[ .-]?(\d{4})", re.ASCII
)


class Problem(StrEnum):
    """What is wrong with a number; each maps to a stable diagnostic code."""

    HIDDEN_CHARACTER = "hidden-character"
    LETTERS = "letters"
    EXTENSION = "extension"
    NOT_A_NUMBER = "not-a-number"
    SHORT_CODE = "short-code"
    OUTSIDE_US = "outside-us"
    NOT_TOLL_FREE = "not-toll-free"
    PREMIUM_RATE = "premium-rate"
    LOOP = "loop"
    US_TERRITORY = "us-territory"


# US territories with region codes of their own in the North American plan.
US_TERRITORIES = frozenset({"PR", "VI", "GU", "AS", "MP"})
TERRITORIES_KNOB = "numbers: {us_territories: allow}"


@dataclass(frozen=True, slots=True)
class NumberResult:
    """The outcome of a check: the E.164 form, or a problem and a message."""

    e164: str | None
    problem: Problem | None = None
    message: str = ""
    region: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _bad(problem: Problem, message: str, region: str | None = None) -> NumberResult:
    return NumberResult(None, problem, message, region)


def _describe_char(ch: str) -> str:
    name = unicodedata.name(ch, "UNNAMED CHARACTER")
    return f"U+{ord(ch):04X} {name}"


def _check_characters(raw: str) -> NumberResult | None:
    for ch in raw:
        if ch in _ALLOWED:
            continue
        if ch.isascii() and ch.isalpha():
            continue  # letters get their own message after parsing
        return _bad(
            Problem.HIDDEN_CHARACTER,
            f"contains {_describe_char(ch)}; write the number with plain ASCII digits",
        )
    return None


def _parse(raw: str) -> phonenumbers.PhoneNumber | NumberResult:
    """Parse as phonenumbers does, reading numbers without a country code as NANP."""
    if (bad := _check_characters(raw)) is not None:
        return bad
    if not raw.strip():
        return _bad(Problem.NOT_A_NUMBER, "is empty; write a phone number such as +18335550100")
    if (nsn := _nanp_digits(raw)) is not None:
        return phonenumbers.PhoneNumber(country_code=1, national_number=int(nsn))
    try:
        number = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException as exc:
        if _LETTER.search(raw):  # "+1 8OO 555 0100": the letters are the likely cause
            return _bad(
                Problem.LETTERS, f"{raw!r} contains letters; write the number with digits only"
            )
        return _bad(Problem.NOT_A_NUMBER, f"{raw!r} is not a phone number ({exc._msg})")
    if number.extension:
        return _bad(
            Problem.EXTENSION,
            f"{raw!r} has an extension ({number.extension}); calls can only be forwarded "
            "to a number without an extension",
        )
    if _LETTER.search(raw):
        return _bad(
            Problem.LETTERS,
            f"{raw!r} contains letters; write the number with digits only",
        )
    return number


def _matcher(*descs: Any) -> Callable[[str], bool]:
    """Whether a national number fits any of ``descs``, decided as phonenumbers does
    (length among the description's possible lengths, pattern matches in full)."""
    parts = [
        (re.compile(d.national_number_pattern).fullmatch, frozenset(d.possible_length))
        for d in descs
        if d is not None and d.national_number_pattern
    ]

    def matches(nsn: str) -> bool:
        n = len(nsn)
        for full, lengths in parts:  # noqa: SIM110 - any() over a generator costs 2x here
            if (not lengths or n in lengths) and full(nsn):
                return True
        return False

    return matches


@functools.cache
def _us_matchers() -> tuple[Callable[[str], bool], ...] | None:
    """Matchers for region US, built once: valid at all, premium-rate, toll-free, any other."""
    us = phonenumbers.PhoneMetadata.metadata_for_region("US")
    if us is None:
        return None
    return (
        _matcher(us.general_desc),
        _matcher(us.premium_rate),
        _matcher(us.toll_free),
        _matcher(
            us.fixed_line,
            us.mobile,
            us.shared_cost,
            us.voip,
            us.personal_number,
            us.pager,
            us.uan,
            us.voicemail,
        ),
    )


def _nanp_digits(raw: str) -> str | None:
    """The ten digits of a NANP number written in one of the usual ways, else None.

    Only ASCII digits, spaces and ``+-.()`` can match, so whatever matches
    passes the character check, and phonenumbers.parse reads it the same way.
    """
    m = _NANP.fullmatch(raw.strip(" "))
    return None if m is None else (m.group(1) or m.group(2)) + m.group(3) + m.group(4)


def _us_number_type(number: phonenumbers.PhoneNumber) -> int | None:
    if number.country_code != 1:
        return None
    return _us_type(phonenumbers.national_significant_number(number))


def _us_type(nsn: str) -> int | None:
    """TOLL_FREE, PREMIUM_RATE or another type for a valid number of region US; else None.

    The same answer as ``number_type`` gives for numbers of region US (whose
    region lookup tries every NANP region, US first), at a fraction of the
    cost: phonenumbers decides the type by the same descriptions in the same
    order (general, premium-rate, toll-free, ...).
    """
    matchers = _us_matchers()
    if matchers is None:
        return None
    valid, premium_rate, toll_free, other = matchers
    if not valid(nsn):
        return None
    if premium_rate(nsn):
        return PhoneNumberType.PREMIUM_RATE
    if toll_free(nsn):
        return PhoneNumberType.TOLL_FREE
    # Valid for US when any other type's description fits; which one does not matter here.
    return PhoneNumberType.FIXED_LINE_OR_MOBILE if other(nsn) else None


def e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _region_label(number: phonenumbers.PhoneNumber) -> tuple[str | None, str]:
    from phonenumbers import geocoder  # imported here: loading its data takes ~0.5 s

    region = phonenumbers.region_code_for_number(number)
    name = (
        geocoder.country_name_for_number(number, "en")
        # an invalid number of a country with several regions (+44 800 555 0100)
        or (geocoder._region_display_name(region, "en") if region else "")
        or region
        or "unknown region"
    )
    return region, f"{name} ({region})" if region else name


def _outside_us(parsed: phonenumbers.PhoneNumber, rule: str) -> NumberResult:
    region, label = _region_label(parsed)  # only here: the geocoder is slow
    return _bad(Problem.OUTSIDE_US, f"{e164(parsed)} is a number in {label}; {rule}", region)


def is_short_code(raw: str) -> bool:
    return bool(_SHORT_CODE.fullmatch(raw.strip()))


def check_sender(raw: str) -> NumberResult:
    """A sender that may forward calls: a valid NANP toll-free number."""
    if is_short_code(raw):
        return _bad(
            Problem.SHORT_CODE,
            f"{raw.strip()} is a short code; call forwarding is not available for short codes",
        )
    # the common case, answered without phonenumbers' parser (same result)
    nsn = _nanp_digits(raw)
    if nsn is not None and _us_type(nsn) == PhoneNumberType.TOLL_FREE:
        return NumberResult("+1" + nsn, region="US")
    parsed = _parse(raw)
    if isinstance(parsed, NumberResult):
        return parsed
    if parsed.country_code != 1:
        return _outside_us(parsed, "call forwarding is not available for numbers outside the US")
    if _us_number_type(parsed) == PhoneNumberType.TOLL_FREE:
        return NumberResult(e164(parsed), region="US")
    number_type = phonenumbers.number_type(parsed)  # UNKNOWN exactly when not valid
    if number_type == PhoneNumberType.UNKNOWN:
        return _bad(Problem.NOT_A_NUMBER, f"{raw!r} is not a valid North American number")
    if number_type == PhoneNumberType.TOLL_FREE:
        return NumberResult(e164(parsed), region="US")
    if phonenumbers.region_code_for_number(parsed) != "US":
        return _outside_us(parsed, "call forwarding is not available for numbers outside the US")
    kind = "premium-rate number" if number_type == PhoneNumberType.PREMIUM_RATE else "US long code"
    return _bad(
        Problem.NOT_TOLL_FREE,
        f"{e164(parsed)} is a {kind}; only toll-free senders "
        f"({', '.join(TOLL_FREE_AREA_CODES)}) can forward calls",
        "US",
    )


def check_forward_to(
    raw: str, *, sender: str | None = None, us_territories: bool = False
) -> NumberResult:
    """A forwarding number: a valid US number that is not the sender itself.

    ``sender`` is the sender's E.164 form, when known, to catch a loop;
    ``us_territories`` lets numbers of PR, VI, GU, AS and MP pass.
    """
    if is_short_code(raw):
        return _bad(
            Problem.SHORT_CODE,
            f"{raw.strip()} is a short code; calls can only be forwarded to a US phone number",
        )
    # the common case, answered without phonenumbers' parser (same result)
    nsn = _nanp_digits(raw)
    if nsn is not None and _us_type(nsn) in (
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.TOLL_FREE,
    ):
        return _not_a_loop("+1" + nsn, sender)
    parsed = _parse(raw)
    if isinstance(parsed, NumberResult):
        return parsed
    us_kind = _us_number_type(parsed)
    # number_type is UNKNOWN exactly when the number is not valid
    kind = us_kind if us_kind is not None else phonenumbers.number_type(parsed)
    if parsed.country_code != 1 or kind == PhoneNumberType.UNKNOWN:
        if parsed.country_code == 1:
            return _bad(Problem.NOT_A_NUMBER, f"{raw!r} is not a valid US phone number")
        return _outside_us(parsed, "the forwarding number must be a US number")
    if kind == PhoneNumberType.PREMIUM_RATE:
        return _bad(
            Problem.PREMIUM_RATE,
            f"{e164(parsed)} is a premium-rate number; calls cannot be forwarded to it",
            "US",
        )
    if us_kind is None and kind != PhoneNumberType.TOLL_FREE:
        region = phonenumbers.region_code_for_number(parsed)
        if region in US_TERRITORIES:
            if not us_territories:
                _, label = _region_label(parsed)
                return _bad(
                    Problem.US_TERRITORY,
                    f"{e164(parsed)} is a number in {label}, a US territory; callfwd reads "
                    "the vendor's rule (the forwarding number must be a US number) as the 50 "
                    f"states and DC; to allow US territories, set {TERRITORIES_KNOB} in "
                    "callfwd.yaml",
                    region,
                )
            return _not_a_loop(e164(parsed), sender, region)
        if region != "US":
            return _outside_us(parsed, "the forwarding number must be a US number")
    return _not_a_loop(e164(parsed), sender)


def _not_a_loop(normal: str, sender: str | None, region: str = "US") -> NumberResult:
    if sender is not None and normal == sender:
        return _bad(
            Problem.LOOP,
            f"{normal} is the sender itself; forwarding a number to itself would loop",
            "US",
        )
    return NumberResult(normal, region=region)


def normalise(raw: str) -> str | None:
    """E.164 form of any common way of writing a NANP number, or None."""
    parsed = _parse(raw)
    if isinstance(parsed, NumberResult):
        return None
    return e164(parsed)


def caller_region(raw: str) -> NumberResult:
    """A caller's number in E.164 with its region code (``US``, ``CA``, ``PR``, ...).

    The local settings API uses it to decide whether a call is forwarded:
    calls from Canadian area codes are not.
    """
    parsed = _parse(raw)
    if isinstance(parsed, NumberResult):
        return parsed
    if not phonenumbers.is_valid_number(parsed):
        return _bad(Problem.NOT_A_NUMBER, f"{raw!r} is not a valid phone number")
    return NumberResult(e164(parsed), region=phonenumbers.region_code_for_number(parsed))


def display(e164_number: str) -> str:
    """A US number as people and the vendor's UI write it: ``(833) 555-0100``."""
    try:
        parsed = phonenumbers.parse(e164_number, None)
    except phonenumbers.NumberParseException:
        return e164_number
    if parsed.country_code != 1:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
