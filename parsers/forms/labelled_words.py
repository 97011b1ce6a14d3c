"""Reading a form's fields from the words on its page, whatever the layout: find each printed label (matched
loosely: see label_wordings.py, label_spans.py), then its value on the same line to the right of it, or else on the
line below it.

The words come from anywhere: a PDF's text (page_words.py) or OCR of a scan. Coordinates are the page's as it is
shown (word_lines.py). Nothing here knows where our own template puts things, so a value is never cut at an edge of
our layout; a value is the run of words beside its label, up to the next label, a column's gap or the end of the
line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from parsers.forms.label_spans import LabelSpan, label_spans, section_headings, section_of
from parsers.forms.label_wordings import (
    FORM_TYPE_WORDS,
    GENERIC,
    TITLE_KEYS,
    TITLE_WORDS,
    is_instruction,
    letters,
)
from parsers.forms.word_lines import COLUMN_GAP, Box, Word, box_of, line_height, lines_of

# How far below a label (from its bottom to the top of the next line) its value may start (a multiple of its
# line's height).
BELOW_GAP = 1.3
DEFAULT_MIN_CONFIDENCE = 70.0
FILL_CHARACTERS = "_.…-–—:;|"


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


def _same_line_value(lines: list[list[Word]], span: LabelSpan, starts: set[int], limit_x: float) -> list[Word]:
    line = lines[span.line]
    if span.last + 1 >= len(line) or id(line[span.last + 1]) in starts:
        return []
    return _clean(_run(line, span.last + 1, line_height(line), starts, limit_x))


def _below_value(lines: list[list[Word]], span: LabelSpan, starts: set[int], limit_x: float) -> list[Word]:
    label = lines[span.line][span.first:span.last + 1]
    x0, _, x1, y1 = box_of(label)
    height = line_height(lines[span.line])
    for line in lines[span.line + 1:]:
        top = min(w.y0 for w in line)
        if top - y1 > BELOW_GAP * height:
            return []
        column = [k for k, w in enumerate(line) if x0 - 1.5 * height <= w.x0 <= x1 and w.x0 < limit_x]
        if not column:
            continue
        run = _run(line, column[0], line_height(line), starts, limit_x)
        if not run:
            return []  # the line below starts with a label: this one is empty
        value = _clean(run)
        if value:
            return value
        y1 = max(w.y1 for w in line)  # printed help under the label: its value may be on the next line
    return []


def _next_label_x(lines: list[list[Word]], span: LabelSpan, spans_by_line: dict[int, list[LabelSpan]]) -> float:
    """Where the next label on SPAN's line starts (a column boundary for a value below it)."""
    later = [lines[s.line][s.first].x0 for s in spans_by_line.get(span.line, []) if s.first > span.last]
    return min(later, default=float("inf"))


def find_labels(words: Sequence[Word]) -> list[FoundLabel]:
    """Every printed label on the page (the signature label too), top to bottom, with its value's words."""
    return labels_in_lines(lines_of(words))


def labels_in_lines(lines: list[list[Word]]) -> list[FoundLabel]:
    """find_labels over the page's lines (lines_of) when they are at hand."""
    spans = label_spans(lines)
    starts = {id(lines[s.line][s.first]) for s in spans}
    by_line: dict[int, list[LabelSpan]] = {}
    for s in spans:
        by_line.setdefault(s.line, []).append(s)
    headings = section_headings(lines, set(by_line))
    found = []
    for span in spans:
        label_words = lines[span.line][span.first:span.last + 1]
        box = box_of(label_words)
        field = span.field
        section = section_of(box, headings)
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
    box = box_of(words)
    if lowest is not None and lowest < min_confidence:
        return ReadValue("", how, lowest, label.box, box, unsure=True)
    return ReadValue(" ".join(w.text for w in words), how, lowest, label.box, box)


def _preference(label: FoundLabel, value: ReadValue) -> tuple[int, int, int, int, int]:
    # A label under a section heading beats one outside any (an "Email:" in the practice's letterhead); a label that
    # names its field ("Primary User full name") beats a generic one ("Name").
    return (bool(value.value) or value.unsure, label.in_section, label.wording not in GENERIC, label.exact,
            label.colon)


def read_labelled_values(words: Sequence[Word], *,
                         min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> dict[str, ReadValue]:
    """SPEC 9 field name -> its value, for every field whose label is printed on the page (a label with nothing
    beside or below it gives ""). A value with a word OCR read below MIN_CONFIDENCE is left empty, marked unsure.
    Where a label appears twice, the one with a value wins, then one under a section heading, then one that names
    its field rather than a generic one, then the exact wording, then the higher on the page; in text read by OCR,
    two labels alike in all of that with different values leave the field empty, unsure (a label read in part, as
    "name" of "Practice name", may be one of them)."""
    return values_of_labels(find_labels(words), min_confidence=min_confidence)


def values_of_labels(labels: Sequence[FoundLabel], *,
                     min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> dict[str, ReadValue]:
    """read_labelled_values for labels already found (find_labels)."""
    chosen: dict[str, tuple[FoundLabel, ReadValue]] = {}
    torn: set[str] = set()  # fields two labels alike give different values read by OCR
    for label in labels:
        if label.field is None or label.signature:
            continue
        value = _read_value(label, min_confidence)
        best = chosen.get(label.field)
        if best is None or _preference(label, value) > _preference(*best):
            chosen[label.field] = (label, value)
            torn.discard(label.field)
        elif (value.how == "ocr" and _preference(label, value) == _preference(*best) and value.value
              and value.value != best[1].value):
            torn.add(label.field)
    return {name: replace(value, value="", unsure=True) if name in torn else value
            for name, (_, value) in chosen.items()}


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
