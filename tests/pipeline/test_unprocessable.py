"""A message the mailbot fails on still becomes a case (SPEC 3 `message.unprocessable`): the daemon after [daemon]
max_attempts, `process` at once. The error is kept on the case with no secret in it, the case waits in the queue,
and staff send it through again once the fault is mended (`review retry`, as Mailman's unshunt): the whole handling
runs once on the stored message.

The fault is the real one this issue found, put back for the test: the shell's greeting read the From header with
the standard library's parseaddr, which raises RecursionError on 1,000 nested comments. Real DKIM signatures, the
real pipeline and store, and for the daemon a real Dovecot and SMTP server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import mailbot.processing.record
from mailbot.config import load_config
from mailbot.daemon.scheduler import Daemon
from mailbot.processing.mail_handler import PipelineHandler
from mailbot.processing.services import understander
from mailbot.processing.settings import settings_from
from mailbot.processing.understanding import Understanding
from store.db import make_engine, sessions
from store.models import AuditEvent, Case, IntakeRecord
from tests.pipeline.conftest import Bot, make_bot
from tests.support.daemon_setup import daemon_config
from tests.support.deep_headers import DEEP_SHAPES
from tests.support.dovecot import DovecotServer
from tests.support.signed_mail import SigningKey
from tests.support.smtp_server import SmtpServer

IMAP_PASSWORD = "imap-Secret-4711"


def _the_old_greeting(u: Understanding) -> str:
    """mailbot.processing.record._sender_name as it was: the standard library's recursive address parser."""
    return parseaddr(u.parsed.header("From") or "")[0][:80]


@pytest.fixture
def the_old_fault(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The RecursionError fault, in place until the test calls .undo() ("the fault is mended")."""
    monkeypatch.setattr(mailbot.processing.record, "_sender_name", _the_old_greeting)
    yield monkeypatch


def nested_comment_mail(bot: Bot, n: int = 0) -> bytes:
    address = f"practice.manager{n}@nhs.net"
    raw = bot.mail(address, "How do I reset my Open Exeter password?", "I have forgotten it.", sign=False)
    deep = DEEP_SHAPES["nested comments"].format(address=address)
    return bot.key.sign(raw.replace(f"From: {address}".encode(), f"From: {deep}".encode(), 1), "nhs.net")


def queue(bot: Bot) -> list[dict[str, Any]]:
    result = bot.cli("review", "list", "--json")
    assert result.status == 0, result.err
    return [json.loads(line) for line in result.out.splitlines()]


def count_cases(bot: Bot) -> int:
    engine = make_engine(bot.store_url)
    try:
        with sessions(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(Case)) or 0)
    finally:
        engine.dispose()


def test_process_records_a_message_it_fails_on_as_an_unprocessable_case_not_a_traceback(
        bot: Bot, the_old_fault: pytest.MonkeyPatch) -> None:
    lines = bot.process(nested_comment_mail(bot), expect_status=1)
    assert [(c["kind"], c["outcome"], c["reasons"], c["replies"]) for c in lines] == [
        ("unclear", "flagged", ["message.unprocessable"], [])]
    case = bot.case(lines[0]["reference"])
    error = case.fields["unprocessable"]["error"]
    assert error.startswith("RecursionError: maximum recursion depth exceeded") and "_parseaddr.py" in error
    assert case.needs_review and case.message_row_id is not None
    assert [c["reference"] for c in queue(bot)] == [case.reference]
    shown = bot.cli("review", "show", case.reference)
    assert shown.status == 0 and "error (after 1 attempt(s)): RecursionError" in shown.out


def test_staff_send_an_unprocessable_message_through_again_exactly_once_from_the_command_line(
        bot: Bot, the_old_fault: pytest.MonkeyPatch) -> None:
    (failed,) = bot.process(nested_comment_mail(bot), expect_status=1)
    the_old_fault.undo()  # the fault is mended
    result = bot.cli("review", "retry", failed["reference"], "--by", "alice", "--json")
    assert result.status == 0, result.err
    (again,) = [json.loads(line) for line in result.out.splitlines()]
    # Handled as a new message would be now: the nested comments make the sender ambiguous (SPEC 4).
    assert (again["kind"], again["outcome"], again["reasons"]) == ("guidance", "flagged", ["sender.ambiguous"])
    assert again["sent_through_from"] == failed["reference"]
    assert [c["reference"] for c in queue(bot)] == [again["reference"]]  # the old case left the queue
    old = bot.case(failed["reference"])
    assert old.fields["retried"]["as"] == [again["reference"]] and old.fields["retried"]["by"] == "alice"
    assert bot.case(again["reference"]).parent_case_id == old.id
    # Never twice: a second retry is refused and records nothing.
    cases = count_cases(bot)
    second = bot.cli("review", "retry", failed["reference"], "--by", "bob")
    assert second.status == 2 and "already sent through again by alice" in second.err
    assert count_cases(bot) == cases


def test_a_retry_that_fails_again_keeps_the_case_in_the_queue_with_the_new_error(
        bot: Bot, the_old_fault: pytest.MonkeyPatch) -> None:
    (failed,) = bot.process(nested_comment_mail(bot), expect_status=1)
    cases = count_cases(bot)
    result = bot.cli("review", "retry", failed["reference"], "--by", "alice")
    assert result.status == 2 and "failed again (RecursionError" in result.err
    assert "Traceback" not in result.err
    assert count_cases(bot) == cases
    assert [c["reference"] for c in queue(bot)] == [failed["reference"]]
    case = bot.case(failed["reference"])
    assert case.fields["unprocessable"]["attempts"] == 2 and "retried" not in case.fields


def test_only_an_unprocessable_case_can_be_sent_through_again(bot: Bot) -> None:
    line = bot.one(bot.mail("practice.manager@nhs.net", "Hello", "What is this about?"))
    result = bot.cli("review", "retry", line["reference"], "--by", "alice")
    assert result.status == 2 and "not a message the mailbot failed on" in result.err


def test_the_error_kept_on_the_case_holds_no_secret(tmp_path: Path, signing_key: SigningKey,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    bot = make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key,
                   f'[imap]\npassword = "{IMAP_PASSWORD}"\n')

    def leaky(u: Understanding) -> str:
        raise RuntimeError(f"login to imap failed: {IMAP_PASSWORD}; store postgresql+psycopg://bot:pg-Pass-99@db/x "
                           "(password=pg-Pass-99)")

    monkeypatch.setattr(mailbot.processing.record, "_sender_name", leaky)
    (line,) = bot.process(bot.mail("practice.manager@nhs.net", "Hello", "Help"), expect_status=1)
    error = bot.case(line["reference"]).fields["unprocessable"]["error"]
    assert error.startswith("RuntimeError: login to imap failed: ***; store postgresql+psycopg://bot:***@db/x")
    assert IMAP_PASSWORD not in error and "pg-Pass-99" not in error
    engine = make_engine(bot.store_url)
    with sessions(engine)() as session:
        details = json.dumps([e.detail for e in session.scalars(select(AuditEvent))])
    engine.dispose()
    assert IMAP_PASSWORD not in details and "pg-Pass-99" not in details


def test_a_message_the_daemon_gives_up_on_becomes_an_unprocessable_case_then_goes_through_once(
        tmp_path: Path, signing_key: SigningKey, dovecot: DovecotServer, smtp_server: SmtpServer,
        the_old_fault: pytest.MonkeyPatch) -> None:
    bot = make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key)
    good = bot.mail("practice.manager1@nhs.net", "How do I reset my Open Exeter password?", "I have forgotten it.")
    dovecot.append(nested_comment_mail(bot), good)
    engine = make_engine(bot.store_url)
    factory = sessions(engine)
    config = load_config(bot.config)
    try:
        with understander(config, factory) as understand:
            daemon = Daemon(daemon_config(bot.store_url, dovecot=dovecot, smtp=smtp_server, max_attempts=2,
                                          retry_seconds=0), factory,
                            PipelineHandler(factory, understand, settings_from(config)))
            daemon.run_once()  # runs again while work is due: the retry comes round at once (retry_seconds = 0)
    finally:
        engine.dispose()
    assert dovecot.uids() == [] and len(dovecot.uids("Set-aside")) == 1 and len(dovecot.uids("Answered")) == 1
    assert [m.rcpt_tos for m in smtp_server.messages()] == [("practice.manager1@nhs.net",)]  # none to the other
    listed = queue(bot)
    assert [(c["kind"], c["reasons"]) for c in listed] == [("unclear", ["message.unprocessable"])]
    case = bot.case(listed[0]["reference"])
    assert case.fields["unprocessable"]["attempts"] == 2
    assert case.fields["unprocessable"]["error"].startswith("RecursionError")
    engine = make_engine(bot.store_url)
    with sessions(engine)() as session:
        record = session.scalars(select(IntakeRecord).where(IntakeRecord.status == "set_aside")).one()
        assert record.case_ids == [case.id] and record.attempts == 2
    engine.dispose()

    the_old_fault.undo()
    result = bot.cli("review", "retry", case.reference, "--by", "alice", "--json")
    assert result.status == 0, result.err
    (again,) = [json.loads(line) for line in result.out.splitlines()]
    assert again["reasons"] == ["sender.ambiguous"] and again["replies"] == []
    assert bot.cli("review", "retry", case.reference, "--by", "alice").status == 2
    assert [c["reference"] for c in queue(bot)] == [again["reference"]]


def test_staff_see_the_error_and_send_the_message_through_again_once_from_the_web_page(
        bot: Bot, the_old_fault: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from starlette.testclient import TestClient

    from mailbot.app import App
    from mailbot.review.web.app import create_app
    from store.db import transaction
    from store.staff import add_staff
    from tests.web.conftest import csrf_of, log_in

    (failed,) = bot.process(nested_comment_mail(bot), expect_status=1)
    app = App(load_config(bot.config))
    with transaction(app.sessions) as session:
        add_staff(session, "Sam Reviewer", "correct horse battery staple", now=datetime.now(UTC), by="test")
    reference = failed["reference"]
    try:
        with TestClient(create_app(app), base_url="http://testserver", follow_redirects=False) as client:
            log_in(client, "Sam Reviewer", "correct horse battery staple")
            assert reference in client.get("/").text  # in the queue
            page = client.get(f"/cases/{reference}")
            assert page.status_code == 200 and "The mailbot failed on this message" in page.text
            assert "RecursionError: maximum recursion depth exceeded" in page.text
            assert 'id="retry-message"' in page.text
            token = csrf_of(page.text)
            assert client.post(f"/cases/{reference}/retry", data={}).status_code == 403  # no CSRF token: refused
            still = client.post(f"/cases/{reference}/retry", data={"csrf_token": token})
            assert still.status_code == 303  # the fault is not mended yet: back to the case, which says so once
            assert "failed again" in client.get(still.headers["location"]).text
            the_old_fault.undo()
            done = client.post(f"/cases/{reference}/retry", data={"csrf_token": token})
            assert done.status_code == 303
            new_reference = done.headers["location"].split("/cases/", 1)[1].split("?", 1)[0].split("#", 1)[0]
            assert new_reference != reference
            again = client.post(f"/cases/{reference}/retry", data={"csrf_token": token})
            assert again.status_code == 303
            assert "already sent through again by Sam Reviewer" in client.get(again.headers["location"]).text
            old_page = client.get(f"/cases/{reference}").text
            assert f'href="/cases/{new_reference}"' in old_page and 'id="retry-message"' not in old_page
    finally:
        app.engine.dispose()
    assert [c["reference"] for c in queue(bot)] == [new_reference]
    assert bot.case(new_reference).reasons == ["sender.ambiguous"]
