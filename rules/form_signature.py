"""Is the form signed (SPEC 9)? A digital signature covering the whole file; else a mark over the signature box on
page 1; else, when the config allows it, the signatory's own name typed in the box."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.forms.result import FormReading

HONORIFICS = frozenset({"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame"})


@dataclass(frozen=True)
class SignatureVerdict:
    verdict: str  # "signed" / "unsigned" / "altered" / "unsure" (some ink, less than a clear signature: staff look)
    how: str  # how it was signed, for people: "digital signature", "ink", "image", "typed name"...


def is_signed(reading: FormReading, accept_typed: bool, signatory_name: str) -> SignatureVerdict:
    """The signature verdict for a form that was read. A changed digitally signed file is "altered" whatever else is
    on it: the signature then vouches for something other than what we read."""
    if reading.digital == "altered":
        return SignatureVerdict("altered", "digital signature, but the file was changed after signing")
    if reading.digital == "intact":
        return SignatureVerdict("signed", "digital signature")
    if reading.mark_over_box:
        return SignatureVerdict("signed", {"ink": "ink signature", "image": "image of a signature",
                                           "stamp": "signature stamp"}.get(reading.mark_how, "mark in the box"))
    if accept_typed and typed_name_matches(reading.typed_name, signatory_name):
        return SignatureVerdict("signed", "typed name")
    if reading.mark_unsure:
        return SignatureVerdict("unsure", "some ink in the box, less than a clear signature")
    return SignatureVerdict("unsigned", "")


def _words(name: str) -> list[str]:
    return [w for w in re.findall(r"[a-z]+", name.lower().replace("'", "")) if w not in HONORIFICS]


def typed_name_matches(typed: str, signatory_name: str) -> bool:
    """Whether TYPED is the signatory's name: same words, ignoring case, punctuation and titles (Dr, Mrs...), or the
    same first and last names when one of them adds a middle name."""
    typed_words, name_words = _words(typed), _words(signatory_name)
    if not typed_words or not name_words:
        return False
    if typed_words == name_words:
        return True
    return (typed_words[0], typed_words[-1]) == (name_words[0], name_words[-1])
