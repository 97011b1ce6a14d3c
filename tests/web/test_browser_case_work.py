"""Issue 18 in a real browser (Debian's chromium, Playwright) against `mailbot web` as its own process: the context
panel of a case, finding cases, and working the queue (assign, age warning, next case, asking the sender, warning
the people on record). Screenshots go to test-output/web/ (the ones in docs/screenshots/ were taken from there)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from store.assignments import next_waiting_case
from store.db import make_engine, sessions
from store.models import Case, OutboxMessage
from tests.support.web_server import SCREENSHOTS, chromium, log_in, new_page, seeded_store, serving
from tests.web.seed import STAFF_NAME, STAFF_PASSWORD, seed
from tests.web.seed_history import FRESH, seed_history


@dataclass(frozen=True)
class Served:
    url: str
    store_url: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("web-work")
    store_url = seeded_store(folder, sqlite_template, seed, seed_history)
    with serving(folder, store_url, "[review]\nwarn_after_hours = 16\n") as url:
        yield Served(url, store_url)


@pytest.fixture
def page(served: Served) -> Iterator[object]:
    with chromium() as browser:
        page = new_page(browser, served.url, width=1200, height=860)
        log_in(page, STAFF_NAME, STAFF_PASSWORD)
        yield page


def outbox_of(served: Served, reference: str) -> list[tuple[str, str, str]]:
    engine = make_engine(served.store_url)
    try:
        with sessions(engine)() as session:
            return [(m.recipient, m.subject, m.body) for m in session.scalars(
                select(OutboxMessage).join(Case, Case.id == OutboxMessage.case_id)
                .where(Case.reference == reference).order_by(OutboxMessage.id))]
    finally:
        engine.dispose()


def test_the_case_page_shows_people_on_record_with_phones_earlier_cases_same_message_and_links(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/cases/OE-2026-000101")
    people = page.locator("#people-on-record")
    expect(people).to_contain_text("Jane Smith")  # the Primary User on record
    expect(people).to_contain_text("01632 960111")
    expect(people).to_contain_text("Dr Priya Shah")  # a signatory on record, with her number
    expect(people).to_contain_text("01632 960102")
    expect(people).not_to_contain_text("Paul Brown")  # an active user, but not a Primary User
    expect(page.locator("#same-attachment")).to_contain_text("OE-2026-000090")  # the same form, rejected before
    expect(page.locator("#same-text")).to_contain_text("OE-2026-000090")
    expect(page.locator("#by-sender")).to_contain_text("OE-2026-000090")
    expect(page.locator("#by-org")).to_contain_text("OE-2026-000105")
    expect(page.locator("#by-org")).not_to_contain_text("OE-2026-000091")  # another practice's
    linked = page.locator("#linked-cases")
    expect(linked).to_contain_text("OE-2026-000105")
    expect(linked).to_contain_text("a follow-up from the case's own people")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    box = page.locator("#context").bounding_box()
    assert box is not None  # the page from its top down to the end of the context panel
    page.screenshot(path=str(SCREENSHOTS / "case-context.png"), full_page=True,
                    clip={"x": 0, "y": 0, "width": 1200, "height": box["y"] + box["height"] + 20})
    page.get_by_role("link", name="OE-2026-000105").first.click()  # and back from the follow-up
    expect(page.locator("#linked-cases")).to_contain_text("OE-2026-000101")


def test_find_a_case_by_reference_sender_organisation_and_person_and_list_finished_ones(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.get_by_role("link", name="Find a case", exact=True).click()
    results = page.locator("#results")

    def search(text: str, state: str = "all") -> None:
        page.get_by_label("Which cases").select_option(state)
        page.get_by_label("Reference, sender's email").fill(text)
        page.get_by_role("button", name="Search").click()

    search("oe-2026-102")  # typed loosely
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("OE-2026-000102")
    search("Nadia.Quinn@nhs.net")
    expect(results).to_contain_text("OE-2026-000101")
    expect(results).to_contain_text("OE-2026-000090")
    expect(results.get_by_role("link", name="OE-2026-000102", exact=True)).to_have_count(0)
    search("oakwood")  # the organisation's name
    expect(results).to_contain_text("OE-2026-000101")
    expect(results.get_by_role("link", name="OE-2026-000091", exact=True)).to_have_count(0)
    search("B82010")  # its code
    expect(results).to_contain_text("OE-2026-000091")
    search("tom white")  # a person on record, by name: the cases they sent
    expect(results).to_contain_text("OE-2026-000091")
    expect(results).to_contain_text("OE-2026-000102")
    search("", state="finished")  # the finished cases, with the queue's filters
    expect(results).to_contain_text("OE-2026-000090")
    expect(results).to_contain_text("OE-2026-000091")
    expect(results.get_by_role("link", name="OE-2026-000101", exact=True)).to_have_count(0)  # still waiting
    page.get_by_label("Organisation (ODS code)").fill("A81001")
    page.get_by_role("button", name="Search").click()
    expect(results.locator("tbody tr")).to_have_count(2)  # the rejected form and the follow-up
    expect(results.get_by_role("link", name="OE-2026-000091", exact=True)).to_have_count(0)
    page.get_by_label("Reason").select_option("signatory.unverified")
    page.get_by_role("button", name="Search").click()
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("OE-2026-000090")
    page.screenshot(path=str(SCREENSHOTS / "search.png"))
    search("nobody-like-this")
    expect(page.locator("#search-summary")).to_contain_text("no organisation or person on record matches")


def test_assign_to_me_is_shown_in_the_queue_and_release_clears_it(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/cases/OE-2026-000102")
    expect(page.locator("#assignment")).to_contain_text("Nobody is working on it")
    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator("#assignment")).to_contain_text("You are working on it")
    page.goto("/")
    row = page.locator("#queue tbody tr", has_text="OE-2026-000102")
    expect(row.locator(".mailbot-assigned")).to_have_text(STAFF_NAME)
    row.get_by_role("link", name="OE-2026-000102").click()
    page.get_by_role("button", name="Release").click()
    expect(page.locator("#assignment")).to_contain_text("Nobody is working on it")
    page.goto("/")
    expect(page.locator("#queue tbody tr", has_text="OE-2026-000102").locator(".mailbot-assigned")).to_have_text("–")
    page.goto("/cases/OE-2026-000102")
    expect(page.locator("#history")).to_contain_text("Assigned")
    expect(page.locator("#history")).to_contain_text("Released")


def test_a_case_waiting_past_the_working_hours_limit_is_marked_and_a_new_one_is_not(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/")
    old = page.locator("#queue tbody tr", has_text="OE-2026-000101")
    fresh = page.locator("#queue tbody tr", has_text=FRESH)
    expect(old.locator(".mailbot-overdue")).to_have_text("Waiting too long")
    expect(fresh).to_be_visible()
    expect(fresh.locator(".mailbot-overdue")).to_have_count(0)
    page.goto("/cases/OE-2026-000101")
    expect(page.locator("#age-warning")).to_contain_text("working hours since it arrived (the limit is 16")
    page.goto(f"/cases/{FRESH}")
    expect(page.locator("#age-warning")).to_have_count(0)


def test_next_case_after_a_decision_opens_the_oldest_waiting_case_nobody_has_taken(page: object,
                                                                                   served: Served) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/cases/OE-2026-000103")
    page.get_by_label("Why you are closing it").fill("Dealt with by phone")
    page.get_by_role("button", name="Close without reply").click()
    expect(page.get_by_role("status")).to_contain_text("closed")
    engine = make_engine(served.store_url)
    try:
        with sessions(engine)() as session:
            oldest = session.scalars(select(Case).where(Case.needs_review.is_(True))
                                     .order_by(Case.created_at)).first()
            assert oldest is not None
            oldest.assigned_to = "Kim Colleague"  # taken by someone else: "next" passes it by
            session.commit()
            expected = next_waiting_case(session, after="OE-2026-000103")
            assert expected is not None and expected.reference != oldest.reference
            expected_reference = expected.reference
    finally:
        engine.dispose()
    page.get_by_role("button", name="Next case").click()
    expect(page.get_by_role("heading", name=f"Case {expected_reference}")).to_be_visible()


def test_ask_the_sender_for_more_information_keeps_the_case_waiting(page: object, served: Served) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/cases/OE-2026-000104")  # a sender who could not be confirmed: no question can go to them
    expect(page.locator("#ask-refused")).to_contain_text("could not be confirmed")
    expect(page.get_by_role("button", name="Send the question")).to_have_count(0)
    page.goto("/cases/OE-2026-000101")
    page.get_by_label("What you need to know").fill("When did Dr Quinn join the practice as a partner?")
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_role("status")).to_contain_text("The case keeps waiting")
    expect(page.locator("#case-outcome")).to_contain_text("waiting for review")
    expect(page.locator("#history")).to_contain_text("More information asked of the sender")
    to, subject, body = outbox_of(served, "OE-2026-000101")[-1]
    assert to == "nadia.quinn@nhs.net" and subject.endswith("[OE-2026-000101]")
    assert "When did Dr Quinn join the practice as a partner?" in body
    page.goto("/")
    expect(page.locator("#queue")).to_contain_text("OE-2026-000101")


def test_warn_the_people_on_record_mails_only_their_addresses_on_record(page: object, served: Served) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/cases/OE-2026-000101")
    choices = page.locator("#requests .nhsuk-checkboxes")
    expect(choices).to_contain_text("priya.shah@nhs.net")
    expect(choices).not_to_contain_text("nadia.quinn@nhs.net")  # the form's own signatory is not on record
    before = len(outbox_of(served, "OE-2026-000101"))
    # A page edited to add an address of the sender's choosing is refused whole.
    page.evaluate("() => { const i = document.querySelector('input[name=to]'); i.checked = true; "
                  "const x = i.cloneNode(); x.value = 'nadia.quinn@nhs.net'; x.id = 'forged'; "
                  "i.parentNode.appendChild(x); x.checked = true; }")
    page.get_by_role("button", name="Send the warning").click()
    expect(page.get_by_role("alert")).to_contain_text("not on record: nadia.quinn@nhs.net")
    assert len(outbox_of(served, "OE-2026-000101")) == before
    page.goto("/cases/OE-2026-000101")
    page.get_by_label("Dr Priya Shah").check()
    page.get_by_role("button", name="Send the warning").click()
    expect(page.get_by_role("status")).to_contain_text("at their addresses on record")
    expect(page.locator("#history")).to_contain_text("People on record warned of a possible impersonation")
    new = outbox_of(served, "OE-2026-000101")[before:]
    assert [m[0] for m in new] == ["priya.shah@nhs.net"]
    assert "Possible misuse of your organisation's name [OE-2026-000101]" in new[0][1]
