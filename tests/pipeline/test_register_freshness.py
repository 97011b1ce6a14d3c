"""A daemon keeps a snapshot of the register between messages (store/register_cache.py). Whoever changes the
register, in another process, by plain SQL, or in another session of the same process, the very next message is
judged on the register as it is now: a signatory taken off the register approves nothing more."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, event, select, text

from mailbot.config import load_config
from mailbot.processing.handle import handle
from mailbot.processing.record import CaseOutcome
from mailbot.processing.services import understander
from mailbot.processing.settings import settings_from
from store.db import make_engine, sessions, transaction
from store.models import Signatory, User
from store.register import register_view
from tests.pipeline.conftest import Bot, now
from tests.pipeline.messages import permission_mail

Handler = Callable[[bytes], CaseOutcome]


@pytest.fixture
def daemon_like(bot_on_each_store: Bot) -> Iterator[tuple[Bot, Handler]]:
    """One long-lived handler on the bot's store, as a daemon worker has (its register snapshot lives on)."""
    bot = bot_on_each_store
    config = load_config(bot.config, environ={})
    engine = make_engine(bot.store_url)
    with engine.begin() as conn:  # the test databases are emptied by TRUNCATE, the version row with them
        conn.execute(text("INSERT INTO register_version (id, token) VALUES (1, 'after-truncate') "
                          "ON CONFLICT (id) DO NOTHING"))
    factory = sessions(engine)
    with understander(config, factory) as understand:
        def one(raw: bytes) -> CaseOutcome:
            [case] = handle(factory, understand, raw, source="test", now=now(), settings=settings_from(config))
            return case
        yield bot, one
    engine.dispose()


def held(bot: Bot, email: str) -> list[str]:
    return next(u["applications"] for u in bot.org("A81001")["users"] if u["email"] == email)


# Another process, with nothing of the mailbot's: plain SQL through the database driver.
OTHER_PROCESS = """
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1])
with engine.begin() as conn:
    conn.execute(text("UPDATE signatories SET email = 'someone.else@nhs.net' WHERE email = 'priya.shah@nhs.net'"))
"""


def test_a_signatory_removed_by_another_process_approves_nothing_more(daemon_like: tuple[Bot, Handler]) -> None:
    bot, one = daemon_like
    first = one(permission_mail(bot, applications="Prior Notification List"))
    assert first.outcome == "approved", first  # the register is now cached, Dr Shah on it
    done = subprocess.run([sys.executable, "-c", OTHER_PROCESS, bot.store_url], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    second = one(permission_mail(bot, applications="Screening History"))
    assert second.outcome != "approved", second
    assert "Screening History" not in held(bot, "paul.brown2@nhs.net")


def test_a_change_in_another_session_of_the_process_is_seen_by_the_next_message(
        daemon_like: tuple[Bot, Handler]) -> None:
    bot, one = daemon_like
    assert one(permission_mail(bot, applications="Prior Notification List")).outcome == "approved"
    engine = make_engine(bot.store_url)
    try:  # as a reviewer's action or the web pages would: the ORM, in a transaction of its own
        with transaction(sessions(engine)) as session:
            session.scalars(select(User).where(User.email == "paul.brown2@nhs.net")).one().status = "disabled"
    finally:
        engine.dispose()
    second = one(permission_mail(bot, applications="Screening History"))
    assert second.outcome != "approved", second
    assert "Screening History" not in held(bot, "paul.brown2@nhs.net")


def test_a_change_rolled_back_is_never_seen(daemon_like: tuple[Bot, Handler]) -> None:
    bot, one = daemon_like
    assert one(permission_mail(bot, applications="Prior Notification List")).outcome == "approved"
    engine = make_engine(bot.store_url)
    try:  # the change is read under its own token (and kept there), then rolled back
        factory = sessions(engine)
        with factory() as session, session.begin():
            signatory = session.scalars(select(Signatory).where(Signatory.email == "priya.shah@nhs.net")).one()
            signatory.email = "someone.else@nhs.net"
            assert all(s.email != "priya.shah@nhs.net" for s in register_view(session, "A81001").org.signatories)
            session.rollback()
    finally:
        engine.dispose()
    second = one(permission_mail(bot, applications="Screening History"))
    assert second.outcome == "approved", second
    assert "Screening History" in held(bot, "paul.brown2@nhs.net")


# Another process adds Alex Grey to A81001, as an import or a person at the SQL prompt would.
ADD_ALEX_GREY = """
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1])
with engine.begin() as conn:
    conn.execute(text("INSERT INTO users (organisation_id, username, full_name, email, status, is_primary, "
                      "must_change_password, phone, created_at, updated_at) SELECT id, 'AGREY1', 'Alex Grey', "
                      "'alex.grey@nhs.net', 'active', false, false, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
                      "FROM organisations WHERE code = 'A81001'"))
"""


def test_a_user_added_by_another_process_is_read_by_the_next_message(daemon_like: tuple[Bot, Handler]) -> None:
    """The request reader reads a message with the register's words (its users' names) before the recording
    transaction, under the token this daemon last read, without asking it again; the recording transaction finds
    the register moved (another process added the user the message names) and the message is read again."""
    bot, one = daemon_like
    first = one(permission_mail(bot, user="Alex Grey", applications="Screening History"))
    assert first.outcome != "approved", first  # nobody of that name: the register is read, and left unchanged
    done = subprocess.run([sys.executable, "-c", ADD_ALEX_GREY, bot.store_url], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    second = one(permission_mail(bot, user="Alex Grey", applications="Screening History"))
    assert second.outcome == "approved", second
    assert "Screening History" in held(bot, "alex.grey@nhs.net")


def test_a_message_asks_for_the_register_token_once(daemon_like: tuple[Bot, Handler]) -> None:
    """In the recording transaction (in the statement that takes the case's reference): the request reader's reads
    before it presume the token this daemon last read, so with the register unchanged nothing else of it is read.
    After a message that changed the register itself, the next one asks before it is read, as well."""
    bot, one = daemon_like
    one(permission_mail(bot, applications="Prior Notification List"))  # granted: the register changed
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    def asked(raw: bytes) -> int:
        statements.clear()
        event.listen(Engine, "before_cursor_execute", seen)
        try:
            one(raw)
        finally:
            event.remove(Engine, "before_cursor_execute", seen)
        assert not any(s.lstrip().upper().startswith("UPDATE CASES") for s in statements), statements
        return sum("register_version" in s for s in statements)

    assert asked(permission_mail(bot, applications="Screening History")) == 2  # granted too
    assert asked(permission_mail(bot, applications="Screening History")) == 2  # held already: nothing changed
    assert asked(permission_mail(bot, applications="Screening History")) == 1, statements
