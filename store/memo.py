"""What one transaction has already read, kept on its session so a second ask costs no statement.

Only for rows the session's identity map holds anyway: reading them again within the transaction would not
refresh them (SQLAlchemy leaves loaded attributes alone), so remembering them changes nothing but the count of
statements. The memo belongs to the session's innermost transaction (a savepoint, or else the outermost one) and
is forgotten when another begins or the savepoint ends, whichever way: nothing read in a savepoint outlives it (what
it adds may be rolled back), nor is what was read before it used inside it. The daemon records each message of a
group in a savepoint of one transaction (mailbot.intake.recording_group), so each message has a memo of its own, as
it had in a transaction of its own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

_KEY = "store.memo"


def memo(session: Session) -> dict[str, Any]:
    """This transaction's memo: a fresh dict for each savepoint and each outermost transaction (a throwaway one
    before the transaction has begun)."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        return {}
    held = session.info.get(_KEY)
    if held is None or held[0] is not transaction:
        held = (transaction, {})
        session.info[_KEY] = held
    return held[1]


def forget(session: Session, name: str) -> None:
    """Drop NAME from the memo in use (the innermost transaction's: any other is forgotten anyway)."""
    held = session.info.get(_KEY)
    if held is not None:
        held[1].pop(name, None)
