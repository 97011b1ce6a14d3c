"""`mailbot stats` in words: store.insight's figures as a short plain-text report (pure: the figures in, text out)."""

from __future__ import annotations

from collections import defaultdict

from mailbot.review.labels import kind_label, outcome_label, reason_label
from store.insight import AnswerTimes, Insight


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _times(label: str, a: AnswerTimes) -> str:
    return f"  {label:<22} {a.cases:>9,} cases   p50 {_duration(a.p50):>9}   p95 {_duration(a.p95):>9}"


def render_insight(found: Insight) -> str:
    lines = [f"The mailbox at a glance: the last {found.days} days, since {found.since:%Y-%m-%d %H:%M} UTC "
             f"(now {found.now:%Y-%m-%d %H:%M} UTC)", ""]
    h = found.handling
    share = f"{h.share_by_mailbot:.1%}" if h.share_by_mailbot is not None else "-"
    lines += ["Handled with no person",
              f"  finished by the mailbot alone   {h.by_mailbot:>9,}   {share} of {h.finished:,} finished",
              f"  finished by staff               {h.by_staff:>9,}",
              f"  still waiting for staff         {h.waiting_for_staff:>9,}",
              f"  waiting for a signatory         {h.waiting_for_signatory:>9,}", ""]
    lines += ["Time from arrival to answer", _times("all finished cases", found.answer_all),
              _times("finished by staff", found.answer_staff), ""]
    by_outcome: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    per_day: dict[str, int] = defaultdict(int)
    for row in found.per_day:
        by_outcome[row.outcome] += row.cases
        by_kind[row.kind] += row.cases
        per_day[row.day.isoformat()] += row.cases
    lines.append(f"Cases in the period: {sum(per_day.values()):,}")
    lines += [f"  {outcome_label(o):<42} {n:>9,}" for o, n in sorted(by_outcome.items(), key=lambda x: -x[1])]
    lines.append("  by kind:")
    lines += [f"  {kind_label(k):<42} {n:>9,}" for k, n in sorted(by_kind.items(), key=lambda x: -x[1])]
    lines.append("  per day:")
    lines += [f"  {day:<42} {n:>9,}" for day, n in sorted(per_day.items())]
    q = found.queue
    oldest = f", the oldest since {q.oldest_since:%Y-%m-%d %H:%M} UTC" if q.oldest_since else ""
    lines += ["", f"The review queue: {q.waiting:,} waiting{oldest}"]
    lines += [f"  {label:<42} {n:>9,}" for label, n in q.bands]
    lines += ["", f"Top reasons since {found.reasons_since:%Y-%m-%d %H:%M} UTC"]
    lines += [f"  {reason_label(code)[:60]:<60} {n:>7,}  {code}" for code, n in found.top_reasons] or ["  none"]
    return "\n".join(lines)
