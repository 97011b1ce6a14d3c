"""Whether a phrase in a sentence is asked for, refused, taken away or already there: "please add X", "don't add
X", "please remove X", "X is no longer needed", "she already has X".

Used by the request reader for application names; written as plain functions over (text, position) so that any
reader of short answers (a signatory's yes or no) can use the same cues. Conservative by design: a phrase near
any cue other than a plain request is *not* a plain request, and the caller sends the message to a person.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Polarity(StrEnum):
    ASKED = "asked"  # "please add X", or no cue at all
    NEGATED = "negated"  # "don't add X", "not X", "without X"
    REMOVAL = "removal"  # "remove X", "X is no longer needed"
    HELD = "held"  # "she already has X"


# A sentence ends at . ! ? ; or a line break followed by a new thought (a blank line, a bullet).
SENTENCE_END = re.compile(r"[.!?;]+(?=\s|$)|\n\s*\n|\n(?=\s*[-*•·]\s)")
ASK = re.compile(
    r"\b(add(?:ed|ing)?|grant(?:ed|ing)?|give|giving|given|enable[ds]?|enabling|set(?:ting)? up|provide[ds]?|"
    r"allow(?:ed)?|assign(?:ed)?|request(?:ed|ing)?|need(?:s|ed)?|require[sd]?|would like|'d like|like to have|"
    r"want(?:s|ed)?|have access|get access|access to|switch(?:ed)? on|turn(?:ed)? on|extend(?:ed)?|include[ds]?|"
    r"activate[ds]?|apply|put on|switch on|"
    r"(?:can|could|may|might)\b[^.?!;\n]{0,60}?\b(?:have|get|be given|be added))\b", re.I)
NEGATION = re.compile(
    r"\b(do not|don't|dont|does not|doesn't|did not|didn't|shouldn't|should not|not|never|no need|without|"
    r"except|excluding|apart from|other than|rather than|instead of|nor|neither|hold off|cancel(?:led)?|"
    r"ignore|disregard)\b", re.I)
REMOVAL = re.compile(
    r"\b(remov(?:e|ed|ing|al)|revok(?:e|ed|ing)|withdraw(?:n|ing)?|take (?:away|off)|taken (?:away|off)|"
    r"delet(?:e|ed|ing)|disabl(?:e|ed|ing)|deactivat(?:e|ed|ing)|switch(?:ed)? off|turn(?:ed)? off|"
    r"no longer|stop(?:ped)?|end(?:ed)? (?:her|his|their) access|left the practice|has left|leaver)\b", re.I)
HELD = re.compile(r"\b(already (?:has|have|got|had|holds?)|has already got|currently (?:has|have))\b", re.I)
NOT_NEEDED = re.compile(r"\b(not (?:needed|required|wanted)|isn't needed|aren't needed)\b", re.I)
# A negation word that only softens a request ("not sure", "if not") is not a refusal.
HARMLESS = re.compile(r"\b(not sure|if not|not yet|not got|not have|doesn't have|does not have|don't have|"
                      r"do not have|haven't got|hasn't got|not currently|not able to see|cannot see|can't see|"
                      r"not able to access|can't access|cannot access|unable to access)\b", re.I)


# Every HARMLESS phrase holds one of these (lower-cased): a text without any is not searched (the pattern, tried at
# every character, cost some 100,000 instructions a sentence). re.I matches n, o, t, u, a, b, l, e and the apostrophe
# only as themselves or their capitals, which str.lower makes these.
HARMLESS_WORDS = ("not", "n't", "unable")


def without_harmless(text: str) -> str:
    """TEXT with each HARMLESS phrase made spaces (of its length)."""
    lowered = text.lower()
    if not any(word in lowered for word in HARMLESS_WORDS):
        return text
    return HARMLESS.sub(lambda m: " " * len(m.group(0)), text)


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence holding text[start:end]."""
    begin = 0
    for m in SENTENCE_END.finditer(text, 0, start):
        begin = m.end()
    after = SENTENCE_END.search(text, end)
    return begin, after.start() if after else len(text)


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text):  # noqa: B007 - the last one is wanted
        pass
    return found


def polarity_at(text: str, start: int, end: int) -> Polarity:
    """How the phrase text[start:end] is meant, from the cues in its own sentence: the nearest cue before it
    decides; with none before, a removal or a "no longer" after it ("X is no longer needed") does."""
    begin, finish = sentence_around(text, start, end)
    before = without_harmless(text[begin:start])
    after = without_harmless(text[end:finish])
    cues = []
    for kind, pattern in ((Polarity.ASKED, ASK), (Polarity.NEGATED, NEGATION), (Polarity.REMOVAL, REMOVAL),
                          (Polarity.HELD, HELD)):
        last = _last(pattern, before)
        if last:
            cues.append((last.end(), last.start(), kind))
    if cues:
        cues.sort()
        nearest = cues[-1][2]
        # "do not add X": the nearest cue is the request verb, but a negation governs it.
        if nearest == Polarity.ASKED and any(k in (Polarity.NEGATED, Polarity.REMOVAL) for _, s, k in cues
                                             if cues[-1][1] - s <= 12):
            return next(k for _, s, k in reversed(cues) if k in (Polarity.NEGATED, Polarity.REMOVAL))
        if nearest != Polarity.ASKED:
            return nearest
    if REMOVAL.search(after):
        return Polarity.REMOVAL
    if HELD.search(after) or NOT_NEEDED.search(after):
        return Polarity.NEGATED
    return Polarity.ASKED


def asks_something(text: str) -> bool:
    """TEXT holds a request verb that no negation governs ("please add", "could she have access to")."""
    return any(polarity_at(text, m.start(), m.end()) == Polarity.ASKED for m in ASK.finditer(text))
