"""`mailbot explain`: what the mailbot understands of one message, part by part, and why it chose the kind.

For PCSE staff (why did this land in the queue?) and for whoever improves the reader (which words were read as
what). Parsing, classifying and reading only: nothing is recorded, no mail is sent, no DKIM key is looked up (the
signature is judged when the message is processed). The register comes from the store as plain data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mailbot.processing.kinds import spec_of
from mailbot.review.reading_view import reading_lines
from parsers.confirmation_answer import read_answer
from parsers.guidance import guidance_match
from parsers.kinds import KindContext, classify, from_addresses
from parsers.message import ParsedMessage, parse_message
from parsers.register_words import UserEntry, Vocabulary
from parsers.request_reader import MessageText, read_in_two_passes

SHOWN_HEADERS = frozenset({"from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references",
                           "auto-submitted"})

def explain_message(raw: bytes, context: KindContext, vocabulary: Vocabulary,
                    users_of: Callable[[str], tuple[UserEntry, ...]]) -> dict[str, Any]:
    """The explanation of RAW as one JSON-able document."""
    parsed = parse_message(raw)
    found = classify(parsed, replace(context, vocabulary=vocabulary))
    senders = from_addresses(parsed)
    sender = senders[0] if len(senders) == 1 else ""
    doc: dict[str, Any] = {
        "size": parsed.size,
        "headers": [[n, v] for n, v in parsed.headers if n.lower() in SHOWN_HEADERS],
        "sender": sender,
        "body": _body(parsed),
        "attachments": [{"filename": a.filename, "type": a.sniffed_type, "size": a.size, "embedded": a.embedded}
                        for a in parsed.attachments],
        "kind": found.kind.value,
        "why": list(found.notes),
        "then": spec_of(found.kind).what_happens,
    }
    if found.follow_up_reference:
        doc["follow_up_of"] = found.follow_up_reference
        answer = read_answer(parsed.text)
        doc["signatory_answer"] = {"answer": answer.kind, "why": answer.why}
    question = guidance_match(f"{parsed.subject}\n{parsed.text}")
    topic = found.topic or (question[0] if question else None)
    doc["guidance"] = {"topic": topic.value, "matched": question[1] if question else ""} if topic else None
    text = MessageText(parsed.subject, parsed.text, parsed.signature_text, parsed.quoted_text)
    reading = read_in_two_passes(text, vocabulary, users_of, sender=sender, mailbox=context.mailbox_address)
    doc["reading"] = reading.as_record()
    spec = spec_of(found.kind)
    requests = spec.read(parsed, found, reading).requests if spec.reads_text else ()
    if requests:  # what a request read from the text would be (a permission request)
        doc["request"] = requests[0].as_record()
        if not reading.understood:
            doc["then"] = "flagged for staff (request.unclear): " + "; ".join(reading.not_understood())
    doc["register"] = {"applications": len(vocabulary.catalogue), "organisations": len(vocabulary.organisations)}
    return doc


def _body(parsed: ParsedMessage) -> dict[str, Any]:
    return {"html_only": parsed.html_only, "new_text": parsed.text, "quoted_text": parsed.quoted_text,
            "signature": parsed.signature_text, "defects": list(parsed.defects)}


def _block(title: str, text: str) -> list[str]:
    lines = [f"\n{title}"]
    lines += ["  | " + line for line in (text.splitlines() or ["(none)"])]
    return lines


def render_explanation(doc: dict[str, Any]) -> str:
    out = [f"{doc.get('file', 'message')}: {doc['size']:,} bytes"]
    out += [f"  {name}: {value}" for name, value in doc["headers"]]
    out.append("  (sender authentication is not checked here: it is judged when the message is processed)")
    body = doc["body"]
    out += _block("New text (read for the request)" + (" - from HTML" if body["html_only"] else ""), body["new_text"])
    out += _block("Quoted or forwarded text (shown, never acted on)", body["quoted_text"])
    out += _block("Signature block (read for the role, and the organisation when the text names none)",
                  body["signature"])
    for a in doc["attachments"]:
        out.append(f"  attachment: {a['filename'] or '(no name)'} {a['type']} {a['size']:,} bytes"
                   + (" (embedded)" if a["embedded"] else ""))
    out += [f"  problem: {d}" for d in body["defects"]]
    out.append(f"\nKind: {doc['kind']}")
    out += [f"  because {why}" for why in doc["why"]]
    if doc.get("guidance"):
        g = doc["guidance"]
        out.append(f"  guide: {g['topic']}" + (f" (matched \"{g['matched']}\")" if g["matched"] else ""))
    out.append(f"  then: {doc['then']}")
    if doc.get("signatory_answer"):
        out.append(f"  as a signatory's answer: {doc['signatory_answer']['answer']} ({doc['signatory_answer']['why']})")
    reading = doc["reading"]
    out.append("\nWhat the reader understood" + (" (the published template)" if reading["from_template"] else ""))
    out += reading_lines(reading)
    out.append(f"  asks for something: {'yes' if reading['asks'] else 'no'}; \"how do I\" question: "
               f"{'yes' if reading['how_to_question'] else 'no'}")
    if "request" in doc:
        out.append("\nThe request the checks would judge")
        out += [f"  {k}: {v}" for k, v in doc["request"].items() if v not in ("", [], None)]
    reg = doc["register"]
    out.append(f"\nRegister used: {reg['organisations']} organisations, {reg['applications']} applications")
    return "\n".join(out)
