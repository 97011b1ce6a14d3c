"""`mailbot demo [--dir DIR]`: run the main job on the embedded default with sample data, from nothing:
a fresh store, the sample register, a mailbox of sample messages of every kind, processed, and a table of what
became of each."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from mailbot.clock import utcnow
from mailbot.demo import demo_run as demo


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the main job on sample data in a fresh folder")
    parser.add_argument("--dir", default="var/demo", help="folder to (re)create for the demo (default var/demo)")
    parser.set_defaults(handler=run)


def run_cli(main: Callable[[list[str]], int], argv: list[str]) -> int:
    """Run one mailbot command (through MAIN, the command line's entry) as a person would type it, showing the
    command first."""
    shown = [a for i, a in enumerate(argv) if a != "--config" and (i == 0 or argv[i - 1] != "--config")]
    print("$ mailbot " + " ".join(shown), flush=True)
    return main(argv)


def run(args: argparse.Namespace) -> int:
    from mailbot.app import App
    from mailbot.config import load_config
    from mailbot.demo.sample_mail import CONFIRMING_SIGNATORY, write_answer, write_mailbox
    from mailbot.review.web.app import nhsuk_folder

    directory = Path(args.dir)
    launching = load_config(getattr(args, "config", None))
    config = demo.prepare(directory, launching.path(launching.web.assets_dir))
    config_path = str(directory / "mailbot.toml")
    print(f"Demo folder: {directory} (config {config_path})\n")
    for name in demo.REGISTER_FILES:
        status = run_cli(args.run_command, ["--config", config_path, "import", name, str(directory / f"{name}.csv")])
        if status:
            return status
    print()
    for code in demo.sample_codes(directory):
        run_cli(args.run_command, ["--config", config_path, "org", "show", code])
        print()
    key, messages = write_mailbox(directory, config.mailbox.address, utcnow())
    inbox = demo.deliver(config, messages)
    print(f"{len(messages)} sample messages (copies in {directory / 'messages'}) delivered to the Maildir {inbox}\n")
    # The real daemon, on the embedded default: the local Maildir in, replies to the local Maildir `sent`.
    status = run_cli(args.run_command, ["--config", config_path, "run", "--once"])
    print()
    # Two forms were not sent by their signatory: each waits for the signatory on record to confirm it. One of
    # them, Nina Rossi, answers the request the mailbot wrote to her address on record; the other stays pending.
    request = demo.confirmation_request_to(config, CONFIRMING_SIGNATORY)
    if request is not None:
        answer = write_answer(directory, config.mailbox.address, utcnow(), key, sender=CONFIRMING_SIGNATORY,
                              subject=request.subject, message_id=request.message_id, body=request.body,
                              text="Yes, that's fine - I signed it.\n\nNina Rossi\nCaldicott Guardian")
        demo.deliver(config, [answer])
        print(f"{CONFIRMING_SIGNATORY} answers the confirmation request \"{request.subject}\" ({answer.name}):")
        status = run_cli(args.run_command, ["--config", config_path, "run", "--once"]) or status
        print()
    print(demo.case_table(config))
    for line in demo.waiting_for_signatories(config):
        print(f"\n{line}.")
    print(f"\nReplies written to {config.path(config.sink.maildir)}; the cases waiting for staff:")
    run_cli(args.run_command, ["--config", config_path, "review", "list"])
    look = ("with the NHS.UK styles" if nhsuk_folder(App(config)) is not None else
            "as plain pages: the NHS.UK styles are not installed (scripts/demo.sh installs them with npm)")
    print(f"\nThe review web page ({look}): mailbot --config {config_path} staff add \"Your Name\" --admin "
          f"(a staff administrator, who also sees Staff accounts), then mailbot --config {config_path} web, and "
          f"open http://{config.web.listen}/")
    return status
