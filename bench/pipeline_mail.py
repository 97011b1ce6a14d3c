"""The "pipeline" kind of benchmark message: signed permission requests, every third a Primary User form, on a
store holding the sample register; and the in-process pipeline handler used for the floor."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bench.common import Bench
from mailbot.config import load_config
from mailbot.processing.mail_handler import PipelineHandler
from mailbot.processing.services import understander
from mailbot.processing.settings import settings_from
from tests.support.real_mail import form_request, permission_request, prepare_store, real_config_extra, signed_form_pdf
from tests.support.signed_mail import SigningKey


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
    return [form_request(key, i, pdf) if i % 3 == 0 else permission_request(key, i) for i in range(start, start + n)]


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
