"""SPEC 17's deadline: one reminder half-way through `[signatory] confirm_days`, then `signatory.unconfirmed`; as a
command (`mailbot signatory expire`, with the clock fixed by MAILBOT_CLOCK) and as a job of the daemon (its clock
injected); idempotent, and safe with several daemons on one store."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from mailbot.config import load_config
from mailbot.daemon.scheduler import Daemon
from mailbot.processing.confirmation_expiry import remind_and_expire
from mailbot.processing.settings import settings_from
from store.db import make_engine, sessions
from store.models import OutboxMessage, SignatoryConfirmation
from tests.pipeline.conftest import Bot
from tests.pipeline.messages import form_mail
from tests.pipeline.test_signatory_proof import pending_form
from tests.support.daemon_setup import daemon_config
from tests.support.simple_handler import SimpleHandler


def expire_at(bot: Bot, monkeypatch: pytest.MonkeyPatch, when: datetime) -> dict[str, list[str]]:
    monkeypatch.setenv("MAILBOT_CLOCK", when.isoformat())
    result = bot.cli("signatory", "expire", "--json")
    monkeypatch.delenv("MAILBOT_CLOCK")
    assert result.status == 0, result.err
    return json.loads(result.out)


def reminders(bot: Bot, reference: str) -> list[OutboxMessage]:
    return [r for r in bot.outbox(reference) if r.purpose == "confirmation_reminder"]


def test_one_reminder_half_way_then_unconfirmed_at_expiry(bot_on_each_store: Bot,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    bot = bot_on_each_store
    asked = datetime.now(UTC)
    ref = pending_form(bot)["reference"]
    assert expire_at(bot, monkeypatch, asked + timedelta(days=3)) == {"reminded": [], "expired": []}
    assert expire_at(bot, monkeypatch, asked + timedelta(days=3, hours=12, minutes=1)) == {"reminded": [ref],
                                                                                           "expired": []}
    assert expire_at(bot, monkeypatch, asked + timedelta(days=5)) == {"reminded": [], "expired": []}  # once only
    [reminder] = reminders(bot, ref)
    assert reminder.recipient == "alan.hughes@nhs.net" and reminder.subject.startswith("Reminder: please confirm")
    assert ref in reminder.subject and "This is a reminder" in reminder.body
    assert bot.case(ref).outcome == "pending"
    assert expire_at(bot, monkeypatch, asked + timedelta(days=7, minutes=2)) == {"reminded": [], "expired": [ref]}
    assert expire_at(bot, monkeypatch, asked + timedelta(days=8)) == {"reminded": [], "expired": []}
    case = bot.case(ref)
    assert (case.outcome, case.reasons, case.needs_review) == ("flagged", ["signatory.unconfirmed"], True)
    told = bot.outbox(ref)[-1]
    assert told.recipient == "kate.doe@nhs.net" and "has not confirmed the request in time" in told.body
    listed = [json.loads(line) for line in bot.cli("review", "list", "--json").out.splitlines()]
    assert ref in [row["reference"] for row in listed]


def test_a_late_reminder_still_comes_before_the_expiry(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing ran for ten days: the signatory is reminded first, and keeps half the wait after the reminder."""
    asked = datetime.now(UTC)
    ref = pending_form(bot)["reference"]
    assert expire_at(bot, monkeypatch, asked + timedelta(days=10)) == {"reminded": [ref], "expired": []}
    assert expire_at(bot, monkeypatch, asked + timedelta(days=13)) == {"reminded": [], "expired": []}
    assert expire_at(bot, monkeypatch, asked + timedelta(days=13, hours=13)) == {"reminded": [], "expired": [ref]}


def test_a_case_staff_decided_first_is_neither_reminded_nor_expired(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = datetime.now(UTC)
    ref = pending_form(bot)["reference"]
    assert bot.cli("review", "close", ref, "--by", "Sam Reviewer").status == 0
    assert expire_at(bot, monkeypatch, asked + timedelta(days=30)) == {"reminded": [], "expired": []}
    assert bot.case(ref).outcome == "pending" and not reminders(bot, ref)


def test_several_daemons_on_one_store_send_each_reminder_once(bot_on_each_store: Bot) -> None:
    bot = bot_on_each_store
    asked = datetime.now(UTC)
    references = [bot.one(form_mail(bot, f"manager{n}@nhs.net"))["reference"] for n in range(3)]
    settings = settings_from(load_config(bot.config))
    engines = [make_engine(bot.store_url) for _ in range(4)]
    start = threading.Barrier(len(engines))
    reports, errors = [], []

    def one_daemon(n: int) -> None:
        try:
            start.wait()
            for moment in (4, 4, 8, 8):  # each "daemon" goes round twice at each point in time
                reports.append(remind_and_expire(sessions(engines[n]), now=asked + timedelta(days=moment),
                                                 settings=settings))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one_daemon, args=(n,)) for n in range(len(engines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for engine in engines:
        engine.dispose()
    assert not errors, errors
    assert sorted(r for report in reports for r in report.reminded) == sorted(references)
    assert sorted(r for report in reports for r in report.expired) == sorted(references)
    for ref in references:
        assert len(reminders(bot, ref)) == 1
        told = [r for r in bot.outbox(ref) if r.recipient.startswith("manager")]
        assert len(told) == 2  # the acknowledgement, and once that the signatory did not confirm
        assert bot.case(ref).reasons == ["signatory.unconfirmed"]


def test_the_daemon_sends_reminders_by_its_own_clock(bot: Bot, tmp_path: Path) -> None:
    asked = datetime.now(UTC)
    ref = pending_form(bot)["reference"]
    engine = make_engine(bot.store_url)
    factory = sessions(engine)
    config = daemon_config(bot.store_url, base=tmp_path / "mail")
    (tmp_path / "mail" / "inbox").mkdir(parents=True)
    daemon = Daemon(config, factory, SimpleHandler(factory), clock=lambda: asked + timedelta(days=4))
    daemon.start()
    try:
        deadline = time.monotonic() + 30
        while not reminders(bot, ref) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        assert daemon.shutdown()
        engine.dispose()
    assert len(reminders(bot, ref)) == 1
    with sessions(make_engine(bot.store_url))() as session:
        row = session.scalars(select(SignatoryConfirmation)).one()
        assert row.reminder_sent_at == asked + timedelta(days=4) or abs(
            (row.reminder_sent_at - (asked + timedelta(days=4))).total_seconds()) < 1
