"""Building the pipeline's parts from the config, once per process: the understander (with its DKIM key lookup
and the sandboxed form reader) and the settings the rules and replies read."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from sqlalchemy import Connection, Engine
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
from store.register_cache import RegisterLook


@contextmanager
def understander(config: Config, read_sessions: sessionmaker[Session], *,
                 start_form_readers: bool = False) -> Iterator[Understander]:
    """An Understander whose form-reading children live as long as the block. Its register reads are one
    statement each, outside any transaction (store.db.single_reads), through one look at the register for a whole
    message (its token asked once, store/register_cache.py): a Core connection, cheaper than a session.
    START_FORM_READERS: the children are started now rather than at the first form read (the daemon's choice)."""
    read_sessions = single_reads(read_sessions)
    bind = read_sessions.kw.get("bind")
    looking = threading.local()  # the daemon understands messages in several threads at once

    @contextmanager
    def new_look() -> Iterator[Connection]:
        if isinstance(bind, Engine):
            with bind.connect() as connection:
                yield connection
        else:
            with read_sessions() as session:
                yield session.connection()

    @contextmanager
    def register_look() -> Iterator[RegisterLook]:
        held = getattr(looking, "look", None)
        if held is not None:
            yield held
            return
        with new_look() as reader:
            looking.look = RegisterLook(reader)
            try:
                yield looking.look
            finally:
                looking.look = None

    @contextmanager
    def look() -> Iterator[RegisterLook]:
        held = getattr(looking, "look", None)
        if held is not None:
            yield held
            return
        with new_look() as reader:
            yield RegisterLook(reader)

    def current_catalogue() -> tuple[str, ...]:
        with look() as register:
            return register.catalogue()

    def current_organisations() -> tuple[OrgEntry, ...]:
        with look() as register:
            return register.organisations()

    def users_of(code: str) -> tuple[UserEntry, ...]:
        with look() as register:
            return register.users_of(code)

    options = read_options(config.forms)
    # Its children start at the first form read (each is a fresh interpreter: a run with no form starts none),
    # unless asked for now: a child loading its libraries takes about a second (1.5 s on a loaded machine), which
    # the first form a daemon reads would wait for, and every message that came in behind it.
    reader = FormReader.from_config(config.forms)
    if start_form_readers:
        reader.start()  # (only starts the processes: they load their libraries while the daemon gets going)
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
