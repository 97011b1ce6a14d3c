"""The register as words to look for in a message: organisation codes and names, users' addresses, usernames and
names, signatory roles. Plain data in, plain matches out; the shell passes the register snapshot in."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from parsers.vocabulary.roles import ROLE_LABELS, parse_role

EMAIL = re.compile(r"(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
GP_CODE = re.compile(r"(?<![\w-])([A-Z]\d{5})(?![\w-])")
ANY_CODE = re.compile(r"\b([A-Z][A-Z0-9]{2,5}|[A-Z]\d{5})\b")
# Compiled once: re.finditer(pattern string, ...) looks each up in re's cache at every call (many a message).
_CODE_WORD = re.compile(r"(?<![\w@.-])([A-Za-z][A-Za-z0-9]{2,5})(?![\w@-])")
_USERNAME_WORD = re.compile(r"(?<![\w@.-])([A-Za-z][A-Za-z0-9._-]*\d[A-Za-z0-9]*)(?![\w@-])")
USERNAME_AFTER_LABEL = re.compile(r"\b(?:user\s?name|user\s?id|login|log-in|username is)\s*(?:is|:|-)?\s*"
                                  r"([A-Za-z][A-Za-z0-9._-]{2,30}\d[A-Za-z0-9]*)\b", re.I)
# Words that name the kind of organisation rather than which one: "The Oakwood Surgery" is found as "Oakwood".
GENERIC_ORG_WORDS = frozenset({
    "the", "surgery", "practice", "medical", "centre", "center", "health", "group", "nhs", "trust", "hospital",
    "hospitals", "foundation", "service", "services", "clinic", "partnership", "and", "&", "of", "gp", "pcn",
    "primary", "care", "network", "sexual", "family", "doctors", "community",
})
ORG_KIND_WORDS = ("surgery", "practice", "medical", "centre", "trust", "hospital", "service", "clinic")
NAME_SUGGEST_SCORE = 85.0
ROLE_WORDINGS = re.compile(
    r"\b(lead\s+gp|lead\s+general\s+practitioner|senior\s+(?:gp\s+)?partner|gp\s+partner|general\s+practitioner\s+"
    r"partner|partner|caldicott\s+guardian|caldicott\s+lead|member\s+of\s+the\s+board(?:\s+of\s+directors)?|"
    r"board\s+member|existing\s+primary\s+(?:user|contact)|primary\s+contact|practice\s+manager|"
    r"assistant\s+practice\s+manager|business\s+manager|salaried\s+gp|office\s+manager|administrator|"
    r"medical\s+secretary|receptionist|screening\s+lead|clinical\s+lead)\b", re.I)


@dataclass(frozen=True)
class OrgEntry:
    code: str
    name: str


@dataclass(frozen=True)
class UserEntry:
    username: str
    full_name: str
    email: str
    status: str = "active"


@dataclass(frozen=True)
class Vocabulary:
    """What the reader may match words against. USERS are those of the organisation USERS_OF (the shell loads them
    once the organisation is read: a register of thousands of practices is never loaded whole)."""

    catalogue: tuple[str, ...] = ()
    organisations: tuple[OrgEntry, ...] = ()
    users_of: str = ""
    users: tuple[UserEntry, ...] = field(default=())


@dataclass(frozen=True)
class Found:
    """One thing found in the text: what it identifies (KEY), how it was written, and how it was found."""

    key: str  # the organisation code, or the user's register username (lower-case) or address
    value: str  # what the request will carry: the code, the user's address or username
    written: str
    how: str  # e.g. "ODS code", "organisation name", "email address", "username", "name in the register"
    suggestion: bool = False  # near, not exact: shown, never acted on


def core_words(org_name: str) -> list[str]:
    words = re.findall(r"[a-z0-9']+", org_name.lower().replace("&", " and "))
    return [w for w in words if w not in GENERIC_ORG_WORDS]


def _phrase(words: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + r"[\s-]+".join(re.escape(w) for w in words) + r"(?![\w-])", re.I)


# Names come from the register, and every message looks for every organisation's and its users'
# names again: their patterns are compiled once a name, not once a text (re's own cache holds 512, fewer than a
# register's names, so it compiled them all again each time). A register change reads new entries with the same
# names, which find their patterns here still. Bounded: a few MB at the most.
KEPT_NAMES = 16384


@lru_cache(maxsize=KEPT_NAMES)
def _needed_word(name: str) -> str | None:
    """A word any mention of the organisation called NAME holds, its longest distinctive word (ASCII, as core_words
    are); None when its name has none, so that it is never looked for."""
    words = core_words(name)
    return max(words, key=len) if words else None


@lru_cache(maxsize=KEPT_NAMES)
def _org_name_patterns(name: str) -> tuple[re.Pattern[str], re.Pattern[str], bool]:
    """The organisation called NAME (which has distinctive words) as the text may name it: written whole, and by
    its distinctive words (True: there is only one, which counts only in company)."""
    words = core_words(name)
    return _phrase(re.findall(r"[a-z0-9']+", name.lower().replace("&", " and "))), _phrase(words), len(words) == 1


# The characters other than A-Z that a case-blind pattern takes for a-z (Python's re: dotted and dotless I, long S,
# the Kelvin sign); tests/phrasing/test_org_name_prefilter.py checks the list against re itself.
CASE_BLIND_LOOKALIKES = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def _letters(text: str) -> str:
    """TEXT as a case-blind pattern's a-z see it, one character for one: an ASCII word the patterns above could
    find in TEXT is a substring of this, so a name whose needed word is not in it is not looked for (a register of
    thousands of organisations is thousands of pattern searches a text otherwise)."""
    return text.translate(CASE_BLIND_LOOKALIKES).lower()


@lru_cache(maxsize=KEPT_NAMES)
def _user_name_pattern(full_name: str) -> re.Pattern[str] | None:
    """A user's full name, titles left out, as the text may write it; None when fewer than two words remain."""
    name_words = [w for w in re.findall(r"[A-Za-z'’-]+", full_name) if w.lower() not in ("dr", "mr", "mrs", "ms",
                                                                                          "miss")]
    return _phrase([w.lower() for w in name_words]) if len(name_words) >= 2 else None


@dataclass(frozen=True)
class OrgIndex:
    """A register's organisations as the finders below look them up, made once per tuple of organisations (the
    shell hands the same tuple for every message while the register stays the same), not once per text."""

    codes: frozenset[str]  # every code, upper-cased
    by_word: dict[str, tuple[int, ...]]  # needed word (_needed_word) -> the places of the organisations needing it
    word_lengths: tuple[int, ...]  # the lengths of the needed words, longest first

    def named_in(self, letters: str) -> list[int]:
        """The places, in order, of the organisations whose needed word is in LETTERS (a substring anywhere, as
        `needed in letters`). A needed word is all a-z, 0-9 and ', so it lies inside a run of those: for a short
        text its runs' pieces of each needed length are looked up (a few hundred look-ups), for a long one each
        needed word is looked for; both find the same words."""
        runs = set(_WORD_CHARS.findall(letters))
        by_pieces = sum(len(run) for run in runs) * len(self.word_lengths) <= len(self.by_word)
        words = self.words_in_runs(runs) if by_pieces else self.words_in(letters)
        return sorted(place for word in words for place in self.by_word[word])

    def words_in_runs(self, runs: set[str]) -> set[str]:
        """The needed words that are a piece of one of RUNS."""
        return {run[i:i + size] for run in runs for size in self.word_lengths
                for i in range(len(run) - size + 1)}.intersection(self.by_word)

    def words_in(self, letters: str) -> set[str]:
        """The needed words in LETTERS."""
        return {word for word in self.by_word if word in letters}


_WORD_CHARS = re.compile(r"[a-z0-9']+")  # what core_words are made of
_INDEXES: dict[int, tuple[tuple[OrgEntry, ...], OrgIndex]] = {}
_INDEXES_LOCK = threading.Lock()
KEPT_INDEXES = 4  # a few registers' (one process may serve several stores); each holds its tuple, so ids stay apt


def org_index(organisations: tuple[OrgEntry, ...]) -> OrgIndex:
    """ORGANISATIONS indexed (kept for the same tuple object: the index is read-only)."""
    with _INDEXES_LOCK:
        held = _INDEXES.get(id(organisations))
    if held is not None and held[0] is organisations:
        return held[1]
    by_word: dict[str, list[int]] = {}
    for place, org in enumerate(organisations):
        needed = _needed_word(org.name)
        if needed is not None:
            by_word.setdefault(needed, []).append(place)
    index = OrgIndex(frozenset(o.code.upper() for o in organisations),
                     {word: tuple(places) for word, places in by_word.items()},
                     tuple(sorted({len(word) for word in by_word}, reverse=True)))
    with _INDEXES_LOCK:  # two threads may both make one: either may stay
        while len(_INDEXES) >= KEPT_INDEXES:
            _INDEXES.pop(next(iter(_INDEXES)))
        _INDEXES[id(organisations)] = (organisations, index)
    return index


def find_org_codes(text: str, vocabulary: Vocabulary, *, loose: bool = False) -> list[Found]:
    """Organisation codes in TEXT: any known code as a word (any case); an unknown one only in the GP practice
    shape (A81001, capitals), or in any ODS shape when LOOSE (a labelled value)."""
    known = org_index(vocabulary.organisations).codes
    found: list[Found] = []
    for m in _CODE_WORD.finditer(text):
        code = m.group(1).upper()
        if code in known and any(ch.isdigit() for ch in code):
            found.append(Found(code, code, m.group(1), "ODS code"))
    pattern = ANY_CODE if loose else GP_CODE
    source = text.upper().replace(" ", "") if loose else text
    for m in pattern.finditer(source):
        code = m.group(1).upper()
        if code not in known and any(ch.isdigit() for ch in code):
            found.append(Found(code, code, m.group(1), "ODS code (not in the register)"))
    return found


def find_org_names(text: str, vocabulary: Vocabulary) -> list[Found]:
    """Organisations named in TEXT by the distinctive words of their registered name ("Oakwood" for "The Oakwood
    Surgery"); a one-word name counts only beside a word like "surgery" or "practice", or written whole."""
    found = []
    organisations = vocabulary.organisations
    for place in org_index(organisations).named_in(_letters(text)):  # those whose needed word is in the text
        org = organisations[place]
        whole, distinctive, one_word = _org_name_patterns(org.name)
        m = whole.search(text)
        if m is None:
            m = distinctive.search(text)
            if m is not None and one_word:
                beside = text[max(0, m.start() - 20):m.end() + 25].lower()
                after_preposition = re.search(r"\b(at|from|of)\s+(the\s+)?$", text[max(0, m.start() - 12):m.start()],
                                              re.I)
                if not after_preposition and not any(w in beside for w in ORG_KIND_WORDS):
                    m = None
        if m is not None:
            found.append(Found(org.code.upper(), org.code.upper(), m.group(0), "organisation name"))
    return found


def user_key(user: UserEntry) -> str:
    return user.username.lower()


def user_value(user: UserEntry) -> str:
    return user.email or user.username


def find_users(text: str, vocabulary: Vocabulary, *, exclude: set[str]) -> list[Found]:
    """Users named in TEXT: addresses (any, the sender's and ours excluded), the organisation's usernames, a
    username after "username", and the organisation's users' full names (exact, any case; near ones only as
    suggestions)."""
    users = [u for u in vocabulary.users if u.email.lower() not in exclude]
    by_email = {u.email.lower(): u for u in users if u.email}
    by_username = {u.username.lower(): u for u in users}
    found: list[Found] = []
    for m in EMAIL.finditer(text):
        email = m.group(0).lower().rstrip(".")
        if email in exclude:
            continue
        user = by_email.get(email)
        found.append(Found(user_key(user) if user else email, email, m.group(0), "email address"))
    for m in _USERNAME_WORD.finditer(text):
        user = by_username.get(m.group(1).lower())
        if user is not None:
            found.append(Found(user_key(user), user.username, m.group(1), "username"))
    for m in USERNAME_AFTER_LABEL.finditer(text):
        name = m.group(1)
        if name.lower() not in by_username and not EMAIL.match(name):
            found.append(Found(name.lower(), name, name, "username (not in the register)"))
    lowered = " ".join(text.split())
    for user in users:
        pattern = _user_name_pattern(user.full_name)
        named = pattern.search(lowered) if pattern is not None else None
        if named:
            found.append(Found(user_key(user), user_value(user), named.group(0), "name in the register"))
    if not found:
        found += _near_names(lowered, users)
    return found


def _near_names(text: str, users: list[UserEntry]) -> list[Found]:
    """Names written slightly differently from the register ("Paul Browne"): suggestions only."""
    words = re.findall(r"[A-Za-z'’-]+", text)
    found = []
    for user in users:
        target = " ".join(user.full_name.lower().split())
        size = len(target.split())
        for i in range(len(words) - size + 1):
            window = " ".join(words[i:i + size]).lower()
            if window[:1] == target[:1] and fuzz.ratio(window, target) >= NAME_SUGGEST_SCORE:
                found.append(Found(user_key(user), user_value(user), " ".join(words[i:i + size]),
                                   "name near one in the register", suggestion=True))
                break
    return found


def find_roles(text: str) -> list[tuple[str, str]]:
    """(label, as written) for every role wording in TEXT: a signatory role's printed label where it is one
    (section 5), else the job title as written ("Practice Manager")."""
    found = []
    for m in ROLE_WORDINGS.finditer(text):
        written = " ".join(m.group(0).split())
        role = parse_role(written) or parse_role(re.sub(r"^senior\s+(gp\s+)?", "", written, flags=re.I))
        found.append((ROLE_LABELS[role] if role else written.title().replace("Gp", "GP"), written))
    return found
