"""Where the signature box is (SPEC 9): where the PDF says (the /Sig field's widget rectangle, any size, on any
page); else where the printed label "Signature of authorised signatory" puts it (the drawn box it heads or sits
in, or the space beside or under it); only then where our template has it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from parsers.form_template import PAGE_HEIGHT, PAGE_WIDTH, SIGNATURE_BOX
from parsers.forms.acroform import Widget
from parsers.forms.label_wordings import letters, match_signature_wording
from parsers.forms.layout_fit import Fit
from parsers.forms.page_objects import Drawn
from parsers.forms.page_view import Box
from parsers.forms.word_lines import Word

OUR_FIELD = "sig_signature"
# A drawn rectangle is a signature box when it is at least this big (points) and no bigger than a share of the page.
BOX_MIN = (80.0, 24.0)
BOX_MAX_HEIGHT = 300.0
BOX_MAX_SHARE = 0.4
# Without a drawn box: the space right of the label, and under it, in label heights and points.
RIGHT_WIDTH = 330.0
ABOVE_LINE = 3.5
BELOW_LINE = 2.5
UNDER_HEIGHT = 90.0
# Words closer than this right of the label (points) mean the box is not beside it.
BESIDE_FREE = 150.0


@dataclass(frozen=True)
class SignatureBox:
    page: int
    box: Box  # reading coordinates of that page
    source: str  # "widget" / "label" / "template"
    field_name: str = ""  # the /Sig field, when the box is its widget


def signature_widget(widgets: Sequence[Widget]) -> Widget | None:
    """The /Sig field that is the form's signature box: ours by name; else the one named or described as the
    signature of the authorised signatory; else the only one on page 1, or the only one at all."""
    signature_fields = [w for w in widgets if w.field_type == "/Sig"]
    for rule in (lambda w: w.name == OUR_FIELD,
                 lambda w: match_signature_wording(w.tooltip) or match_signature_wording(_last(w.name))
                 or "authorisedsignatory" in letters(w.tooltip + w.name),
                 lambda w: w.page == 0,
                 lambda w: True):
        chosen = [w for w in signature_fields if rule(w)]
        if len({(w.name, w.page) for w in chosen}) == 1:
            return chosen[0]
        if len(chosen) > 1:
            return min(chosen, key=lambda w: (w.page, w.rect[1]))  # several: page 1's lowest, where forms sign
    return None


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def box_from_label(label: Box, words: Sequence[Word], drawn: Sequence[Drawn], page_size: tuple[float, float]) -> Box:
    """The signature box that LABEL (the printed "Signature of authorised signatory") heads: a drawn rectangle it
    sits in, or beside it on its line, or just under it; else the free space beside or under it."""
    rectangle = _drawn_box(label, drawn, page_size)
    if rectangle is not None:
        return rectangle
    x0, y0, x1, y1 = label
    height = y1 - y0
    centre = (y0 + y1) / 2
    width = page_size[0]
    beside_taken = any(w.x0 >= x1 and w.x0 - x1 < BESIDE_FREE and w.y0 <= centre <= w.y1 for w in words)
    under_taken = any(w.y0 >= y1 and w.y0 - y1 < 1.5 * height and x0 - height <= w.x0 <= x1 for w in words)
    right = (x1 + 2, centre - ABOVE_LINE * height, min(width - 10, x1 + RIGHT_WIDTH), centre + BELOW_LINE * height)
    under = (max(x0 - height, 0.0), y1 + 1, min(width - 10, x0 + RIGHT_WIDTH), y1 + UNDER_HEIGHT)
    if beside_taken and not under_taken:
        return under
    if under_taken and not beside_taken:
        return right
    return (min(right[0], under[0]), right[1], max(right[2], under[2]), under[3])


def _drawn_box(label: Box, drawn: Sequence[Drawn], page_size: tuple[float, float]) -> Box | None:
    x0, y0, x1, y1 = label
    height = y1 - y0
    centre_x, centre_y = (x0 + x1) / 2, (y0 + y1) / 2
    page_area = page_size[0] * page_size[1]
    holding, near = [], []
    for d in drawn:
        if d.kind != "path":
            continue
        bx0, by0, bx1, by1 = d.box
        w, h = bx1 - bx0, by1 - by0
        if w < BOX_MIN[0] or h < BOX_MIN[1] or h > BOX_MAX_HEIGHT or w * h > BOX_MAX_SHARE * page_area:
            continue
        if bx0 <= centre_x <= bx1 and by0 <= centre_y <= by1:
            holding.append((w * h, d.box))
        elif x1 - 4 <= bx0 <= x1 + RIGHT_WIDTH / 2 and by0 - height <= centre_y <= by1:
            near.append((bx0 - x1, d.box))
        elif y1 - 4 <= by0 <= y1 + 3 * height and bx0 <= x1 and bx1 >= x0:
            near.append((by0 - y1, d.box))
    if holding:
        return min(holding)[1]
    return min(near)[1] if near else None


def template_box(fit: Fit | None, page_size: tuple[float, float]) -> Box:
    """Our template's signature box: where the labels place our form on the page; without them, our A4 page
    fitted to this page and centred, as printing "fit to page" does."""
    if fit is not None:
        return fit.box(SIGNATURE_BOX)
    scale = min(page_size[0] / PAGE_WIDTH, page_size[1] / PAGE_HEIGHT)
    dx, dy = (page_size[0] - PAGE_WIDTH * scale) / 2, (page_size[1] - PAGE_HEIGHT * scale) / 2
    return Fit(scale, dx, dy, 0).box(SIGNATURE_BOX)
