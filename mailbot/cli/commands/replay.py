"""`mailbot replay [--config NEW.toml] [--register DIR] [--since DATE] [--kind K] [--json]`: decide stored cases
again under a changed config or register, in a throwaway store (see mailbot/replay/decide_again.py), and list the
cases whose outcome or reasons would change, with counts per transition. Nothing is applied and nobody is mailed."""

from __future__ import annotations

import argparse
import json
from contextlib import ExitStack
from datetime import UTC, date, datetime, time
from pathlib import Path

from mailbot.app import App
from mailbot.clock import utcnow
from mailbot.errors import UsageError
from parsers.vocabulary.kinds import Kind


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "replay", help="decide stored cases again under a changed config or register; change nothing",
        description="Decide stored cases again, in order and each at the time it arrived, in a throwaway copy of "
                    "the store, and list those whose outcome or reasons would change. Nothing is applied to the "
                    "store and nobody is mailed.")
    parser.add_argument("--config", dest="replay_config", metavar="NEW.toml",
                        help="settings to decide under, laid over the running config (e.g. [forms] "
                             "accept_typed_signature = false); the store is always the running config's")
    parser.add_argument("--register", metavar="DIR", type=Path,
                        help="a folder of register files (organisations.csv, users.csv, signatories.csv, "
                             "applications.csv) to start from, instead of the register as it stood before the "
                             "first replayed case")
    parser.add_argument("--since", metavar="DATE", type=_since,
                        help="only cases made on or after DATE (YYYY-MM-DD, or an ISO date and time; UTC)")
    parser.add_argument("--kind", choices=[k.value for k in Kind], help="report only cases of this kind")
    parser.add_argument("--json", action="store_true",
                        help="one JSON object a line per changed case, then a summary line")
    parser.set_defaults(handler=run)


def _since(value: str) -> datetime:
    try:
        moment = (datetime.fromisoformat(value) if "T" in value or " " in value.strip()
                  else datetime.combine(date.fromisoformat(value), time()))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (expected YYYY-MM-DD)") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run(args: argparse.Namespace) -> int:
    from mailbot.cli.progress_bar import ProgressBar
    from mailbot.replay.changed_config import replay_config
    from mailbot.replay.decide_again import ReplayedCase, Window, replay

    app = App.from_args(args)
    config = replay_config(app.config, args.replay_config)
    if args.register is not None and not args.register.is_dir():
        raise UsageError(f"--register {args.register}: not a folder of register files")
    summary = None
    with ExitStack() as bars:
        bar: ProgressBar | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:  # the number of messages is known once the replay has looked
                bar = bars.enter_context(ProgressBar("replaying", total))
            bar.advance(done - bar.done)

        for item in replay(app.read_sessions, config, Window(args.since, args.kind), register=args.register,
                           now=utcnow(), progress=progress):
            if not isinstance(item, ReplayedCase):
                summary = item
                continue
            if bar is not None:
                bar.clear()
            if args.json:
                print(json.dumps(item.as_record(), ensure_ascii=False), flush=True)
            else:
                note = f" [{item.note}]" if item.note else ""
                print(f"{item.reference} {item.kind}: {item.before or 'no case'} → {item.after or 'no case'}{note}",
                      flush=True)
    assert summary is not None
    if args.json:
        print(json.dumps(summary.as_record(), ensure_ascii=False), flush=True)
        return 0
    for transition, count in sorted(summary.transitions.items()):
        print(f"{transition}: {count}")
    print(f"{summary.messages} message(s) replayed, {summary.cases} case(s) decided again, "
          f"{summary.changed} would change" + "".join(f"; {n}" for n in summary.notes))
    return 0
