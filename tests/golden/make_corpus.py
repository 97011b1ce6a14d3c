"""Write the golden corpus: `python -m tests.golden.make_corpus [--expected]`.

Run once by a developer, never by the suite. It makes a throwaway DKIM key, signs every message with it, writes the
messages to tests/golden/messages/ and the public half to tests/golden/test-keys.txt; the private half is never
written anywhere. With --expected it then processes the corpus and writes expected.jsonl and expected-store.json,
which a person reads through before committing (the suite compares against them from then on).
Forms come from our own generator; dates are fixed (the golden config allows any age), and each signature is dated
(t=) as its message: the corpus is judged as at run_corpus.CLOCK, never the day it was written.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.golden.scenarios import scenarios
from tests.support.signed_mail import SigningKey, compose

HERE = Path(__file__).parent
MESSAGES = HERE / "messages"
MAILBOX = "pcse.openexeter@nhs.net"
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def build(key: SigningKey, other_key: SigningKey) -> Iterator[tuple[str, bytes]]:
    for n, s in enumerate(scenarios(), start=1):
        sent = START + timedelta(minutes=7 * n)
        raw = compose(sender=s.sender, to=MAILBOX, subject=s.subject, body=s.body, html=s.html,
                      date=sent, message_id=f"<golden-{n:03d}@{s.id_domain}>",
                      attachments=s.attachments, headers=s.headers)
        raw = s.edit(raw) if s.edit else raw
        if s.signed_by == "ours":
            raw = key.sign_dated(raw, s.signing_domain, signed_at=sent)
        elif s.signed_by == "stranger":
            raw = other_key.sign_dated(raw, s.signing_domain, signed_at=sent)
        raw = s.after(raw) if s.after else raw
        yield f"{n:03d}-{s.name}.eml", raw


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--expected", action="store_true", help="also write the expected results")
    args = parser.parse_args()
    key, stranger = SigningKey.generate("golden"), SigningKey.generate("golden")
    shutil.rmtree(MESSAGES, ignore_errors=True)
    MESSAGES.mkdir()
    for name, raw in build(key, stranger):
        (MESSAGES / name).write_bytes(raw)
    key.write_key_file(HERE / "test-keys.txt", ("nhs.net", "example.com"))
    print(f"{len(list(MESSAGES.glob('*.eml')))} messages in {MESSAGES}")
    if args.expected:
        from tests.golden.run_corpus import write_expected

        write_expected()


if __name__ == "__main__":
    main()
