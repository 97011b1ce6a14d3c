"""What reading one PDF attachment as a Primary User request form found: plain, immutable, picklable (it comes back
from the sandbox's child process)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FormReading:
    # "read": the form was found and its fields read (a digitally signed file changed later is still "read", with
    # digital="altered": is_signed makes that "altered", and the checks form.altered). "unreadable": a person must
    # look (encrypted, corrupt, a scan, over a limit). "not_a_form": a readable PDF that is not one of the forms.
    # ("altered" is never a status: the shell treats every status but "read" as unreadable.)
    status: str
    form_type: str | None = None  # "gp_practice" / "other": the form_type field's values (SPEC 9)
    fields: dict[str, str] = field(default_factory=dict)  # SPEC 9 field names, normalised values
    method: str = "none"  # "acroform" / "printed_text" / "none"
    digital: str = "none"  # "none" / "intact" / "altered"
    mark_over_box: bool = False
    mark_how: str = ""  # "ink" / "image" / "stamp" / "digital" (an intact digital signature) / ""
    typed_name: str = ""
    box_ink_ratio: float = 0.0
    problems: tuple[str, ...] = ()


def unreadable(problem: str) -> FormReading:
    return FormReading(status="unreadable", problems=(problem,))
