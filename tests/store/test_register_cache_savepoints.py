"""The register's snapshots (store/register_cache.py) when the daemon records a group of messages in one
transaction, each in a savepoint (mailbot/intake/recording_group.py): nothing read of a savepoint's changes, nor of
a group's that is never committed, is ever served as the register; and a token the group's transaction reads after
changing the register is never presumed by a look. On both databases."""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from store import register_cache
from store.db import sessions, transaction
from store.models import User
from store.register import register_view
from store.register_cache import RegisterLook
from tests.store.test_register_cache import make_register, token


def _full_name(view_org: object) -> str:
    return view_org.users[0].full_name  # type: ignore[attr-defined]


def test_a_savepoint_rolled_back_leaves_no_snapshot_holding_its_changes(engine: Engine) -> None:
    make_register(engine)
    factory = sessions(engine)
    with transaction(factory) as session:
        assert _full_name(register_view(session, "A81001").org) == "Jane Smith"
        savepoint = session.begin_nested()
        session.scalars(select(User)).one().full_name = "Jane Smyth"
        assert _full_name(register_view(session, "A81001").org) == "Jane Smyth"  # read, kept under its token
        savepoint.rollback()
        # The transaction goes on (the next message of the group): the register as it was, not as the savepoint
        # left it.
        assert _full_name(register_view(session, "A81001").org) == "Jane Smith"
        with session.begin_nested():  # the next message's savepoint reads it as it is too
            assert _full_name(register_view(session, "A81001").org) == "Jane Smith"
    with transaction(factory) as session:
        assert _full_name(register_view(session, "A81001").org) == "Jane Smith"
    with engine.connect() as conn:
        assert RegisterLook(conn).users_of("A81001")[0].full_name == "Jane Smith"


def test_a_group_never_committed_leaves_no_snapshot_holding_its_changes(engine: Engine) -> None:
    """A group's first message changes the register, the second reads it (kept under the group's own token), and
    the COMMIT fails: neither the next transaction nor a look sees the change."""
    make_register(engine)
    factory = sessions(engine)
    before = token(engine)
    session = factory()
    try:
        session.begin()
        with session.begin_nested():
            session.execute(update(User).values(full_name="Jane Smyth"))
        with session.begin_nested():
            assert _full_name(register_view(session, "A81001").org) == "Jane Smyth"
        session.rollback()  # (the group's COMMIT failed)
    finally:
        session.close()
    assert token(engine) == before
    with transaction(factory) as session:
        assert _full_name(register_view(session, "A81001").org) == "Jane Smith"
    with engine.connect() as conn:
        assert RegisterLook(conn).users_of("A81001")[0].full_name == "Jane Smith"


def test_a_token_read_after_the_groups_own_change_is_never_presumed(engine: Engine) -> None:
    """What mailbot.processing.record presumes for the next message's look: the token it reads in the group's
    transaction, but only while that transaction has not changed the register (changed_in). Were the group's own
    token presumed, a look before the group committed would read the register as committed, without the change,
    and keep it under that token, which the COMMIT then makes current: a stale register served as fresh."""
    make_register(engine)
    factory = sessions(engine)
    register_cache.forget_store(engine)
    committed = token(engine)
    with transaction(factory) as session:
        with session.begin_nested():  # the first message: reads the register, changes nothing of it
            assert _full_name(register_view(session, "A81001").org) == "Jane Smith"
        assert not register_cache.changed_in(session)
        with session.begin_nested():  # the second: changes it (an approval adds a user, say)
            session.execute(update(User).values(full_name="Jane Smyth"))
        with session.begin_nested():  # the third reads the token: the group's own, not to be presumed
            assert register_cache.changed_in(session)
            own = register_cache.snapshot(session)
            assert own is not None and own.token != committed
        assert register_cache.presumed(engine) in (None, committed)
    with transaction(factory) as session:  # a transaction of its own: nothing changed in it yet
        register_view(session, "A81001")
        assert not register_cache.changed_in(session)
    with engine.connect() as conn:
        assert RegisterLook(conn).users_of("A81001")[0].full_name == "Jane Smyth"
