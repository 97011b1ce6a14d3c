"""What a signatory's answer to our confirmation request says: yes, no, or something a person must read.

Read from the new text only (the quoted request and the signature are already removed by parsers.quoting), the
way people answer: "Yes", "I confirm", "Approved", "Yes, that's fine", "Confirmed - thanks"; "No", "I did not sign
this", "Not authorised", "I don't know this person". Each sentence, and each clause within it, is read on its own:
a word of assent counts as refusal when a negation comes just before it in the same clause ("not approved",
"I can't confirm", "never signed"), and "confirm that ..." takes the meaning of what follows it. Anything that is
not plainly one or the other is `unclear` and goes to staff: both yes and no, a question (it wants a person's
answer), a condition ("yes, if ...", "yes, but ..."), doubt ("not sure"), or no answer at all. Guessing wrong
either way costs more than a person reading it, so the reader never guesses. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

YES, NO, UNCLEAR = "yes", "no", "unclear"
MAX_CHARS = 4000  # an answer is a line or two; a long text is read only this far

YES_WORDS = frozenset({
    "yes", "yeah", "yep", "yup", "confirm", "confirmed", "confirming", "approve", "approved", "agree", "agreed",
    "authorise", "authorised", "authorize", "authorized", "correct", "fine", "genuine", "legitimate", "valid",
    "signed", "sign", "proceed", "happy", "go-ahead",
})
CONFIRM_WORDS = frozenset({"confirm", "confirmed", "confirming"})
NO_WORDS = frozenset({
    "no", "nope", "nah", "decline", "declined", "reject", "rejected", "refuse", "refused", "deny", "denied",
    "fraud", "fraudulent", "scam", "fake", "forged", "forgery", "suspicious", "phishing", "incorrect", "wrong",
    "unauthorised", "unauthorized", "cancel", "stop",
})
NEGATIONS = frozenset({
    "not", "never", "cannot", "can't", "cant", "don't", "dont", "didn't", "didnt", "won't", "wont", "isn't",
    "wasn't", "haven't", "hasn't", "hadn't", "doesn't", "unable", "neither", "nor", "nobody", "without",
})
NEGATION_REACH = 3  # words back from an assent that a negation still reaches ("did not actually sign")
HEDGES = frozenset({"if", "but", "unless", "except", "however", "although", "though", "provided", "providing",
                    "assuming", "only"})
# Set phrases, read before the words: idioms of assent that contain "no", and plain refusals or doubt.
ASSENT_IDIOMS = re.compile(r"\b(no|not an?) (problems?|worries|issues?|objections?|concerns?)\b"
                           r"|\bthat'?s right\b|\bthat is right\b")
# "no" before these nouns describes, it does not answer: an auto-reply's "no access to email" is not a refusal.
DESCRIPTIVE_NO = re.compile(r"\bno (longer|access|signal|internet|wi-?fi|phone|mobile|e-?mails?|network|connection|"
                            r"reception|replies|reply|response)\b")
GO_AHEAD = re.compile(r"\bgo ahead\b")  # one word of assent, so that "do not go ahead" is a refusal
REFUSALS = re.compile(
    r"\b(don'?t|do not|did not|didn'?t) (know|recogni[sz]e)\b|\bnever heard of\b|\bnot me\b|\bwasn'?t me\b"
    r"|\bnothing to do with me\b|\bno idea\b|\bnot (my|our) (form|request|signature)\b")
DOUBTS = re.compile(
    r"\bnot sure\b|\bunsure\b|\b(don'?t|do not|can'?t|cannot) (remember|recall)\b|\bcheck with\b"
    r"|\bget back to you\b|\b(will|let me|need to) check\b|\b(call|ring|phone) me\b|\bnot yet\b|\bwait\b")
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
CLAUSE_BREAK = re.compile(r",|\s[-\u2013\u2014]+\s|:|\(|\)")
WORD = re.compile(r"[a-z]+(?:'[a-z]+|-ahead)?")


@dataclass(frozen=True)
class Answer:
    kind: str  # yes / no / unclear
    why: str  # plain English for staff: which words decided it


def _normalised(text: str) -> str:
    text = text[:MAX_CHARS].lower().replace("\u2019", "'").replace("\u2018", "'")
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


@dataclass
class _Signals:
    yes: list[str]
    no: list[str]
    doubt: list[str]


def _clause(words: list[str], signals: _Signals) -> None:
    """Assent and refusal words of one clause, a negation just before an assent turning it into refusal."""
    found: list[tuple[int, str, str]] = []  # (position, yes/no, word)
    for i, word in enumerate(words):
        negated = any(w in NEGATIONS for w in words[max(0, i - NEGATION_REACH):i])
        if word in YES_WORDS:
            found.append((i, NO if negated else YES, f"{'... ' if negated else ''}{word}"))
        elif word in NO_WORDS and (word == "no" or not negated):  # "not wrong" refuses nothing
            found.append((i, NO, word))
    # "I confirm (that) I did not sign": "confirm" means what follows it, when something follows.
    confirms = [f for f in found if f[2] in CONFIRM_WORDS and f[1] == YES]
    if confirms and any(f[0] > confirms[0][0] and f[2] not in CONFIRM_WORDS for f in found):
        found = [f for f in found if f not in confirms]
    for _, kind, word in found:
        (signals.yes if kind == YES else signals.no).append(word)


def _sentence(sentence: str, signals: _Signals) -> None:
    signals.doubt += [f'"{m.group(0)}"' for m in DOUBTS.finditer(sentence)]
    refusal = REFUSALS.search(sentence)
    if refusal:
        signals.no.append(refusal.group(0))
        sentence = REFUSALS.sub(" ", sentence)
    sentence = DESCRIPTIVE_NO.sub(" ", sentence)
    for idiom in ASSENT_IDIOMS.finditer(sentence):
        signals.yes.append(idiom.group(0))
    sentence = GO_AHEAD.sub("go-ahead", ASSENT_IDIOMS.sub(" ", sentence))
    before = len(signals.yes) + len(signals.no)
    for clause in CLAUSE_BREAK.split(sentence):
        _clause(WORD.findall(clause), signals)
    said_something = len(signals.yes) + len(signals.no) > before or refusal is not None
    hedge = next((w for w in WORD.findall(sentence) if w in HEDGES), None)
    if said_something and hedge:
        signals.doubt.append(f'"{hedge}"')


def read_answer(text: str) -> Answer:
    """YES, NO or UNCLEAR for the new text of an answer, with the words that decided it."""
    normal = _normalised(text)
    if normal in ("y", "y."):
        return Answer(YES, '"y"')
    if normal in ("n", "n."):
        return Answer(NO, '"n"')
    signals = _Signals([], [], [])
    for sentence in SENTENCE_END.split(normal):
        sentence = sentence.strip()
        if sentence.endswith("?"):
            # A question wants an answer from a person, whatever else the reply says.
            signals.doubt.append(f"a question (\"{sentence[:60]}\")")
        elif sentence:
            _sentence(sentence, signals)
    quoted = ", ".join(f'"{w}"' for w in dict.fromkeys(signals.yes + signals.no))
    if signals.doubt:
        return Answer(UNCLEAR, "doubt, a condition or a question: " + ", ".join(dict.fromkeys(signals.doubt)))
    if signals.yes and not signals.no:
        return Answer(YES, f"says {quoted}")
    if signals.no and not signals.yes:
        return Answer(NO, f"says {quoted}")
    if signals.yes and signals.no:
        return Answer(UNCLEAR, f"says both yes and no: {quoted}")
    return Answer(UNCLEAR, "does not say yes or no" if normal else "no new text (only a quotation or nothing)")
