"""Is this page laid out as our own form, and where on it? Our printed labels, each where our template prints it
relative to the others, scaled and moved as a whole ("fit to page" printing onto Letter, a shifted scan). Several
labels must agree on one placement before the page counts as ours: two labels that happen to line up prove
nothing, and nor do the rows of one section of another form whose rows are evenly spaced, so most of the labels
found, from more than one section, and the signature label when it is printed, must agree."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from parsers.form_template import LABELS, PAGE_HEIGHT, SECTIONS, SIGNATURE_BOX, TEMPLATES, Rect
from parsers.forms.label_wordings import letters
from parsers.forms.labelled_words import FoundLabel
from parsers.forms.page_view import Box

# The middle of a printed label's box is this far above its baseline on our form (9 pt Helvetica Bold).
LABEL_MIDDLE = 3.3
SIGNATURE_LABEL_BASELINE = SIGNATURE_BOX[3] - 12  # as mailbot/admin/form_builder.py prints it
MIN_ANCHORS = 5
MIN_SHARE = 0.7  # of our labels found on the page
SCALES = (0.3, 3.0)


@dataclass(frozen=True)
class Fit:
    """Our template (PDF points on an A4 page) as this page shows it: scaled by SCALE, then moved by DX, DY (reading
    coordinates)."""

    scale: float
    dx: float
    dy: float
    anchors: int  # how many labels agree

    def box(self, rect: Rect) -> Box:
        """A rectangle of our template (left, bottom, right, top) where it is on this page."""
        left, bottom, right, top = rect
        return (left * self.scale + self.dx, (PAGE_HEIGHT - top) * self.scale + self.dy,
                right * self.scale + self.dx, (PAGE_HEIGHT - bottom) * self.scale + self.dy)


def _template_points() -> dict[str, tuple[float, float]]:
    template = next(iter(TEMPLATES.values()))  # both forms share one layout
    points = {}
    for name in LABELS:
        x, baseline = template.field(name).label_origin
        points[letters(LABELS[name])] = (x, PAGE_HEIGHT - baseline - LABEL_MIDDLE)
    points["signature"] = (template.label_left, PAGE_HEIGHT - SIGNATURE_LABEL_BASELINE - LABEL_MIDDLE)
    return points


TEMPLATE_POINTS = _template_points()
# Reading-coordinate y where each section of our form starts, lowest first.
SECTION_TOPS = tuple(sorted(((PAGE_HEIGHT - next(iter(TEMPLATES.values())).field(names[0]).rect[3] - 30, section)
                             for section, names in SECTIONS), reverse=True)) + ((float("-inf"), "head"),)


def fit_template(labels: Sequence[FoundLabel]) -> Fit | None:
    """Where our template sits on the page whose labels are LABELS; None unless several agree."""
    pairs = []
    for label in labels:
        key = "signature" if label.signature else label.wording
        if key in TEMPLATE_POINTS and (label.signature or label.exact):
            x0, y0, _, y1 = label.box
            pairs.append((TEMPLATE_POINTS[key], (x0, (y0 + y1) / 2)))
    best: tuple[int, float, float, float] | None = None
    for (p, q), (r, s) in combinations(pairs, 2):
        if abs(p[1] - r[1]) < 20:
            continue
        scale = (q[1] - s[1]) / (p[1] - r[1])
        if not SCALES[0] <= scale <= SCALES[1]:
            continue
        dx, dy = q[0] - scale * p[0], q[1] - scale * p[1]
        agree = [(a, b) for a, b in pairs if _near(a, b, scale, dx, dy)]
        if best is None or len(agree) > best[0]:
            best = (len(agree), scale, dx, dy)
            if len(agree) == len(pairs):
                break  # every label agrees: no better placement to find
    if best is None or best[0] < max(MIN_ANCHORS, MIN_SHARE * len(pairs)):
        return None
    _, scale, dx, dy = best
    agree = [(a, b) for a, b in pairs if _near(a, b, scale, dx, dy)]
    signature = TEMPLATE_POINTS["signature"]
    if any(a == signature for a, _ in pairs) and not any(a == signature for a, _ in agree):
        return None
    if len({_section(a) for a, _ in agree}) < 2:
        return None
    # Least squares over the labels that agree: the scale from the heights, the shift from the means.
    ys, qs = [a[1] for a, _ in agree], [b[1] for _, b in agree]
    mean_y, mean_q = statistics.fmean(ys), statistics.fmean(qs)
    spread = sum((y - mean_y) ** 2 for y in ys)
    if spread > 0:
        scale = sum((y - mean_y) * (q - mean_q) for y, q in zip(ys, qs, strict=True)) / spread
    dy = mean_q - scale * mean_y
    dx = statistics.fmean(b[0] - scale * a[0] for a, b in agree)
    return Fit(scale, dx, dy, len(agree))


def _section(point: tuple[float, float]) -> str:
    return next(s for top, s in SECTION_TOPS if point[1] >= top)


def _near(a: tuple[float, float], b: tuple[float, float], scale: float, dx: float, dy: float) -> bool:
    tolerance = 3.0 * scale + 1.0
    return abs(a[0] * scale + dx - b[0]) <= tolerance and abs(a[1] * scale + dy - b[1]) <= tolerance
