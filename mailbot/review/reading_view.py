"""The request reader's reading, as kept on a case (`fields.reading`), in lines a person reads: for `review show`
and `mailbot explain`."""

from __future__ import annotations

from typing import Any


def part_value(part: dict[str, Any]) -> str:
    value = part.get("value")
    return "; ".join(value) if isinstance(value, list) else str(value or "")


def reading_lines(reading: dict[str, Any]) -> list[str]:
    """One line a part (confidence, value, where it came from), then what was seen and any doubt."""
    out = []
    for name, part in reading.get("parts", {}).items():
        out.append(f"  {name:13s} {part['confidence']:9s} {part_value(part) or '-'}"
                   + (f"  [{part['source']}]" if part.get("source") else ""))
        out += [f"  {'':13s} saw: {e}" for e in part.get("evidence", [])]
        if part.get("candidates"):
            out.append(f"  {'':13s} candidates: {', '.join(part['candidates'])}")
        if part.get("note"):
            out.append(f"  {'':13s} {part['note']}")
    for m in reading.get("applications_named", []):
        near = f", did you mean {m['suggestion']}?" if m.get("suggestion") else ""
        out.append(f"  application  \"{m['written']}\" -> {m['name'] or '?'} ({m['how']}{near}, {m['polarity']}, "
                   f"score {m['score']}, next {m['runner_up']}, in the {m['source']})")
    out += [f"  note: {n}" for n in reading.get("notes", [])]
    return out
