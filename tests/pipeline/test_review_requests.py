"""Asking a sender for more information and warning people on record (issue 18), end to end: real signatures,
real store, `mailbot process` for the answers. The answer is attached to the case only when it is authenticated
and from the case's own people; nothing is ever mailed to an address taken from a message."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.config import load_config
from mailbot.processing.settings import settings_from
from mailbot.review.actions import ReviewError
from mailbot.review.deferred_forms import read_unread_form
from mailbot.review.requests import ask_for_information, warn_people_on_record
from store.case_context import case_context
from store.cases import case_by_reference
from store.db import make_engine, sessions, transaction
from store.models import AuditEvent
from tests.pipeline.conftest import Bot, now
from tests.pipeline.messages import form_mail

STRANGER_SIGNATORY = {"sig_full_name": "Dr Nora Bell", "sig_email": "nora.bell@nhs.net"}


@contextmanager
def store(bot: Bot) -> Iterator[Session]:
    engine = make_engine(bot.store_url)
    try:
        with transaction(sessions(engine)) as session:
            yield session
    finally:
        engine.dispose()


def actions(bot: Bot, reference: str) -> list[str]:
    with store(bot) as session:
        case = case_by_reference(session, reference)
        assert case is not None
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id)
                                    .order_by(AuditEvent.id)))


def test_the_senders_signed_answer_to_a_question_is_attached_and_the_case_keeps_waiting(bot: Bot) -> None:
    flagged = bot.one(form_mail(bot, "office.manager@nhs.net", **STRANGER_SIGNATORY))
    assert flagged["outcome"] == "flagged" and "signatory.unverified" in flagged["reasons"], flagged
    settings = settings_from(load_config(bot.config))
    with store(bot) as session:
        to = ask_for_information(session, flagged["reference"], "Who is Dr Nora Bell at the practice?",
                                 by="Sam Reviewer", now=now(), settings=settings)
    assert to == "office.manager@nhs.net"
    question = bot.outbox(flagged["reference"])[-1]
    assert question.recipient == "office.manager@nhs.net" and "Who is Dr Nora Bell" in question.body
    assert question.subject.endswith(f"[{flagged['reference']}]")
    assert bot.case(flagged["reference"]).needs_review  # still waiting

    forged = bot.one(bot.mail("office.manager@nhs.net", question.subject, "She is our new partner.", sign=False))
    answer = bot.one(bot.mail("office.manager@nhs.net", question.subject, "Dr Bell joined us as a GP partner."))
    assert bot.case(flagged["reference"]).needs_review
    with store(bot) as session:
        case = case_by_reference(session, flagged["reference"])
        assert case is not None
        linked = {link.case.reference: link.how for link in case_context(session, case).linked}
    assert "attached" in linked[answer["reference"]]  # the signed answer from the sender goes on the case
    assert "not from its people" in linked[forged["reference"]]  # the unsigned one is only linked
    assert actions(bot, flagged["reference"]).count("case.follow_up") == 1
    assert "review.information_requested" in actions(bot, flagged["reference"])


def test_no_question_goes_to_a_sender_who_could_not_be_authenticated(bot: Bot) -> None:
    unsigned = bot.one(form_mail(bot, "office.manager@nhs.net", sign=False))
    assert "sender.unauthenticated" in unsigned["reasons"], unsigned
    before = len(bot.outbox(unsigned["reference"]))
    with store(bot) as session, pytest.raises(ReviewError, match="could not be confirmed"):
        ask_for_information(session, unsigned["reference"], "Who are you?", by="Sam Reviewer", now=now(),
                            settings=settings_from(load_config(bot.config)))
    assert len(bot.outbox(unsigned["reference"])) == before


def test_a_warning_goes_only_to_addresses_on_record_and_is_audited(bot: Bot) -> None:
    unsigned = bot.one(form_mail(bot, "alan.hughes@nhs.net", sign=False))  # a forgery in the Lead GP's name
    config = load_config(bot.config)
    settings = settings_from(config)
    engine = make_engine(bot.store_url)
    try:  # a stranger's form is read when staff open the case, as the case page does
        read_unread_form(sessions(engine), unsigned["reference"], config, by="Sam Reviewer", now=now(),
                         settings=settings)
    finally:
        engine.dispose()
    with store(bot) as session, pytest.raises(ReviewError, match="not on record: office.manager@nhs.net"):
        warn_people_on_record(session, unsigned["reference"], ["alan.hughes@nhs.net", "office.manager@nhs.net"],
                              by="Sam Reviewer", now=now(), settings=settings)
    assert [m.purpose for m in bot.outbox(unsigned["reference"])] == []  # refused whole: nothing queued
    with store(bot) as session:
        warned = warn_people_on_record(session, unsigned["reference"], ["Alan.Hughes@nhs.net", "jane.smith@nhs.net"],
                                       by="Sam Reviewer", now=now(), settings=settings)
    assert warned == ["alan.hughes@nhs.net", "jane.smith@nhs.net"]  # the Lead GP and the Primary User on record
    mails = bot.outbox(unsigned["reference"])
    assert [m.recipient for m in mails] == warned
    assert all("may not have come from the person" in m.body and "(not confirmed: it may be forged)" in m.body
               for m in mails)
    assert "review.impersonation_warned" in actions(bot, unsigned["reference"])


def test_a_form_sent_again_is_found_by_its_attachment_and_its_text(bot: Bot) -> None:
    first = bot.one(form_mail(bot, "office.manager@nhs.net", **STRANGER_SIGNATORY))
    again = bot.one(form_mail(bot, "office.manager@nhs.net", **STRANGER_SIGNATORY))
    other = bot.one(form_mail(bot, "office.manager@nhs.net", pu_full_name="Kim Other", **STRANGER_SIGNATORY))
    text = "Please could you give Sam New access to Open Exeter as our Primary User from next Monday."
    worded = [bot.one(bot.mail(sender, "Access", text)) for sender in ("kate.doe@nhs.net", "lee.roe@nhs.net")]
    with store(bot) as session:
        found = {}
        for ref in (again["reference"], worded[1]["reference"]):
            case = case_by_reference(session, ref)
            assert case is not None
            context = case_context(session, case)
            found[ref] = ([c.reference for c in context.same_attachment], [c.reference for c in context.same_text])
    # The same form bytes, not the form with another nominee; the short covering note says too little to match.
    assert found[again["reference"]] == ([first["reference"]], [])
    assert other["reference"] not in found[again["reference"]][0]
    assert found[worded[1]["reference"]] == ([], [worded[0]["reference"]])  # the same words from someone else
