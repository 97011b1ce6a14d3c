"""Outbox rows become well-formed mail: headers one line (or properly folded and encoded), the body decodes back."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

from mailbot.outbox.mail_bytes import mail_bytes
from store.models import OutboxMessage

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _row(subject: str, body: str, **headers: str) -> OutboxMessage:
    return OutboxMessage(message_id="<OE-2026-000001.1@nhs.net>", recipient="a.person@nhs.net", subject=subject,
                         body=body, headers={"From": "pcse.openexeter@nhs.net", "To": "a.person@nhs.net",
                                             "Auto-Submitted": "auto-replied", **headers})


def test_ascii_and_non_ascii_mail_parse_back_to_what_was_queued() -> None:
    long_id = "<" + "x" * 90 + "@example.nhs.net>"
    for subject, body in (("Re: Request [OE-2026-000001]", "Hello.\nSecond line.\n"),
                          ("Re: Zoë’s request ✓ [OE-2026-000001]",
                           "Dear Zoë,\n\nÇa va — thanks.\n" + "é" * 300 + "\n")):
        raw = mail_bytes(_row(subject, body, **{"In-Reply-To": long_id, "References": f"<a@b> {long_id}"}),
                         now=NOW)
        assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
        assert b"\n" not in raw.replace(b"\r\n", b"")
        msg = message_from_bytes(raw, policy=policy.default)
        assert str(msg["Subject"]) == subject
        assert msg["Message-ID"] == "<OE-2026-000001.1@nhs.net>"
        assert " ".join(str(msg["In-Reply-To"]).split()) == long_id
        assert msg.get_content().replace("\r\n", "\n") == body
        assert msg["Auto-Submitted"] == "auto-replied"


def test_a_header_value_cannot_inject_another_header() -> None:
    raw = mail_bytes(_row("Re: hi\r\nBcc: victim@example.com", "x\n"), now=NOW)
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["Bcc"] is None and "Bcc" in str(msg["Subject"])
