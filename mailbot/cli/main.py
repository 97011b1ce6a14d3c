"""`mailbot`: the command line of SPEC 15.

Each command lives in its own module under mailbot/cli/commands/ and registers itself through `register(subparsers)`,
setting `handler=run` where `run(args) -> int`. Errors a person can fix (bad config, bad input file, a store that
needs upgrading) are UsageError/ConfigError/StoreError: one line on stderr and exit status 2, nothing half-written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mailbot.cli.commands import COMMAND_MODULES
from mailbot.config import ConfigError
from mailbot.errors import StartupProblem, UsageError
from mailbot.log_lines import configure_logging
from store.db import StoreError

EXIT_OK = 0
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailbot",
        description="PCSE Open Exeter access mailbot: reads the mailbox, checks requests, applies and replies.",
    )
    parser.add_argument("--config", metavar="PATH",
                        help="config file (default: $MAILBOT_CONFIG, else ./mailbot.toml, else built-in defaults)")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="how much to log on stderr (default WARNING)")
    parser.add_argument("--log-json", action="store_true",
                        help='log one JSON object a line (as [log] format = "json" does)')
    # A command that runs others as a person would type them (`demo`) calls back through this, so no command
    # module imports the command line that imports it.
    parser.set_defaults(run_command=main)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.log_level, json_lines=args.log_json)
    try:
        return int(args.handler(args) or EXIT_OK)
    except (UsageError, ConfigError) as exc:
        print(exc, file=sys.stderr)  # already names the file (and line) it is about
        return EXIT_USAGE
    except StoreError as exc:
        print(f"mailbot: store: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StartupProblem as exc:
        print(f"mailbot: cannot start: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `mailbot org show X --json | head`
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
