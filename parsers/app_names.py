"""Application names as people write them, matched against the catalogue: whole names in any case and spacing,
"&" for "and", acronyms of three letters or more ("PNL"), and small spelling slips (rapidfuzz).

A slip is never corrected (SPEC 10: "suggested, not assumed"): the request carries the name as written, which is
not in the catalogue, and the reply asks "did you mean ...?". A window of text is *recognised* as a slip of one
catalogue name only when that is unambiguous: every word is at most one edit from the catalogue's word, the whole at
most two, words of four letters or fewer exact, the similarity at least ACCEPT_SCORE and at least ACCEPT_MARGIN
ahead of the next catalogue name. Then the reader knows an application was meant, where the list of applications
is, and which name to suggest. These bounds are measured on the phrasing corpus (bench/bench_phrasing.py prints the
scores of every slip and of the nearest wrong names). Anything looser is only a *suggestion*: the reader cannot
tell whether an application is meant at all, so a person reads the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

# Measured on the corpus (bench/bench_phrasing.py): the slips people make scored 92.9-98.0, the next catalogue
# name 38-53 points behind; ordinary text came no closer than 87.8 ("Prior notification" without "List"), which
# the same-number-of-words rule refuses anyway. The bounds leave room on both sides. They decide which slips are
# recognised (and answered with one suggestion); none is ever granted.
ACCEPT_SCORE = 88.0
ACCEPT_MARGIN = 25.0
SUGGEST_SCORE = 75.0
MAX_EDITS = 2
SHORT_WORD = 4  # words this short must be exact: "send" is not a slip of "sender"
MIN_ACRONYM = 3

WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_AND = re.compile(r"\s*[&+]\s*")
_PUNCTUATION = re.compile(r"[^\w']+")


def normalise(text: str) -> str:
    """Lower case, "&" and "+" read as "and", punctuation as spaces, one space between words."""
    text = _AND.sub(" and ", text.casefold())
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def acronym(name: str) -> str:
    """"Prior Notification List" -> "PNL"; small words ("and", "of") are skipped."""
    return "".join(w[0] for w in name.split() if w.lower() not in {"and", "of", "the", "for", "&"}).upper()


@dataclass(frozen=True)
class NameMatch:
    written: str  # as in the text
    name: str  # the catalogue's spelling ("" when nothing is near enough to suggest)
    how: str  # exact / acronym / slip (unambiguous by the margin) / suggested / none
    score: float  # 0-100 similarity to `name`
    runner_up: float  # similarity to the next nearest catalogue name
    start: int  # position in the text read
    end: int

    @property
    def assumed(self) -> bool:
        """The catalogue name may be acted on: written exactly (any case and spacing) or as its acronym. A slip
        never is, however clear: it is suggested to the sender."""
        return self.how in ("exact", "acronym")


@lru_cache(maxsize=32)
def _prepared(catalogue: tuple[str, ...]) -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """The catalogue by normalised name, and (normalised, name) pairs: made once per catalogue, not per window."""
    pairs = tuple((normalise(c), c) for c in catalogue)
    return dict(pairs), pairs


@lru_cache(maxsize=32)
def _acronyms(catalogue: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The catalogue's names by their acronym, for acronyms of MIN_ACRONYM letters or more: made once per
    catalogue."""
    names: dict[str, list[str]] = {}
    for name in catalogue:
        short = acronym(name)
        if len(short) >= MIN_ACRONYM:
            names.setdefault(short, []).append(name)
    return {short: tuple(found) for short, found in names.items()}


@lru_cache(maxsize=32)
def _acronym_patterns(catalogue: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(name, its acronym as a word, a plural "s" allowed) for each name whose acronym no other name shares, in the
    catalogue's order."""
    unique = _acronyms_of(catalogue)
    return tuple((name, re.compile(rf"(?<![\w-]){re.escape(unique[name])}s?(?![\w-])"))
                 for name in catalogue if name in unique)


def _scores(written: str, catalogue: tuple[str, ...]) -> list[tuple[float, str]]:
    key = normalise(written)
    return sorted(((fuzz.ratio(key, n), c) for n, c in _prepared(catalogue)[1]), reverse=True)


def _small_slip(written: str, name: str) -> bool:
    got, want = normalise(written).split(), normalise(name).split()
    if len(got) != len(want):
        return False
    edits = 0
    for g, w in zip(got, want, strict=True):
        d = DamerauLevenshtein.distance(g, w)
        if d and (d > 1 or min(len(g), len(w)) <= SHORT_WORD):
            return False
        edits += d
    return edits <= MAX_EDITS


def judge(written: str, catalogue: tuple[str, ...], start: int = 0, end: int = 0) -> NameMatch:
    """How WRITTEN relates to the catalogue: exact, an acronym, a slip of one name, a suggestion, or nothing."""
    end = end or start + len(written)
    exact = _prepared(catalogue)[0]
    if normalise(written) in exact:
        return NameMatch(written, exact[normalise(written)], "exact", 100.0, 0.0, start, end)
    acronyms = _acronyms(catalogue).get(written.strip(), ())
    if len(acronyms) == 1:
        return NameMatch(written, acronyms[0], "acronym", 100.0, 0.0, start, end)
    scores = _scores(written, catalogue)
    if not scores:
        return NameMatch(written, "", "none", 0.0, 0.0, start, end)
    (best, name), runner_up = scores[0], (scores[1][0] if len(scores) > 1 else 0.0)
    if best >= ACCEPT_SCORE and best - runner_up >= ACCEPT_MARGIN and _small_slip(written, name):
        return NameMatch(written, name, "slip", best, runner_up, start, end)
    if best >= SUGGEST_SCORE:
        return NameMatch(written, name, "suggested", best, runner_up, start, end)
    return NameMatch(written, "", "none", best, runner_up, start, end)


def suggestion(written: str, catalogue: tuple[str, ...]) -> str:
    """The catalogue name nearest WRITTEN when one is near enough to suggest; "" otherwise."""
    found = judge(written, catalogue)
    return found.name if found.how in ("slip", "suggested") else ""


@lru_cache(maxsize=256)
def _flexible(name: str) -> re.Pattern[str]:
    """NAME in any case and spacing, its "and" also written "&", "+" or "/" ("Call/Recall")."""
    pattern = ""
    for i, w in enumerate(name.split()):
        if w.lower() in ("and", "&"):
            pattern += r"(?:\s*(?:and|&|\+)\s*|\s*/\s*)"
        else:
            pattern += (r"[\s-]*" if i and not pattern.endswith(")") else "") + re.escape(w)
    return re.compile(r"(?<![\w-])" + pattern + r"(?![\w-])", re.IGNORECASE)


def _may_hold(lowered: str | None, name: str) -> bool:
    """Whether _flexible(NAME) may match a text, LOWERED being its lower case when it is ASCII (None: it is not, so
    it may). Each word of NAME but "and" and "&" is in every match; for ASCII on both sides, IGNORECASE matches a
    letter only as its lower or upper case, so each word is in LOWERED too. The patterns, starting with a look-behind,
    are tried at every character of the text: a name whose words are not there is not looked for."""
    if lowered is None or not name.isascii():
        return True
    return all(w.lower() in lowered for w in name.split() if w.lower() not in ("and", "&"))


@lru_cache(maxsize=32)
def _acronyms_of(catalogue: tuple[str, ...]) -> dict[str, str]:
    """The acronym each name of _acronym_patterns(CATALOGUE) is looked for as."""
    return {names[0]: short for short, names in _acronyms(catalogue).items() if len(names) == 1}


def _words(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in WORD.finditer(text)]


def find_names(text: str, catalogue: tuple[str, ...]) -> list[NameMatch]:
    """Every mention of a catalogue application in TEXT, in order: whole names first, then acronyms, then word
    windows as long as a catalogue name that are near one (a slip by the margin, or a looser suggestion)."""
    taken: list[tuple[int, int]] = []
    found: list[NameMatch] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    lowered = text.lower() if text.isascii() else None
    for name in sorted(catalogue, key=len, reverse=True):
        if not _may_hold(lowered, name):
            continue
        for m in _flexible(name).finditer(text):
            if free(m.start(), m.end()):
                taken.append((m.start(), m.end()))
                found.append(NameMatch(m.group(0), name, "exact", 100.0, 0.0, m.start(), m.end()))
    for name, pattern in _acronym_patterns(catalogue):
        if _acronyms_of(catalogue)[name] not in text:  # (the pattern's first characters, case and all)
            continue
        for m in pattern.finditer(text):
            if free(m.start(), m.end()):
                taken.append((m.start(), m.end()))
                found.append(NameMatch(m.group(0), name, "acronym", 100.0, 0.0, m.start(), m.end()))
    words = _words(text)
    lengths = sorted({len(c.split()) for c in catalogue if len(c.split()) >= 2})
    windows = []
    pairs = _prepared(catalogue)[1]
    for size in lengths:
        for i in range(len(words) - size + 1):
            a, b = words[i][0], words[i + size - 1][1]
            if free(a, b) and "\n" not in text[a:b]:
                key = normalise(text[a:b])
                if not any(fuzz.ratio(key, n, score_cutoff=SUGGEST_SCORE) for n, _ in pairs):
                    continue
                match = judge(text[a:b], catalogue, a, b)
                if match.how in ("slip", "suggested") and len(match.name.split()) == size:
                    windows.append(match)
    # The best window wins where windows overlap: "Prior Notifcation List", not "to Prior Notifcation".
    for match in sorted(windows, key=lambda m: (m.how != "slip", -m.score, m.start)):
        if free(match.start, match.end):
            taken.append((match.start, match.end))
            found.append(match)
    return sorted(found, key=lambda m: m.start)
