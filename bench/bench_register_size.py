"""The request reader's CPU time a message as the register grows: the phrasing corpus's messages read against a
register of N organisations (its own, then made-up practices added), CPU milliseconds a message, best of rounds.

    .venv/bin/python -m bench.bench_register_size [--organisations 0,1000,6500] [--rounds 3]

Every message is read for every organisation's name (parsers.register_words.find_org_names), so this is the cost
a real register (thousands of practices) adds to each message, which the backlog bench's five organisations hide.
CPU time, not wall time: the figure that moves least with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import replace

from parsers.message import parse_message
from parsers.register_words import OrgEntry
from parsers.request_reader import MessageText, read_in_two_passes
from tests.phrasing.corpus import load_cases, load_register, message_bytes

WORDS = ("Oak", "Elm", "Ash", "Birch", "Willow", "Maple", "Cedar", "Rowan", "Hazel", "Alder", "Brook", "Field",
         "Green", "Hill", "Vale", "Park", "Bridge", "Mill", "Ford", "Wood", "Abbey", "Castle", "Church", "Market")
KINDS = ("Surgery", "Medical Centre", "Practice", "Health Centre", "Family Practice")


def made_up(n: int) -> tuple[OrgEntry, ...]:
    """N practices with names like real ones ("The Oakbrook Hill Surgery"), codes outside the sample register's."""
    rng = random.Random(n)
    return tuple(OrgEntry(f"Z{90000 + i:05d}", f"The {rng.choice(WORDS)}{rng.choice(WORDS).lower()} "
                                               f"{rng.choice(WORDS)} {rng.choice(KINDS)}") for i in range(n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", default="0,1000,6500", help="made-up practices added, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    register = load_register()
    texts = []
    for case in load_cases():
        parsed = parse_message(message_bytes(case))
        texts.append(MessageText(subject=parsed.subject, new_text=parsed.text, signature=parsed.signature_text,
                                 quoted=parsed.quoted_text))
    base = register.vocabulary()
    for added in (int(n) for n in args.organisations.split(",")):
        vocabulary = replace(base, organisations=base.organisations + made_up(added))
        for text in texts[:5]:  # first use (patterns compiled) out of the figure
            read_in_two_passes(text, vocabulary, register.users_of)
        best = float("inf")
        for _ in range(args.rounds):
            began = time.process_time()
            for text in texts:
                read_in_two_passes(text, vocabulary, register.users_of)
            best = min(best, (time.process_time() - began) * 1000 / len(texts))
        print(json.dumps({"organisations": len(vocabulary.organisations), "messages": len(texts),
                          "cpu_ms_per_message": round(best, 2)}), flush=True)


if __name__ == "__main__":
    main()
