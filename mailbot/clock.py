"""The one place the shell reads the clock; the functional core is always handed `now`."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
