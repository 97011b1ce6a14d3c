"""The phrasing corpus: how practice staff, GPs and managers really write, each message with its expected reading.

Cases live in tests/phrasing/corpus/*.txt, one block each:

    ### id: hand-001
    family: prose-list
    from: Dr Priya Shah <priya.shah@nhs.net>
    subject: Open Exeter
    format: plain | html | outlook (text and HTML alternatives)
    expect: permission; org=A81001; user=paul.brown2@nhs.net; apps=Prior Notification List|Sender Reports;
            role=GP Partner   (on one line)
    ---
    the body (HTML for html and outlook; for outlook the text part is made from it as Outlook does)

`expect` is one of `permission; org=..; user=..; apps=a|b; role=..` (role `-` when none is written; an
application written with a slip is `as written ~ Catalogue Name`: the request carries it as written, which the
checks reject as not in the catalogue, and the catalogue name is only suggested, SPEC 10),
`guidance; topic=..`, or `staff; kind=permission_request|unclear; not=user,applications` (a person must read it;
`not` names the parts the reader must NOT claim to understand). Each block becomes a real message (the standard
library's composer) and goes through the mailbot's own parse, classify and read, with the corpus register as data.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from importlib import resources
from pathlib import Path

from parsers.html_text import html_to_text
from parsers.kinds import KindContext, classify
from parsers.message import parse_message
from parsers.register_words import OrgEntry, UserEntry, Vocabulary
from parsers.request_reader import MessageText, RequestReading, read_in_two_passes
from parsers.vocabulary.kinds import Kind

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
MAILBOX = "pcse.openexeter@nhs.net"
CONTEXT = KindContext(mailbox_address=MAILBOX, system_address="openexeter-noreply@nhs.net",
                      message_id_domain="mailbot.pcse.example")
DATE = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    id: str
    family: str
    sender: str
    subject: str
    format: str
    expect: dict[str, str]
    body: str
    file: str = ""

    @property
    def outcome(self) -> str:
        return self.expect["outcome"]


@dataclass(frozen=True)
class Register:
    catalogue: tuple[str, ...]
    organisations: tuple[OrgEntry, ...]
    users: dict[str, tuple[UserEntry, ...]] = field(default_factory=dict)

    def vocabulary(self) -> Vocabulary:
        return Vocabulary(catalogue=self.catalogue, organisations=self.organisations)

    def users_of(self, code: str) -> tuple[UserEntry, ...]:
        return self.users.get(code.upper(), ())

    def identity(self, code: str, user: str) -> str:
        """A user's register username (lower-case) from an address or username; else the value as written."""
        key = user.strip().lower()
        for u in self.users_of(code):
            if key in (u.email.lower(), u.username.lower()):
                return u.username.lower()
        return key


def _rows(path: Path | object) -> list[dict[str, str]]:
    with open(str(path), newline="", encoding="utf-8") as handle:  # noqa: PTH123 - a Traversable or a Path
        return list(csv.DictReader(handle))


def load_register() -> Register:
    """The sample register shipped with the mailbot, plus the corpus's extra users (namesakes among them)."""
    sample = resources.files("mailbot.demo") / "sample"
    catalogue = tuple(r["name"] for r in _rows(sample / "applications.csv"))
    orgs = tuple(OrgEntry(r["code"], r["name"]) for r in _rows(sample / "organisations.csv"))
    users: dict[str, list[UserEntry]] = {}
    for path in (sample / "users.csv", HERE / "extra_users.csv"):
        for r in _rows(path):
            users.setdefault(r["org_code"], []).append(UserEntry(r["username"], r["full_name"], r["email"],
                                                                 r["status"]))
    return Register(catalogue, orgs, {k: tuple(v) for k, v in users.items()})


def _expectation(text: str) -> dict[str, str]:
    parts = [p.strip() for p in text.split(";") if p.strip()]
    expect = {"outcome": parts[0]}
    for p in parts[1:]:
        key, _, value = p.partition("=")
        expect[key.strip()] = value.strip()
    return expect


def parse_blocks(text: str, file: str = "") -> Iterator[Case]:
    for block in re.split(r"^### ", text, flags=re.M)[1:]:
        head, _, body = block.partition("\n---\n")
        fields = {}
        for line in head.splitlines():
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
        yield Case(id=fields["id"], family=fields["family"], sender=fields["from"], subject=fields.get("subject", ""),
                   format=fields.get("format", "plain"), expect=_expectation(fields["expect"]),
                   body=body.rstrip("\n") + "\n", file=file)


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CORPUS.glob("*.txt")):
        cases += parse_blocks(path.read_text(encoding="utf-8"), path.name)
    ids = [c.id for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate case ids: {sorted(duplicates)}"
    return cases


def message_bytes(case: Case) -> bytes:
    """CASE as the mail program would have sent it."""
    msg = EmailMessage()
    msg["From"] = case.sender
    msg["To"] = MAILBOX
    msg["Subject"] = case.subject
    msg["Date"] = format_datetime(DATE)
    msg["Message-ID"] = f"<{case.id}@phrasing.nhs.net>"
    if case.format == "html":
        msg.set_content(case.body, subtype="html")
    elif case.format == "outlook":
        msg.set_content(html_to_text(case.body).replace("\n> ", "\n").replace("\n", "\r\n") + "\r\n")
        msg.add_alternative(case.body, subtype="html")
    else:
        msg.set_content(case.body)
    return msg.as_bytes()


@dataclass(frozen=True)
class Result:
    case: Case
    kind: Kind
    verdict: str  # understood / staff / misread
    got: dict[str, str]
    why: str = ""
    reading: RequestReading | None = None


def _sender(case: Case) -> str:
    return re.sub(r".*<|>.*", "", case.sender).strip().lower()


def read_case(case: Case, register: Register) -> Result:
    parsed = parse_message(message_bytes(case))
    context = KindContext(CONTEXT.mailbox_address, CONTEXT.system_address, CONTEXT.message_id_domain,
                          register.vocabulary())
    found = classify(parsed, context)
    kind = found.kind
    reading = None
    got: dict[str, str] = {"kind": kind.value}
    if kind in (Kind.PERMISSION_REQUEST, Kind.UNCLEAR):
        text = MessageText(parsed.subject, parsed.text, parsed.signature_text, parsed.quoted_text)
        reading = read_in_two_passes(text, register.vocabulary(), register.users_of, sender=_sender(case),
                                     mailbox=MAILBOX)
    if kind == Kind.PERMISSION_REQUEST and reading is not None and reading.understood:
        slips = {m.name: m.suggestion for m in reading.mentions if m.how == "slip"}
        apps = [f"{a} ~ {slips[a]}" if a in slips else a for a in reading.applications.items]
        got.update(outcome="permission", org=reading.org.value,
                   user=register.identity(reading.org.value, reading.user.value),
                   apps="|".join(sorted(apps)), role=reading.role.value or "-")
    elif kind == Kind.GUIDANCE:
        got.update(outcome="guidance", topic=str(found.topic))
    elif kind in (Kind.PERMISSION_REQUEST, Kind.UNCLEAR):
        sure = [n for n, p in reading.parts().items() if p.acted_on and n != "role"] if reading else []
        got.update(outcome="staff", understood=",".join(sure))
    else:
        got.update(outcome="other")
    return judge(case, kind, got, register, reading)


def judge(case: Case, kind: Kind, got: dict[str, str], register: Register,
          reading: RequestReading | None) -> Result:
    want = case.expect
    if got["outcome"] == "staff" and want["outcome"] != "staff":
        return Result(case, kind, "staff", got, "sent to staff", reading)
    if got["outcome"] != want["outcome"]:
        return Result(case, kind, "misread", got, f"read as {got['outcome']}, expected {want['outcome']}", reading)
    if want["outcome"] == "permission":
        expected = {"org": want["org"].upper(), "user": register.identity(want["org"], want["user"]),
                    "apps": "|".join(sorted(" ~ ".join(w.strip() for w in app.split("~"))
                                            for app in want["apps"].split("|"))),
                    "role": want.get("role", "-")}
        wrong = [f"{k}: {got[k]!r} != {v!r}" for k, v in expected.items() if got[k] != v]
        return Result(case, kind, "misread" if wrong else "understood", got, "; ".join(wrong), reading)
    if want["outcome"] == "guidance":
        ok = got["topic"] == want["topic"]
        return Result(case, kind, "understood" if ok else "misread", got,
                      "" if ok else f"topic {got['topic']} != {want['topic']}", reading)
    claimed = set(filter(None, got.get("understood", "").split(",")))
    must_not = set(filter(None, want.get("not", "").split(",")))
    wrong_kind = want.get("kind") and want["kind"] != kind.value
    if claimed & must_not:
        return Result(case, kind, "misread", got, f"claims to understand {sorted(claimed & must_not)}", reading)
    return Result(case, kind, "understood", got, f"kind {kind.value}" if wrong_kind else "", reading)


def run_corpus() -> list[Result]:
    register = load_register()
    return [read_case(case, register) for case in load_cases()]
