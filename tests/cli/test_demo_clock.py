"""The demo signs its sample mail as at the moment it runs (MAILBOT_CLOCK, when set), because the mailbot judges a
DKIM signature's t= as at that moment: a demo run at a fixed clock days ago still authenticates its own mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from mailbot.demo.sample_mail import DemoKey, signed
from rules.sender import AuthPolicy, authenticate_sender
from tests.support.dkim_signing import message, signature_b


def test_demo_mail_signed_at_a_fixed_clock_days_ago_is_authenticated_at_that_clock() -> None:
    key = DemoKey.generate()
    record = key.key_file_line("nhs.net").split(" ", 1)[1].strip().encode()
    when = datetime.now(UTC) - timedelta(days=3)
    raw = signed(message(), "nhs.net", key, when)
    assert signature_b(raw)
    verdict = authenticate_sender(SimpleNamespace(raw=raw), AuthPolicy(nhs_domains=("nhs.net",)),
                                  lambda name: record if name == "demo._domainkey.nhs.net" else None, now=when)
    assert verdict.authenticated and verdict.method == "dkim", verdict.problems
    assert f"t={int(when.timestamp())};" in raw.split(b"\r\n\r\n", 1)[0].decode().replace("\r\n ", " ")
