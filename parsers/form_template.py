"""The published Primary User request forms (SPEC 9) as data: titles, field names, printed labels, where each field
sits on page 1, the signature box, and who may sign. The builder draws from this and the readers look here, so
the form people fill in and the places we read it from cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass, replace

from parsers.vocabulary.roles import ROLE_LABELS, OrgType, RequestType, Role, allowed_roles

# A4 in PDF points; the origin is the bottom-left corner, as in every PDF.
PAGE_WIDTH = 595.2756
PAGE_HEIGHT = 841.8898
BOTTOM_THIRD_TOP = PAGE_HEIGHT / 3

Rect = tuple[float, float, float, float]  # left, bottom, right, top


@dataclass(frozen=True)
class TemplateField:
    name: str
    label: str
    rect: Rect
    section: str
    hint: str = ""

    @property
    def label_origin(self) -> tuple[float, float]:
        """Where the printed label's text starts (left end of its baseline)."""
        return (MARGIN_LEFT, self.rect[1] + (LABEL_RAISE_WITH_HINT if self.hint else LABEL_RAISE))


@dataclass(frozen=True)
class Placement:
    """How a page shows our template: scaled by SCALE about the origin, then moved by (DX, DY). A form printed
    "fit to page" onto other paper is our page scaled and centred."""

    scale: float = 1.0
    dx: float = 0.0
    dy: float = 0.0

    def point(self, x: float, y: float) -> tuple[float, float]:
        return (x * self.scale + self.dx, y * self.scale + self.dy)

    def rect(self, rect: Rect) -> Rect:
        left, bottom = self.point(rect[0], rect[1])
        right, top = self.point(rect[2], rect[3])
        return (left, bottom, right, top)


@dataclass(frozen=True)
class FormTemplate:
    form_type: str  # the value of the read-only form_type field: gp_practice / other
    title: str
    fields: tuple[TemplateField, ...]
    signature_box: Rect  # the /Sig field sig_signature
    typed_box: Rect  # sig_typed, a strip inside the signature box
    allowed_roles: tuple[Role, ...]
    label_left: float = 0.0  # where printed labels start; set below to MARGIN_LEFT

    def placed(self, placement: Placement) -> FormTemplate:
        """This template where PLACEMENT puts it on a page."""
        return replace(
            self,
            fields=tuple(replace(f, rect=placement.rect(f.rect)) for f in self.fields),
            signature_box=placement.rect(self.signature_box),
            typed_box=placement.rect(self.typed_box),
            label_left=placement.point(self.label_left, 0)[0],
        )

    @property
    def allowed_role_labels(self) -> tuple[str, ...]:
        return tuple(ROLE_LABELS[role] for role in self.allowed_roles)

    def field(self, name: str) -> TemplateField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def drawing_area(self) -> Rect:
        """The part of the signature box meant for a hand-drawn signature: above the typed-name strip."""
        left, _, right, top = self.signature_box
        return (left + 3, self.typed_box[3] + 2, right - 3, top - 3)


LABELS: dict[str, str] = {
    "org_name": "Organisation name",
    "org_code": "Organisation code (ODS)",
    "pu_full_name": "Full name",
    "pu_job_title": "Job title",
    "pu_email": "Email",
    "pu_phone": "Telephone",
    "pu_request": "Request (new / additional / replacement)",
    "pu_replaces": "Primary User to replace (email)",
    "sig_full_name": "Signatory full name",
    "sig_role": "Signatory role",
    "sig_email": "Signatory email",
    "sig_date": "Date",
}
HINTS: dict[str, str] = {
    "pu_request": "new, additional or replacement",
    "pu_replaces": "only for a replacement",
    "sig_role": "see page 2",
    "sig_date": "dd/mm/yyyy",
}
SIGNATURE_LABEL = "Signature of authorised signatory"
TYPED_LABEL = "or type your name"
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("1. Organisation", ("org_name", "org_code")),
    ("2. Person to become Primary User", ("pu_full_name", "pu_job_title", "pu_email", "pu_phone", "pu_request",
                                          "pu_replaces")),
    ("3. Authorised signatory", ("sig_full_name", "sig_role", "sig_email", "sig_date")),
)
# Every text field a person fills in, in reading order (sig_typed is inside the signature box).
FIELD_NAMES: tuple[str, ...] = (*LABELS, "sig_typed")

MARGIN_LEFT = 48.0
LABEL_RAISE = 6.5  # label baseline above its box's bottom edge
LABEL_RAISE_WITH_HINT = 9.5  # ... when a hint is printed under it
BOX_LEFT = 236.0
BOX_RIGHT = PAGE_WIDTH - 48.0
ROW_HEIGHT = 20.0
ROW_STEP = 27.0
FIRST_SECTION_TOP = 662.0
SECTION_GAP = 30.0

SIGNATURE_BOX: Rect = (BOX_LEFT, 84.0, BOX_RIGHT, 196.0)
TYPED_BOX: Rect = (BOX_LEFT + 6, 90.0, BOX_RIGHT - 6, 110.0)

TITLES: dict[str, str] = {
    OrgType.GP_PRACTICE.value: "Open Exeter Primary User Request - GP Practice",
    OrgType.OTHER.value: "Open Exeter Primary User Request - Other Organisation",
}


def _layout() -> tuple[TemplateField, ...]:
    laid: list[TemplateField] = []
    top = FIRST_SECTION_TOP
    for section, names in SECTIONS:
        top -= SECTION_GAP  # room for the section heading
        for name in names:
            laid.append(TemplateField(name, LABELS[name], (BOX_LEFT, top - ROW_HEIGHT, BOX_RIGHT, top), section,
                                      HINTS.get(name, "")))
            top -= ROW_STEP
        top -= 6
    laid.append(TemplateField("sig_typed", TYPED_LABEL, TYPED_BOX, SECTIONS[-1][0]))
    return tuple(laid)


FIELDS = _layout()
assert all(f.rect[1] > SIGNATURE_BOX[3] + 20 for f in FIELDS if f.name != "sig_typed"), "fields overlap the box"
assert SIGNATURE_BOX[3] < BOTTOM_THIRD_TOP, "the signature box must be in the bottom third of page 1"

TEMPLATES: dict[str, FormTemplate] = {
    org_type.value: FormTemplate(
        form_type=org_type.value,
        title=TITLES[org_type.value],
        fields=FIELDS,
        signature_box=SIGNATURE_BOX,
        typed_box=TYPED_BOX,
        allowed_roles=allowed_roles(RequestType.PRIMARY_USER, org_type),
        label_left=MARGIN_LEFT,
    )
    for org_type in OrgType
}
# The short names people (and the tests) use for the two forms.
ALIASES = {"gp": OrgType.GP_PRACTICE.value, "gp_practice": OrgType.GP_PRACTICE.value, "other": OrgType.OTHER.value}


def template_for(form_type: str) -> FormTemplate:
    """The template for "gp" / "gp_practice" or "other"; KeyError for anything else."""
    return TEMPLATES[ALIASES[form_type]]
