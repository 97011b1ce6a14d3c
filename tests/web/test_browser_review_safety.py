"""Issue 18 in a real browser (Debian's chromium through Playwright) against `mailbot web` as its own process:
approvals show and bound their effect (a signatory is added only when ticked, with how they were verified; an
own-account request is said so; corrections are shown against the form), a second member of staff confirms an
approval over an unauthenticated take-over, closed cases read as closed and can be reopened, the page speaks plain
English, and Back, refresh and links behave (previews are GETs; messages come from the session, not the URL).

Screenshots of the preview and of the second-person confirmation go to test-output/web/; with
MAILBOT_SCREENSHOTS_TO_DOCS=1 they replace the committed ones in docs/screenshots/ (so an ordinary run leaves the
tree clean)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.staff import add_staff
from tests.support.cli import ROOT
from tests.support.web_server import chromium, log_in, new_page, seeded_store, serving
from tests.web.seed import NOW, STAFF_NAME, STAFF_PASSWORD, seed
from tests.web.seed_review import OWN_ACCOUNT, STRANGER, seed_review_cases

SCREENSHOTS = ROOT / ("docs/screenshots" if os.environ.get("MAILBOT_SCREENSHOTS_TO_DOCS") == "1"
                      else "test-output/web")
SECOND_NAME, SECOND_PASSWORD = "Kim Checker", "another long pass phrase"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    """`mailbot web` on a free port over the seeded store, with the issue's cases and a second member of staff."""
    folder = tmp_path_factory.mktemp("web-review")
    store_url = seeded_store(folder, sqlite_template, seed, seed_review_cases,
                             lambda session: add_staff(session, SECOND_NAME, SECOND_PASSWORD, now=NOW, by="test"))
    with serving(folder, store_url) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    with chromium() as found:
        yield found


def logged_in_page(browser: object, server: str, name: str = STAFF_NAME, password: str = STAFF_PASSWORD) -> object:
    """A logged-in page in its own browser context (its own cookies: one member of staff each)."""
    page = new_page(browser, server, width=1100)  # type: ignore[arg-type]
    log_in(page, name, password)
    return page


def shot(page: object, name: str) -> None:
    """A small PNG of what staff see (the viewport only, 1:1)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=False)  # type: ignore[attr-defined]


def test_approving_an_unauthenticated_replacement_needs_a_second_person(browser: object, server: str) -> None:
    from playwright.sync_api import Page, expect

    first = logged_in_page(browser, server)
    assert isinstance(first, Page)
    first.goto(f"/cases/{STRANGER}")
    expect(first.locator("#reasons")).to_contain_text("Sender could not be confirmed")
    # The take-over the review found: two corrections turn a stranger's form into a replacement.
    first.get_by_label("Request", exact=True).select_option("replacement")
    first.get_by_label("Primary User it replaces (email)").fill("jane.smith@nhs.net")
    first.get_by_role("button", name="Check and preview approval").click()
    expect(first.get_by_role("heading", name=f"Approve {STRANGER}?")).to_be_visible()
    corrected = first.locator("#corrected")
    expect(corrected).to_contain_text("An additional Primary User")  # what the form said
    expect(corrected).to_contain_text("Replacing a Primary User")  # what it was corrected to
    expect(first.locator("#changes")).to_contain_text("JSMITH1: no longer a Primary User")
    needed = first.locator("#second-person-needed")
    expect(needed).to_contain_text("Sender could not be confirmed")
    expect(needed).to_contain_text("changes who has Organisation Maintenance")
    first.get_by_role("button", name="Approve (a second person must confirm)").click()
    expect(first.get_by_role("status")).to_contain_text("Your approval is recorded")
    expect(first.locator("#case-outcome")).to_contain_text(f"Approved by {STAFF_NAME}")
    expect(first.locator("#case-outcome")).to_contain_text("waiting for a second member of staff")
    expect(first.locator("#second-person-self")).to_be_visible()
    # The same person cannot confirm it, even by going to the confirmation page directly.
    first.goto(f"/cases/{STRANGER}/approve")
    expect(first.locator("#second-person-self")).to_contain_text("cannot confirm it")
    expect(first.locator("#confirm-approval")).to_have_count(0)
    first.context.close()

    second = logged_in_page(browser, server, SECOND_NAME, SECOND_PASSWORD)
    assert isinstance(second, Page)
    second.goto(f"/cases/{STRANGER}")
    expect(second.locator("#second-person")).to_contain_text(f"{STAFF_NAME} approved this case")
    second.get_by_role("link", name="Check their approval").click()
    expect(second.get_by_role("heading", name=f"Confirm the approval of {STRANGER}?")).to_be_visible()
    expect(second.locator("#corrected")).to_contain_text("jane.smith@nhs.net")
    expect(second.locator("#changes")).to_contain_text("created user MSTRANGER1")
    shot(second, "second-person-confirmation.png")
    second.get_by_role("button", name="Confirm the approval and send").click()
    expect(second.get_by_role("status")).to_contain_text("The case was approved")
    expect(second.locator("#case-outcome")).to_contain_text(f"decided by {STAFF_NAME} and {SECOND_NAME}")
    # The replaced Primary User is told it was as corrected by PCSE, not "as the form asked".
    second.get_by_text("to jane.smith@nhs.net").click()
    expect(second.locator("#case-mails")).to_contain_text("(as corrected by PCSE)")
    second.context.close()


def test_the_preview_lists_a_signatory_being_added_only_when_ticked_and_back_works(browser: object,
                                                                                  server: str) -> None:
    from playwright.sync_api import Page, expect

    page = logged_in_page(browser, server)
    assert isinstance(page, Page)
    page.goto(f"/cases/{OWN_ACCOUNT}")
    page.get_by_role("button", name="Check and preview approval").click()
    expect(page.locator("#own-account")).to_contain_text("for their own account (PBROWN2)")
    expect(page.locator("#signatory-not-added")).to_contain_text("does not add them to the signatory register")
    expect(page.locator("#changes")).not_to_contain_text("signatory register")
    # Ticking without saying how is not enough.
    page.get_by_label("Record Paul Brown as a verified GP Partner of A81001").check()
    page.get_by_role("button", name="Show the approval with this record").click()
    expect(page.locator("#tick-error")).to_contain_text("Choose how you verified the signatory")
    page.get_by_label("Record Paul Brown as a verified GP Partner of A81001").check()
    page.get_by_label("Phoned the organisation on the number we hold on record").check()
    page.get_by_role("button", name="Show the approval with this record").click()
    changes = page.locator("#changes")
    expect(changes).to_contain_text("Add Paul Brown (paul.brown2@nhs.net) to the signatory register of A81001 "
                                    "as GP Partner, verified: phoned the organisation on the number we hold")
    shot(page, "approve-preview.png")
    # Back and refresh: the previews are GETs, so no "Confirm Form Resubmission" and nothing is done twice.
    page.go_back()
    expect(page.get_by_role("heading", name=f"Approve {OWN_ACCOUNT}?")).to_be_visible()
    expect(page.locator("#tick-error")).to_be_visible()
    page.go_back()
    expect(page.locator("#signatory-not-added")).to_be_visible()
    page.reload()
    expect(page.locator("#signatory-not-added")).to_be_visible()
    page.go_forward()
    page.go_forward()
    expect(changes).to_contain_text("Add Paul Brown (paul.brown2@nhs.net)")
    page.get_by_role("button", name="Approve (a second person must confirm)").click()
    expect(page.get_by_role("status")).to_contain_text("Your approval is recorded")
    # Back to the preview after approving: it shows the recorded approval, and approves nothing by itself.
    page.go_back()
    expect(page.locator("#confirming")).to_contain_text(f"{STAFF_NAME} approved this case")
    expect(page.locator("#confirm-approval")).to_have_count(0)
    page.context.close()

    second = logged_in_page(browser, server, SECOND_NAME, SECOND_PASSWORD)
    assert isinstance(second, Page)
    second.goto(f"/cases/{OWN_ACCOUNT}/approve")
    expect(second.locator("#changes")).to_contain_text("Add Paul Brown (paul.brown2@nhs.net)")
    second.get_by_role("button", name="Confirm the approval and send").click()
    expect(second.get_by_role("status")).to_contain_text("The case was approved")
    second.goto("/register/A81001")
    expect(second.locator("main")).to_contain_text("Paul Brown")
    second.context.close()


def test_a_closed_case_reads_closed_and_can_be_reopened(browser: object, server: str) -> None:
    from playwright.sync_api import Page, expect

    page = logged_in_page(browser, server)
    assert isinstance(page, Page)
    reference = "OE-2026-000103"
    page.goto(f"/cases/{reference}")
    page.get_by_role("button", name="Close without reply").click()
    expect(page.get_by_role("alert")).to_contain_text("Say why you are closing the case")
    page.get_by_label("Why you are closing it").fill("Spam: nothing to do")
    page.get_by_role("button", name="Close without reply").click()
    expect(page.get_by_role("status")).to_contain_text("The case was closed without a reply")
    outcome = page.locator("#case-outcome")
    expect(outcome).to_contain_text(f"Closed without a reply by {STAFF_NAME}")
    expect(outcome).to_contain_text("Why: Spam: nothing to do")
    expect(page.locator("main")).not_to_contain_text("Reject it with a reason, or close it")
    expect(page.locator("#close-case")).to_have_count(0)
    # Refreshing the page after the action does nothing again, and the message is shown once.
    page.reload()
    expect(page.get_by_role("status")).to_have_count(0)
    page.get_by_role("button", name="Reopen the case").click()
    expect(page.get_by_role("status")).to_contain_text("back in the queue")
    expect(outcome).to_contain_text("waiting for review")
    page.goto("/")
    expect(page.locator("#queue")).to_contain_text(reference)
    page.context.close()


def test_plain_words_and_no_message_from_the_url(browser: object, server: str) -> None:
    from playwright.sync_api import Page, expect

    page = logged_in_page(browser, server)
    assert isinstance(page, Page)
    # A link with ?done=approved says nothing about the case: messages come only from the session.
    page.goto("/cases/OE-2026-000104?done=approved")
    expect(page.get_by_role("status")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("The case was approved")
    main = page.locator("main")
    expect(page.locator("#reasons")).to_contain_text("Sender could not be confirmed")
    expect(page.locator("#reasons")).to_contain_text("(sender.unauthenticated)")  # the code, as small print
    options = page.locator("#template option").all_inner_texts()
    assert "Form not signed" in options and not any(o.endswith(("…", " a n")) for o in options), options
    assert not any("." in o.split(" ")[0] for o in options), options  # no raw codes
    # An empty rejection is refused in words, with no command-line flag, and Back/refresh are safe.
    page.get_by_role("button", name="Preview the reply").click()
    expect(main).to_contain_text("a rejection needs a reason the sender can act on")
    expect(main).not_to_contain_text("--reason")
    page.reload()
    expect(main).to_contain_text("a rejection needs a reason the sender can act on")
    page.goto("/cases/OE-2026-000101")
    expect(page.locator("#checks")).to_contain_text("Passed")
    expect(page.get_by_label("Form type")).to_have_value("gp_practice")
    expect(page.get_by_label("Form type").locator("option:checked")).to_have_text("GP practice")
    page.goto("/outbox")
    expect(page.locator("main")).to_contain_text("Not sure it arrived")
    page.context.close()


def test_approving_or_rejecting_a_finished_case_is_refused_in_words(browser: object, server: str) -> None:
    from playwright.sync_api import Page, expect

    page = logged_in_page(browser, server)
    assert isinstance(page, Page)
    reference = "OE-2026-000102"
    page.goto(f"/cases/{reference}")
    page.get_by_label("Why you are closing it").fill("Answered by phone")
    page.get_by_role("button", name="Close without reply").click()
    page.goto(f"/cases/{reference}/reject?text=No")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(f"{reference} was closed by {STAFF_NAME}")
    expect(alert).to_contain_text("Reopen it first")
    page.context.close()
