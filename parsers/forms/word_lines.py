"""Words on a page and the lines they make: a PDF's text (page_words.py) or OCR of a scan (ocr_words.py) both give
Words, in the page's coordinates as it is shown: points, origin top-left, y growing downwards. Lines are found from
the words' places alone (no reading order is trusted: OCR reads a label column before its value column)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # x0, y0, x1, y1: points, origin top-left, y downwards

# Two words are on one line when their centres are closer than this share of the taller one's height.
SAME_LINE = 0.4
# A value's words are closer than this (a multiple of the line's height); a wider gap is the next column.
COLUMN_GAP = 2.2


@dataclass(frozen=True)
class Word:
    """One word on a page, in page coordinates: points, origin top-left, y grows downwards."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float | None = None  # 0-100 from OCR; None for digital text
    glued: bool = False  # runs on from the word before with no space (a line broken after a hyphen)

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def box(self) -> Box:
        return (self.x0, self.y0, self.x1, self.y1)


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



def split_at_colons(word: Word) -> list[Word]:
    """ "Name:Sam" as "Name:" and "Sam" (OCR and some PDF producers leave no space after a colon)."""
    text = word.text
    cut = text.find(":")
    if cut <= 0 or cut == len(text) - 1:
        return [word]
    width = (word.x1 - word.x0) / max(len(text), 1)
    head = Word(text[:cut + 1], word.x0, word.y0, word.x0 + width * (cut + 1), word.y1, word.confidence)
    tail = Word(text[cut + 1:], head.x1, word.y0, word.x1, word.y1, word.confidence)
    return [head, *split_at_colons(tail)]


def lines_of(words: Sequence[Word]) -> list[list[Word]]:
    """WORDS grouped into lines (top to bottom), each left to right."""
    usable = [part for w in words if w.text.strip() and w.x1 > w.x0 and w.y1 > w.y0
              for part in split_at_colons(w if w.text == w.text.strip() else
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


def line_height(line: list[Word]) -> float:
    """The median of the words' heights (statistics.median's arithmetic, without its generic machinery: this is
    asked for every line many times over)."""
    heights = sorted([w.y1 - w.y0 for w in line])
    middle = len(heights) // 2
    if not heights:
        raise statistics.StatisticsError("no median for empty data")
    return heights[middle] if len(heights) % 2 else (heights[middle - 1] + heights[middle]) / 2


def box_of(words: Sequence[Word]) -> Box:
    return (min(w.x0 for w in words), min(w.y0 for w in words), max(w.x1 for w in words), max(w.y1 for w in words))


def segments(line: list[Word], height: float) -> list[list[Word]]:
    """LINE cut where a column's gap separates its words."""
    segments = [[line[0]]]
    for previous, word in zip(line, line[1:], strict=False):
        if word.x0 - previous.x1 > COLUMN_GAP * height:
            segments.append([])
        segments[-1].append(word)
    return segments
