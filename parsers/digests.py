"""Fingerprints of a message that let staff see cases carrying the same thing: each attachment's bytes, and the
new text (quoted replies and signature blocks left out, spacing and case ignored). Short texts ("form attached")
match too much to mean anything, so they get none."""

from __future__ import annotations

import hashlib

from parsers.message import ParsedMessage

MIN_TEXT_CHARS = 40  # below this a text says too little to call two messages "the same"


def normalised_text(text: str) -> str:
    return " ".join(text.split()).casefold()


def message_digests(parsed: ParsedMessage) -> list[tuple[str, str]]:
    """(kind, sha256 hex) pairs: "message" for the raw bytes (always, so a message is known to have been
    fingerprinted), "attachment" for each attachment's bytes, "text" for the new text when long enough."""
    found = [("message", parsed.content_hash)]
    found += [("attachment", hashlib.sha256(a.data).hexdigest()) for a in parsed.attachments if a.data]
    text = normalised_text(parsed.text)
    if len(text) >= MIN_TEXT_CHARS:
        found.append(("text", hashlib.sha256(text.encode("utf-8")).hexdigest()))
    return list(dict.fromkeys(found))
