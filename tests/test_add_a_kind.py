"""A message kind is one entry of one table (issue 14): adding one takes three places, and nothing else in the shell
decides by kind.

The first test adds a kind at run time, in the three places docs/architecture.md's "Add a message kind" names
(how classify tells it, its chain, its entry in mailbot/processing/kinds.py), and runs a real signed message through
the real handling (understand, record: one transaction on a SQLite store) to a case with its outcome, its change
and its reply; then reads the case back as review does. The second holds every module of mailbot/ but the table to
never branching on a kind.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.app import App
from mailbot.config import load_config
from mailbot.outbox.case_mail import CaseMail
from mailbot.outbox.replies import OutgoingMail, reply_subject
from mailbot.processing import kinds
from mailbot.processing.handle import handle
from mailbot.processing.kinds import KINDS, KindSpec, Read, spec_of
from mailbot.processing.services import understander
from mailbot.processing.settings import settings_from
from mailbot.processing.stored_case import stored_request
from mailbot.review.web.case_page import correctable_fields
from parsers.kinds import Classification, KindContext, classify
from parsers.message import ParsedMessage
from parsers.request_reader import RequestReading
from parsers.vocabulary.outcomes import Outcome
from rules import chains
from rules.chains import STOP, Chain, Link
from rules.checks import message, organisation, sender
from rules.requests import Correctable, Request
from store import audit
from store.changes import Applied
from store.models import AuditEvent, Case, OutboxMessage
from tests.support.cli import mailbot, write_config
from tests.support.signed_mail import SigningKey, compose

ROOT = Path(__file__).resolve().parents[1]
MAILBOX = "pcse.openexeter@nhs.net"


# Place 1: the kind, and how a message is told to be one (for a real kind: a member of parsers.vocabulary.kinds.Kind
# and a rule in parsers.kinds.classify; here a kind of its own and a classifier wrapped round the real one).
class NewKinds(StrEnum):
    PHONE_CHANGE = "phone_change"


PHONE_CHANGE = NewKinds.PHONE_CHANGE


def classify_with_phone_changes(msg: ParsedMessage, ctx: KindContext) -> Classification:
    if msg.subject.lower().startswith("new phone number"):
        return Classification(PHONE_CHANGE, None, ("the subject says a new phone number",))  # type: ignore[arg-type]
    return classify(msg, ctx)


@dataclass(frozen=True)
class PhoneChange(Correctable):
    """What the new kind carries (for a real kind: a class of rules/requests.py)."""

    org_code: str = ""
    phone: str = ""


def read_phone_change(parsed: ParsedMessage, found: Classification, reading: RequestReading | None) -> Read:
    words = dict(line.split(":", 1) for line in parsed.text.splitlines() if ":" in line)
    return Read(requests=(PhoneChange(org_code=words.get("Organisation code", "").strip(),  # type: ignore[arg-type]
                                      phone=words.get("Phone", "").strip()),))


def apply_phone_change(session: Session, request: Request, *, now: datetime, actor: str, case_id: int) -> Applied:
    assert isinstance(request, PhoneChange)
    audit.record(session, at=now, actor=actor, action="organisation.phone", case_id=case_id,
                 org_code=request.org_code, phone=request.phone)
    return Applied(changes=[f"Recorded {request.phone} as the phone number of {request.org_code}"])


def phone_change_mails(m: CaseMail) -> list[OutgoingMail] | None:
    if m.decision.outcome != Outcome.APPROVED:
        return None  # the acknowledgement a flagged case gets (or nothing)
    body = f"We have recorded the new phone number. Reference: {m.ctx.reference}\n"
    return [OutgoingMail("reply", m.ctx.sender, reply_subject(m.ctx.original_subject, m.ctx.reference), body,
                         in_reply_to=m.ctx.original_message_id)]


@pytest.fixture
def phone_change_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    # Place 2: its chain (for a real kind: an entry of rules/chains.py's CHAINS).
    monkeypatch.setitem(chains.CHAINS, PHONE_CHANGE, Chain((  # type: ignore[misc]
        Link(message.not_duplicate, STOP), Link(message.not_automatic, STOP), Link(sender.unambiguous),
        Link(sender.authenticated), Link(message.reply_rate), Link(message.within_size, STOP),
        Link(message.recent), Link(sender.nhs_address), Link(organisation.known),
    ), when_all_pass=Outcome.APPROVED))
    # Place 3: its entry in the table of kinds.
    monkeypatch.setitem(KINDS, PHONE_CHANGE.value, KindSpec(
        PHONE_CHANGE, "Change of phone number",  # type: ignore[arg-type]
        "the organisation's new phone number is recorded", read=read_phone_change,
        request=PhoneChange,  # type: ignore[arg-type]
        apply=apply_phone_change, mails=phone_change_mails))


def test_a_kind_added_in_three_places_runs_through_the_real_pipeline(tmp_path: Path,
                                                                        phone_change_kind: None) -> None:
    key = SigningKey.generate()
    keys = key.write_key_file(tmp_path / "test-keys.txt")
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'store.db'}",
                          f'[auth]\ntest_public_keys = "{keys}"\n')
    sample = resources.files("mailbot.demo") / "sample"
    for table in ("applications", "organisations", "users", "signatories"):
        assert mailbot("--config", config, "import", table, str(sample / f"{table}.csv")).status == 0
    app = App(load_config(config))
    settings = settings_from(app.config)
    now = datetime.now(UTC)

    def send(subject: str, body: str) -> Case:
        raw = key.sign(compose(sender="jane.smith@nhs.net", to=MAILBOX, subject=subject, body=body), "nhs.net")
        with understander(app.config, app.read_sessions) as understand:
            understand.classify = classify_with_phone_changes
            [outcome] = handle(app.sessions, understand, raw, source="file:test.eml", now=now, settings=settings)
        with app.sessions() as session:
            case = session.scalars(select(Case).where(Case.reference == outcome.reference)).one()
            case.replies = [r.subject for r in session.scalars(  # type: ignore[attr-defined]
                select(OutboxMessage).where(OutboxMessage.case_id == case.id))]
            session.expunge_all()
        assert outcome.kind == "phone_change" and outcome.outcome == case.outcome
        return case

    known = send("New phone number", "Organisation code: A81001\nPhone: 01632 960999\n")
    assert (known.kind, known.outcome, known.reasons) == ("phone_change", "approved", [])
    assert known.changes == ["Recorded 01632 960999 as the phone number of A81001"]
    assert known.replies == [f"Re: New phone number [{known.reference}]"]  # type: ignore[attr-defined]
    # Written to the case and read back as review reads it, with the fields staff may correct.
    assert stored_request(known) == PhoneChange(org_code="A81001", phone="01632 960999")
    assert [f["name"] for f in correctable_fields(known)] == ["org_code", "phone"]
    assert spec_of(known.kind).chain is chains.CHAINS[PHONE_CHANGE]  # type: ignore[index]

    unknown = send("New phone number for us", "Organisation code: Z99999\nPhone: 01632 960998\n")
    assert (unknown.outcome, unknown.reasons, unknown.changes) == ("flagged", ["org.unknown"], [])
    # Its writer has nothing of its own to say about a flagged case: the sender gets the acknowledgement.
    assert unknown.replies == [f"Re: New phone number for us [{unknown.reference}]"]  # type: ignore[attr-defined]
    with app.sessions() as session:  # applied once: for the approved case only, in its transaction
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "organisation.phone")).all()
        assert [(e.case_id, e.detail["phone"]) for e in events] == [(known.id, "01632 960999")]


KIND_NAMES = {"Kind", "NewKinds"}


def _names_a_kind(node: ast.AST) -> bool:
    """Whether NODE is a member of Kind (Kind.GUIDANCE, or its Kind.GUIDANCE.value), or a collection holding one."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in KIND_NAMES:
        return True
    if isinstance(node, ast.Attribute) and node.attr == "value":
        return _names_a_kind(node.value)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_a_kind(e) for e in node.elts)
    return False


def branches_on_kind(source: str) -> list[tuple[int, str]]:
    """Where SOURCE decides by kind: a comparison with a member of Kind (==, !=, in, is), a `match` case on one, a
    dict keyed by them (a table of its own), or Kind(...) turning a recorded kind back into the enum (a kind only
    the table knows would fail there)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(_names_a_kind(n) for n in (node.left, *node.comparators)):
            found.append((node.lineno, "compares with a kind"))
        elif isinstance(node, ast.match_case) and any(_names_a_kind(n) for n in ast.walk(node.pattern)):
            found.append((node.pattern.lineno, "a match case on a kind"))
        elif isinstance(node, ast.MatchValue) and _names_a_kind(node.value):
            found.append((node.lineno, "a match case on a kind"))
        elif isinstance(node, ast.Dict) and any(k is not None and _names_a_kind(k) for k in node.keys):
            found.append((node.lineno, "a table keyed by kind"))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Kind"):
            found.append((node.lineno, "Kind(...) of a recorded kind"))
    return found


def branches_under(folder: str, table: str) -> list[str]:
    """Where each module below FOLDER but the file TABLE branches on kind, as path:line: what."""
    return [f"{path.relative_to(ROOT)}:{line}: {what}"
            for path in sorted((ROOT / folder).rglob("*.py")) if path.resolve() != Path(table).resolve()
            for line, what in branches_on_kind(path.read_text(encoding="utf-8"))]


def test_no_module_of_the_shell_but_the_table_branches_on_kind() -> None:
    found = branches_under("mailbot", kinds.__file__)
    assert found == [], "decide by the table of kinds (mailbot/processing/kinds.py) instead:\n" + "\n".join(found)


@pytest.mark.parametrize("source", [
    "if u.kind == Kind.FOLLOW_UP:\n    pass\n",
    "x = kind in (Kind.PERMISSION_REQUEST, Kind.UNCLEAR)\n",
    "match kind:\n    case Kind.GUIDANCE:\n        pass\n",
    "TABLE = {Kind.GUIDANCE: 1}\n",
    "TABLE = {Kind.GUIDANCE.value: 1}\n",
    "k = Kind(case.kind)\n",
])
def test_the_check_sees_each_way_of_branching_on_kind(source: str) -> None:
    assert branches_on_kind(source), source
