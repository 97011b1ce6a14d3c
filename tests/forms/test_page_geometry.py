"""The form reader's hot geometry written out for speed gives what the general code gave, float for float:
_rect_to_view (PageView.box's) against _to_view of its two corners (NaN, infinities and signed zeros included: hostile
PDFs give them) and line_height against statistics.median."""

from __future__ import annotations

import math
import random
import statistics

from parsers.forms.page_view import PageView, _rect_to_view, _to_view
from parsers.forms.word_lines import Word, line_height

AWKWARD = (0.0, -0.0, 1.5, -3.25, math.nan, math.inf, -math.inf, 595.2756, 841.89, 1e-300)


def _value(rng: random.Random) -> float:
    return rng.choice(AWKWARD) if rng.random() < 0.5 else rng.uniform(-100, 900)


def test_box_gives_the_floats_of_its_corners_through_to_view_for_any_rectangle_and_turn() -> None:
    rng = random.Random(7)
    for _ in range(50_000):
        bbox = (_value(rng), _value(rng), _value(rng), _value(rng))
        turn = rng.choice((0, 90, 180, 270))
        rect = (_value(rng), _value(rng), _value(rng), _value(rng))
        ordered = (min(rect[0], rect[2]), min(rect[1], rect[3]), max(rect[0], rect[2]), max(rect[1], rect[3]))
        # repr tells NaN from NaN-free and -0.0 from 0.0, which == does not
        (ax, ay), (bx, by) = _to_view(ordered[0], ordered[1], bbox, turn), _to_view(ordered[2], ordered[3], bbox, turn)
        expected = (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))
        assert repr(_rect_to_view(ordered, bbox, turn)) == repr(expected)
        assert repr(PageView(bbox, turn, 0).box(rect)) == repr(expected)


def test_line_height_is_the_median_of_the_heights() -> None:
    rng = random.Random(3)
    for count in range(1, 12):
        for _ in range(200):
            line = [Word("w", 0.0, top, 1.0, top + rng.choice((8.0, 9.5, 10.0, rng.uniform(1, 30))))
                    for top in (rng.uniform(0, 800) for _ in range(count))]
            assert repr(line_height(line)) == repr(statistics.median(w.height for w in line))

