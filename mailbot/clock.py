"""The one place the shell reads the clock; the functional core is always handed `now`.

`MAILBOT_CLOCK=2026-11-30T12:00:00+00:00` fixes the time a command sees, for reproducible runs: the golden corpus
and the demo replay dated messages as if it were that moment (as `faketime` would, without the preload).
"""

import os
from datetime import UTC, datetime


def utcnow() -> datetime:
    fixed = os.environ.get("MAILBOT_CLOCK")
    if fixed:
        moment = datetime.fromisoformat(fixed)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)
