"""How each field of a form was read and where its signature box was found (FormReading.how_read, kept on the case
as `request.how_read`), for staff: rows for the case page, lines for `review show`, and the box to draw over the
page's picture."""

from __future__ import annotations

from typing import Any

from mailbot.review.labels import field_label

HOW = {"acroform": "form field", "printed_text": "printed text", "ocr": "OCR"}
BOX_FROM = {"widget": "the signature field's own rectangle", "label": "the printed label on the page",
            "template": "where our form has it"}


def _how_read(request: dict[str, Any] | None) -> dict[str, Any]:
    how = (request or {}).get("how_read")
    return how if isinstance(how, dict) else {}


def field_rows(request: dict[str, Any] | None) -> list[dict[str, str]]:
    """One row a field: its label, how it was read, and what staff should know (an unsure OCR reading)."""
    rows = []
    for name, read in _how_read(request).get("fields", {}).items():
        if not isinstance(read, dict):
            continue
        how = HOW.get(str(read.get("how")), str(read.get("how")))
        confidence = read.get("confidence")
        sure = f"{how}, confidence {confidence:.0f}%" if isinstance(confidence, int | float) else how
        note = ("not read with confidence: left empty, read it from the page" if read.get("unsure") else
                "not found on the form" if not (request or {}).get(name) else "")
        rows.append({"name": name, "label": field_label(name), "how": sure, "note": note})
    return rows


def box_line(request: dict[str, Any] | None) -> str:
    box = _how_read(request).get("signature_box")
    if not isinstance(box, dict) or not box.get("box"):
        return ""
    x0, y0, x1, y1 = (float(v) for v in box["box"])
    return (f"signature box: page {int(box.get('page', 0)) + 1}, found from {BOX_FROM.get(str(box.get('from')), '?')}, "
            f"at {x0:.0f},{y0:.0f} to {x1:.0f},{y1:.0f} points from the page's top left")


def how_read_lines(request: dict[str, Any] | None) -> list[str]:
    """For `review show`: a line a field, then where the signature box was found."""
    lines = [f"  {row['label']}: {row['how']}" + (f" ({row['note']})" if row["note"] else "")
             for row in field_rows(request)]
    box = box_line(request)
    return lines + ([f"  {box}"] if box else [])


def box_overlay(request: dict[str, Any] | None) -> dict[str, float] | None:
    """The signature box to draw over page 1's picture, in the page's points (the picture's viewBox): None when
    the box is on another page, the page is shown turned, or its size is not known."""
    box = _how_read(request).get("signature_box")
    if not isinstance(box, dict) or box.get("page") != 0 or box.get("page_turn") or not box.get("page_size"):
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in box["box"])
        width, height = (float(v) for v in box["page_size"])
    except (TypeError, ValueError):
        return None
    return {"page_width": round(width, 2), "page_height": round(height, 2), "x": round(x0, 2), "y": round(y0, 2),
            "width": round(x1 - x0, 2), "height": round(y1 - y0, 2)}
