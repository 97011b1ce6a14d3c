"""The main job on the embedded default, from nothing: a fresh store under one folder, the sample register, and
what the mailbot makes of it. README's first command runs this."""

from __future__ import annotations

import json
import mailbox
import shutil
from importlib import resources
from pathlib import Path

from mailbot.config import Config, load_config
from mailbot.errors import UsageError
from parsers.register_csv import parse_register_csv
from store.cases import all_cases
from store.db import make_engine, sessions
from store.models import OutboxMessage
from store.outbox.case_rows import first_mail_to, mails_per_case

MARKER = ".mailbot-demo"
SAMPLE = resources.files("mailbot.demo") / "sample"
REGISTER_FILES = ("organisations", "applications", "users", "signatories")

DEMO_CONFIG = """\
# Written by `mailbot demo`: the embedded default (SQLite store, local Maildirs) inside this folder.
[store]
url = "sqlite:///mailbot.db"
[source]
kind = "maildir"
maildir = "inbox"
[sink]
kind = "maildir"
maildir = "sent"
[auth]
test_public_keys = "demo-keys.txt"       # the demo's own DKIM key (made by the demo), instead of DNS
"""


def prepare(directory: Path, assets_dir: Path | None = None) -> Config:
    """An empty demo folder with its own config; a folder the demo did not make is never deleted. ASSETS_DIR is
    where the build installed the NHS.UK styles (the launching config's [web] assets_dir), so the demo's web page
    looks as it will in service."""
    if directory.exists():
        if not (directory / MARKER).exists():
            raise UsageError(f"{directory}: exists and was not made by `mailbot demo`; choose another --dir")
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / MARKER).write_text("made by mailbot demo; deleted and remade by each run\n")
    web = f"[web]\nassets_dir = {json.dumps(str(assets_dir.resolve()))}\n" if assets_dir is not None else ""
    (directory / "mailbot.toml").write_text(DEMO_CONFIG + web)
    for name in REGISTER_FILES:
        (directory / f"{name}.csv").write_bytes((SAMPLE / f"{name}.csv").read_bytes())
    return load_config(directory / "mailbot.toml")


def sample_codes(directory: Path) -> list[str]:
    rows = parse_register_csv("organisations", (directory / "organisations.csv").read_bytes(), "organisations.csv")
    return [r.code for r in rows]


def case_table(config: Config) -> str:
    """Every case the demo made: reference, kind, outcome, reasons, and how many mails wait in the outbox."""
    engine = make_engine(config.store_url)
    try:
        with sessions(engine)() as session:
            mails = mails_per_case(session)
            rows = [(c.reference, c.kind, c.outcome, ", ".join(c.reasons) or "-", str(mails.get(c.id, 0)))
                    for c in all_cases(session)]
    finally:
        engine.dispose()
    header = ("reference", "kind", "outcome", "reasons", "mails")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def waiting_for_signatories(config: Config) -> list[str]:
    """One line per case still waiting for its signatory: where its confirmation request went, and who sent it."""
    from store.confirmations import waiting_for_signatories as waiting

    engine = make_engine(config.store_url)
    try:
        with sessions(engine)() as session:
            return [f"{case.reference} (sent by {case.sender}) waits for {row.full_name}: the confirmation request "
                    f"went to {row.address}, the address on record, and nowhere else"
                    for case, row in waiting(session)]
    finally:
        engine.dispose()


def confirmation_request_to(config: Config, address: str) -> OutboxMessage | None:
    """The confirmation request the mailbot wrote to ADDRESS (a form's signatory on record), if any."""
    engine = make_engine(config.store_url)
    try:
        with sessions(engine)() as session:
            row = first_mail_to(session, "confirmation_request", address)
            if row is not None:
                session.expunge(row)
            return row
    finally:
        engine.dispose()


def deliver(config: Config, messages: list[Path]) -> Path:
    """Put MESSAGES in the configured source Maildir, as a mail server delivers them (into new/)."""
    inbox = config.path(config.source.maildir)
    box = mailbox.Maildir(inbox, create=True)
    for path in messages:
        box.add(path.read_bytes())
    return inbox
