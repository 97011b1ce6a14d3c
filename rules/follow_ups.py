"""Whose follow-up may go on a case (SPEC 13): only its sender's, its signatory's (at the address on record) or its
nominee's, and only when authenticated. Anyone can put a case reference in a subject; a stranger's message that
quotes one is a case of its own, linked for staff, and never puts a decided case back in the queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.context import SenderFacts


@dataclass(frozen=True)
class CaseParties:
    """The addresses a case's own people are known by, lower-case (built by the shell from the case and the
    register; empty where a case has none)."""

    sender: str = ""
    signatories: frozenset[str] = frozenset()  # on record for the case's organisation
    nominees: frozenset[str] = frozenset()  # the person the request is for


def relation_to_case(sender: SenderFacts, parties: CaseParties) -> str:
    """"sender", "signatory" or "nominee" when SENDER is authenticated and is that person of the case; else ""."""
    if sender.ambiguous or not sender.authenticated or not sender.address:
        return ""
    address = sender.address.lower()
    if parties.sender and address == parties.sender:
        return "sender"
    if address in parties.signatories:
        return "signatory"
    if address in parties.nominees:
        return "nominee"
    return ""
