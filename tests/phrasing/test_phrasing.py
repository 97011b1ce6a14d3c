"""The phrasing corpus, case by case and family by family: every message read exactly as expected, none misread.

"Misread" is the failure that matters: a request read with a wrong part, a question answered by the wrong guide,
or a message a person must read (a removal, two users, a request only in quoted text) read as a request to act on.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cache

import pytest

from parsers.app_names import ACCEPT_MARGIN, ACCEPT_SCORE, judge
from parsers.guidance import Topic
from parsers.request_reader import MessageText, read_in_two_passes
from tests.phrasing.corpus import Case, Register, Result, load_cases, load_register, read_case
from tests.phrasing.generate import OUT, generate

CASES = load_cases()
REGISTER = load_register()
FAMILIES = sorted({c.family for c in CASES})


@pytest.fixture(scope="module")
def register() -> Register:
    return REGISTER


@cache
def result_of(case_id: str) -> Result:
    """Each message is read once for the whole module (the case test and its family's test share it)."""
    return read_case(next(c for c in CASES if c.id == case_id), REGISTER)


def test_the_corpus_is_as_large_as_the_issue_asks() -> None:
    requests = [c for c in CASES if c.outcome == "permission" or c.expect.get("kind") == "permission_request"]
    questions = [c for c in CASES if c.outcome == "guidance" or c.family.startswith("question")]
    assert len(requests) >= 200, len(requests)
    assert len(questions) >= 100, len(questions)
    hard = Counter(c.family for c in CASES if c.family.startswith("hard-negative"))
    for family in ("removal", "negation", "two-users", "quoted-only", "question-mentioning-application"):
        assert hard[f"hard-negative-{family}"] >= 2 or family == "negation" and hard[f"hard-negative-{family}"], hard


def test_every_guide_is_asked_about() -> None:
    asked = {c.expect.get("topic") for c in CASES if c.outcome == "guidance"}
    assert asked == {t.value for t in Topic}


def test_the_generated_cases_are_what_the_generator_writes() -> None:
    assert OUT.read_text(encoding="utf-8") == generate(), "run `python -m tests.phrasing.generate` and commit"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.family}/{c.id}" for c in CASES])
def test_each_message_is_read_as_expected(case: Case) -> None:
    result = result_of(case.id)
    assert result.verdict == "understood", (result.why, result.got, case.expect,
                                            result.reading.not_understood() if result.reading else None)


@pytest.mark.parametrize("family", FAMILIES)
def test_no_family_is_misread(family: str) -> None:
    results = [result_of(c.id) for c in CASES if c.family == family]
    verdicts = Counter(r.verdict for r in results)
    assert verdicts["misread"] == 0, [(r.case.id, r.why) for r in results if r.verdict == "misread"]
    assert verdicts["understood"] == len(results), verdicts


def test_the_issue_reproductions_are_understood(register: Register) -> None:
    by_family: dict[str, list[str]] = defaultdict(list)
    for case in CASES:
        if case.family == "issue-reproduction":
            result = read_case(case, register)
            by_family[result.got["outcome"]].append(result.got.get("topic", ""))
    assert sorted(by_family["guidance"]) == ["password_reset", "who_is_primary"]
    assert len(by_family["permission"]) == 3


def test_slips_are_recognised_by_the_measured_margin_and_never_assumed() -> None:
    catalogue = REGISTER.catalogue
    slip = judge("Cervical Screning Results", catalogue)
    assert (slip.how, slip.name, slip.assumed) == ("slip", "Cervical Screening Results", False)
    assert slip.score >= ACCEPT_SCORE and slip.score - slip.runner_up >= ACCEPT_MARGIN
    # "send reports" is two edits from "Sender Reports" in a short word: suggested, never assumed.
    assert judge("send reports", catalogue).how == "suggested"
    assert judge("Screening Results", catalogue).how == "suggested"  # a word short: which application?
    assert judge("Flying Lessons", catalogue).how == "none"
    # Two catalogue names a slip apart: a word between them is a slip of neither by the margin, only near both.
    close = ("Sender Reports", "Sender Report")
    assert judge("Sender Reprt", close).how == "suggested"


@pytest.mark.parametrize("body", [
    "Organisation code: A81001\nUser: paul.brown2@nhs.net\nApplications: Call and Recal; Sender Reports\n"
    "Signatory role: GP Partner\n",
    "Please add Call and Recal and Sender Reports for paul.brown2@nhs.net at A81001.\n",
], ids=["template", "prose"])
def test_a_slip_is_carried_as_written_with_the_catalogue_name_only_suggested(body: str) -> None:
    reading = read_in_two_passes(MessageText(subject="Open Exeter", new_text=body), REGISTER.vocabulary(),
                                 REGISTER.users_of)
    assert reading.understood, reading.not_understood()
    assert reading.applications.items == ("Call and Recal", "Sender Reports")  # never "Call and Recall"
    slip = next(m for m in reading.mentions if m.how == "slip")
    assert (slip.written, slip.name, slip.suggestion) == ("Call and Recal", "Call and Recal", "Call and Recall")
    assert "did you mean Call and Recall?" in reading.applications.note
