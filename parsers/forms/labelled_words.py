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
# A wrapped value's next line sits under it at most this far (a multiple of the height; PDF text's boxes are the
# font's full height, so one paragraph's lines touch), at most this many lines on; a word fits at a line's end
# after a space this wide. Only free text wraps: an email, a code, a number or a date is one word on one line.
WRAP_GAP = 0.3
WRAP_GAP_OCR = 0.9
MAX_WRAPPED_LINES = 2
SPACE_WIDTH = 0.25
WRAPPING_FIELDS = frozenset({"org_name", "pu_full_name", "pu_job_title", "sig_full_name", "sig_role"})
# A value this close after its label (a multiple of the height) runs on with it as one paragraph.
LABEL_GAP_INLINE = 0.6
LABEL_GAP_INLINE_OCR = 1.0
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


def _wrapped_on(lines: list[list[Word]], span: LabelSpan, value: list[Word], starts: set[int],
                limit_x: float) -> list[Word]:
    """The rest of VALUE where its line wrapped (a narrow column, a table cell): the words starting the next line,
    set as tightly under it as one paragraph's lines are, in its column (under the value, or under the label when
    label and value run on as one paragraph), when the first of them would not have fitted at the end of the
    value's line. Printed text only: OCR's values are read again by their own rules (scan_values.py)."""
    line = lines[span.line]
    height = line_height(line)
    # OCR boxes hold the ink, not the font's full height: one paragraph's lines are further apart by them.
    ocr = any(w.confidence is not None for w in value)
    gap_allowed = (WRAP_GAP_OCR if ocr else WRAP_GAP) * height
    label_x0, label_x1 = line[span.first].x0, line[span.last].x1
    inline = value[0].x0 - label_x1 < (LABEL_GAP_INLINE_OCR if ocr else LABEL_GAP_INLINE) * height
    left = label_x0 if inline else value[0].x0
    right = _column_right(lines, left, height, limit_x)
    more: list[Word] = []
    bottom = max(w.y1 for w in value)
    end = value[-1].x1
    for below in lines[span.line + 1:span.line + 1 + MAX_WRAPPED_LINES]:
        top = min(w.y0 for w in below)
        if top - bottom > gap_allowed or top < bottom - 0.5 * height:
            break
        column = [k for k, w in enumerate(below) if left - 0.5 * height <= w.x0 < limit_x and w.x1 > left - height]
        if not column or below[column[0]].x0 > left + 0.5 * height or id(below[column[0]]) in starts:
            break
        if any(w.x1 > left - 0.5 * height and w.x0 < left - 0.5 * height for w in below):
            break  # something runs into the column from its left: another column's line, not this one's
        if any(label_x0 - 0.5 * height <= w.x0 < left - 0.5 * height for w in below):
            break  # something under the label: a table's next row, not the rest of this value
        run = _clean(_run(below, column[0], line_height(below), starts, limit_x))
        if not run or end + SPACE_WIDTH * height + (run[0].x1 - run[0].x0) <= right:
            break  # it would have fitted on the line above: a line of its own, not the rest of the value
        more.extend(run)
        bottom, end = max(w.y1 for w in run), run[-1].x1
    return _joined_at_hyphens(value[-1], more)


def _column_right(lines: list[list[Word]], left: float, height: float, limit_x: float) -> float:
    """The right edge of the column starting at LEFT: the furthest its lines of this size of print reach before
    a column's gap or LIMIT_X (a title across the page is no line of it)."""
    reach = [left]
    for line in lines:
        start = next((k for k, w in enumerate(line) if abs(w.x0 - left) <= 0.5 * height), None)
        if start is None:
            continue  # most lines have no word there: their height is not needed
        size = line_height(line)
        if abs(size - height) <= 0.25 * height:
            run = _run(line, start, size, set(), limit_x)
            if run:
                reach.append(run[-1].x1)
    return max(reach)


def _joined_at_hyphens(last: Word, more: list[Word]) -> list[Word]:
    """A line that ended at a hyphen ("Asante-") runs on into the next line's first word with no space."""
    if not more or not last.text.endswith("-"):
        return more
    first = more[0]
    return [Word(first.text, first.x0, first.y0, first.x1, first.y1, first.confidence, glued=True), *more[1:]]


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
    starts = {id(lines[s.line][s.first]) for s in spans} | {
        id(lines[s.wrapped[0]][k]) for s in spans if s.wrapped for k in range(s.wrapped[1], s.wrapped[2] + 1)}
    by_line: dict[int, list[LabelSpan]] = {}
    for s in spans:
        by_line.setdefault(s.line, []).append(s)
    headings = section_headings(lines, set(by_line))
    found = []
    for span in spans:
        label_words = lines[span.line][span.first:span.last + 1]
        if span.wrapped:
            label_words = label_words + lines[span.wrapped[0]][span.wrapped[1]:span.wrapped[2] + 1]
        box = box_of(label_words)
        field = span.field
        section = section_of(box, headings)
        if span.wording in GENERIC:
            outside, inside = GENERIC[span.wording]
            field = inside if section else outside
        limit = _next_label_x(lines, span, by_line)
        value = _same_line_value(lines, span, starts, limit)
        if value and field in WRAPPING_FIELDS:
            value = value + _wrapped_on(lines, span, value, starts, limit)
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
    return ReadValue("".join((" " if i and not w.glued else "") + w.text for i, w in enumerate(words)), how,
                     lowest, label.box, box)


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
