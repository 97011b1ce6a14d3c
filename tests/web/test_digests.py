"""Message fingerprints (parsers.digests): the same attachment bytes or the same new text give the same digest;
quoted replies, spacing and case do not change it; a short text gets none."""

from __future__ import annotations

from parsers.digests import message_digests
from parsers.message import parse_message
from tests.web.seed import message_bytes

TEXT = "Please could you give Sam New access to Open Exeter as our Primary User from next Monday."


def kinds(raw: bytes) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for kind, digest in message_digests(parse_message(raw)):
        found.setdefault(kind, []).append(digest)
    return found


def test_same_text_and_attachment_whatever_the_envelope() -> None:
    one = kinds(message_bytes(sender="a@nhs.net", subject="x", body=TEXT, attachments=[("f.pdf", b"%PDF-1 one")]))
    two = kinds(message_bytes(sender="b@nhs.net", subject="y", message_id="<other@nhs.net>",
                              body="  " + TEXT.upper().replace(" ", "\n ") + "\n\n> quoted earlier mail\n> more",
                              attachments=[("renamed.pdf", b"%PDF-1 one")]))
    assert one["text"] == two["text"] and one["attachment"] == two["attachment"]
    assert one["message"] != two["message"]


def test_a_short_text_has_no_text_digest_and_different_bytes_differ() -> None:
    short = kinds(message_bytes(sender="a@nhs.net", subject="x", body="Form attached.",
                                attachments=[("f.pdf", b"%PDF-1 two")]))
    assert "text" not in short and len(short["message"]) == 1
    other = kinds(message_bytes(sender="a@nhs.net", subject="x", body=TEXT, attachments=[("f.pdf", b"%PDF-1 one")]))
    assert short["attachment"] != other["attachment"]
