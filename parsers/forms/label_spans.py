"""Where the labels are on a page's lines, and the section headings above them.

A label is a run of words that is a known wording (one letter off allowed in text read by OCR) and either ends
with a colon, or stands alone at the start of its stretch of the line (then its value is set apart from it by a
gap, as in a table). So a wording inside a sentence ("Email the completed form...") is never taken for a label."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.forms.label_wordings import (
    EXACT,
    MAX_LABEL_WORDS,
    SECTION_PRIMARY_USER,
    SECTION_SIGNATORY,
    letters,
    match_key,
    match_signature_key,
)
from parsers.forms.word_lines import Box, Word, box_of, line_height, segments

# Gaps, as multiples of the line's height. A label without a colon is set apart from its value by at least
# LABEL_GAP (a tab, a table column), while words of a sentence are a space apart (about a quarter of the height).
LABEL_GAP = 0.6
# The words of one label are closer than this: a scan's word spaces measure up to about LABEL_GAP against the
# height of small letters, and "Practice name" read as "Practice" and a label "name" gave the Primary User's name
# the practice's name.
LABEL_WORD_GAP = 1.0
HEADING_MAX_WORDS = 6

# Labels are words and separators ("/", "(ODS)", "&"): a word with a digit or an @ is a value.
_LABEL_FREE = re.compile(r"[\d@]")


@dataclass(frozen=True)
class LabelSpan:
    """A label found on line LINE of a page: its words FIRST to LAST of that line."""

    line: int
    first: int
    last: int  # inclusive; a lone ":" after the label is included
    field: str | None
    wording: str
    colon: bool
    exact: bool
    signature: bool
    wrapped: tuple[int, int, int] | None = None  # its words on the next line (line, first, last), when it wraps


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
                   [float("inf"), *(b.x0 - a.x1 for a, b in zip(line, line[1:], strict=False))], line_height(line),
                   any(w.confidence is not None for w in line))

    def starts_segment(self, i: int) -> bool:
        """Whether word I starts a stretch of the line (nothing but list markers close before it)."""
        j = i
        while j > 0 and self.numbering[j - 1] and self.gap[j] < LABEL_GAP * self.height * 2:
            j -= 1
        return self.gap[j] >= LABEL_GAP * self.height


def _label_at(line: list[Word], facts: _LineFacts, line_no: int, i: int) -> LabelSpan | None:
    if facts.numbering[i] or not facts.keys[i]:
        return None
    count, gap_limit = len(line), LABEL_GAP * facts.height
    starts = facts.starts_segment(i)
    if not starts and not any(facts.colon[i:i + MAX_LABEL_WORDS + 1]) and not any(
            facts.lone_colon[i:i + MAX_LABEL_WORDS + 1]):
        return None
    end = i  # a label is a few words a space apart, with no value among them
    word_gap = LABEL_WORD_GAP * facts.height
    while end < min(count, i + MAX_LABEL_WORDS) and facts.labelish[end] and (end == i or facts.gap[end] < word_gap):
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
            return LabelSpan(line_no, i, last, EXACT[wording], wording, colon, key == wording, False)
        if starts and match_signature_key(key, fuzzy=facts.ocr):
            return LabelSpan(line_no, i, last, None, key, colon, True, True)
    return None


def label_spans(lines: list[list[Word]]) -> list[LabelSpan]:
    spans = []
    every_facts = [_LineFacts.of(line) for line in lines]  # once a line: the wrapped labels look at them again
    for line_no, (line, facts) in enumerate(zip(lines, every_facts, strict=True)):
        i = 0
        while i < len(line):
            span = _label_at(line, facts, line_no, i)
            if span is None:
                i += 1
                continue
            spans.append(span)
            i = span.last + 1
    return spans + _wrapped_spans(lines, every_facts, spans)


# A label's second line sits under its first at most this far (a multiple of the height: one paragraph's lines).
WRAPPED_LABEL_GAP = 0.3


def _label_words(line: list[Word], facts: _LineFacts, i: int) -> int | None:
    """The end (exclusive) of the label-like words from I, when they stand apart from what follows (a table's
    column, the end of the line); else None."""
    if facts.numbering[i] or not facts.keys[i]:
        return None
    end = i  # separators ("/", "&") inside a label are part of it
    while end < min(len(line), i + MAX_LABEL_WORDS) and facts.labelish[end] and (
            end == i or facts.gap[end] < LABEL_WORD_GAP * facts.height):
        end += 1
    if end == i or (end < len(line) and facts.gap[end] < LABEL_GAP * facts.height):
        return None
    return end


def _wrapped_spans(lines: list[list[Word]], every_facts: list[_LineFacts], spans: list[LabelSpan]) -> list[LabelSpan]:
    """Labels wrapped onto two lines in a narrow column ("Request (new / additional /" over "replacement)"): the
    words starting a stretch of a line, and those starting the line tightly under them at the same place, make one
    known wording together (exactly: never one letter off)."""
    taken = {(s.line, k) for s in spans for k in range(s.first, s.last + 1)}
    found = []
    for line_no, line in enumerate(lines[:-1]):
        below, facts, below_facts = lines[line_no + 1], every_facts[line_no], every_facts[line_no + 1]
        for i, word in enumerate(line):
            if (line_no, i) in taken:
                continue
            if facts.ocr or not facts.starts_segment(i):
                continue
            end = _label_words(line, facts, i)
            if end is None:
                continue
            bottom = max(w.y1 for w in line[i:end])
            under = [k for k, w in enumerate(below) if abs(w.x0 - word.x0) <= 0.5 * facts.height]
            gap = min(w.y0 for w in below) - bottom  # loose boxes of one paragraph's lines may overlap a little
            if not under or (line_no + 1, under[0]) in taken or \
                    not -0.5 * facts.height <= gap <= WRAPPED_LABEL_GAP * facts.height:
                continue
            if not below_facts.starts_segment(under[0]):
                continue
            below_end = _label_words(below, below_facts, under[0])
            if below_end is None or (end - i) + (below_end - under[0]) > MAX_LABEL_WORDS:
                continue
            key = "".join(facts.keys[i:end]) + "".join(below_facts.keys[under[0]:below_end])
            colon = below_facts.colon[below_end - 1]
            wrapped = (line_no + 1, under[0], below_end - 1)
            wording = match_key(key, fuzzy=False)
            if wording is not None:
                found.append(LabelSpan(line_no, i, end - 1, EXACT[wording], wording, colon, True, False, wrapped))
            elif match_signature_key(key, fuzzy=False):
                found.append(LabelSpan(line_no, i, end - 1, None, key, colon, True, True, wrapped))
            else:
                continue
            taken.update((line_no + 1, k) for k in range(under[0], below_end))
            break
    return found


def section_headings(lines: list[list[Word]], label_lines: set[int]) -> list[tuple[Box, bool]]:
    """Section headings (box, is the signatory's section): short stretches of a line without a label, naming the
    signatory or the Primary User."""
    found = []
    for line_no, line in enumerate(lines):
        if line_no in label_lines:
            continue
        for segment in segments(line, line_height(line)):
            if len(segment) > HEADING_MAX_WORDS:
                continue
            key = letters(" ".join(w.text for w in segment))
            if any(word in key for word in SECTION_SIGNATORY):
                found.append((box_of(segment), True))
            elif any(word in key for word in SECTION_PRIMARY_USER):
                found.append((box_of(segment), False))
    return found


def section_of(box: Box, headings: list[tuple[Box, bool]]) -> bool | None:
    """Whether the nearest section heading above BOX, in its column, is the signatory's (True) or the Primary
    User's (False); None when no heading is above it (a letterhead, the page's top)."""
    height = box[3] - box[1]
    above = [(box[1] - h[3], signatory) for h, signatory in headings
             if h[3] <= box[1] + height * 0.5 and h[0] <= box[0] + 2 * height and h[2] >= box[0]]
    return min(above)[1] if above else None
