"""Address header values nested deeper than the standard library's address parsers can recurse: each shape holds
one real address ({address}) inside a thousand levels of comments, quotes, groups, encoded words or brackets."""

from __future__ import annotations

DEPTH = 1000


def deep_shapes(depth: int = DEPTH) -> dict[str, str]:
    """Name -> header value with an {address} placeholder."""
    return {
        "nested comments": "(" * depth + "x" + ")" * depth + " {address}",
        "escaped quotes": '"' + '\\"' * depth + '" <{address}>',
        "quotes inside comments": "(" + '"(' * depth + "x" + ')"' * depth + ") {address}",
        "nested groups": "g:" * depth + " {address}" + ";" * depth,
        "encoded word around comments": "=?utf-8?q?" + "(" * depth + "?= " + ")" * depth + " <{address}>",
        "a thousand encoded words": " ".join(["=?utf-8?b?KA==?="] * depth) + " <{address}>",
        "nested angle brackets": "<" * depth + "{address}" + ">" * depth,
        "a long route": "<" + ",".join(["@a.nhs.net"] * depth) + ":{address}>",
    }


DEEP_SHAPES = deep_shapes()
# Every header that holds addresses (and Authentication-Results, whose comments nest the same way).
ADDRESS_HEADERS = ("From", "Sender", "To", "Cc", "Reply-To", "Resent-From", "Resent-Sender", "Resent-To",
                   "Resent-Cc", "Resent-Reply-To", "Authentication-Results")
