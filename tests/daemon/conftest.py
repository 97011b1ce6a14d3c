"""Parts the daemon's tests share: a daemon on the test servers with the small real handler."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from mailbot.daemon.scheduler import Daemon
from store.db import make_engine, sessions
from tests.support.daemon_setup import daemon_config
from tests.support.simple_handler import SimpleHandler

MakeDaemon = Callable[..., Daemon]


@pytest.fixture
def make_daemon(sqlite_url: str) -> Iterator[MakeDaemon]:
    engines: list[Engine] = []

    def make(store_url: str | None = None, **kwargs: Any) -> Daemon:
        url = store_url or sqlite_url
        engine = make_engine(url)
        engines.append(engine)
        factory = sessions(engine)
        return Daemon(daemon_config(url, **kwargs), factory, SimpleHandler(factory))

    yield make
    for engine in engines:
        engine.dispose()
