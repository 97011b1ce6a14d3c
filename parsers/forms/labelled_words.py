"""Reading a form's fields from the words on its page, whatever the layout: find each printed label (matched
loosely: see label_wordings.py), then its value on the same line to the right of it, or else on the line below it.

The words come from anywhere: a PDF's text (page_words.py) or OCR of a scan. Coordinates are the page's as it is
shown: points, origin top-left, y growing downwards. Nothing here knows where our own template puts things, so a
value is never cut at an edge of our layout; a value is the run of words beside its label, up to the next label,
a column's gap or the end of the line.

A label is a run of words that is a known wording (one letter off allowed in text read by OCR) and either ends
with a colon, or stands alone at the start of its stretch of the line (then its value is set apart from it by a
gap, as in a table). So a wording inside a sentence ("Email the completed form...") is never taken for a label."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from parsers.forms.label_wordings import (
    EXACT,
    FORM_TYPE_WORDS,
    GENERIC,
    MAX_LABEL_WORDS,
    SECTION_PRIMARY_USER,
    SECTION_SIGNATORY,
    TITLE_KEYS,
    TITLE_WORDS,
    is_instruction,
    letters,
    match_key,
    match_signature_key,
)

Box = tuple[float, float, float, float]  # x0, y0, x1, y1: points, origin top-left, y downwards

# Gaps, as multiples of the line's height. A label without a colon is set apart from its value by at least
# LABEL_GAP (a tab, a table column), while words of a sentence are a space apart (about a quarter of the height).
LABEL_GAP = 0.6
# A value's words are closer than this; a wider gap is the next column.
COLUMN_GAP = 2.2
# How far below a label (from its bottom to the top of the next line) its value may start.
BELOW_GAP = 1.3
# Two words are on one line when their centres are closer than this share of the taller one's height.
SAME_LINE = 0.4
HEADING_MAX_WORDS = 6
DEFAULT_MIN_CONFIDENCE = 70.0
FILL_CHARACTERS = "_.…-–—:;|"


@dataclass(frozen=True)
class Word:
    """One word on a page, in page coordinates: points, origin top-left, y grows downwards."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float | None = None  # 0-100 from OCR; None for digital text

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def box(self) -> Box:
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass(frozen=True)
class ReadValue:
    """A field's value as read beside its label, and how: for staff to see, and to leave alone what is unsure."""

    value: str  # "" when not read, or not read with confidence
    how: str  # "acroform" | "printed_text" | "ocr"
    confidence: float | None  # None for digital text; else the lowest of its words' OCR confidences
    label_box: Box | None
    value_box: Box | None
    unsure: bool = False  # words were there but one was below the confidence asked for: left empty, for staff


@dataclass(frozen=True)
class FoundLabel:
    """A printed label: the field it introduces (None for the signature label, or a generic label in a section
    that has no such field), its wording (letters), where it is, and its value's words."""

    field: str | None
    wording: str
    box: Box
    colon: bool
    exact: bool
    signature: bool = False
    value_words: tuple[Word, ...] = ()
    in_section: bool = False  # under a section heading (the Primary User's or the signatory's)


@dataclass
class _Line:
    words: list[Word]
    cy: float
    height: float

    def accepts(self, word: Word) -> bool:
        if abs(word.cy - self.cy) > SAME_LINE * max(word.height, self.height):
            return False
        # Two words one above the other (a label and the hint printed under it) are never one line.
        return all(word.x1 <= w.x0 or word.x0 >= w.x1 for w in self.words)

    def add(self, word: Word) -> None:
        count = len(self.words)
        self.words.append(word)
        self.cy = (self.cy * count + word.cy) / (count + 1)
        self.height = (self.height * count + word.height) / (count + 1)


# --- lines ----------------------------------------------------------------------------------------------------------

def _split_at_colons(word: Word) -> list[Word]:
    """ "Name:Sam" as "Name:" and "Sam" (OCR and some PDF producers leave no space after a colon)."""
    text = word.text
    cut = text.find(":")
    if cut <= 0 or cut == len(text) - 1:
        return [word]
    width = (word.x1 - word.x0) / max(len(text), 1)
    head = Word(text[:cut + 1], word.x0, word.y0, word.x0 + width * (cut + 1), word.y1, word.confidence)
    tail = Word(text[cut + 1:], head.x1, word.y0, word.x1, word.y1, word.confidence)
    return [head, *_split_at_colons(tail)]


def lines_of(words: Sequence[Word]) -> list[list[Word]]:
    """WORDS grouped into lines (top to bottom), each left to right."""
    usable = [part for w in words if w.text.strip() and w.x1 > w.x0 and w.y1 > w.y0
              for part in _split_at_colons(w if w.text == w.text.strip() else
                                           Word(w.text.strip(), w.x0, w.y0, w.x1, w.y1, w.confidence))]
    lines: list[_Line] = []
    for cy, _, word in sorted(((w.cy, w.x0, w) for w in usable), key=lambda t: (t[0], t[1])):
        height = word.y1 - word.y0
        for line in reversed(lines[-8:]):  # lines sorted by centre: only the last few can be near
            if abs(cy - line.cy) <= SAME_LINE * max(height, line.height) and line.accepts(word):
                line.add(word)
                break
        else:
            lines.append(_Line([word], cy, height))
    lines.sort(key=lambda line: line.cy)
    return [sorted(line.words, key=lambda w: w.x0) for line in lines]


def _line_height(line: list[Word]) -> float:
    return statistics.median(w.height for w in line)


# Labels are words and separators ("/", "(ODS)", "&"): a word with a digit or an @ is a value.
_LABEL_FREE = re.compile(r"[\d@]")


# --- labels ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Span:
    line: int
    first: int
    last: int  # inclusive; a lone ":" after the label is included
    field: str | None
    wording: str
    colon: bool
    exact: bool
    signature: bool


@dataclass(frozen=True)
class _LineFacts:
    """What label finding asks of each word of a line, worked out once."""

    keys: list[str]  # letters
    numbering: list[bool]  # "1.", "2)", "•", "-", "(a)": a list marker before a label, not part of it
    colon: list[bool]  # ends with a colon
    lone_colon: list[bool]  # is a colon on its own
    labelish: list[bool]  # may be part of a label
    gap: list[float]  # from the word before (inf for the first)
    height: float
    ocr: bool  # read by OCR: labels may be a letter off

    @classmethod
    def of(cls, line: list[Word]) -> _LineFacts:
        texts = [w.text for w in line]  # lines_of strips them
        keys = [letters(t) for t in texts]
        numbering = [not key or (len(key) == 1 and len(t.strip("()[].:")) == 1 and t != t.strip("()[].:"))
                     for key, t in zip(keys, texts, strict=True)]
        return cls(keys, numbering, [t.endswith((":", ";")) for t in texts], [t in (":", ";") for t in texts],
                   [_LABEL_FREE.search(t) is None for t in texts],
                   [float("inf"), *(b.x0 - a.x1 for a, b in zip(line, line[1:], strict=False))], _line_height(line),
                   any(w.confidence is not None for w in line))

    def starts_segment(self, i: int) -> bool:
        """Whether word I starts a stretch of the line (nothing but list markers close before it)."""
        j = i
        while j > 0 and self.numbering[j - 1] and self.gap[j] < LABEL_GAP * self.height * 2:
            j -= 1
        return self.gap[j] >= LABEL_GAP * self.height


def _label_at(line: list[Word], facts: _LineFacts, line_no: int, i: int) -> _Span | None:
    if facts.numbering[i] or not facts.keys[i]:
        return None
    count, gap_limit = len(line), LABEL_GAP * facts.height
    starts = facts.starts_segment(i)
    if not starts and not any(facts.colon[i:i + MAX_LABEL_WORDS + 1]) and not any(
            facts.lone_colon[i:i + MAX_LABEL_WORDS + 1]):
        return None
    end = i  # a label is a few words a space apart, with no value among them
    while end < min(count, i + MAX_LABEL_WORDS) and facts.labelish[end] and (end == i or facts.gap[end] < gap_limit):
        end += 1
    for j in range(end - 1, i - 1, -1):
        lone_colon = j + 1 < count and facts.lone_colon[j + 1]
        colon = facts.colon[j] or lone_colon
        if not (starts or colon):
            continue  # inside a line, only "wording:" is a label
        if any(facts.colon[i:j]):
            continue  # a colon inside: two labels, or a label and its value
        last = j + 1 if lone_colon else j
        ends = last == count - 1 or facts.gap[last + 1] >= gap_limit
        key = "".join(facts.keys[i:j + 1])
        wording = match_key(key, fuzzy=facts.ocr)
        if wording is not None and (colon or (starts and ends)):
            return _Span(line_no, i, last, EXACT[wording], wording, colon, key == wording, False)
        if starts and match_signature_key(key, fuzzy=facts.ocr):
            return _Span(line_no, i, last, None, key, colon, True, True)
    return None


def _spans(lines: list[list[Word]]) -> list[_Span]:
    spans = []
    for line_no, line in enumerate(lines):
        facts = _LineFacts.of(line)
        i = 0
        while i < len(line):
            span = _label_at(line, facts, line_no, i)
            if span is None:
                i += 1
                continue
            spans.append(span)
            i = span.last + 1
    return spans


def _box(words: Sequence[Word]) -> Box:
    return (min(w.x0 for w in words), min(w.y0 for w in words), max(w.x1 for w in words), max(w.y1 for w in words))


def _segments(line: list[Word], height: float) -> list[list[Word]]:
    """LINE cut where a column's gap separates its words."""
    segments = [[line[0]]]
    for previous, word in zip(line, line[1:], strict=False):
        if word.x0 - previous.x1 > COLUMN_GAP * height:
            segments.append([])
        segments[-1].append(word)
    return segments


def _headings(lines: list[list[Word]], label_lines: set[int]) -> list[tuple[Box, bool]]:
    """Section headings (box, is the signatory's section): short stretches of a line without a label, naming the
    signatory or the Primary User."""
    found = []
    for line_no, line in enumerate(lines):
        if line_no in label_lines:
            continue
        for segment in _segments(line, _line_height(line)):
            if len(segment) > HEADING_MAX_WORDS:
                continue
            key = letters(" ".join(w.text for w in segment))
            if any(word in key for word in SECTION_SIGNATORY):
                found.append((_box(segment), True))
            elif any(word in key for word in SECTION_PRIMARY_USER):
                found.append((_box(segment), False))
    return found


def _section(box: Box, headings: list[tuple[Box, bool]]) -> bool | None:
    """Whether the nearest section heading above BOX, in its column, is the signatory's (True) or the Primary
    User's (False); None when no heading is above it (a letterhead, the page's top)."""
    height = box[3] - box[1]
    above = [(box[1] - h[3], signatory) for h, signatory in headings
             if h[3] <= box[1] + height * 0.5 and h[0] <= box[0] + 2 * height and h[2] >= box[0]]
    return min(above)[1] if above else None


# --- values ---------------------------------------------------------------------------------------------------------

def _clean(words: list[Word]) -> list[Word]:
    """A value's words without fill characters ("____", ". . .") or a colon left at its start."""
    kept: list[Word] = []
    for w in words:
        text = w.text.lstrip(":;") if not kept else w.text
        if text.strip(FILL_CHARACTERS + " "):
            kept.append(Word(text, w.x0, w.y0, w.x1, w.y1, w.confidence))
    if kept and is_instruction(" ".join(w.text for w in kept)):
        return []
    return kept


def _run(line: list[Word], start: int, height: float, starts: set[int], limit_x: float) -> list[Word]:
    """The words of LINE from START rightwards while they are close together, before another label and LIMIT_X."""
    run: list[Word] = []
    for k in range(start, len(line)):
        word = line[k]
        if id(word) in starts or word.x0 >= limit_x:
            break
        if run and word.x0 - run[-1].x1 > COLUMN_GAP * height:
            break
        run.append(word)
    return run


def _same_line_value(lines: list[list[Word]], span: _Span, starts: set[int], limit_x: float) -> list[Word]:
    line = lines[span.line]
    if span.last + 1 >= len(line) or id(line[span.last + 1]) in starts:
        return []
    return _clean(_run(line, span.last + 1, _line_height(line), starts, limit_x))


def _below_value(lines: list[list[Word]], span: _Span, starts: set[int], limit_x: float) -> list[Word]:
    label = lines[span.line][span.first:span.last + 1]
    x0, _, x1, y1 = _box(label)
    height = _line_height(lines[span.line])
    for line in lines[span.line + 1:]:
        top = min(w.y0 for w in line)
        if top - y1 > BELOW_GAP * height:
            return []
        column = [k for k, w in enumerate(line) if x0 - 1.5 * height <= w.x0 <= x1 and w.x0 < limit_x]
        if not column:
            continue
        run = _run(line, column[0], _line_height(line), starts, limit_x)
        if not run:
            return []  # the line below starts with a label: this one is empty
        value = _clean(run)
        if value:
            return value
        y1 = max(w.y1 for w in line)  # printed help under the label: its value may be on the next line
    return []


def _next_label_x(lines: list[list[Word]], span: _Span, spans_by_line: dict[int, list[_Span]]) -> float:
    """Where the next label on SPAN's line starts (a column boundary for a value below it)."""
    later = [lines[s.line][s.first].x0 for s in spans_by_line.get(span.line, []) if s.first > span.last]
    return min(later, default=float("inf"))


def find_labels(words: Sequence[Word]) -> list[FoundLabel]:
    """Every printed label on the page (the signature label too), top to bottom, with its value's words."""
    return labels_in_lines(lines_of(words))


def labels_in_lines(lines: list[list[Word]]) -> list[FoundLabel]:
    """find_labels over the page's lines (lines_of) when they are at hand."""
    spans = _spans(lines)
    starts = {id(lines[s.line][s.first]) for s in spans}
    by_line: dict[int, list[_Span]] = {}
    for s in spans:
        by_line.setdefault(s.line, []).append(s)
    headings = _headings(lines, set(by_line))
    found = []
    for span in spans:
        label_words = lines[span.line][span.first:span.last + 1]
        box = _box(label_words)
        field = span.field
        section = _section(box, headings)
        if span.wording in GENERIC:
            outside, inside = GENERIC[span.wording]
            field = inside if section else outside
        limit = _next_label_x(lines, span, by_line)
        value = _same_line_value(lines, span, starts, limit)
        if not value and not span.signature:
            value = _below_value(lines, span, starts, limit)
        found.append(FoundLabel(field, span.wording, box, span.colon, span.exact, span.signature, tuple(value),
                                section is not None))
    return found


def _read_value(label: FoundLabel, min_confidence: float) -> ReadValue:
    words = label.value_words
    if not words:
        return ReadValue("", "printed_text", None, label.box, None)
    confidences = [w.confidence for w in words if w.confidence is not None]
    how = "ocr" if confidences else "printed_text"
    lowest = min(confidences) if confidences else None
    box = _box(words)
    if lowest is not None and lowest < min_confidence:
        return ReadValue("", how, lowest, label.box, box, unsure=True)
    return ReadValue(" ".join(w.text for w in words), how, lowest, label.box, box)


def _preference(label: FoundLabel, value: ReadValue) -> tuple[int, int, int, int]:
    # A label under a section heading beats one outside any (an "Email:" in the practice's letterhead).
    return (bool(value.value) or value.unsure, label.in_section, label.exact, label.colon)


def read_labelled_values(words: Sequence[Word], *,
                         min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> dict[str, ReadValue]:
    """SPEC 9 field name -> its value, for every field whose label is printed on the page (a label with nothing
    beside or below it gives ""). A value with a word OCR read below MIN_CONFIDENCE is left empty, marked unsure.
    Where a label appears twice, the one with a value wins, then one under a section heading, then the exact
    wording, then the higher on the page."""
    return values_of_labels(find_labels(words), min_confidence=min_confidence)


def values_of_labels(labels: Sequence[FoundLabel], *,
                     min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> dict[str, ReadValue]:
    """read_labelled_values for labels already found (find_labels)."""
    chosen: dict[str, tuple[FoundLabel, ReadValue]] = {}
    for label in labels:
        if label.field is None or label.signature:
            continue
        value = _read_value(label, min_confidence)
        best = chosen.get(label.field)
        if best is None or _preference(label, value) > _preference(*best):
            chosen[label.field] = (label, value)
    return {name: value for name, (_, value) in chosen.items()}


def find_signature_label(words: Sequence[Word]) -> Box | None:
    """Where "Signature of authorised signatory" (or a close wording) is printed; the lowest if several."""
    return signature_label_of(find_labels(words))


def signature_label_of(labels: Sequence[FoundLabel]) -> Box | None:
    boxes = [label.box for label in labels if label.signature]
    return max(boxes, key=lambda b: b[1]) if boxes else None


def find_form_type(words: Sequence[Word]) -> str | None:
    """ "gp_practice" or "other" from the title printed on the page (ours, or a retyped one: "Primary User
    request form (GP practice)"); None when no title says which."""
    return form_type_in_lines(lines_of(words))


def form_type_in_lines(page_lines: list[list[Word]]) -> str | None:
    lines = [letters(" ".join(w.text for w in line)) for line in page_lines]
    page = "".join(lines)
    for form_type, key in TITLE_KEYS.items():
        if key in page:
            return form_type
    for i, line in enumerate(lines):
        if not any(word in line for word in TITLE_WORDS):
            continue
        text = line + (lines[i + 1] if i + 1 < len(lines) else "")
        for form_type, keys in FORM_TYPE_WORDS.items():
            if any(key in text for key in keys):
                return form_type
    return None
