"""`python -m tests.support.run_daemon CONFIG [--once]`: the real Daemon, with the tests' small handler, as its own
process, for the tests that kill it (until the pipeline's parsers are there, `mailbot run` cannot start)."""

from __future__ import annotations

import logging
import os
import sys

from mailbot.config import load_config
from mailbot.daemon.scheduler import Daemon
from store.db import ensure_schema, make_engine, sessions
from tests.support.simple_handler import SimpleHandler


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = load_config(argv[0], environ={})
    engine = make_engine(config.store_url)
    ensure_schema(engine)
    factory = sessions(engine)
    delay = float(os.environ.get("MAILBOT_TEST_HANDLER_DELAY", "0"))
    daemon = Daemon(config, factory, SimpleHandler(factory, delay=delay))
    if "--once" in argv:
        daemon.run_once()
        return 0
    return daemon.run_forever()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
