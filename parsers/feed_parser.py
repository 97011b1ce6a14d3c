"""The standard library's BytesFeedParser, without a regular expression compiled for every multipart message.

For each multipart part the stdlib's FeedParser._parsegen compiles a regular expression matching its boundary line:
"--" + boundary, then an optional "--", spaces or tabs and one line end. Every message has a boundary of its own, so
the `re` module's cache never holds it: a fresh compile each time, about 0.17 ms of a message's understanding (most
mail is multipart), and each one pushes a pattern that other code uses out of that cache.

Here _parsegen is the stdlib's own code (the very code object), run with one name changed in its globals: `re`,
whose `compile` gives, for exactly that boundary pattern, a matcher that tests the boundary with str.startswith and
the rest of the line with one regular expression compiled once. Its match is None where the stdlib's is, and its
groups "end", "ws" and "linesep" are the stdlib's (tests/message/test_feed_parser.py compares the two, and the trees
parsed from real and hostile mail); _parsegen reads nothing else of it. Any other pattern is compiled as before.
"""

from __future__ import annotations

import email.feedparser as stdlib_feedparser
import re
import types
from typing import Any

_SEPARATOR_START = "(?P<sep>"
# What _parsegen appends to the escaped "--" + boundary (Python 3.11's email/feedparser.py, and later versions').
_AFTER_SEPARATOR = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
_AFTER = re.compile(_AFTER_SEPARATOR[1:])
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


class BoundaryMatcher:
    """The compiled boundary pattern's `match` for SEPARATOR ("--" + boundary): a re.Match of the rest of the line
    (its groups "end", "ws" and "linesep" as the whole pattern's), or None."""

    __slots__ = ("separator",)

    def __init__(self, separator: str) -> None:
        self.separator = separator

    def match(self, line: str) -> re.Match[str] | None:
        if not line.startswith(self.separator):
            return None
        return _AFTER.match(line, len(self.separator))


def boundary_separator(pattern: str) -> str | None:
    """The separator ("--" + boundary) PATTERN is _parsegen's boundary pattern for; None for any other pattern (or
    when its escaping is not exactly re.escape's, so that nothing but that pattern is ever matched otherwise)."""
    if not pattern.startswith(_SEPARATOR_START) or not pattern.endswith(_AFTER_SEPARATOR):
        return None
    escaped = pattern[len(_SEPARATOR_START): len(pattern) - len(_AFTER_SEPARATOR)]
    separator = _ESCAPED.sub(r"\1", escaped)
    return separator if re.escape(separator) == escaped else None


class _BoundaryRe:
    """The `re` module as _parsegen sees it: compile makes a BoundaryMatcher for the boundary pattern."""

    escape = staticmethod(re.escape)

    @staticmethod
    def compile(pattern: Any, flags: int = 0) -> Any:
        separator = boundary_separator(pattern) if isinstance(pattern, str) and not flags else None
        return re.compile(pattern, flags) if separator is None else BoundaryMatcher(separator)

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)


_parsegen = types.FunctionType(stdlib_feedparser.FeedParser._parsegen.__code__,  # type: ignore[attr-defined]
                               {**vars(stdlib_feedparser), "re": _BoundaryRe()}, "_parsegen")


class BytesFeedParser(stdlib_feedparser.BytesFeedParser):
    """email.feedparser.BytesFeedParser, its boundaries matched without a regular expression compiled for each."""

    _parsegen = _parsegen
