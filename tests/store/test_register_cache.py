"""The register's version token (migration 0015) and the snapshot kept under it (store/register_cache.py): every
change to a register table, however made, gives a new token; a transaction sees its own changes; an unchanged
register costs one statement to ask for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event, select, text, update

from parsers.register_words import OrgEntry, UserEntry
from store import register_cache
from store.db import sessions, transaction
from store.models import Case, Organisation, RegisterVersion, User
from store.models.base import made
from store.register import register_view
from store.register_cache import RegisterLook

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def token(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(RegisterVersion.token)).scalar_one())


def ensure_version_row(engine: Engine) -> None:
    with engine.begin() as conn:  # the PostgreSQL test database is emptied by TRUNCATE, the version row with it
        conn.execute(text("INSERT INTO register_version (id, token) VALUES (1, 'start') ON CONFLICT (id) DO NOTHING"))


REGISTER_ROWS = [
    "INSERT INTO organisations (id, code, name, type, status, created_at, updated_at) "
    "VALUES (1, 'A81001', 'The Surgery', 'gp_practice', 'active', :now, :now)",
    "INSERT INTO applications (id, name) VALUES (1, 'Organisation Maintenance')",
    "INSERT INTO users (id, organisation_id, username, full_name, email, status, is_primary, must_change_password, "
    "phone, created_at, updated_at) VALUES (1, 1, 'JSMITH1', 'Jane Smith', 'jane.smith@nhs.net', 'active', true, "
    "false, '', :now, :now)",
    "INSERT INTO user_applications (user_id, application_id) VALUES (1, 1)",
    "INSERT INTO signatories (id, organisation_id, full_name, email, role, phone, verified_how, verified_at) "
    "VALUES (1, 1, 'Dr Priya Shah', 'priya.shah@nhs.net', 'gp_partner', '', 'a test', :now)",
    "UPDATE organisations SET name = 'The New Surgery'",
    "UPDATE applications SET name = 'Organisation maintenance'",
    "UPDATE users SET status = 'disabled'",
    "UPDATE signatories SET email = 'someone.else@nhs.net'",
    "DELETE FROM user_applications",
    "DELETE FROM signatories",
    "DELETE FROM users",
    "DELETE FROM applications",
    "DELETE FROM organisations",
]


def test_every_change_to_a_register_table_gives_a_new_token(engine: Engine) -> None:
    ensure_version_row(engine)
    seen = {token(engine)}
    for statement in REGISTER_ROWS:  # plain SQL, as another program or a person at the prompt would write it
        with engine.begin() as conn:
            conn.execute(text(statement), {"now": NOW})
        seen.add(token(engine))
        assert len(seen) > REGISTER_ROWS.index(statement) + 1, statement


def test_a_rolled_back_change_leaves_the_token_as_it_was(engine: Engine) -> None:
    ensure_version_row(engine)
    before = token(engine)
    with engine.connect() as conn:
        conn.execute(text(REGISTER_ROWS[1]))
        conn.rollback()
    assert token(engine) == before


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def make_register(engine: Engine) -> None:
    ensure_version_row(engine)
    with engine.begin() as conn:
        for statement in REGISTER_ROWS[:5]:
            conn.execute(text(statement), {"now": NOW})


def test_an_unchanged_register_costs_one_statement_and_a_changed_one_is_read_again(engine: Engine) -> None:
    make_register(engine)
    factory = sessions(engine)
    with transaction(factory) as session:
        assert register_view(session, "A81001").org is not None  # read, and kept under the token
    with counted(engine) as statements, transaction(factory) as session:
        view = register_view(session, "A81001")
    [asked] = [s for s in statements if not s.startswith("BEGIN")]
    assert " ".join(asked.split()).startswith("SELECT register_version.token FROM register_version WHERE")
    assert view.org is not None and view.org.signatories[0].email == "priya.shah@nhs.net"
    with engine.begin() as conn:
        conn.execute(text("UPDATE signatories SET email = 'someone.else@nhs.net'"))
    with transaction(factory) as session:
        view = register_view(session, "A81001")
    assert view.org is not None and view.org.signatories[0].email == "someone.else@nhs.net"


def test_a_transaction_sees_its_own_changes_to_the_register(engine: Engine) -> None:
    make_register(engine)
    factory = sessions(engine)
    with transaction(factory) as session:
        view = register_view(session, "A81001")
        assert view.org is not None and view.org.users[0].status == "active"
        session.scalars(select(User)).one().status = "disabled"  # through the ORM, not yet flushed
        view = register_view(session, "A81001")
        assert view.org is not None and view.org.users[0].status == "disabled"
        session.execute(update(User).values(full_name="Jane Smyth"))  # a statement of its own
        view = register_view(session, "A81001")
        assert view.org is not None and view.org.users[0].full_name == "Jane Smyth"
    with transaction(factory) as session:
        view = register_view(session, "A81001")
        assert view.org is not None and (view.org.users[0].status, view.org.users[0].full_name) == (
            "disabled", "Jane Smyth")


def test_a_look_asks_the_token_once_then_presumes_it_and_reads_afresh_without_one(engine: Engine) -> None:
    make_register(engine)
    register_cache.forget_store(engine)  # (this process has read nothing of the store yet)
    with counted(engine) as first, engine.connect() as conn:
        RegisterLook(conn).users_of("A81001")  # the token asked; the users read, and kept under it
    assert any("register_version" in s for s in first)
    with counted(engine) as statements, engine.connect() as conn:
        look = RegisterLook(conn)
        words = (look.catalogue(), look.organisations(), look.users_of("a81001 "), look.users_of("A81001"))
    assert [" ".join(s.split()) for s in statements if not s.startswith("BEGIN")] == [
        "SELECT applications.name FROM applications ORDER BY applications.name",
        "SELECT organisations.code, organisations.name FROM organisations ORDER BY organisations.code"]
    assert words == (("Organisation Maintenance",), (OrgEntry("A81001", "The Surgery"),),
                     (UserEntry("JSMITH1", "Jane Smith", "jane.smith@nhs.net", "active"),),
                     (UserEntry("JSMITH1", "Jane Smith", "jane.smith@nhs.net", "active"),))
    assert [name for name, _, _ in look.reads] == ["catalogue", "organisations", "users_of", "users_of"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM register_version"))
    register_cache.presume(engine, None)  # as the recording does on finding no token: the next look asks
    for _ in range(2):  # no version row: read afresh each time, never from what was kept
        with engine.begin() as conn:
            conn.execute(text("UPDATE users SET full_name = 'Jane Smith' || full_name"))
        with engine.connect() as conn:
            assert RegisterLook(conn).users_of("A81001")[0].full_name.startswith("Jane SmithJane Sm")


def test_what_a_look_read_is_checked_on_the_register_a_transaction_finds(engine: Engine) -> None:
    """A look presumes the token this process last read: changed meanwhile by someone else (here plain SQL, as
    another program), it reads what was kept under the old one; the transaction that records what it was read for
    finds it changed. Unchanged, the check costs no statement beyond the token the transaction asks anyway."""
    make_register(engine)
    factory = sessions(engine)
    with engine.connect() as conn:
        RegisterLook(conn).users_of("A81001")  # read, and kept under the token, which is presumed from now on
    with engine.connect() as conn:
        look = RegisterLook(conn)
        look.catalogue(), look.users_of("A81001")
    with counted(engine) as statements, transaction(factory) as session:
        assert register_cache.reads_the_same(session, look.reads)
    [asked] = [s for s in statements if not s.startswith("BEGIN")]
    assert asked.startswith("SELECT register_version.token")
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET full_name = 'Jane Smyth'"))
    with engine.connect() as conn:
        look = RegisterLook(conn)
        assert look.users_of("A81001")[0].full_name == "Jane Smith"  # under the token presumed: no longer current
    with transaction(factory) as session:
        assert not register_cache.reads_the_same(session, look.reads)
        snap = register_cache.snapshot(session)
        assert snap is not None
        register_cache.presume(engine, snap.token)  # as the recording does with the token it read
    with engine.connect() as conn:
        assert RegisterLook(conn).users_of("A81001")[0].full_name == "Jane Smyth"
    with engine.begin() as conn:
        conn.execute(text("UPDATE organisations SET name = 'The Surgery'"))  # a new token, nothing else changed
    with engine.connect() as conn:
        look = RegisterLook(conn)
        look.organisations(), look.users_of("A81001")
    with transaction(factory) as session:
        assert register_cache.reads_the_same(session, look.reads)  # read again under the new token: the same


def test_organisations_read_alike_under_a_new_token_are_the_same_tuple(engine: Engine) -> None:
    """A change elsewhere in the register (a user's) reads the organisations again, and hands back the tuple made
    before (the snapshots share it, and the request reader's index of it); a change to an organisation does not."""
    make_register(engine)
    with engine.connect() as conn:
        before = RegisterLook(conn).organisations()
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET full_name = 'Jane Smyth'"))
    register_cache.presume(engine, None)  # the next look asks the token (as after a recording found it moved)
    with counted(engine) as statements, engine.connect() as conn:
        again = RegisterLook(conn).organisations()
    assert any("FROM organisations" in s for s in statements)  # read under the new token, not taken on trust
    assert again is before
    with engine.begin() as conn:
        conn.execute(text("UPDATE organisations SET name = 'The New Surgery'"))
    register_cache.presume(engine, None)
    with engine.connect() as conn:
        renamed = RegisterLook(conn).organisations()
    assert renamed == (OrgEntry("A81001", "The New Surgery"),) and renamed is not before


def test_register_rows_pending_reads_what_the_sessions_sets_hold(engine: Engine) -> None:
    """_register_rows_pending reads the session's own dicts: the answer its new, dirty and deleted sets give, for a
    register row new, changed, deleted, and for none (only a case pending, or a register row loaded unchanged)."""
    def by_sets(session: Any) -> bool:
        return any(isinstance(obj, register_cache.REGISTER_MODELS)
                   for obj in (*session.new, *session.dirty, *session.deleted))

    now = datetime(2026, 12, 1, tzinfo=UTC)
    with transaction(sessions(engine)) as session:
        org = Organisation(code="Z99999", name="Test Practice", type="gp_practice", status="active",
                           created_at=now, updated_at=now)
        session.add(org)
        session.flush()
        session.add(User(organisation=org, username="TUSER1", full_name="T User", email="t@nhs.net",
                         status="active", is_primary=False, must_change_password=False, created_at=now,
                         updated_at=now))
        session.flush()
    for change in ("none", "case", "new", "dirty", "deleted"):
        with transaction(sessions(engine)) as session:
            user = session.scalars(select(User).where(User.username == "TUSER1")).one()
            if change == "case":
                session.add(made(Case, reference="OE-1", kind="guidance", outcome="ignored", created_at=now,
                                 updated_at=now))
            elif change == "new":
                session.add(Organisation(code="Z99998", name="Other", type="gp_practice", status="active",
                                         created_at=now, updated_at=now))
            elif change == "dirty":
                user.full_name = "Changed"
            elif change == "deleted":
                session.delete(user)
            assert register_cache._register_rows_pending(session) == by_sets(session) == (
                change in ("new", "dirty", "deleted")), change
            session.rollback()
