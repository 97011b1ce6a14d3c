"""What one transaction has already read, kept on its session so a second ask costs no statement.

Only for rows the session's identity map holds anyway: reading them again within the transaction would not
refresh them (SQLAlchemy leaves loaded attributes alone), so remembering them changes nothing but the count of
statements. The memo belongs to the session's outermost transaction and is forgotten when another begins. Inside a
savepoint nothing is remembered (what it adds may be rolled back): `memo` gives a throwaway dict there, and what a
savepoint changes is dropped from the outer memo with `forget`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

_KEY = "store.memo"


def memo(session: Session) -> dict[str, Any]:
    """This transaction's memo (a fresh dict for each outermost transaction; a throwaway one in a savepoint or
    before the transaction has begun)."""
    transaction = session.get_transaction()
    if transaction is None or session.get_nested_transaction() is not None:
        return {}
    held = session.info.get(_KEY)
    if held is None or held[0] is not transaction:
        held = (transaction, {})
        session.info[_KEY] = held
    return held[1]


def forget(session: Session, name: str) -> None:
    """Drop NAME from the outermost transaction's memo, from inside a savepoint too."""
    held = session.info.get(_KEY)
    if held is not None:
        held[1].pop(name, None)
