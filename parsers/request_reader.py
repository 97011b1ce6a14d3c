"""A permission request read from what people actually write: the published template's labels, or prose ("please
add PNL and Sender Reports for paul.brown2@nhs.net at Oakwood"), with the role from the signature block.

Each part (organisation, user, applications, role) comes back with how sure the reader is and where it came from:
`sure` (a label, an exact code, address, username, catalogue name or register name), `unsure` (two candidates, a
suggestion, a refusal or removal nearby: a person decides) or `missing`. An application name with a slip
unambiguous by the measured margin (parsers.app_names) is read surely *as written*, never as the catalogue name it
is near: the request carries "Screening Histroy", the checks find it is not in the catalogue, and the reply
suggests Screening History (SPEC 10: slips are suggested, not assumed). Only the new text is read for the request
(quoted replies and forwarded mail are shown to staff, never acted on); the signature block only for the role and,
when the text names none, the organisation. Pure: the register snapshot comes in as plain data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from parsers.app_names import NameMatch, find_names, judge
from parsers.labelled_lines import read_labelled_lines
from parsers.permission_email import LABELS, SPLIT_APPS
from parsers.polarity import Polarity, asks_something, polarity_at, sentence_around
from parsers.register_words import (
    EMAIL,
    Found,
    UserEntry,
    Vocabulary,
    find_org_codes,
    find_org_names,
    find_roles,
    find_users,
)

REPLY_PREFIX = re.compile(r"^\s*(re|fw|fwd|aw|wg)\s*:", re.I)
HOW_TO = re.compile(r"\b(how\s+(?:do|can|could|would|should|does|will|to)\b|what\s+(?:do|should|would)\s+(?:i|we)\b|"
                    r"where\s+(?:do|can|should|would)\s+(?:i|we)\b|is\s+there\s+a\s+way\b|what\s+is\s+the\s+process\b|"
                    r"who\s+(?:do|should|can)\s+(?:i|we)\b)", re.I)

# "Does Paul need PNL?", "Is she allowed Sender Reports?": a question about access, not a request for it. ("Could
# you add ...?" and "Would it be possible ...?" are requests, so can/could/would/will are not here.)
YES_NO = re.compile(r"^\s*(?:(?:hi|hello|hiya|morning|dear [\w ]{1,30})[,!]?\s+)?(does|do|did|is|are|has|have|was|"
                    r"were|should|shall)\b", re.I)


class Confidence(StrEnum):
    SURE = "sure"
    UNSURE = "unsure"
    MISSING = "missing"


@dataclass(frozen=True)
class Part:
    value: str = ""  # what the request carries ("" unless sure)
    confidence: Confidence = Confidence.MISSING
    source: str = ""  # where it was read: "label 'User'", "text", "signature block", "subject"
    evidence: tuple[str, ...] = ()  # the words read, as written
    candidates: tuple[str, ...] = ()  # when unsure: what it might be
    note: str = ""  # plain English, for staff and the sender
    items: tuple[str, ...] = ()  # applications: catalogue names, or as written where not one (slips included)

    @property
    def acted_on(self) -> bool:
        return self.confidence == Confidence.SURE


@dataclass(frozen=True)
class MessageText:
    subject: str = ""
    new_text: str = ""
    signature: str = ""
    quoted: str = ""


@dataclass(frozen=True)
class AppMention:
    written: str
    name: str  # what the request would carry: the catalogue name when exact or an acronym, else as written
    how: str  # exact / acronym / slip / suggested / as written
    polarity: Polarity
    score: float = 100.0
    runner_up: float = 0.0
    source: str = "text"
    suggestion: str = ""  # the catalogue name it is near (a slip or a looser suggestion): offered, never assumed


@dataclass(frozen=True)
class RequestReading:
    org: Part
    user: Part
    applications: Part
    role: Part
    mentions: tuple[AppMention, ...] = ()
    quoted_mentions: tuple[str, ...] = ()  # catalogue names seen only in quoted or forwarded text
    asks: bool = False  # a request verb no negation governs ("please add", "could she have")
    how_to_question: bool = False  # every application is named inside a "how do I ...?" sentence
    asked_about: bool = False  # every application is named inside a question about it (how-to, or yes/no)
    from_template: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def understood(self) -> bool:
        return all(p.acted_on for p in (self.org, self.user, self.applications))

    @property
    def names_applications(self) -> bool:
        return bool(self.mentions)

    def parts(self) -> dict[str, Part]:
        return {"organisation": self.org, "user": self.user, "applications": self.applications, "role": self.role}

    def as_record(self) -> dict[str, object]:
        """The reading as kept on the case (plain JSON), part by part, for staff and `mailbot explain`."""
        parts = {}
        for name, p in self.parts().items():
            parts[name] = {"value": list(p.items) if p.items else p.value, "confidence": p.confidence.value,
                           "source": p.source, "evidence": list(p.evidence), "candidates": list(p.candidates),
                           "note": p.note}
        return {"parts": parts, "understood": self.understood, "from_template": self.from_template,
                "asks": self.asks, "how_to_question": self.how_to_question, "asked_about": self.asked_about,
                "applications_named": [{"written": m.written, "name": m.name, "how": m.how,
                                        "polarity": m.polarity.value, "score": round(m.score, 1),
                                        "runner_up": round(m.runner_up, 1), "source": m.source,
                                        "suggestion": m.suggestion}
                                       for m in self.mentions],
                "quoted_only": list(self.quoted_mentions), "notes": list(self.notes)}

    def not_understood(self) -> tuple[str, ...]:
        """One line per part the reader is not sure of: what it saw and why it will not act on it."""
        lines = []
        for name, part in self.parts().items():
            if name == "role" or part.acted_on:
                continue
            lines.append(f"{name}: {part.note or 'not found'}")
        return tuple(lines)


def _one(found: list[Found], what: str, source: str) -> Part:
    real = [f for f in found if not f.suggestion]
    keys = list(dict.fromkeys(f.key for f in real))
    evidence = tuple(dict.fromkeys(f"{f.written} ({f.how})" for f in found))
    if len(keys) == 1:
        first = next(f for f in real if f.key == keys[0])
        value = next((f.value for f in real if f.key == keys[0] and "@" in f.value), first.value)
        return Part(value, Confidence.SURE, source, evidence, note=f"{first.how}: {first.written}")
    if len(keys) > 1:
        values = tuple(dict.fromkeys(next(f.value for f in real if f.key == k) for k in keys))
        return Part("", Confidence.UNSURE, source, evidence, values,
                    note=f"{len(keys)} different {what}s are named ({', '.join(values)}); which one is meant?")
    if found:
        values = tuple(dict.fromkeys(f.value for f in found))
        return Part("", Confidence.UNSURE, source, evidence, values,
                    note=f"no {what} matches exactly; near: {', '.join(f.written + ' -> ' + f.value for f in found)}")
    return Part(note=f"no {what} is named")


def _org(labels: dict[str, list[str]], text: MessageText, vocabulary: Vocabulary) -> Part:
    for value in labels.get("org_code", []):
        found = find_org_codes(value, vocabulary, loose=True) + find_org_names(value, vocabulary)
        if found:
            return _one(found, "organisation", "label 'Organisation code'")
    found = find_org_codes(text.new_text, vocabulary) + find_org_names(text.new_text, vocabulary)
    if found:
        return _one(found, "organisation", "text")
    if text.subject and not REPLY_PREFIX.match(text.subject):
        found = find_org_codes(text.subject, vocabulary) + find_org_names(text.subject, vocabulary)
        if found:
            return _one(found, "organisation", "subject")
    found = find_org_codes(text.signature, vocabulary) + find_org_names(text.signature, vocabulary)
    return _one(found, "organisation", "signature block")


def _user(labels: dict[str, list[str]], text: MessageText, vocabulary: Vocabulary, exclude: set[str]) -> Part:
    for value in labels.get("user", [])[:1]:
        found = find_users(value, vocabulary, exclude=set())
        if not found:
            word = value.split()[0].strip(".,;()<>") if value.split() else ""
            if word:
                email = EMAIL.search(value)
                written = email.group(0).lower() if email else word
                found = [Found(written.lower(), written, value, "as written")]
        return _one(found, "user", "label 'User'")
    return _one(find_users(text.new_text, vocabulary, exclude=exclude), "user", "text")


def _mention(m: NameMatch, polarity: Polarity, source: str) -> AppMention:
    """A found name as the request would carry it: a slip or a looser match as written, its catalogue name only
    suggested."""
    if m.assumed:
        return AppMention(m.written, m.name, m.how, polarity, m.score, m.runner_up, source)
    written = " ".join(m.written.split())
    return AppMention(written, written, m.how, polarity, m.score, m.runner_up, source, suggestion=m.name)


def _labelled_apps(values: list[str], catalogue: tuple[str, ...]) -> list[AppMention]:
    mentions = []
    for value in values:
        rest = value
        for m in find_names(value, catalogue):
            # A slip is taken whole ("Call and Recal" is one item, not "Call" and "Recal"), but as written.
            if m.how in ("exact", "acronym", "slip"):
                mentions.append((m.start, _mention(m, Polarity.ASKED, "label 'Applications'")))
                rest = rest[:m.start] + ";" + " " * (m.end - m.start - 1) + rest[m.end:]
        position = 0
        for item in SPLIT_APPS.split(rest):
            at = rest.find(item, position) if item else position
            position = max(position, at + len(item))
            cleaned = " ".join(item.split()).strip(" .")
            if cleaned:
                j = judge(cleaned, catalogue)
                how = "slip" if j.how == "slip" else "as written"
                mentions.append((at, AppMention(cleaned, cleaned, how, Polarity.ASKED, j.score, j.runner_up,
                                                "label 'Applications'",
                                                suggestion=j.name if j.how in ("slip", "suggested") else "")))
    return [m for _, m in sorted(mentions, key=lambda pair: pair[0])]


def _prose_apps(text: str, catalogue: tuple[str, ...], source: str,
                found: list[NameMatch] | None = None) -> list[AppMention]:
    mentions = []
    for m in find_names(text, catalogue) if found is None else found:
        mentions.append(_mention(m, polarity_at(text, m.start, m.end), source))
    return mentions


def _questions_only(text: str, matches: list[NameMatch], *, yes_no: bool) -> bool:
    """Every match is inside a "how do I ...?" sentence (and, with YES_NO, or a "does she need ...?" one)."""
    if not matches:
        return False
    for m in matches:
        begin, end = sentence_around(text, m.start, m.end)
        sentence = text[begin:end]
        if HOW_TO.search(sentence):
            continue
        if yes_no and YES_NO.match(sentence) and text[end:end + 1] == "?":
            continue
        return False
    return True


def _applications(mentions: list[AppMention], quoted: tuple[str, ...]) -> Part:
    if not mentions:
        note = ("no application is named in the new text" + (f"; the quoted or forwarded text names "
                                                              f"{', '.join(quoted)}" if quoted else ""))
        return Part(note=note)
    evidence = tuple(f"{m.written} ({m.how}{', ' + m.polarity.value if m.polarity != Polarity.ASKED else ''})"
                     for m in mentions)
    source = mentions[0].source
    refused = [m for m in mentions if m.polarity != Polarity.ASKED]
    if refused:
        said = "; ".join(f"{m.name or m.written}: {m.polarity.value}" for m in refused)
        return Part("", Confidence.UNSURE, source, evidence, tuple(m.name or m.written for m in mentions),
                    note=f"not a plain request for every application named ({said}); the mailbot only grants "
                         "applications plainly asked for")
    suggested = [m for m in mentions if m.how == "suggested"]
    if suggested:
        said = "; ".join(f'"{m.written}" might be {m.suggestion}' for m in suggested)
        return Part("", Confidence.UNSURE, source, evidence, tuple(m.suggestion for m in suggested),
                    note=f"not sure which application is meant ({said})")
    items = tuple(dict.fromkeys(m.name for m in mentions))
    slips = [m for m in mentions if m.how == "slip"]
    note = "; ".join(f'"{m.written}" is not in the catalogue: did you mean {m.suggestion}? (suggested, never '
                     "assumed)" for m in slips)
    return Part("; ".join(items), Confidence.SURE, source, evidence, note=note, items=items)


def _role(labels: dict[str, list[str]], text: MessageText) -> Part:
    value = " ".join(labels["signatory_role"][0].split()) if labels.get("signatory_role") else ""
    if value:
        found = find_roles(value)
        label = found[0][0] if found else value
        return Part(label, Confidence.SURE, "label 'Signatory role'", (value,))
    for source, where in ((text.signature, "signature block"), (text.new_text, "text")):
        found = find_roles(source)
        labels_found = list(dict.fromkeys(label for label, _ in found))
        if len(labels_found) == 1:
            return Part(labels_found[0], Confidence.SURE, where, tuple(w for _, w in found))
        if len(labels_found) > 1:
            return Part("", Confidence.UNSURE, where, tuple(w for _, w in found), tuple(labels_found),
                        note="more than one role is written")
    return Part(note="no role is written (the register decides who may sign)")


def read_request(text: MessageText, vocabulary: Vocabulary, *, sender: str = "", mailbox: str = "") -> RequestReading:
    """What TEXT asks for, part by part, and how sure the reader is of each."""
    labels = read_labelled_lines(text.new_text, LABELS)
    exclude = {a.strip().lower() for a in (sender, mailbox) if a}
    catalogue = vocabulary.catalogue
    notes = []
    if labels.get("applications"):
        mentions = _labelled_apps(labels["applications"], catalogue)
        matches: list[NameMatch] = []
    else:
        matches = find_names(text.new_text, catalogue)
        mentions = _prose_apps(text.new_text, catalogue, "text", matches)
        if not mentions and text.subject and not REPLY_PREFIX.match(text.subject):
            mentions = _prose_apps(text.subject, catalogue, "subject")
    quoted = tuple(dict.fromkeys(m.name for m in find_names(text.quoted, catalogue) if m.assumed))
    if quoted and not mentions:
        notes.append("applications are named only in the quoted or forwarded text: " + ", ".join(quoted))
    return RequestReading(
        org=_org(labels, text, vocabulary),
        user=_user(labels, text, vocabulary, exclude),
        applications=_applications(mentions, quoted),
        role=_role(labels, text),
        mentions=tuple(mentions),
        quoted_mentions=quoted,
        asks=asks_something(text.new_text) or asks_something(text.subject),
        how_to_question=_questions_only(text.new_text, matches, yes_no=False),
        asked_about=_questions_only(text.new_text, matches, yes_no=True),
        from_template=bool(labels.get("applications")) and ("org_code" in labels or "user" in labels),
        notes=tuple(notes),
    )


def read_in_two_passes(text: MessageText, vocabulary: Vocabulary, users_of: Callable[[str], tuple[UserEntry, ...]],
                       *, sender: str = "", mailbox: str = "") -> RequestReading:
    """The organisation first; then, with its users (USERS_OF, the shell's look-up by code), the whole request.
    The first pass reads the organisation alone: it does not depend on the users, and the rest would be read again."""
    code = _org(read_labelled_lines(text.new_text, LABELS), text, vocabulary).value
    if not code:
        return read_request(text, vocabulary, sender=sender, mailbox=mailbox)
    return read_request(text, replace(vocabulary, users_of=code, users=users_of(code)), sender=sender,
                        mailbox=mailbox)
