"""`mailbot db backup` taken while the real daemon (`mailbot run`, the real pipeline) is deciding messages and
writing their cases and audit events: every copy restores to a store that passes `audit verify`."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from sqlalchemy import func, select

from store.db import make_engine, sessions
from store.models import Case, IntakeRecord
from tests.support.cli import mailbot, write_config
from tests.support.daemon_process import DaemonProcess
from tests.support.real_mail import embedded_default, permission_request
from tests.support.signed_mail import SigningKey

MESSAGES = 120


def test_backups_taken_while_the_daemon_writes_restore_to_verified_stores(tmp_path: Path) -> None:
    key = SigningKey.generate()
    config, inbox = embedded_default(tmp_path, key, "[imap]\npoll_seconds = 1\n")
    for n in range(MESSAGES):
        (inbox / "new" / f"{n}.M{n}.host").write_bytes(permission_request(key, n))
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'mailbot.db'}")

    def done() -> int:
        with sessions(engine)() as session:
            return session.scalar(select(func.count()).select_from(IntakeRecord)
                                  .where(IntakeRecord.status == "done")) or 0

    daemon = DaemonProcess(config, real=True)
    copies: list[Path] = []
    try:
        deadline = time.monotonic() + 120
        while done() < MESSAGES and time.monotonic() < deadline:
            copy = tmp_path / f"copy{len(copies)}.db"
            result = mailbot("--config", config, "db", "backup", copy)
            assert result.status == 0, result.err
            copies.append(copy)
            time.sleep(0.3)
        assert done() == MESSAGES, daemon.output()[-3000:]
    finally:
        assert daemon.terminate() < 10
        engine.dispose()
    cases_in_copies = []
    for copy in copies:
        restored = tmp_path / "restored" / copy.stem
        restored.mkdir(parents=True)
        shutil.copy(copy, restored / "store.db")
        restored_config = write_config(restored, f"sqlite:///{restored / 'store.db'}")
        verified = mailbot("--config", restored_config, "audit", "verify")
        assert verified.status == 0, f"{copy.name}: {verified.out}"
        restored_engine = make_engine(f"sqlite:///{restored / 'store.db'}")
        with sessions(restored_engine)() as session:
            cases_in_copies.append(session.scalar(select(func.count()).select_from(Case)))
        restored_engine.dispose()
    # At least one copy caught the daemon half-way through its work.
    assert any(0 < n < MESSAGES for n in cases_in_copies), cases_in_copies
