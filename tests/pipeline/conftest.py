"""A mailbot on a real store with the sample register, fed real signed messages through `mailbot process`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store.db import make_engine, sessions
from store.models import Case, OutboxMessage
from tests.support.cli import mailbot, write_config
from tests.support.signed_mail import SigningKey, compose

MAILBOX = "pcse.openexeter@nhs.net"
SYSTEM = "openexeter-noreply@nhs.net"
REGISTER = ("applications", "organisations", "users", "signatories")


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@dataclass
class Bot:
    """The command line on one store, and the ways a test looks at what it did."""

    directory: Path
    config: Path
    store_url: str
    key: SigningKey

    def mail(self, sender: str, subject: str, body: str = "", *, sign: bool = True, domain: str | None = None,
             **kw: Any) -> bytes:
        raw = compose(sender=sender, to=MAILBOX, subject=subject, body=body, **kw)
        return self.key.sign(raw, domain or sender.rsplit("@", 1)[1].rstrip(">")) if sign else raw

    def process(self, *raws: bytes, dry_run: bool = False, expect_status: int = 0) -> list[dict[str, Any]]:
        files = []
        for raw in raws:
            path = self.directory / f"message-{len(list(self.directory.glob('message-*.eml'))):03d}.eml"
            path.write_bytes(raw)
            files.append(path)
        args = ["--config", self.config, "process", "--json", *(["--dry-run"] if dry_run else []), *files]
        result = mailbot(*args)
        assert result.status == expect_status, result.err
        return [json.loads(line) for line in result.out.splitlines()]

    def one(self, raw: bytes) -> dict[str, Any]:
        lines = self.process(raw)
        assert len(lines) == 1, lines
        return lines[0]

    def cli(self, *argv: str) -> Any:
        return mailbot("--config", self.config, *argv)

    def org(self, code: str) -> dict[str, Any]:
        result = self.cli("org", "show", code, "--json")
        assert result.status == 0, result.err
        return json.loads(result.out)

    def outbox(self, reference: str | None = None) -> list[OutboxMessage]:
        engine = make_engine(self.store_url)
        try:
            with sessions(engine)() as session:
                query = select(OutboxMessage).order_by(OutboxMessage.id)
                if reference is not None:
                    query = query.join(Case, Case.id == OutboxMessage.case_id).where(Case.reference == reference)
                rows = list(session.scalars(query))
                session.expunge_all()
                return rows
        finally:
            engine.dispose()

    def case(self, reference: str) -> Case:
        engine = make_engine(self.store_url)
        try:
            with sessions(engine)() as session:
                case = session.scalars(select(Case).where(Case.reference == reference)).one()
                session.expunge_all()
                return case
        finally:
            engine.dispose()


def make_bot(directory: Path, store_url: str, key: SigningKey, extra: str = "") -> Bot:
    keys = key.write_key_file(directory / "test-keys.txt")
    # The second-person rule has its own tests (tests/web/test_second_person.py); here one --by approves.
    review = "" if "[review]" in extra else "[review]\nsecond_person = false\n"
    # EXTRA may go on with [auth] keys: the [review] table comes first.
    config = write_config(directory, store_url, f'{review}[auth]\ntest_public_keys = "{keys}"\n{extra}')
    bot = Bot(directory, config, store_url, key)
    sample = resources.files("mailbot.demo") / "sample"
    for table in REGISTER:
        result = bot.cli("import", table, str(sample / f"{table}.csv"))
        assert result.status == 0, result.err
    return bot


@pytest.fixture
def bot(tmp_path: Path, signing_key: SigningKey) -> Iterator[Bot]:
    yield make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key)


@pytest.fixture
def bot_on_each_store(tmp_path: Path, store_url: str, signing_key: SigningKey) -> Iterator[Bot]:
    """The same bot on SQLite and on PostgreSQL."""
    yield make_bot(tmp_path, store_url, signing_key)


def now() -> datetime:
    return datetime.now(UTC)
