"""When a DKIM signature may count (RFC 6376 3.5, t= and x=), judged as at the `now` the caller hands in.

dkimpy makes these checks against time.time() while it parses the tags; rules.dkim_checks hands it the tags without
t= and x= and judges them here instead, with dkimpy's own rules and leeway, so a verdict depends on the moment the
message is judged at (the shell's clock, or MAILBOT_CLOCK for a replay) and never on when the code happens to run:
- t= (when it was signed) more than SKEW after `now`: the signature does not count. RFC 6376 lets a verifier
  ignore a signature from the future; it is a signer's clock far off, or a header made up.
- x= (when it expires) more than SKEW before `now`: the signature does not count. The signer said not to believe
  it after then: an old signed message sent again (SPEC 17's replays) must not pass on it.
- x= before t=, or either not a number: the signature does not count.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

# dkimpy's leeway for mailers with inaccurate clocks (10 hours), each way.
SKEW_SECONDS = 36_000
TIME_TAGS = frozenset({b"t", b"x"})
# Past this a timestamp is only "far in the future" (and int() of thousands of digits is refused by Python).
_MAX_DIGITS = 18
_NUMBER = re.compile(r"[0-9]+")


class SignatureTimeError(ValueError):
    """Why a signature does not count at this moment (plain English, for staff)."""


def check_times(t: str | None, x: str | None, now: datetime) -> None:
    """Raise SignatureTimeError when a signature whose t= is T and x= is X (None when absent) does not count at
    NOW (aware; a naive NOW is taken as UTC)."""
    at = int((now if now.tzinfo is not None else now.replace(tzinfo=UTC)).timestamp())
    signed = _seconds(t, "t") if t is not None else None
    if signed is not None and signed > at + SKEW_SECONDS:
        raise SignatureTimeError(f"it is dated {_when(signed)} (t=), later than the moment it was checked "
                                 f"({_when(at)}): a signature from the future does not count")
    if x is None:
        return
    expires = _seconds(x, "x")
    if expires < at - SKEW_SECONDS:
        raise SignatureTimeError(f"it expired on {_when(expires)} (x=), before the moment it was checked "
                                 f"({_when(at)})")
    if signed is not None and expires < signed:
        raise SignatureTimeError(f"its expiry (x= {_when(expires)}) is before its signing time "
                                 f"(t= {_when(signed)})")


def _seconds(value: str, tag: str) -> int:
    if not _NUMBER.fullmatch(value):
        raise SignatureTimeError(f"its {tag}= is not a number of seconds")
    digits = value.lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_DIGITS else 10**_MAX_DIGITS


def _when(seconds: int) -> str:
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%d/%m/%Y %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return "far in the future"
