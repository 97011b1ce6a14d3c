"""The request reader over the phrasing corpus: share understood exactly, sent to staff, misread; per family; the
similarity scores behind the slip margin; and the time to parse, classify and read one message.

Usage: .venv/bin/python bench/bench_phrasing.py [--cases]   (run from the repository root)

"Understood exactly" means the reading equals the expected one (a request's organisation, user, applications and
role; a question's guide; or, for a message only a person should act on, sent to staff without claiming the parts
it must not). An application written with a slip is understood when it is read as written, not in the catalogue,
with the catalogue name it is near as the suggestion (SPEC 10: suggested, not assumed; the checks then reject the
request as `permission.unknown` and the reply asks "did you mean ...?"). "Sent to staff" counts messages the reader
handed to a person (whether or not that was expected); "misread" counts readings that would act on something other
than what was written (a slip read as the catalogue name among them): the target is 0.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from parsers.app_names import ACCEPT_MARGIN, ACCEPT_SCORE, find_names, judge  # noqa: E402
from parsers.message import parse_message  # noqa: E402
from tests.phrasing.corpus import load_cases, load_register, message_bytes, read_case  # noqa: E402


def _share(part: int, whole: int) -> str:
    return f"{part:4d} / {whole} ({100 * part / whole:5.1f}%)"


def _margins(register_catalogue: tuple[str, ...], cases: list) -> None:
    """Scores of every slip the corpus writes, and of the nearest wrong name any other text window reaches."""
    slips, suggested, near_misses = [], [], []
    for case in cases:
        text = parse_message(message_bytes(case)).text
        for m in find_names(text, register_catalogue):
            if m.how == "slip":
                slips.append((m.score, m.runner_up, m.written))
            elif m.how == "suggested":
                suggested.append((m.score, m.runner_up, m.written))
        words = text.split()
        for size in (2, 3):
            for i in range(len(words) - size + 1):
                window = " ".join(words[i:i + size]).strip(".,;:()?!")
                j = judge(window, register_catalogue)
                if j.how == "suggested" and not any(m.how == "exact" for m in find_names(window, register_catalogue)):
                    near_misses.append((j.score, window))
    print(f"\nSlips (rule: score >= {ACCEPT_SCORE}, margin >= {ACCEPT_MARGIN}, <= 1 edit a word, short words exact): "
          "recognised and suggested, never granted")
    if slips:
        scores = [s for s, _, _ in slips]
        margins = [s - r for s, r, _ in slips]
        print(f"  slips: {len(slips)} mentions, score {min(scores):.1f}-{max(scores):.1f}, "
              f"margin to the next name {min(margins):.1f}-{max(margins):.1f}")
        for score, runner_up, written in sorted(set(slips)):
            print(f"    {written!r}: {score:.1f} (next {runner_up:.1f})")
    print(f"  suggested only: {len(suggested)} " + ", ".join(f"{w!r} {s:.1f}" for s, _, w in sorted(set(suggested))))
    top = sorted(set(near_misses), reverse=True)[:8]
    print("  highest-scoring ordinary windows (never slips: more than one edit a word, or a short word changed): "
          + ", ".join(f"{w!r} {s:.1f}" for s, w in top))


def main() -> None:
    show_cases = "--cases" in sys.argv
    register = load_register()
    cases = load_cases()
    results, times = [], []
    for case in cases:
        started = time.perf_counter()
        results.append(read_case(case, register))
        times.append((time.perf_counter() - started) * 1000)
    total = len(results)
    verdicts = Counter(r.verdict for r in results)
    to_staff = sum(1 for r in results if r.got["outcome"] == "staff")
    expected_staff = sum(1 for r in results if r.case.outcome == "staff")
    with_slips = sum(1 for c in cases if c.outcome == "permission" and "~" in c.expect["apps"])
    print(f"phrasing corpus: {total} messages ({sum(1 for c in cases if c.outcome == 'permission')} requests to "
          f"act on, {with_slips} of them naming an application with a slip, to be rejected with a suggestion; "
          f"{sum(1 for c in cases if c.outcome == 'guidance')} questions the guides answer, "
          f"{expected_staff} for staff)")
    print(f"  understood exactly   {_share(verdicts['understood'], total)}")
    print(f"  sent to staff        {_share(to_staff, total)}  (of which expected: {expected_staff}; "
          f"unexpected: {verdicts['staff']})")
    print(f"  misread              {_share(verdicts['misread'], total)}")
    by_family: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        by_family[r.case.family][r.verdict] += 1
    print(f"\n{'family':48s} {'cases':>5s} {'understood':>10s} {'staff':>6s} {'misread':>7s}")
    for family, counts in sorted(by_family.items()):
        print(f"{family:48s} {sum(counts.values()):5d} {counts['understood']:10d} {counts['staff']:6d} "
              f"{counts['misread']:7d}")
    for r in results:
        if r.verdict != "understood" or show_cases:
            print(f"  {r.verdict:10s} {r.case.id}: {r.why} {r.got}")
    _margins(register.catalogue, cases)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"\nparse + classify + read, per message: median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()
