"""The rules of SPEC 17 on plain data: who a message was sent to (parsed as addresses), which recipients count
beside the signature, replay safety, strict alignment for notices, and whose follow-up goes on a case."""

from __future__ import annotations

from dataclasses import replace

import pytest

from parsers.raw_headers import split_message
from parsers.recipients import recipients
from parsers.vocabulary.kinds import Kind
from rules.checks import replay, sender
from rules.dkim_checks import SignedBy
from rules.follow_ups import CaseParties, relation_to_case
from tests.rules.test_decisions import GOOD_NOTICE, GOOD_PERMISSION, Sender, ctx

MAILBOX = "pcse.openexeter@nhs.net"


def to(*fields: str) -> tuple[tuple[str, str], ...]:
    return recipients(split_message(("".join(f + "\r\n" for f in fields) + "\r\nbody").encode()))


@pytest.mark.parametrize(("field", "found"), [
    ('To: "PCSE" <PCSE.OpenExeter@NHS.NET>', [MAILBOX]),
    ("To: Team: a@nhs.net, pcse.openexeter@nhs.net;", ["a@nhs.net", MAILBOX]),
    ('To: "Smith, Jane" <jane@nhs.net>, pcse.openexeter@nhs.net (the mailbox, really)', ["jane@nhs.net", MAILBOX]),
    ("To: pcse.openexeter@nhs.net <colleague@nhs.net>", []),  # an address as a display name: neither counts
    ('To: "pcse.openexeter@nhs.net" <colleague@nhs.net>', []),
    ("To: =?utf-8?q?pcse=2Eopenexeter=40nhs=2Enet?= <colleague@nhs.net>", []),
    ("To: <@relay.example:pcse.openexeter@nhs.net>", []),  # route syntax
    ("To: pcse.openexeter@nhs.net.example.com", ["pcse.openexeter@nhs.net.example.com"]),
    ("To: undisclosed-recipients:;", []),
    ("To: " + "(" * 5000 + ")" * 5000 + " pcse.openexeter@nhs.net", [MAILBOX]),  # no recursion to exhaust
    ("To: " + "(" * 5000 + " pcse.openexeter@nhs.net", []),  # an unclosed comment
    ("Cc: x@nhs.net, " + "y@nhs.net, " * 5000, []),  # too long to be read: nothing counts
])
def test_recipients_are_parsed_as_addresses(field: str, found: list[str]) -> None:
    assert [address for _field, address in to(field)] == found


SIGNED_TO = SignedBy("nhs.net", "s1", ("from", "to", "subject", "date", "message-id"), "b1")
SIGNS_NEITHER = SignedBy("nhs.net", "s1", ("from", "subject", "date", "message-id"), "b2")  # as Microsoft 365 signs


def addressed(signature: SignedBy, *pairs: tuple[str, str]) -> str | None:
    result = replay.addressed(ctx(Kind.PERMISSION_REQUEST, GOOD_PERMISSION, sender=Sender(passing=(signature,)),
                                  recipients=pairs))
    return result.reason


def test_an_unsigned_cc_does_not_count_beside_a_signed_to() -> None:
    assert addressed(SIGNED_TO, ("to", "colleague@nhs.net"), ("cc", MAILBOX)) == "message.not_addressed"
    assert addressed(SIGNED_TO, ("to", MAILBOX), ("cc", "x@nhs.net")) is None
    assert addressed(SIGNS_NEITHER, ("to", "colleague@nhs.net"), ("cc", MAILBOX)) is None


def test_an_alias_of_the_mailbox_counts() -> None:
    c = ctx(Kind.PERMISSION_REQUEST, GOOD_PERMISSION, recipients=(("to", "old.address@nhs.net"),))
    assert replay.addressed(c).reason == "message.not_addressed"
    aliased = replace(c, policy=replace(c.policy, mailbox_addresses=frozenset({MAILBOX, "old.address@nhs.net"})))
    assert replay.addressed(aliased).status == "passed"


def test_replay_safety_looks_for_a_vouching_signature_covering_message_id_and_date() -> None:
    def reason(*signatures: SignedBy, method: str = "dkim") -> str | None:
        return replay.replay_safe(ctx(Kind.PERMISSION_REQUEST, GOOD_PERMISSION,
                                      sender=Sender(passing=signatures, method=method))).reason

    assert reason(SIGNED_TO) is None
    assert reason(SignedBy("nhs.net", "s1", ("from", "date"), "b")) == "message.replay_unsafe"
    assert reason(SignedBy("nhs.net", "s1", ("from", "date"), "b"), SIGNED_TO) is None  # any one that covers
    assert reason(method="authentication-results") == "message.replay_unsafe"  # a gateway pass naming none


def test_a_notice_counts_only_signatures_by_the_system_domain_itself() -> None:
    sub = SignedBy("mail.nhs.net", "s1", SIGNED_TO.headers, "b")
    notice = ctx(Kind.NEW_USER_NOTIFICATION, GOOD_NOTICE,
                 sender=Sender(address="openexeter-noreply@nhs.net", passing=(sub,)))
    assert sender.system_signature(notice).reason == "sender.unauthenticated"
    assert replay.notice_replay_safe(notice).status == "skipped"  # the strict check says why
    assert replay.replay_safe(notice).status == "passed"  # where any aligned signature counts
    both = replace(notice, sender=Sender(address="openexeter-noreply@nhs.net", passing=(sub, SIGNED_TO)))
    assert sender.system_signature(both).status == "passed"


def test_whose_follow_up_goes_on_the_case() -> None:
    parties = CaseParties(sender="office@nhs.net", signatories=frozenset({"gp@nhs.net"}),
                          nominees=frozenset({"new@nhs.net"}))
    assert relation_to_case(Sender(address="office@nhs.net"), parties) == "sender"
    assert relation_to_case(Sender(address="GP@nhs.net"), parties) == "signatory"
    assert relation_to_case(Sender(address="new@nhs.net"), parties) == "nominee"
    assert relation_to_case(Sender(address="stranger@nhs.net"), parties) == ""
    assert relation_to_case(Sender(address="office@nhs.net", authenticated=False), parties) == ""
    assert relation_to_case(Sender(address=None, ambiguous=True), parties) == ""
