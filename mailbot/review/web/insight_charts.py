"""The mailbox at a glance, shaped for drawing: store.insight's figures turned into the plain geometry of server-drawn
SVG charts (rectangles, axis ticks, legends) and the tables that say the same in words. No I/O and no markup:
the template `_insight_charts.html` writes the SVG, with Jinja's escaping, and presentation attributes only
(`fill`, `x`, ...), never a style attribute, so the page's Content-Security-Policy stays as it is.

Colour is never the only carrier: every chart has a title and a description, every bar a tooltip (`<title>`), a
legend in words, and the same figures as a table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from mailbot.review.labels import kind_label, outcome_label, reason_label
from parsers.vocabulary.kinds import Kind
from parsers.vocabulary.outcomes import Outcome
from store.insight import DayCount, Insight

# NHS identity colours, dark enough against white for bars (3:1 for graphics) and told apart by the legend.
PALETTE = ("#005eb8", "#d5281b", "#007f3b", "#ffb81c", "#330072", "#768692", "#00a499", "#ae2573")
OUTCOME_ORDER = tuple(o.value for o in (Outcome.APPROVED, Outcome.ANSWERED, Outcome.REJECTED, Outcome.IGNORED,
                                        Outcome.PENDING, Outcome.FLAGGED))
KIND_ORDER = tuple(k.value for k in Kind)
OUTCOME_COLOURS = {"approved": "#007f3b", "answered": "#005eb8", "rejected": "#d5281b", "ignored": "#768692",
                   "pending": "#ffb81c", "flagged": "#330072"}

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 24, 12, 34


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    tip: str  # the bar's tooltip, in words


@dataclass(frozen=True)
class Tick:
    at: float  # x or y in the SVG's units
    label: str


@dataclass(frozen=True)
class Series:
    code: str
    label: str
    fill: str


@dataclass(frozen=True)
class StackedDays:
    """Cases per day, stacked by one dimension (kind or outcome), with the same as a table."""

    key: str  # "outcome" or "kind": makes the SVG's ids unique
    title: str
    description: str
    width: int
    height: int
    bars: tuple[Rect, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    baseline: float
    left: float  # the plot's left and right edges (the axis, the grid lines)
    right: float
    legend: tuple[Series, ...]
    table_days: tuple[str, ...]  # day labels, oldest first
    table_rows: tuple[tuple[Series, tuple[int, ...]], ...]  # each series' count per day
    totals: tuple[int, ...]


@dataclass(frozen=True)
class HorizontalBars:
    """One bar a row (queue age bands, reasons), its count beside it."""

    key: str
    title: str
    description: str
    width: int
    height: int
    label_width: int
    rows: tuple[tuple[str, int, Rect], ...]  # label, count, bar


def nice_step(largest: int, ticks: int = 4) -> int:
    """A round step (1, 2, 5 times a power of ten) so that about TICKS steps reach LARGEST."""
    raw = max(1.0, largest / ticks)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def _colour(code: str, by: str) -> str:
    """The same colour for a code on every day and every visit: outcomes by what they mean, kinds in order."""
    if by == "outcome":
        return OUTCOME_COLOURS.get(code, PALETTE[5])
    return PALETTE[KIND_ORDER.index(code) % len(PALETTE)] if code in KIND_ORDER else PALETTE[5]


def day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def stacked_days(key: str, rows: tuple[DayCount, ...], first: date, days: int, *, by: str) -> StackedDays:
    """BY is "outcome" or "kind": which part of each DayCount the bars are stacked by."""
    order, label_of = (OUTCOME_ORDER, outcome_label) if by == "outcome" else (KIND_ORDER, kind_label)
    all_days = [first + timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(all_days)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    for row in rows:
        if row.day in index:
            counts[getattr(row, by)][index[row.day]] += row.cases
    codes = [c for c in order if c in counts] + sorted(c for c in counts if c not in order)
    legend = tuple(Series(c, label_of(c), _colour(c, by)) for c in codes)
    totals = tuple(sum(counts[c][i] for c in codes) for i in range(days))
    step = nice_step(max(totals, default=0))
    top_value = step * max(1, -(-max(totals, default=0) // step))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / days
    bar_w = max(1.0, slot * 0.72)
    baseline = TOP + plot_h
    bars = []
    for i, day in enumerate(all_days):
        y = float(baseline)
        for series in legend:
            n = counts[series.code][i]
            if not n:
                continue
            h = plot_h * n / top_value
            y -= h
            bars.append(Rect(round(LEFT + i * slot + (slot - bar_w) / 2, 2), round(y, 2), round(bar_w, 2),
                             round(h, 2), series.fill, f"{day_label(day)}: {series.label}: {n:,}"))
    y_ticks = tuple(Tick(round(baseline - plot_h * v / top_value, 2), f"{v:,}")
                    for v in range(0, top_value + 1, step))
    every = max(1, -(-days // 10))  # at most about ten day labels
    x_ticks = tuple(Tick(round(LEFT + (i + 0.5) * slot, 2), day_label(d))
                    for i, d in enumerate(all_days) if (days - 1 - i) % every == 0)
    what = "outcome" if by == "outcome" else "kind of message"
    busiest = max(range(days), key=lambda i: totals[i]) if days else 0
    description = (f"Stacked bars, one a day from {day_label(all_days[0])} to {day_label(all_days[-1])}, each "
                   f"divided by {what}. {sum(totals):,} cases in all; the busiest day was "
                   f"{day_label(all_days[busiest])} with {totals[busiest]:,}. The table below gives every figure.")
    return StackedDays(key=key, title=f"Cases per day by {what}", description=description, width=WIDTH,
                       height=HEIGHT, bars=tuple(bars), y_ticks=y_ticks, x_ticks=x_ticks, baseline=baseline,
                       left=LEFT, right=WIDTH - RIGHT,
                       legend=legend, table_days=tuple(day_label(d) for d in all_days),
                       table_rows=tuple((s, tuple(counts[s.code])) for s in legend), totals=totals)


def horizontal_bars(key: str, title: str, description: str, rows: list[tuple[str, int]],
                    *, fill: str = PALETTE[0]) -> HorizontalBars:
    label_width, width, row_h = 250, WIDTH, 26
    largest = max((n for _, n in rows), default=0) or 1
    bar_room = width - label_width - 70  # the count is written after the bar
    drawn = tuple((label, n, Rect(label_width, i * row_h + 4, round(bar_room * n / largest, 2), row_h - 8, fill,
                                  f"{label}: {n:,}")) for i, (label, n) in enumerate(rows))
    return HorizontalBars(key=key, title=title, description=description, width=width,
                          height=max(row_h, row_h * len(rows)), label_width=label_width, rows=drawn)


def duration_words(seconds: float | None) -> str:
    if seconds is None:
        return "no cases"
    if seconds < 1:
        return "under a second"
    if seconds < 60:
        return f"{seconds:.0f} seconds"
    if seconds < 3600:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"


@dataclass(frozen=True)
class InsightView:
    insight: Insight
    by_outcome: StackedDays
    by_kind: StackedDays
    queue_bars: HorizontalBars
    reason_bars: HorizontalBars
    share_percent: str  # "75%" or "no finished cases"


def insight_view(found: Insight) -> InsightView:
    first = found.since.date()
    q = found.queue
    oldest = f" The oldest has waited since {q.oldest_since:%-d %b %Y %H:%M} UTC." if q.oldest_since else ""
    queue_bars = horizontal_bars(
        "queue", "Cases waiting for staff, by how long they have waited",
        f"{q.waiting:,} cases wait for a person.{oldest}", [(label, n) for label, n in q.bands], fill=PALETTE[4])
    reasons = [(reason_label(code), n) for code, n in found.top_reasons]
    reason_bars = horizontal_bars(
        "reasons", "The most frequent reasons this week",
        f"Reason codes of the cases opened since {found.reasons_since:%-d %b %Y %H:%M} UTC, the most frequent first"
        + (f"; the first, {reasons[0][0]}, on {reasons[0][1]:,} cases." if reasons else "; there were none."),
        reasons)
    share = found.handling.share_by_mailbot
    return InsightView(
        insight=found,
        by_outcome=stacked_days("outcome", found.per_day, first, found.days, by="outcome"),
        by_kind=stacked_days("kind", found.per_day, first, found.days, by="kind"),
        queue_bars=queue_bars, reason_bars=reason_bars,
        share_percent=f"{share:.0%}" if share is not None else "no finished cases")
