"""Tests that need a real server fail loudly when it is missing in CI, and only skip on a developer's machine.

The test command (scripts/test.sh) sets MAILBOT_REQUIRE_SERVERS=1; CI runs that command, so there a missing
PostgreSQL or Dovecot is a failure, never a silent skip.
"""

from __future__ import annotations

import os

import pytest

PG_ADMIN_URL = os.environ.get("MAILBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def servers_required() -> bool:
    return os.environ.get("MAILBOT_REQUIRE_SERVERS", "") not in ("", "0")


def missing_server(what: str) -> None:
    """Stop the test because WHAT is not available: a failure in CI, a skip elsewhere."""
    message = f"{what} is not available"
    if servers_required():
        pytest.fail(message + " (MAILBOT_REQUIRE_SERVERS is set, so this is a failure, not a skip)")
    pytest.skip(message)
