"""What every command needs: the checked config and a store whose schema is current."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mailbot.config import Config, load_config, secret_values
from mailbot.log_lines import apply_log_config
from store.db import ensure_schema, make_engine, sessions


@dataclass
class App:
    config: Config

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> App:
        config = load_config(getattr(args, "config", None))
        apply_log_config(config.log.format, secret_values(config))
        return cls(config)

    @cached_property
    def engine(self) -> Engine:
        """The store's engine, its schema created or upgraded on SQLite (SPEC 15), checked on PostgreSQL."""
        engine = make_engine(self.config.store_url)
        ensure_schema(engine)
        return engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return sessions(self.engine)

    @cached_property
    def read_sessions(self) -> sessionmaker[Session]:
        """Sessions for reading only: on SQLite they never wait for (or block) a writer."""
        return sessions(self.engine.execution_options(sqlite_begin="DEFERRED"))
