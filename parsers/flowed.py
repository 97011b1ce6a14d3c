"""Text sent as format=flowed (RFC 3676) joined back into the lines the sender typed.

Thunderbird sends all plain text this way, and Apple Mail often: lines longer than about 72 characters are broken
into several, each but the last ending in a space (a soft break). Read as it stands, a long "Applications:" line
loses every name after the break, and a name broken across it reads as two unknown applications.
"""

from __future__ import annotations

import re

SIGNATURE_SEPARATOR = "-- "
QUOTE_MARKS = re.compile(r"^>+")


def _split_quote(line: str) -> tuple[int, str]:
    """The quote depth of LINE and its text, space-stuffing (one leading space after the marks) removed."""
    marks = QUOTE_MARKS.match(line)
    depth = len(marks.group(0)) if marks else 0
    text = line[depth:]
    return depth, text[1:] if text.startswith(" ") else text


def unflow(text: str, *, delsp: bool = False) -> str:
    """TEXT (lines ending in LF) with each soft break joined; quoted lines keep their depth as "> " marks. With
    DELSP the space before a soft break goes too (RFC 3676 4.2: it was added, not typed)."""
    out: list[str] = []
    pending: tuple[int, str] | None = None  # a flowed line waiting for the next of its depth
    for line in text.split("\n"):
        depth, content = _split_quote(line)
        if pending is not None and pending[0] == depth:
            content = pending[1] + content
        elif pending is not None:
            out.append(_quoted(*pending))  # the depth changed: a broken flow ends where it is (RFC 3676 4.5)
        pending = None
        if content.endswith(" ") and content != SIGNATURE_SEPARATOR:
            pending = (depth, content[:-1] if delsp else content)
            continue
        out.append(_quoted(depth, content))
    if pending is not None:
        out.append(_quoted(*pending))
    return "\n".join(out)


def _quoted(depth: int, content: str) -> str:
    return ("> " * depth + content) if depth else content
