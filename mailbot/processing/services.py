"""Building the pipeline's parts from the config, once per process: the understander (with its DKIM key lookup
and the sandboxed form reader) and the settings the rules and replies read."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace

from sqlalchemy.orm import Session, sessionmaker

from mailbot.config import Config
from mailbot.processing.dkim_keys import key_lookup_from_config
from mailbot.processing.sandbox import FormReader, read_options
from mailbot.processing.settings import message_id_domain
from mailbot.processing.understanding import Understander
from parsers.kinds import KindContext
from parsers.message import MessageLimits
from parsers.register_words import OrgEntry, UserEntry
from rules.sender import AuthPolicy
from store.db import single_reads
from store.register import catalogue_names, organisation_entries, user_entries


@contextmanager
def understander(config: Config, read_sessions: sessionmaker[Session]) -> Iterator[Understander]:
    """An Understander whose form-reading children live as long as the block. Its register reads are one
    statement each, outside any transaction (store.db.single_reads), through one session for a whole message
    (the register's token asked once a message, store/register_cache.py)."""
    read_sessions = single_reads(read_sessions)
    looking = threading.local()  # the daemon understands messages in several threads at once

    @contextmanager
    def register_look() -> Iterator[None]:
        if getattr(looking, "session", None) is not None:
            yield
            return
        with read_sessions() as session:
            looking.session = session
            try:
                yield
            finally:
                looking.session = None

    def session() -> AbstractContextManager[Session]:
        held = getattr(looking, "session", None)
        return nullcontext(held) if held is not None else read_sessions()

    def current_catalogue() -> tuple[str, ...]:
        with session() as s:
            return catalogue_names(s)

    def current_organisations() -> tuple[OrgEntry, ...]:
        with session() as s:
            return organisation_entries(s)

    def users_of(code: str) -> tuple[UserEntry, ...]:
        with session() as s:
            return user_entries(s, code)

    options = read_options(config.forms)
    # Its children start at the first form read (each is a fresh interpreter: a run with no form starts none).
    reader = FormReader.from_config(config.forms)
    try:
        yield Understander(
            kind_context=KindContext(mailbox_address=config.mailbox.address,
                                     system_address=config.openexeter.system_address,
                                     message_id_domain=message_id_domain(config)),
            auth_policy=AuthPolicy(nhs_domains=tuple(config.auth.nhs_domains),
                                   trusted_authserv_ids=tuple(config.auth.trusted_authserv_ids)),
            key_lookup=key_lookup_from_config(config),
            read_form=lambda pdf, now: reader.read(pdf, replace(options, validation_time=now)),
            catalogue=current_catalogue,
            limits=MessageLimits(max_bytes=config.limits.max_message_bytes,
                                 max_decoded_bytes=config.limits.max_decoded_bytes),
            max_form_bytes=config.forms.max_pdf_bytes,
            accept_typed_signature=config.forms.accept_typed_signature,
            max_forms_per_message=config.limits.max_forms_per_message,
            organisations=current_organisations,
            users_of=users_of,
            register_look=register_look,
        )
    finally:
        reader.close()
