"""A replay at a fixed clock (MAILBOT_CLOCK, as the golden corpus runs) decides a signed message as it was decided
at that moment, whatever the wall clock says: the DKIM signature's t= and x= are judged as at the replayed moment,
through `mailbot process`, with real signatures dated on purpose; and a form's digital signature is validated as at
the moment the message is handled, in the sandbox child."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mailbot.config import load_config
from mailbot.processing.handle import handle
from mailbot.processing.services import understander
from mailbot.processing.settings import settings_from
from parsers.forms.result import FormReading
from store.db import make_engine, sessions
from tests.pipeline.conftest import MAILBOX, Bot
from tests.pipeline.messages import form_mail
from tests.support.signed_mail import compose

WALL = datetime.now(UTC)
IN_2040 = datetime(2040, 1, 1, 9, 0, tzinfo=UTC)


def question(bot: Bot, *, sent: datetime, expires: datetime | None) -> bytes:
    """A guidance question from an NHS address, dated and DKIM-signed at SENT, its signature expiring at EXPIRES."""
    raw = compose(sender="kate.doe@nhs.net", to=MAILBOX, subject="Who is our Primary User?",
                  body="Hello, how do I find out who the Primary User for our practice is?", date=sent)
    return bot.key.sign_dated(raw, "nhs.net", signed_at=sent, expires_at=expires)


def process_at(bot: Bot, monkeypatch: pytest.MonkeyPatch, when: datetime | None, raw: bytes) -> dict[str, Any]:
    if when is not None:
        monkeypatch.setenv("MAILBOT_CLOCK", when.isoformat())
    try:
        return bot.one(raw)
    finally:
        monkeypatch.delenv("MAILBOT_CLOCK", raising=False)


def test_a_replay_in_2040_of_mail_signed_in_2040_decides_as_it_did_then(bot: Bot,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Far ahead of the wall clock: dkimpy's own check would call its t= the future."""
    raw = question(bot, sent=IN_2040 - timedelta(hours=1), expires=IN_2040 + timedelta(days=30))
    line = process_at(bot, monkeypatch, IN_2040, raw)
    assert (line["kind"], line["outcome"], line["reasons"]) == ("guidance", "answered", [])
    assert line["reference"].startswith("OE-2040-")


def test_a_replay_of_mail_whose_signature_has_since_expired_decides_as_it_did_then(
        bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its x= passed twenty days ago by the wall clock; replayed as at ten days before that, it still counts, and
    judged now it does not (the sender is not authenticated, so no answer goes out)."""
    sent = WALL - timedelta(days=40)
    then = process_at(bot, monkeypatch, WALL - timedelta(days=30), question(bot, sent=sent,
                                                                            expires=WALL - timedelta(days=20)))
    assert (then["kind"], then["outcome"], then["reasons"]) == ("guidance", "answered", [])
    today = process_at(bot, monkeypatch, None, question(bot, sent=sent + timedelta(minutes=1),
                                                        expires=WALL - timedelta(days=20)))
    assert today["kind"] == "guidance" and "sender.unauthenticated" in today["reasons"] and not today["replies"]


def test_a_form_handled_in_2040_has_its_digital_signature_validated_as_at_2040(bot: Bot) -> None:
    """Handled as the daemon handles it (mailbot.intake.handle, the real sandbox): the reading the child sends back
    says the moment pyHanko validated the signature as at, years after its certificate expired."""
    config = load_config(bot.config)
    engine = make_engine(bot.store_url)
    readings: list[FormReading] = []
    try:
        with understander(config, sessions(engine)) as real:
            def recording(pdf: bytes, now: datetime) -> FormReading:
                readings.append(real.read_form(pdf, now))
                return readings[-1]

            cases = handle(sessions(engine), replace(real, read_form=recording),
                           form_mail(bot, "alan.hughes@nhs.net", signature="digital"), source="test", now=IN_2040,
                           settings=settings_from(config))
    finally:
        engine.dispose()
    assert len(cases) == 1 and "sender.unauthenticated" not in cases[0].reasons
    [reading] = readings
    assert (reading.status, reading.digital) == ("read", "intact")
    assert reading.digital_validated_at == IN_2040.isoformat()
