"""The wordings that introduce each field of SPEC 9 on forms people make or retype, and how loosely a printed label
is matched to one: case, punctuation and spacing never matter ("Fullname", "ORGANISATION NAME:", "e-mail"), and
in text read by OCR a label of seven letters or more may be one letter off ("Organisatlon", "Signatorys email").

A few wordings are generic ("Name", "Email", "Role"): whose name or email they introduce depends on the heading of
the section they sit in (the Primary User's, or the authorised signatory's)."""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

from parsers.form_template import HINTS, LABELS, SIGNATURE_LABEL, TITLES, TYPED_LABEL

# Field name -> wordings. Our own printed label comes first.
WORDINGS: dict[str, tuple[str, ...]] = {
    "org_name": (LABELS["org_name"], "Organization name", "Name of organisation", "Name of organization",
                 "Practice name", "Name of practice", "Organisation / practice name", "Practice / organisation name",
                 "Organisation or practice name", "Organisation name (practice)"),
    "org_code": (LABELS["org_code"], "Organisation code", "Organization code", "Organisation ODS code",
                 "Organization ODS code", "ODS code", "ODS", "Practice code", "Practice ODS code", "Org code",
                 "ODS / practice code", "Organisation code ODS", "National code"),
    "pu_full_name": (LABELS["pu_full_name"], "Primary User name", "Primary User full name", "Name of Primary User",
                     "Full name of Primary User", "Nominee name", "Name of nominee", "Nominee full name",
                     "New Primary User name", "Proposed Primary User"),
    "pu_job_title": (LABELS["pu_job_title"], "Job role", "Primary User job title", "Nominee job title"),
    "pu_email": (LABELS["pu_email"], "Primary User email", "Primary User email address", "Nominee email",
                 "Nominee email address", "Primary User NHS email", "NHS email address", "NHSmail address"),
    "pu_phone": (LABELS["pu_phone"], "Telephone number", "Phone", "Phone number", "Tel", "Tel no", "Contact number",
                 "Contact telephone", "Primary User telephone", "Primary User phone"),
    "pu_request": (LABELS["pu_request"], "Request", "Request type", "Type of request", "New / additional / replacement",
                   "New, additional or replacement", "Request new additional replacement"),
    "pu_replaces": (LABELS["pu_replaces"], "Primary User to replace", "Primary User to be replaced",
                    "Primary User being replaced", "Replaces", "Replacing", "Replacement for",
                    "Email of Primary User to replace", "Primary User to replace email address"),
    "sig_full_name": (LABELS["sig_full_name"], "Signatory name", "Name of signatory", "Signatory's name",
                      "Signatory's full name", "Authorised signatory name", "Authorised signatory full name",
                      "Name of authorised signatory", "Authorized signatory name", "Signed by"),
    "sig_role": (LABELS["sig_role"], "Role of signatory", "Signatory's role", "Signatory position",
                 "Signatory job title", "Authorised signatory role", "Role of authorised signatory", "Capacity",
                 "Signatory role (see page 2)"),
    "sig_email": (LABELS["sig_email"], "Signatory email address", "Signatory's email", "Signatory's email address",
                  "Authorised signatory email", "Email of signatory", "Signatory e-mail"),
    "sig_date": (LABELS["sig_date"], "Date signed", "Signed date", "Date of signature", "Signature date",
                 "Date (dd/mm/yyyy)", "Date signed (dd/mm/yyyy)"),
    "sig_typed": ("Typed signature", "Signature (typed)", "Typed name", "Type your name"),
}
# Generic wordings: the field depends on the section ("signatory" or not) the label sits in.
GENERIC: dict[str, tuple[str, str | None]] = {  # letters -> (field outside a signatory section, field inside one)
    "name": ("pu_full_name", "sig_full_name"),
    "fullname": ("pu_full_name", "sig_full_name"),
    "email": ("pu_email", "sig_email"),
    "emailaddress": ("pu_email", "sig_email"),
    "role": ("pu_job_title", "sig_role"),
    "position": ("pu_job_title", "sig_role"),
    "jobtitle": ("pu_job_title", "sig_role"),
    "telephone": ("pu_phone", None),  # the signatory's own number is no field of ours
    "telephonenumber": ("pu_phone", None),
    "phone": ("pu_phone", None),
    "phonenumber": ("pu_phone", None),
    "tel": ("pu_phone", None),
}
SIGNATURE_WORDINGS = (SIGNATURE_LABEL, "Signature of authorized signatory", "Authorised signatory signature",
                      "Authorized signatory signature", "Signature of signatory", "Signatory signature",
                      "Signature of the authorised signatory", "Signed")
# Printed help that sits under or beside labels on forms (ours among them): never a value.
INSTRUCTIONS = (*HINTS.values(), TYPED_LABEL, "Sign inside the box: by hand, with an",
                "image of your signature, or digitally.", "(optional: type your full name)", "see page 2",
                "dd/mm/yyyy", "dd/mm/yy", "optional", "if replacement", "only if replacing")
SECTION_SIGNATORY = ("signatory", "signatories", "authorisation", "authorization", "declaration")
SECTION_PRIMARY_USER = ("primaryuser", "nominee", "persontobecome", "newuser")
TITLE_WORDS = ("primaryuser",)
FORM_TYPE_WORDS = {"gp_practice": ("gppractice", "gpsurgery", "generalpractice"),
                   "other": ("otherorganisation", "otherorganization", "nongp")}
# Labels this long or longer (in letters) may be one letter off.
FUZZY_MIN_LETTERS = 7
MAX_LABEL_WORDS = 8
# Printed help this long (in letters) is still known with about one letter in seven misread.
FUZZY_INSTRUCTION_LETTERS = 14
FUZZY_INSTRUCTION_RATIO = 0.86


_NOT_LETTERS = re.compile(r"[^a-z]")


def letters(text: str) -> str:
    """TEXT reduced to lower-case ASCII letters: what label matching compares."""
    return _NOT_LETTERS.sub("", text.lower())


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _build() -> tuple[dict[str, str], dict[str, set[str]]]:
    exact: dict[str, str] = {}
    for name, wordings in WORDINGS.items():
        for wording in wordings:
            key = letters(wording)
            assert exact.get(key, name) == name, f"wording {wording!r} names two fields"
            exact[key] = name
    for key, (outside, _) in GENERIC.items():
        exact.setdefault(key, outside)
    fuzzy: dict[str, set[str]] = {}
    for key in exact:
        if len(key) >= FUZZY_MIN_LETTERS:
            for variant in (key, *_deletions(key)):
                fuzzy.setdefault(variant, set()).add(key)
    return exact, fuzzy


EXACT, _FUZZY = _build()
SIGNATURE_KEYS = frozenset(letters(w) for w in SIGNATURE_WORDINGS)
_SIGNATURE_FUZZY = frozenset(v for k in SIGNATURE_KEYS if len(k) >= FUZZY_MIN_LETTERS for v in (k, *_deletions(k)))
_LONGEST = max(len(k) for k in (*EXACT, *SIGNATURE_KEYS))
INSTRUCTION_KEYS = tuple(k for k in (letters(i) for i in INSTRUCTIONS) if k)
TITLE_KEYS = {form_type: letters(title) for form_type, title in TITLES.items()}


def match_wording(text: str) -> str | None:
    """The wording (as letters) TEXT is, exactly or one letter off; None when it is none, or when one slip away
    from two different wordings (then it is not told apart)."""
    return match_key(letters(text))


def match_key(key: str, fuzzy: bool = True) -> str | None:
    """match_wording for text already reduced to its letters (exactly only, unless FUZZY)."""
    if key in EXACT:
        return key
    if not fuzzy or not FUZZY_MIN_LETTERS <= len(key) <= _LONGEST + 1:
        return None
    found: set[str] = set()
    for variant in (key, *_deletions(key)):
        found |= _FUZZY.get(variant, set())
    candidates = {k for k in found if abs(len(k) - len(key)) <= 1}
    fields = {EXACT[k] for k in candidates}
    return next(iter(candidates)) if len(fields) == 1 and len(candidates) == 1 else None


def match_signature_wording(text: str) -> bool:
    return match_signature_key(letters(text))


def match_signature_key(key: str, fuzzy: bool = True) -> bool:
    if key in SIGNATURE_KEYS:
        return True
    if not fuzzy or not FUZZY_MIN_LETTERS <= len(key) <= _LONGEST + 1:
        return False
    return any(variant in _SIGNATURE_FUZZY for variant in (key, *_deletions(key)))


def is_instruction(text: str) -> bool:
    """Whether TEXT is printed help (a hint under a label), not something a person wrote. A long one is known a few
    letters off too: OCR reads "(optional: type your full name)" as "optonal type your full mame", which is no
    typed signature."""
    key = letters(text)
    return bool(key) and any(key == k or (len(key) >= 6 and k.startswith(key)) or
                             (len(k) >= 6 and key.startswith(k)) or _nearly(key, k) for k in INSTRUCTION_KEYS)


def _nearly(key: str, instruction: str) -> bool:
    """KEY is INSTRUCTION with a few letters misread (long wordings only: a short one is too near real values)."""
    if min(len(key), len(instruction)) < FUZZY_INSTRUCTION_LETTERS:
        return False
    # Every value a person typed is tried against every instruction: most are nowhere near, and the two cheap upper
    # bounds of ratio() (from the lengths, then from the letters regardless of order) say so without working out
    # the matching blocks. Each is >= ratio(), so the answer is the same.
    # The bounds are worked out here as real_quick_ratio() and quick_ratio() work them out (2 * matches / total
    # length; quick_ratio's matches are the letters the two share, counted with repeats), without a matcher: making
    # one indexes INSTRUCTION's letters, which costs more than both bounds, and most pairs stop at them.
    total = len(key) + len(instruction)
    if 2.0 * min(len(key), len(instruction)) / total < FUZZY_INSTRUCTION_RATIO:
        return False
    shared = Counter(key) & (_INSTRUCTION_LETTERS.get(instruction) or Counter(instruction))
    if 2.0 * sum(shared.values()) / total < FUZZY_INSTRUCTION_RATIO:
        return False
    return SequenceMatcher(None, key, instruction, autojunk=False).ratio() >= FUZZY_INSTRUCTION_RATIO


_INSTRUCTION_LETTERS = {key: Counter(key) for key in INSTRUCTION_KEYS}
