"""Messages read ahead ([daemon] read_ahead): while one message is recorded, the next are understood and their
forms read in the real sandbox; still each message is recorded once, in order, in one transaction with its claim
and replies, and a stop in the middle of reading ahead loses nothing and does nothing twice. Real signatures, the
real forms sandbox, a real SQLite store; the overlap is seen through the store's own commit, not through timing."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from mailbot.config import load_config
from mailbot.config_sections import DaemonSection, FoldersSection
from mailbot.intake.worker import IntakeWorker
from mailbot.processing.contract import HandleResult, IntakeClaim
from mailbot.processing.mail_handler import PipelineHandler
from mailbot.processing.sandbox import PdfBytes
from mailbot.processing.services import understander
from mailbot.processing.settings import settings_from
from parsers.forms.result import FormReading
from store import intake
from store.db import make_engine, sessions
from store.models import Case, IntakeRecord, OutboxMessage, StoredMessage
from tests.pipeline.conftest import Bot
from tests.pipeline.messages import GOOD_GP_FORM, notice_mail, permission_mail
from tests.support.forms_fixtures import filled_form

WAIT = 60.0  # seconds: only ever reached when reading ahead does not happen (the test then fails)


@dataclass
class Watch:
    """What the test sees happen: each form read begun (by its PDF), each transaction that wrote a case committed,
    and whether the second form's read had begun when the first case committed."""

    second_pdf: bytes
    second_read: threading.Event = field(default_factory=threading.Event)
    reads: list[bytes] = field(default_factory=list)
    case_commits: int = 0
    second_read_before_first_commit: bool | None = None
    on_first_commit: list[Any] = field(default_factory=list)  # what else to do then (e.g. stop the daemon)

    def read_begun(self, pdf: PdfBytes) -> None:
        data = bytes(pdf)
        self.reads.append(data)
        if data == self.second_pdf:
            self.second_read.set()

    def listen(self, engine: Engine) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def writing(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO CASES"):
                conn.info["wrote_a_case"] = True

        @event.listens_for(engine, "commit")
        def committing(conn: Any) -> None:
            if not conn.info.pop("wrote_a_case", False):
                return
            self.case_commits += 1
            if self.case_commits == 1:  # held here until the second form is being read, or the test gives up
                self.second_read_before_first_commit = self.second_read.wait(WAIT)
                for then in self.on_first_commit:
                    then()


def _form_mail(bot: Bot, pdf: bytes) -> bytes:
    return bot.mail("alan.hughes@nhs.net", "Primary User request form", "Please find our signed form attached.",
                    attachments=(("primary-user-request.pdf", pdf, "application/pdf"),))


@pytest.fixture
def pdfs() -> tuple[bytes, bytes]:
    return (filled_form("gp_practice", GOOD_GP_FORM, signature="ink"),
            filled_form("gp_practice", {**GOOD_GP_FORM, "pu_full_name": "Kim New", "pu_email": "kim.new@nhs.net"},
                        signature="ink"))


@dataclass
class Run:
    worker: IntakeWorker
    engine: Engine
    watch: Watch
    keys: list[str]
    raws: list[bytes]

    def batch(self, stop: threading.Event | None = None) -> dict[str, str | None]:
        claimed = self.worker.claim(self.keys)
        raws = {key: raw for key, raw in zip(self.keys, self.raws, strict=True) if key in claimed}
        return self.worker.process_batch(claimed, raws, stop or threading.Event())


@pytest.fixture
def run(bot: Bot, pdfs: tuple[bytes, bytes]) -> Iterator[Run]:
    config = load_config(bot.config)
    engine = make_engine(bot.store_url)
    factory = sessions(engine)
    watch = Watch(second_pdf=pdfs[1])
    watch.listen(engine)
    raws = [_form_mail(bot, pdfs[0]), _form_mail(bot, pdfs[1]), permission_mail(bot),
            permission_mail(bot, user="sam.new@nhs.net")]
    keys = [f"maildir:17000000{n}.M1P1.host" for n in range(len(raws))]
    with understander(config, factory) as real:

        def read_form(pdf: PdfBytes, now: datetime) -> FormReading:
            watch.read_begun(pdf)
            return real.read_form(pdf, now)

        handler = PipelineHandler(factory, replace(real, read_form=read_form), settings_from(config))
        worker = IntakeWorker(sessions=factory, handler=handler, source="maildir:inbox", owner="me",
                              daemon=DaemonSection(workers=2, read_ahead=2), folders=FoldersSection(),
                              clock=lambda: datetime.now(UTC))
        yield Run(worker, engine, watch, keys, raws)
    engine.dispose()


def _recorded(engine: Engine) -> tuple[list[str], dict[str, IntakeRecord], dict[int, int]]:
    """The messages' keys in the order their cases were written, the intake records, and replies per case."""
    with sessions(engine)() as session:
        order = list(session.scalars(select(StoredMessage.source).join(Case, Case.message_row_id == StoredMessage.id)
                                     .order_by(Case.id)))
        records = {r.key: r for r in session.scalars(select(IntakeRecord))}
        replies: dict[int, int] = {}
        for case_id in session.scalars(select(OutboxMessage.case_id).where(OutboxMessage.purpose == "reply")):
            replies[case_id] = replies.get(case_id, 0) + 1
        session.expunge_all()
    return order, records, replies


def test_the_next_form_is_read_while_a_message_is_recorded_and_all_are_recorded_once_in_order(run: Run) -> None:
    folders = run.batch()

    assert run.watch.second_read_before_first_commit is True
    order, records, replies = _recorded(run.engine)
    assert order == run.keys  # one case each, written in the order the messages came
    assert all(records[key].status == intake.DONE and len(records[key].case_ids) == 1 for key in run.keys)
    assert sorted(replies.values()) == [1, 1, 1, 1] and set(replies) == {records[k].case_ids[0] for k in run.keys}
    assert set(folders) == set(run.keys) and None not in folders.values()
    assert len(run.watch.reads) == 2  # each form read once


def test_a_stop_while_reading_ahead_gives_the_rest_back_and_the_next_run_records_each_once(run: Run) -> None:
    stop = threading.Event()
    run.watch.on_first_commit.append(stop.set)  # as SIGTERM would, while the second form is being read

    first = run.batch(stop)

    assert run.watch.second_read_before_first_commit is True
    # The message in hand is finished; those read ahead are given back. (In hand: with [daemon] group_commit, the
    # messages of the group whose COMMIT the stop came during, and one whose recording was under way then.)
    done = len(first)
    assert 1 <= done < len(run.keys)
    assert list(first) == run.keys[:done]
    order, records, _ = _recorded(run.engine)
    assert order == run.keys[:done]
    assert [records[k].status for k in run.keys[done:]] == [intake.RETRY] * (len(run.keys) - done)
    assert all(records[k].attempts == 0 for k in run.keys[done:])  # a give-back is not a failed attempt

    second = run.batch()

    assert list(second) == run.keys[done:]
    order, records, replies = _recorded(run.engine)
    assert order == run.keys
    assert all(records[key].status == intake.DONE for key in run.keys)
    assert sorted(replies.values()) == [1, 1, 1, 1]


def _noting(watch: Watch, second: bytes) -> type[PipelineHandler]:
    """A PipelineHandler that tells WATCH when SECOND has been read ahead (understood, nothing recorded yet)."""

    class Noting(PipelineHandler):
        def read_ahead(self, raw: bytes, claim: IntakeClaim) -> Callable[[], HandleResult]:
            recording = super().read_ahead(raw, claim)
            if raw == second:
                watch.second_read.set()
            return recording

    return Noting


@pytest.mark.parametrize("ahead", [0, 2])
def test_a_message_read_ahead_is_understood_on_the_register_the_one_before_it_left(bot_on_each_store: Bot,
                                                                                   ahead: int) -> None:
    """The first message (Open Exeter's notice) adds Alex Grey to the register; the second asks, by name, for Alex
    Grey to have an application. Read ahead, the second is understood before the first is recorded, when the
    register has no Alex Grey: still it must be answered as it is one at a time. On SQLite and PostgreSQL."""
    bot = bot_on_each_store
    raws = [notice_mail(bot), permission_mail(bot, user="Alex Grey", applications="Screening History")]
    keys = ["maildir:1700000100.M1P1.host", "maildir:1700000101.M1P1.host"]
    config = load_config(bot.config)
    engine = make_engine(bot.store_url)
    factory = sessions(engine)
    watch = Watch(second_pdf=b"")
    if ahead:  # the first commit waits until the second has been understood: the overlap is certain, not timed
        watch.listen(engine)
    try:
        with understander(config, factory) as real:
            handler = _noting(watch, raws[1])(factory, real, settings_from(config))
            worker = IntakeWorker(sessions=factory, handler=handler, source="maildir:inbox", owner="me",
                                  daemon=DaemonSection(workers=2, read_ahead=ahead), folders=FoldersSection(),
                                  clock=lambda: datetime.now(UTC))
            folders = Run(worker, engine, watch, keys, raws).batch()
    finally:
        engine.dispose()

    if ahead:
        assert watch.second_read_before_first_commit is True
    assert handler.understood_again == (1 if ahead else 0)  # made again at record time, once, when read ahead
    assert folders == {keys[0]: "Approved", keys[1]: "Approved"}, folders
    grey = next(u for u in bot.org("A81001")["users"] if u["username"] == "AGREY1")
    assert "Screening History" in grey["applications"]
