"""`mailbot run` end to end with the real pipeline: DKIM-signed requests (a key made by the test), forms made by our
own generator, an unsigned message; Dovecot in, aiosmtpd out; and the real daemon killed at random points."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from store.db import make_engine, sessions, single_reads
from store.models import Case, IntakeRecord, OutboxMessage, RunningDaemon, StoredMessage
from tests.support.cli import mailbot
from tests.support.daemon_process import DaemonProcess, children_of
from tests.support.daemon_setup import daemon_config_data, sample_message, toml
from tests.support.dovecot import DovecotServer
from tests.support.real_mail import (
    embedded_default,
    form_request,
    permission_request,
    prepare_store,
    real_config_extra,
    signed_form_pdf,
)
from tests.support.signed_mail import SigningKey
from tests.support.smtp_server import SmtpServer


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def form_pdf() -> bytes:
    return signed_form_pdf()


def _config(tmp_path: Path, store_url: str, key: SigningKey, dovecot: DovecotServer, smtp: SmtpServer,
            **daemon: object) -> Path:
    keys = key.write_key_file(tmp_path / "test-keys.txt")
    data = daemon_config_data(store_url, dovecot=dovecot, smtp=smtp, **daemon)
    for section, values in real_config_extra(keys).items():
        data.setdefault(section, {}).update(values)
    path = tmp_path / "mailbot.toml"
    path.write_text(toml(data))
    prepare_store(path)
    return path


def _replies_by_inbound(smtp: SmtpServer) -> Counter[str]:
    return Counter(" ".join(str(r.message.get("In-Reply-To", "")).split()) for r in smtp.messages()
                   if r.message.get("In-Reply-To"))


def _message_id(raw: bytes) -> str:
    for line in raw.split(b"\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
    raise AssertionError("no Message-ID")


def test_run_once_answers_signed_mail_flags_unsigned_and_moves_by_outcome(
        tmp_path: Path, sqlite_url: str, key: SigningKey, form_pdf: bytes, dovecot: DovecotServer,
        smtp_server: SmtpServer) -> None:
    config = _config(tmp_path, sqlite_url, key, dovecot, smtp_server)
    signed = [permission_request(key, n) for n in range(3)] + [form_request(key, 3, form_pdf)]
    unsigned = sample_message(9, sender="stranger@nhs.net")
    dovecot.append(*signed, unsigned)
    result = mailbot("--config", config, "run", "--once")
    assert result.status == 0, result.err
    assert '"handled": 5' in result.out
    replies = _replies_by_inbound(smtp_server)
    assert all(replies[_message_id(raw)] == 1 for raw in signed)
    assert replies[_message_id(unsigned)] == 0  # never a reply to an unauthenticated sender
    assert all("stranger@nhs.net" not in r.rcpt_tos for r in smtp_server.messages())
    assert dovecot.uids("INBOX") == []
    assert len(dovecot.uids("Flagged")) >= 1 and sum(len(dovecot.uids(f)) for f in dovecot.folders()) == 5
    engine = make_engine(sqlite_url)
    try:
        with sessions(engine)() as session:
            assert session.scalar(select(StoredMessage.id).where(StoredMessage.source.like("imap:INBOX/%")))
            assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}
            assert len(list(session.scalars(select(Case)))) == 5
    finally:
        engine.dispose()
    sent_before = len(smtp_server.messages())
    again = mailbot("--config", config, "run", "--once")
    assert '"handled": 0' in again.out and len(smtp_server.messages()) == sent_before


def test_real_daemon_killed_at_random_points_answers_each_message_exactly_once(
        tmp_path: Path, sqlite_url: str, key: SigningKey, form_pdf: bytes, dovecot: DovecotServer,
        smtp_server: SmtpServer) -> None:
    messages = [form_request(key, n, form_pdf) if n % 3 == 0 else permission_request(key, n) for n in range(30)]
    dovecot.append(*messages)
    config = _config(tmp_path, sqlite_url, key, dovecot, smtp_server, lease_seconds=1)
    engine = make_engine(sqlite_url)
    rng = random.Random(14)

    def finished() -> bool:
        with sessions(engine)() as session:
            intake = list(session.scalars(select(IntakeRecord.status)))
            outbox = set(session.scalars(select(OutboxMessage.status)))
        return len(intake) == 30 and set(intake) == {"done"} and outbox <= {"sent", "uncertain", "failed"}

    try:
        cut_short = 0
        for _ in range(3):
            daemon = DaemonProcess(config, real=True)
            deadline = time.monotonic() + 20
            while not smtp_server.messages() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 0.8))
            daemon.kill()
            cut_short += not finished()
        assert cut_short, "no kill landed in the middle of the work: the test proved nothing"
        daemon = DaemonProcess(config, real=True)
        deadline = time.monotonic() + 60
        while not finished() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert daemon.terminate() < 10
        assert finished(), daemon.output()[-3000:]
        with sessions(engine)() as session:
            cases = list(session.scalars(select(Case)))
            rows = list(session.scalars(select(OutboxMessage)))
        per_message = Counter(c.message_row_id for c in cases)
        assert len(per_message) == 30  # every message has its case(s), recorded once
        delivered = Counter(smtp_server.message_ids())
        assert all(n == 1 for n in delivered.values()), "a mail was sent twice"
        assert all(delivered[r.message_id] == 1 for r in rows if r.status == "sent")
        replies = _replies_by_inbound(smtp_server)
        uncertain = sum(r.status == "uncertain" for r in rows)
        inbound = [_message_id(raw) for raw in messages]
        assert all(replies[mid] <= 1 for mid in inbound)
        assert sum(replies[mid] for mid in inbound) >= 30 - uncertain
        assert dovecot.uids("INBOX") == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_two_real_daemons_on_postgresql_never_process_or_send_twice(
        tmp_path: Path, postgres_database: str, key: SigningKey, form_pdf: bytes, dovecot: DovecotServer,
        smtp_server: SmtpServer) -> None:
    from tests.conftest import _empty_postgres

    engine = make_engine(postgres_database)
    _empty_postgres(engine)
    messages = [form_request(key, n, form_pdf) if n % 4 == 0 else permission_request(key, n) for n in range(40)]
    dovecot.append(*messages)
    config = _config(tmp_path, postgres_database, key, dovecot, smtp_server, outbox_batch=5)
    with dovecot.client() as client:
        assert len(client.search(["ALL"])) == 40

    def finished() -> bool:
        with sessions(engine)() as session:
            intake = list(session.scalars(select(IntakeRecord.status)))
            outbox = set(session.scalars(select(OutboxMessage.status)))
        return len(intake) == 40 and set(intake) == {"done"} and outbox <= {"sent"}

    daemons = [DaemonProcess(config, real=True) for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while not finished() and time.monotonic() < deadline:
            time.sleep(0.2)
        for d in daemons:
            assert d.terminate() < 10
        assert finished(), daemons[0].output()[-2000:] + daemons[1].output()[-2000:]
        with sessions(engine)() as session:
            cases = list(session.scalars(select(Case)))
            senders = Counter(session.scalars(select(OutboxMessage.claimed_by)))
        assert len(Counter(c.message_row_id for c in cases)) == 40
        delivered = Counter(smtp_server.message_ids())
        assert all(n == 1 for n in delivered.values()), "a mail was sent twice"
        replies = _replies_by_inbound(smtp_server)
        assert all(replies[_message_id(raw)] == 1 for raw in messages)
        assert dovecot.uids("INBOX") == []
        assert len(senders) == 2, f"both daemons should have sent replies: {senders}"
    finally:
        engine.dispose()


def test_run_once_on_the_embedded_default_reads_and_writes_local_maildirs(
        tmp_path: Path, key: SigningKey) -> None:
    config, inbox = embedded_default(tmp_path, key)
    (inbox / "new" / "1.M1.host").write_bytes(permission_request(key, 1))
    result = mailbot("--config", config, "run", "--once")
    assert result.status == 0, result.err
    sent = [p.read_bytes() for p in (tmp_path / "var" / "sent" / "new").iterdir()]
    assert any(b"Re: Open Exeter permission request 1" in raw for raw in sent)
    assert list((inbox / "new").iterdir()) == [] and len(list((inbox / ".Approved" / "cur").iterdir())) == 1


def _padded_then_signed(key: SigningKey, n: int) -> bytes:
    """A signed request made big by a long attachment, signed after (so its signature covers all of it)."""
    from tests.support.real_mail import MAILBOX
    from tests.support.signed_mail import compose
    raw = compose(sender="alan.hughes@nhs.net", to=MAILBOX, subject=f"Open Exeter permission request {n}",
                  body="Organisation code: A81001\nPlease see the notes attached.\n",
                  attachments=(("notes.txt", b"padding line of text\n" * 3000, "text/plain"),))
    return key.sign(raw, "nhs.net").replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")  # as IMAP stores it


def test_a_message_over_the_size_limit_is_flagged_without_being_held_whole(
        tmp_path: Path, sqlite_url: str, key: SigningKey, dovecot: DovecotServer, smtp_server: SmtpServer) -> None:
    """Kept only up to one byte past the limit; the rest is fetched in pieces for its DKIM body hash alone, so its
    signed sender is told it is too large. Padded after signing, it would not verify: no reply."""
    config = _config(tmp_path, sqlite_url, key, dovecot, smtp_server)
    text = config.read_text().replace("replies_per_sender_per_day = 100000",
                                      "replies_per_sender_per_day = 100000\nmax_message_bytes = 20000")
    config.write_text(text)
    big = _padded_then_signed(key, 1)
    padded_after = permission_request(key, 3).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + (
        b"padding line of text\r\n" * 3000)
    dovecot.append(big, permission_request(key, 2), padded_after)
    result = mailbot("--config", config, "run", "--once")
    assert result.status == 0, result.err
    engine = make_engine(sqlite_url)
    try:
        with sessions(engine)() as session:
            sizes = sorted(session.scalars(select(StoredMessage.size)))
            cases = {c.subject: (c.outcome, c.reasons) for c in session.scalars(select(Case))}
    finally:
        engine.dispose()
    assert sizes[-2:] == [20001, 20001] and len(big) > 60000  # only one byte past the limit was kept
    assert cases["Open Exeter permission request 1"] == ("flagged", ["message.too_large"])
    assert "sender.unauthenticated" in cases["Open Exeter permission request 3"][1]
    replies = _replies_by_inbound(smtp_server)
    assert replies[_message_id(big)] == 1 and replies[_message_id(padded_after)] == 0
    assert dovecot.uids() == [] and len(dovecot.uids("Flagged")) == 2
    kept = dovecot.fetch("Flagged")
    assert sorted(len(raw) for raw in kept.values()) == sorted([len(big), len(padded_after)])  # whole, for staff


def test_a_maildir_message_over_the_size_limit_is_read_in_pieces_for_its_signature(
        tmp_path: Path, key: SigningKey) -> None:
    config, inbox = embedded_default(tmp_path, key, "[limits]\nmax_message_bytes = 20000\n")
    big = _padded_then_signed(key, 1)
    (inbox / "new" / "1.M1.host").write_bytes(big)
    other = _padded_then_signed(key, 2)
    altered = other[:-300] + other[-300:].replace(b"cGFkZGlu", b"cGFkZGlv", 1)  # a letter of the attachment
    assert altered != other
    (inbox / "new" / "2.M2.host").write_bytes(altered)
    result = mailbot("--config", config, "run", "--once")
    assert result.status == 0, result.err
    sent = [p.read_bytes() for p in (tmp_path / "var" / "sent" / "new").iterdir()]
    assert len(sent) == 1 and b"alan.hughes@nhs.net" in sent[0]
    assert _message_id(big).encode() in sent[0]  # in answer to the signed one; none to the altered copy
    assert len(list((inbox / ".Flagged" / "cur").iterdir())) == 2


def test_the_daemon_starts_its_form_readers_before_any_form_arrives(
        tmp_path: Path, sqlite_url: str, key: SigningKey, dovecot: DovecotServer, smtp_server: SmtpServer) -> None:
    """The first form after a start would otherwise wait for the children to load their libraries (a second or
    more), and every message that came in behind it: `mailbot run` starts them before it begins listening, the
    mailbox still empty ([forms] workers = 2 children)."""
    config = _config(tmp_path, sqlite_url, key, dovecot, smtp_server)
    engine = make_engine(sqlite_url)
    daemon = DaemonProcess(config, real=True)
    try:
        deadline = time.monotonic() + 120  # an interpreter importing the pipeline on a loaded 2-core machine
        while time.monotonic() < deadline and daemon.proc.poll() is None:
            with single_reads(sessions(engine))() as session:
                if session.scalars(select(RunningDaemon.pid)).all() == [daemon.pid]:
                    break
            time.sleep(0.2)
        readers = [pid for pid in children_of(daemon.pid)
                   if "mailbot.processing.form_reader_child" in _command_line(pid)]
        assert len(readers) == 2, daemon.stacks()[-3000:]
        assert dovecot.uids("INBOX") == [] and smtp_server.messages() == []
    finally:
        assert daemon.terminate() < 10
        engine.dispose()


def _command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_text().rstrip("\0").split("\0")
