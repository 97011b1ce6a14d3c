"""Messages over the size limit through `mailbot run` and the real Dovecot: each kept only up to one byte past the
limit, the rest fetched in pieces for its DKIM body hash; a signed one from an NHS address is told it is too large,
an unsigned one or one altered after signing gets no reply at all (no backscatter, SPEC 4 and 12)."""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import select

from store.db import make_engine, sessions
from store.models import Case, StoredMessage
from tests.support.cli import mailbot
from tests.support.daemon_setup import daemon_config_data, toml
from tests.support.dovecot import DovecotServer
from tests.support.real_mail import MAILBOX, prepare_store, real_config_extra
from tests.support.signed_mail import SigningKey, compose
from tests.support.smtp_server import SmtpServer

MB = 1024 * 1024
LIMIT = 25 * MB  # [limits] max_message_bytes as shipped


def _photographs(n: int, size: int) -> bytes:
    return b"PK\x03\x04" + random.Random(n).randbytes(size - 4)


def _big(sender: str, n: int, photographs: bytes) -> bytes:
    return compose(sender=sender, to=MAILBOX, subject=f"Photographs of the practice {n}",
                   body="Please find the photographs of the practice attached.\n\nThanks",
                   attachments=(("photographs.zip", photographs, "application/zip"),))


def _altered_near_the_end(raw: bytes) -> bytes:
    """RAW with one letter of its last base64 lines changed: far beyond the limit, so only the body hash sees it."""
    at = raw.rindex(b"A", 0, len(raw) - 200)
    return raw[:at] + b"B" + raw[at + 1:]


def test_over_the_limit_only_an_authenticated_nhs_sender_is_told_it_is_too_large(
        tmp_path: Path, sqlite_url: str, dovecot: DovecotServer, smtp_server: SmtpServer) -> None:
    key = SigningKey.generate()
    photographs = _photographs(1, 22 * MB)  # base64 makes the message ~30 MB
    signed = key.sign(_big("alan.hughes@nhs.net", 1, photographs), "nhs.net")
    unsigned = _big("olive.oak@nhs.net", 2, photographs)
    altered = _altered_near_the_end(key.sign(_big("priya.shah@nhs.net", 3, photographs), "nhs.net"))
    assert all(len(raw) > LIMIT + 4 * MB for raw in (signed, unsigned, altered))
    data = daemon_config_data(sqlite_url, dovecot=dovecot, smtp=smtp_server)
    for section, values in real_config_extra(key.write_key_file(tmp_path / "test-keys.txt")).items():
        data.setdefault(section, {}).update(values)
    config = tmp_path / "mailbot.toml"
    config.write_text(toml(data))
    prepare_store(config)
    dovecot.append(signed, unsigned, altered)
    del signed, unsigned, altered, photographs

    result = mailbot("--config", config, "run", "--once")
    assert result.status == 0, result.err
    replies = smtp_server.messages()
    assert [tuple(r.rcpt_tos) for r in replies] == [("alan.hughes@nhs.net",)]
    assert "Photographs of the practice 1" in str(replies[0].message.get("Subject", ""))
    engine = make_engine(sqlite_url)
    try:
        with sessions(engine)() as session:
            sizes = list(session.scalars(select(StoredMessage.size)))
            by_sender = {c.sender: (c.outcome, tuple(c.reasons)) for c in session.scalars(select(Case))}
    finally:
        engine.dispose()
    assert sizes == [LIMIT + 1] * 3  # each kept only one byte past the limit
    assert by_sender["alan.hughes@nhs.net"][0] == "flagged"
    assert "message.too_large" in by_sender["alan.hughes@nhs.net"][1]
    assert "sender.unauthenticated" not in by_sender["alan.hughes@nhs.net"][1]
    for stranger in ("olive.oak@nhs.net", "priya.shah@nhs.net"):
        outcome, reasons = by_sender[stranger]
        assert outcome == "flagged" and "message.too_large" in reasons and "sender.unauthenticated" in reasons
    assert dovecot.uids() == [] and len(dovecot.uids("Flagged")) == 3  # the whole of each kept there for staff
