"""Bounded work for strangers (SPEC 17): a stranger's forms are not read at intake but when staff open the case; no
more than [limits] max_forms_per_message forms a message; a sender whose DNS never answers waits longer each time
and is judged unauthenticated after [auth] dns_give_up_hours. Real signatures, the real forms sandbox, real store,
a real DNS server that fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from mailbot.config import load_config
from mailbot.config_sections import DaemonSection, FoldersSection
from mailbot.intake.worker import IntakeWorker
from mailbot.processing.dkim_keys import dns_key_lookup
from mailbot.processing.handle import handle
from mailbot.processing.mail_handler import PipelineHandler
from mailbot.processing.record import CaseOutcome
from mailbot.processing.services import understander
from mailbot.processing.settings import settings_from
from mailbot.processing.understanding import Understander
from parsers.forms.result import FormReading
from store import intake
from store.db import make_engine, sessions
from store.models import AuditEvent, IntakeRecord
from tests.pipeline.conftest import Bot, make_bot
from tests.pipeline.messages import GOOD_GP_FORM, form_mail, permission_mail
from tests.support.dns_server import dns_server
from tests.support.forms_fixtures import filled_form
from tests.support.signed_mail import SigningKey


@dataclass
class Mailbot:
    """The pipeline in this process on BOT's store, with the real forms sandbox, counting the forms it reads."""

    bot: Bot
    understander: Understander
    reads: int = 0

    def handle(self, raw: bytes) -> list[CaseOutcome]:
        engine = make_engine(self.bot.store_url)
        try:
            settings = settings_from(load_config(self.bot.config))
            return handle(sessions(engine), self.understander, raw, source="test", now=datetime.now(UTC),
                          settings=settings)
        finally:
            engine.dispose()


@pytest.fixture
def mailbot(bot: Bot) -> Iterator[Mailbot]:
    config = load_config(bot.config)
    engine = make_engine(bot.store_url)
    with understander(config, sessions(engine)) as real:
        found = Mailbot(bot, real)
        read = real.read_form

        def counting(pdf: bytes, now: datetime) -> FormReading:
            found.reads += 1
            return read(pdf, now)

        found.understander = replace(real, read_form=counting)
        yield found
    engine.dispose()


def pdfs(count: int) -> tuple[tuple[str, bytes, str], ...]:
    pdf = filled_form("gp_practice", GOOD_GP_FORM, signature="ink")
    return tuple((f"form-{n}.pdf", pdf, "application/pdf") for n in range(count))


def test_one_unauthenticated_message_with_forty_pdfs_is_one_case_and_no_form_is_read(mailbot: Mailbot) -> None:
    raw = mailbot.bot.mail("alan.hughes@nhs.net", "Primary User request forms", "Forms attached.",
                           attachments=pdfs(40), sign=False)
    cases = mailbot.handle(raw)
    assert [(c.outcome, c.reasons) for c in cases] == [
        ("flagged", ["sender.unauthenticated", "message.too_many_forms"])]
    assert mailbot.reads == 0


def test_an_nhs_sender_with_more_forms_than_the_limit_has_none_read(mailbot: Mailbot) -> None:
    cases = mailbot.handle(mailbot.bot.mail("alan.hughes@nhs.net", "Forms", "Six forms.", attachments=pdfs(6)))
    assert [(c.outcome, c.reasons) for c in cases] == [("flagged", ["message.too_many_forms"])]
    assert mailbot.reads == 0
    assert len(mailbot.handle(mailbot.bot.mail("alan.hughes@nhs.net", "Forms", "Five.", attachments=pdfs(5)))) == 5
    assert mailbot.reads == 5  # at the limit: each read, one case each


def test_a_strangers_forms_are_not_read_at_intake_but_when_staff_open_the_case(mailbot: Mailbot) -> None:
    bot = mailbot.bot
    cases = mailbot.handle(bot.mail("alan.hughes@nhs.net", "Primary User request forms", "Two forms.",
                                    attachments=pdfs(2), sign=False))
    assert [(c.outcome, c.reasons) for c in cases] == [("flagged", ["sender.unauthenticated"])] * 2
    assert mailbot.reads == 0
    first = cases[0].reference
    stored = bot.case(first).fields["request"]
    assert (stored["reading"], stored["attachment"], stored["pu_email"]) == ("not_read", "form-0.pdf", "")
    shown = bot.cli("review", "show", first, "--json")
    assert shown.status == 0, shown.err
    request = json.loads(shown.out)["fields"]["request"]
    assert (request["reading"], request["pu_email"], request["org_code"]) == ("read", "sam.new@nhs.net", "A81001")
    case = bot.case(first)
    assert case.outcome == "flagged" and case.needs_review and case.org_code == "A81001"
    assert {c["name"] for c in case.checks} >= {"form.signed", "signatory.verified", "org.primary_user_limit"}
    assert bot.case(cases[1].reference).fields["request"]["reading"] == "not_read"  # only the case opened
    engine = make_engine(bot.store_url)
    with sessions(engine)() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action == "case.form_read")))
    engine.dispose()
    assert actions == ["case.form_read"]
    approved = bot.cli("review", "approve", first, "--by", "Pat")  # staff phoned the practice
    assert approved.status == 0, approved.err + approved.out
    assert "not sent to alan.hughes@nhs.net" in approved.out  # nothing to a sender we could not authenticate
    assert {r.recipient for r in bot.outbox(first)} == {"sam.new@nhs.net"}


def test_an_authenticated_sender_outside_the_nhs_has_no_form_read(tmp_path: Path, signing_key: SigningKey) -> None:
    bot = make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key)
    signing_key.write_key_file(bot.directory / "test-keys.txt", ("nhs.net", "example.com"))
    config = load_config(bot.config)
    engine = make_engine(bot.store_url)
    reads = []
    with understander(config, sessions(engine)) as real:
        counting = replace(real, read_form=lambda pdf, now: reads.append(pdf) or real.read_form(pdf, now))
        found = handle(sessions(engine), counting, form_mail(bot, "alan.hughes@example.com"), source="test",
                       now=datetime.now(UTC), settings=settings_from(config))
    engine.dispose()
    assert [(c.outcome, c.reasons) for c in found] == [("flagged", ["sender.not_nhs"])]
    assert reads == []


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_a_sender_whose_dns_keeps_failing_waits_longer_each_time_then_is_unauthenticated(mailbot: Mailbot) -> None:
    bot = mailbot.bot
    start = datetime.now(UTC)
    clock = Clock(start)
    engine = make_engine(bot.store_url)
    factory = sessions(engine)
    settings = settings_from(load_config(bot.config))
    with dns_server(mode="servfail") as port:
        understand = replace(mailbot.understander, key_lookup=dns_key_lookup(2.0, ["127.0.0.1"], port))
        worker = IntakeWorker(sessions=factory, handler=PipelineHandler(factory, understand, settings),
                              source="maildir:inbox", owner="me", daemon=DaemonSection(retry_seconds=30),
                              folders=FoldersSection(), clock=clock, give_up_after=timedelta(hours=24))
        key, raw = "maildir:1700000000.M1P1.host", permission_mail(bot)
        waits: list[timedelta] = []
        for _ in range(60):  # never more than this: a message must not wait forever
            attempts = worker.claim([key])[key]
            folder = worker.process(key, raw, attempts)
            with factory() as session:
                record = session.scalars(select(IntakeRecord)).one()
            if record.status == intake.DONE:
                break
            assert folder is None and record.status == intake.RETRY and record.attempts == 0
            assert worker.claim([key]) == {}  # not due yet
            assert record.next_attempt_at is not None
            waits.append(record.next_attempt_at - clock.now)
            clock.now = record.next_attempt_at
    engine.dispose()
    assert record.status == intake.DONE, waits
    assert waits[:4] == [timedelta(seconds=30), timedelta(seconds=30), timedelta(seconds=60),
                         timedelta(seconds=120)]
    assert max(waits) == timedelta(hours=1) and len(waits) < 40
    assert clock.now - start == timedelta(hours=24)  # the last try is at the deadline, not an hour after it
    assert len(record.case_ids) == 1
    listed = [json.loads(line) for line in bot.cli("review", "list", "--json").out.splitlines()]
    assert [(c["outcome"], c["reasons"]) for c in listed] == [("flagged", ["sender.unauthenticated"])]
    problems = bot.case(listed[0]["reference"]).fields["sender"]["problems"]
    assert any("SERVFAIL" in p for p in problems) and any("gave up waiting" in p for p in problems)
    assert bot.outbox(listed[0]["reference"]) == []  # unauthenticated: no reply
