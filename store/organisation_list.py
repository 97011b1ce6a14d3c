"""The organisations of the register as the request reader takes them (code and name, in code order), and the one
tuple of them shared by every snapshot of the register that reads them alike (store/register_cache.py)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from parsers.register_words import OrgEntry
from store.models import Organisation


def read_organisations(reader: Session | Connection) -> tuple[OrgEntry, ...]:
    return tuple(OrgEntry(code, name) for code, name in organisation_rows(reader))


def organisation_rows(reader: Session | Connection) -> tuple[tuple[str, str], ...]:
    return tuple((code, name) for code, name in reader.execute(
        select(Organisation.code, Organisation.name).order_by(Organisation.code)))


# The organisations under a new token are mostly those under the one before: every change to the register gives
# it a new token (an approval adds a user), but few change an organisation. Read alike, they are handed back as the
# very tuple made before, so the snapshots kept share it (thousands of entries each) and the request reader's index
# of it (parsers.register_words.org_index, kept per tuple) is not made again: some 2 MB and 25 ms a change with
# 6,500 organisations.
_ORGANISATIONS: OrderedDict[tuple[tuple[str, str], ...], tuple[OrgEntry, ...]] = OrderedDict()
_ORGANISATIONS_LOCK = threading.Lock()


def same_as_before(rows: tuple[tuple[str, str], ...], kept: int) -> tuple[OrgEntry, ...]:
    """ROWS as the tuple made before for the same rows, if it is among the KEPT newest; else made now."""
    with _ORGANISATIONS_LOCK:
        held = _ORGANISATIONS.get(rows)
        if held is not None:
            _ORGANISATIONS.move_to_end(rows)
            return held
    made = tuple(OrgEntry(code, name) for code, name in rows)
    with _ORGANISATIONS_LOCK:  # two threads may both make one: either may stay
        _ORGANISATIONS[rows] = made
        while len(_ORGANISATIONS) > kept:
            _ORGANISATIONS.popitem(last=False)
    return made
