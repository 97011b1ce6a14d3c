"""The "pipeline" kind of benchmark message: signed permission requests, every third a Primary User form, on a
store holding the sample register; and the in-process pipeline handler used for the floor."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bench.common import Bench
from mailbot.config import load_config
from mailbot.processing.mail_handler import PipelineHandler
from mailbot.processing.services import understander
from mailbot.processing.settings import settings_from
from store.cases import REFERENCE_FORMAT
from tests.support.real_mail import (
    MAILBOX,
    form_request,
    permission_request,
    prepare_store,
    real_config_extra,
    signed_form_pdf,
)
from tests.support.signed_mail import SigningKey, compose


@cache
def _key() -> SigningKey:
    return SigningKey.generate()


def keys_file(bench: Bench) -> Path:
    path = bench.work / "test-keys.txt"
    if not path.exists():
        _key().write_key_file(path)
    return path


def prepare(bench: Bench) -> dict[str, dict[str, object]]:
    """Config sections the pipeline needs; call before write_config, then prepare_store on the config."""
    return real_config_extra(keys_file(bench))


def pipeline_messages(bench: Bench, n: int, start: int = 0) -> list[bytes]:
    key = _key()
    pdf = signed_form_pdf()
    if bench.mix == "all":
        return [_every_kind(key, i, pdf) for i in range(start, start + n)]
    return [form_request(key, i, pdf) if i % 3 == 0 else permission_request(key, i) for i in range(start, start + n)]


# The "all" mix, a cycle of five: a Primary User form a practice manager sends (it waits for Dr Hughes, who signed
# it; each names a new Primary User in place of the one before, so the organisation never has too many), Dr Hughes'
# yes to it (naming its case by reference: on a fresh store the n-th message makes case n), a permission request,
# an Open Exeter new-user notice, and a message the handler fails on (its `message.unprocessable` case, recorded as
# the daemon does). The approved form of the "requests" mix is measured there.
EVERY_KIND = 5
FAULT_HEADER = "X-Bench-Fault"


def _every_kind(key: SigningKey, i: int, pdf: bytes) -> bytes:
    step = i % EVERY_KIND
    if step == 0:
        replaces = f"nominee{i - EVERY_KIND}@nhs.net" if i >= EVERY_KIND else ""
        raw = compose(sender="kate.doe@nhs.net", to=MAILBOX, subject=f"Primary User request form {i}",
                      body="Please find the form Dr Hughes signed attached.\n\nKate",
                      attachments=(("primary-user-request.pdf", _nomination(i, replaces), "application/pdf"),))
        return key.sign(raw, "nhs.net")
    if step == 1:  # case i (the form just before) waits for Dr Hughes
        reference = REFERENCE_FORMAT.format(year=datetime.now(UTC).year, number=i)
        raw = compose(sender="alan.hughes@nhs.net", to=MAILBOX, subject=f"Re: Please confirm {reference}",
                      body="Yes, that's fine.\n\nKind regards\nAlan")
        return key.sign(raw, "nhs.net")
    if step == 2:
        return permission_request(key, i)
    if step == 3:
        body = (f"A new user has been created in Open Exeter.\n\nOrganisation: A81001\nUsername: BGREY{i}\n"
                f"Name: Bo Grey\nEmail: bo.grey{i}@nhs.net\nCreated by: jane.smith@nhs.net\n"
                "Applications: Prior Notification List\n")
        raw = compose(sender="openexeter-noreply@nhs.net", to=MAILBOX, subject="Open Exeter: new user created",
                      body=body)
        return key.sign(raw, "nhs.net")
    raw = compose(sender="priya.shah@nhs.net", to=MAILBOX, subject=f"Something the handler fails on {i}",
                  body="Hello", headers={FAULT_HEADER: "yes"})
    return key.sign(raw, "nhs.net")


def _nomination(i: int, replaces: str) -> bytes:
    from tests.support.forms_fixtures import GOOD_VALUES, filled_form
    values = {**GOOD_VALUES, "sig_full_name": "Dr Alan Hughes", "sig_email": "alan.hughes@nhs.net",
              "pu_full_name": f"Nominee Number{i}", "pu_email": f"nominee{i}@nhs.net",
              "pu_request": "replacement" if replaces else "new", "pu_replaces": replaces}
    return filled_form("gp_practice", values, signature="ink")


def pipeline_handler(bench: Bench, factory: sessionmaker[Session], url: str) -> tuple[Callable[..., Any],
                                                                                     Callable[[], None]]:
    """The real handler on the floor's store (the sample register imported), and how to close it."""
    config_path = bench.work / "floor.toml"
    config_path.write_text(f'[store]\nurl = "{url}"\n[auth]\ntest_public_keys = "{keys_file(bench)}"\n'
                           "[limits]\nreplies_per_sender_per_day = 100000\n")
    prepare_store(config_path)
    config = load_config(config_path, environ={})
    stack = ExitStack()
    understand = stack.enter_context(understander(config, factory))
    return PipelineHandler(factory, understand, settings_from(config)), stack.close
