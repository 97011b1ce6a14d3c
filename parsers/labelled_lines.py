"""`Label: value` lines as people type them: any case, extra words, values continuing on the lines below."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

_LINE = re.compile(r"^\s*[*\-•>]*\s*([A-Za-z][A-Za-z /()'&-]{0,60}?)\s*[:=\-–]\s*(.*)$")
# A list item's marker: a bullet, or a number or letter as lists are numbered ("1.", "2)", "(a)", "b.").
_ITEM_MARKER = re.compile(r"^(?:[*\-•·\s]+|\(?(?:\d{1,3}|[A-Za-z])[.)]\s+)")
_NOT_LETTER = re.compile(r"[^a-z]")


# Every call squashes the same few dozen label wordings again (and labels as written are at most 61 characters):
# kept, bounded.
@lru_cache(maxsize=1024)
def _squash(text: str) -> str:
    return _NOT_LETTER.sub("", text.lower())


def read_labelled_lines(text: str, labels: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Values found for each field: LABELS maps a field name to the label wordings that introduce it.

    A label is matched on its letters alone ("Organisation code", "ORGANISATION-CODE" and "organisation code"
    are one). A value may continue on the lines below its label, one item a line, until a blank line or another
    label; so "Applications:" followed by a list is read whole.
    """
    wordings = {_squash(w): name for name, ws in labels.items() for w in ws}
    found: dict[str, list[str]] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            current = None
            continue
        match = _LINE.match(line)
        name = wordings.get(_squash(match.group(1))) if match else None
        if match and name:
            current = name
            value = match.group(2).strip()
            found.setdefault(name, [])
            if value:
                found[name].append(value)
            continue
        if match:  # some other label: whatever we were reading has ended
            current = None
            continue
        if current is not None:
            found[current].append(_ITEM_MARKER.sub("", line, count=1))
    return found
