"""HTML bodies to plain text for reading: scripts and styles dropped, blocks on lines of their own, blockquotes
marked with `> ` so quoted replies are recognised as in plain-text mail. Nothing is ever rendered or fetched."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

SKIPPED = frozenset({"script", "style", "head", "title", "noscript", "template", "object", "iframe", "svg", "xml"})
# Tags that end the line they are on, and those that also leave a blank line (a paragraph break).
LINE_BLOCKS = frozenset({
    "div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "address", "center", "form", "fieldset",
    "main", "nav", "aside", "figure", "figcaption", "body", "html", "tbody", "thead", "tfoot", "caption", "dl",
})
PARAGRAPH_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "pre", "hr",
                              "blockquote"})
WHITESPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
MANY_BLANK_LINES = re.compile(r"\n{3,}")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.skip_depth = 0
        self.quote_depth = 0
        self.pre_depth = 0

    def flush(self) -> None:
        """End the current line, even when it is empty (a <br>)."""
        text = "".join(self.line).rstrip()
        self.line = []
        self.lines.append(("> " * self.quote_depth + text) if text else "")

    def break_line(self) -> None:
        """End the current line if anything is on it."""
        if "".join(self.line).strip():
            self.flush()
        self.line = []

    def paragraph(self) -> None:
        self.break_line()
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def _block(self, tag: str) -> None:
        if tag in PARAGRAPH_BLOCKS:
            self.paragraph()
        elif tag in LINE_BLOCKS:
            self.break_line()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skip_depth += 1
            return
        if tag == "br":
            self.flush()
            return
        self._block(tag)
        if tag == "blockquote":
            self.quote_depth += 1
        elif tag == "pre":
            self.pre_depth += 1
        elif tag == "li":
            self.line.append("- ")
        elif tag in ("td", "th") and self.line:
            self.line.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.flush()
        else:
            self._block(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        self._block(tag)
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.pre_depth:
            parts = data.replace("\r\n", "\n").split("\n")
            for i, part in enumerate(parts):
                if i:
                    self.flush()
                self.line.append(part.replace("\u00a0", " "))
            return
        text = WHITESPACE.sub(" ", data)
        if not self.line or self.line[-1].endswith(" "):
            text = text.lstrip()
        if text:
            self.line.append(text)

    def text(self) -> str:
        self.break_line()
        joined = "\n".join(line.rstrip() for line in self.lines)
        return MANY_BLANK_LINES.sub("\n\n", joined).strip("\n")


# A "<" with no ">" before the next "<" cannot start a tag; left in, it makes html.parser rescan the rest of the
# document again and again (quadratic time on hostile mail), so it is turned into text first.
UNFINISHED_TAG = re.compile(r"<(?![^<>]*>)")
BLOCK_END = re.compile(r"<(?:br|/p|/div|/li|/tr|/h[1-6]|/blockquote|/table)\b[^<>]*>", re.I)
SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
TAG = re.compile(r"<[^<>]*>")  # never spans a "<", so unclosed tags cost one pass


def html_to_text(html: str) -> str:
    """The readable text of HTML, one block a line; never raises (falls back to stripping tags)."""
    collector = _TextCollector()
    try:
        collector.feed(UNFINISHED_TAG.sub("&lt;", html))
        collector.close()
        return collector.text()
    except Exception:  # noqa: BLE001 - html.parser can assert on hostile markup; the fallback is good enough
        return fallback_text(html)


def fallback_text(html: str) -> str:
    """Cruder text of HTML, by pattern alone: line breaks where blocks end, tags removed, entities decoded."""
    text = BLOCK_END.sub("\n", html)
    text = unescape(TAG.sub(" ", text))
    lines = (SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")
