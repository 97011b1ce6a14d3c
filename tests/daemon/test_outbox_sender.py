"""The outbox sender against a real aiosmtpd: retries, permanent refusals, uncertain sends, temporary passwords."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from mailbot.config import Config
from mailbot.outbox.replies import PASSWORD_SLOT
from mailbot.outbox.sender import OutboxSender
from mailbot.outbox.temp_passwords import verify
from store.db import make_engine, sessions, transaction
from store.models import AuditEvent, Case, Organisation, OutboxMessage, User
from store.outbox import queue as outbox_queue
from tests.support.daemon_setup import daemon_config
from tests.support.smtp_server import SmtpServer

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _queue(factory: sessionmaker[Session], n: int, *, purpose: str = "reply", body: str = "Hello.\n",
           user_id: int | None = None, start: int = 0) -> list[int]:
    ids = []
    with transaction(factory) as session:
        for i in range(start, start + n):
            case = Case(reference=f"OE-2026-{len(ids) + 1 + 1000 * (user_id or 0):06d}-{i}"[:20], kind="unclear",
                        outcome="approved", reasons=[], checks=[], fields={}, changes=[], created_at=NOW,
                        updated_at=NOW)
            session.add(case)
            session.flush()
            row = OutboxMessage(case_id=case.id, message_id=f"<{case.reference}.1@mailbot.test>", purpose=purpose,
                                recipient=f"person{i}@nhs.net", subject=f"Re: request {i}", body=body,
                                headers={"From": "pcse.openexeter@nhs.net", "To": f"person{i}@nhs.net"},
                                user_id=user_id, status="pending", attempts=0, next_attempt_at=NOW, created_at=NOW)
            session.add(row)
            session.flush()
            ids.append(row.id)
    return ids


@pytest.fixture
def store(engine: Engine) -> sessionmaker[Session]:
    return sessions(engine)


def _sender(store: sessionmaker[Session], config: Config, clock: Clock, owner: str = "test") -> OutboxSender:
    return OutboxSender(store, config, owner, clock)


def _rows(store: sessionmaker[Session]) -> list[OutboxMessage]:
    with store() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_451_is_retried_with_backoff_then_sent_once(store: sessionmaker[Session], store_url: str,
                                                    smtp_server: SmtpServer) -> None:
    _queue(store, 3)
    smtp_server.set_mode("fail_transient", failures=3)
    clock = Clock()
    sender = _sender(store, daemon_config(store_url, smtp=smtp_server, send_retry_seconds=60), clock)
    report = sender.drain()
    assert report.retried == 3 and smtp_server.messages() == []
    rows = _rows(store)
    assert {r.status for r in rows} == {"pending"} and all(r.next_attempt_at == NOW + timedelta(seconds=60)
                                                           for r in rows)
    assert sender.drain().sent == 0  # not due yet
    clock.now = NOW + timedelta(seconds=61)
    assert sender.drain().sent == 3
    assert sorted(smtp_server.message_ids()) == sorted(r.message_id for r in rows)
    assert {r.status for r in _rows(store)} == {"sent"}


def test_550_fails_the_row_and_flags_the_case_undeliverable(store: sessionmaker[Session], store_url: str,
                                                            smtp_server: SmtpServer) -> None:
    _queue(store, 1)
    smtp_server.set_mode("fail_permanent")
    report = _sender(store, daemon_config(store_url, smtp=smtp_server), Clock()).drain()
    assert report.failed == 1
    with store() as session:
        row = session.scalars(select(OutboxMessage)).one()
        case = session.get(Case, row.case_id)
        assert row.status == "failed" and "550" in (row.last_error or "")
        assert case is not None and case.needs_review and case.reasons == ["reply.undeliverable"]
        assert session.scalars(select(AuditEvent.action)).all() == ["mail.undeliverable"]


def test_timeout_after_data_is_uncertain_and_never_resent(store: sessionmaker[Session], store_url: str,
                                                          smtp_server: SmtpServer) -> None:
    _queue(store, 2)
    smtp_server.set_mode("slow_data", data_delay=1.5)
    clock = Clock()
    config = daemon_config(store_url, smtp=smtp_server)
    config = replace(config, smtp=replace(config.smtp, timeout_seconds=1))
    report = _sender(store, config, clock).drain()
    assert report.uncertain >= 1
    smtp_server.set_mode("accept")
    clock.now = NOW + timedelta(days=1)
    _sender(store, config, clock).drain()
    with store() as session:
        recovered = outbox_queue.recover_stale(session, clock.now, timedelta(seconds=1))
    assert recovered == (0, 0)
    statuses = [r.status for r in _rows(store)]
    assert "uncertain" in statuses and set(statuses) <= {"uncertain", "sent"}
    uncertain = [r.message_id for r in _rows(store) if r.status == "uncertain"]
    with store() as session:  # shown to staff: the case is back in the review queue, with an audit event
        cases = {r.case_id for r in _rows(store) if r.status == "uncertain"}
        assert all(session.get(Case, c).needs_review for c in cases)  # type: ignore[union-attr]
        assert "mail.uncertain" in session.scalars(select(AuditEvent.action)).all()
    # The server did get them; they were not sent a second time.
    assert all(smtp_server.message_ids().count(mid) == 1 for mid in uncertain)


def test_connection_dropped_before_data_is_retried(store: sessionmaker[Session], store_url: str,
                                                   smtp_server: SmtpServer) -> None:
    _queue(store, 2)
    smtp_server.set_mode("drop_connection")
    clock = Clock()
    config = daemon_config(store_url, smtp=smtp_server)
    assert _sender(store, config, clock).drain().retried == 2
    smtp_server.set_mode("accept")
    clock.now = NOW + timedelta(hours=1)
    assert _sender(store, config, clock).drain().sent == 2
    assert len(smtp_server.messages()) == 2


def test_a_crashed_sender_leaves_claimed_rows_to_resend_and_transmitting_rows_uncertain(
        store: sessionmaker[Session]) -> None:
    first, second = _queue(store, 2)
    with transaction(store) as session:
        claimed = outbox_queue.claim_due(session, owner="dead", now=NOW, limit=10)
    assert [r.id for r in claimed] == [first, second]
    with transaction(store) as session:
        outbox_queue.mark_transmitting(session, second, "dead")
    with transaction(store) as session:
        assert outbox_queue.recover_stale(session, NOW + timedelta(minutes=10), timedelta(minutes=5)) == (1, 1)
    assert [r.status for r in _rows(store)] == ["pending", "uncertain"]


def test_temporary_password_is_made_at_send_time_and_only_its_hash_kept(
        store: sessionmaker[Session], store_url: str, smtp_server: SmtpServer) -> None:
    with transaction(store) as session:
        org = Organisation(code="A81001", name="Practice", type="gp_practice", created_at=NOW, updated_at=NOW)
        session.add(org)
        session.flush()
        user = User(organisation_id=org.id, username="jsmith", full_name="J Smith", email="j.smith@nhs.net",
                    status="active", is_primary=True, created_at=NOW, updated_at=NOW)
        session.add(user)
        session.flush()
        user_id = user.id
    _queue(store, 1, purpose="temporary_password", body=f"Your password: {PASSWORD_SLOT}\n", user_id=user_id)
    report = _sender(store, daemon_config(store_url, smtp=smtp_server), Clock()).drain()
    assert report.sent == 1
    body = smtp_server.messages()[0].message.get_payload(decode=True).decode()
    password = body.split("Your password: ", 1)[1].strip()
    assert len(password) >= 12 and PASSWORD_SLOT not in body
    assert any(c.isupper() for c in password) and any(c.islower() for c in password)
    with store() as session:
        user = session.get(User, user_id)
        row = session.scalars(select(OutboxMessage)).one()
    assert user is not None and user.temp_password_hash and user.temp_password_hash.startswith("$argon2id$")
    assert verify(user.temp_password_hash, password) and user.must_change_password
    assert user.temp_password_expires_at == NOW + timedelta(days=7)
    assert password not in row.body and password not in (row.last_error or "")


def test_two_senders_on_one_store_never_send_a_row_twice(store_url: str, smtp_server: SmtpServer) -> None:
    engine_a, engine_b = make_engine(store_url), make_engine(store_url)
    try:
        a, b = sessions(engine_a), sessions(engine_b)
        _queue(a, 40)
        config = daemon_config(store_url, smtp=smtp_server, outbox_batch=5)
        import threading
        reports = []
        threads = [threading.Thread(target=lambda s=s, o=o: reports.append(_sender(s, config, Clock(), o).drain()))
                   for s, o in ((a, "a"), (b, "b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        ids = smtp_server.message_ids()
        assert len(ids) == 40 and len(set(ids)) == 40
        assert sum(r.sent for r in reports) == 40
    finally:
        engine_a.dispose()
        engine_b.dispose()


def test_a_temporary_password_never_goes_outside_the_secure_domains(
        store: sessionmaker[Session], store_url: str, smtp_server: SmtpServer) -> None:
    with transaction(store) as session:
        org = Organisation(code="A81001", name="Practice", type="gp_practice", created_at=NOW, updated_at=NOW)
        session.add(org)
        session.flush()
        user = User(organisation_id=org.id, username="jsmith", full_name="J Smith", email="j.smith@gmail.com",
                    status="active", is_primary=True, created_at=NOW, updated_at=NOW)
        session.add(user)
        session.flush()
        user_id = user.id
    [row_id] = _queue(store, 1, purpose="temporary_password", body=f"Password: {PASSWORD_SLOT}\n", user_id=user_id)
    with transaction(store) as session:
        session.get(OutboxMessage, row_id).recipient = "j.smith@gmail.com"  # type: ignore[union-attr]
    report = _sender(store, daemon_config(store_url, smtp=smtp_server), Clock()).drain()
    assert report.failed == 1 and smtp_server.messages() == []
    with store() as session:
        assert session.get(User, user_id).temp_password_hash is None  # type: ignore[union-attr]
        assert session.get(OutboxMessage, row_id).status == "failed"  # type: ignore[union-attr]
