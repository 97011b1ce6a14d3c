"""`mailbot demo [--dir DIR]`: run the main job on the embedded default with sample data, from nothing."""

from __future__ import annotations

import argparse
from pathlib import Path

from mailbot import demo


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("demo", help="run the main job on sample data in a fresh folder")
    parser.add_argument("--dir", default="var/demo", help="folder to (re)create for the demo (default var/demo)")
    parser.set_defaults(handler=run)


def run_cli(argv: list[str]) -> int:
    """Run one mailbot command as a person would type it, showing the command first."""
    from mailbot.cli import main  # imported here: the command line imports this module

    shown = [a for i, a in enumerate(argv) if a != "--config" and (i == 0 or argv[i - 1] != "--config")]
    print("$ mailbot " + " ".join(shown))
    return main(argv)


def run(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    demo.prepare(directory)
    config = str(directory / "mailbot.toml")
    print(f"Demo folder: {directory} (config {config})\n")
    for name in demo.REGISTER_FILES:
        status = run_cli(["--config", config, "import", name, str(directory / f"{name}.csv")])
        if status:
            return status
    print()
    for code in demo.sample_codes(directory):
        run_cli(["--config", config, "org", "show", code])
        print()
    return 0
