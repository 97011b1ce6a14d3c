"""The form checks tell people which fields to complete by the labels printed on the form they filled in: the
published template's (parsers.form_template), read, never copied (docs/architecture.md, "Shared data")."""

from __future__ import annotations

from dataclasses import replace

import pytest

from parsers import form_template
from parsers.form_template import TEMPLATES
from rules.check import CheckResult
from tests.rules.test_decisions import GOOD_FORM, form_decision


def result_of(name: str, form: object) -> CheckResult:
    return next(r for r in form_decision(form).results if r.name == name)


def test_an_incomplete_form_names_each_empty_field_by_the_label_printed_on_the_form() -> None:
    empty = ("org_code", "pu_job_title", "sig_date")
    result = result_of("form.complete", replace(GOOD_FORM, **dict.fromkeys(empty, "")))
    printed = TEMPLATES[GOOD_FORM.form_type]
    assert result.details["fields"] == list(empty)
    assert result.details["labels"] == [printed.field(name).label for name in empty]
    assert result.explanation == "Empty or not valid: " + "; ".join(result.details["labels"]) + "."


def test_a_label_changed_in_the_template_is_the_label_the_checks_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """No copy to forget: the published form's wording changes in one place."""
    monkeypatch.setitem(form_template.LABELS, "pu_job_title", "Job title or role")
    incomplete = result_of("form.complete", replace(GOOD_FORM, pu_job_title=""))
    assert incomplete.details["labels"] == ["Job title or role"]
    unsure = {"fields": {"pu_job_title": {"how": "ocr", "confidence": 41.0, "unsure": True}}}
    uncertain = result_of("form.legible", replace(GOOD_FORM, pu_job_title="", how_read=unsure))
    assert uncertain.details["labels"] == ["Job title or role"]
