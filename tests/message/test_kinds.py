"""Every message kind of SPEC 1, and the order the checks run in."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from parsers.guidance import Topic
from parsers.kinds import INLINE_SCAN_MIN_BYTES, Classification, KindContext, classify, possible_forms
from parsers.message import MessageLimits, parse_message
from parsers.vocabulary.kinds import Kind
from tests.message.samples import (
    EXCHANGE_OUT_OF_OFFICE,
    GMAIL_REPLY,
    ID_DOMAIN,
    LIST_MAIL,
    MAILBOX,
    NOTICE,
    OUTLOOK_REPLY,
    POSTFIX_BOUNCE,
    SYSTEM,
    html_with_inline_logo,
    small_jpeg,
    small_pdf,
    small_png,
)
from tests.support.deep_headers import DEEP_SHAPES
from tests.support.mail_builder import build_message

CTX = KindContext(mailbox_address=MAILBOX, system_address=SYSTEM, message_id_domain=ID_DOMAIN)
TEMPLATE = ("Organisation code: A81001\nUser: jane.smith@nhs.net\n"
            "Applications: Prior Notification List; Cervical Screening Results\nSignatory role: GP Partner\n")


def kind_of(raw: bytes, ctx: KindContext = CTX) -> Classification:
    return classify(parse_message(raw), ctx)


def mail(text: str = "Hello", subject: str = "Open Exeter", **kwargs: object) -> bytes:
    return build_message(text=text, subject=subject, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("headers", "note"), [
    ([("Auto-Submitted", "auto-replied")], "Auto-Submitted: auto-replied"),
    ([("Auto-Submitted", "auto-generated; owner-email=x@y")], "Auto-Submitted: auto-generated"),
    ([("Precedence", "bulk")], "Precedence: bulk"),
    ([("Precedence", "junk")], "Precedence: junk"),
    ([("Precedence", "list")], "Precedence: list"),
    ([("Return-Path", "<>")], "a null return path (Return-Path: <>), as bounces and auto-replies carry"),
    ([("List-Id", "<x.lists.nhs.net>")], "a List-Id header (mailing list)"),
    ([("List-Unsubscribe", "<mailto:u@x>")], "a List-Unsubscribe header (bulk or list mail)"),
    ([("X-Autoreply", "yes")], "an X-Autoreply header (auto-responder)"),
])
def test_automatic_signs(headers: list[tuple[str, str]], note: str) -> None:
    found = kind_of(mail(TEMPLATE, headers=headers))
    assert found == Classification(Kind.AUTOMATIC, None, (note,))


@pytest.mark.parametrize("headers", [
    [("Auto-Submitted", "no")],
    [("Precedence", "first-class")],
    [("Return-Path", "<jane.smith@nhs.net>")],
    [("X-Auto-Response-Suppress", "All")],  # Outlook puts this on ordinary mail to groups
])
def test_not_automatic(headers: list[tuple[str, str]]) -> None:
    assert kind_of(mail(TEMPLATE, headers=headers)).kind == Kind.PERMISSION_REQUEST


def test_out_of_office() -> None:
    found = kind_of(EXCHANGE_OUT_OF_OFFICE)
    assert found.kind == Kind.AUTOMATIC  # before follow-up, though it answers one of our messages
    assert found.notes == ("an out-of-office subject with X-Auto-Response-Suppress (an Exchange auto-reply)",)
    subject_alone = mail("I am away", subject="Out of Office: back Monday")
    assert kind_of(subject_alone).kind == Kind.UNCLEAR


def test_bounces() -> None:
    assert kind_of(POSTFIX_BOUNCE).kind == Kind.AUTOMATIC
    # A report alone is enough: some gateways send reports with none of the other signs.
    only_report = POSTFIX_BOUNCE.replace(b"Return-Path: <>\r\n", b"").replace(b"Auto-Submitted: auto-replied\r\n", b"")
    only_report = only_report.replace(b"MAILER-DAEMON@mx1.nhs.net", b"gateway@nhs.net")
    found = kind_of(only_report)
    assert found == Classification(Kind.AUTOMATIC, None, ("a delivery or read report (multipart/report)",))


def test_list_mail() -> None:
    assert kind_of(LIST_MAIL).kind == Kind.AUTOMATIC


def test_mail_from_our_own_mailbox_is_a_loop() -> None:
    found = kind_of(mail(TEMPLATE, sender="PCSE <PCSE.OpenExeter@nhs.net>"))
    assert found == Classification(Kind.AUTOMATIC, None,
                                   ("From is our own mailbox pcse.openexeter@nhs.net (a mail loop)",))


def test_notice_from_the_system_address_comes_before_the_automatic_checks() -> None:
    found = kind_of(NOTICE)
    assert found.kind == Kind.NEW_USER_NOTIFICATION  # it carries Auto-Submitted: auto-generated
    forged_sender = NOTICE.replace(b"no-reply@openexeter.nhs.uk", b"someone@nhs.net")
    assert kind_of(forged_sender).kind == Kind.AUTOMATIC
    other_mail_from_system = mail("Your weekly summary", subject="Summary", sender=SYSTEM)
    assert kind_of(other_mail_from_system).kind == Kind.UNCLEAR


def test_follow_up_by_subject_reference() -> None:
    found = kind_of(mail("I have attached it now", subject="Re: Your request [OE-2026-000123] was rejected"))
    assert found == Classification(Kind.FOLLOW_UP, "OE-2026-000123",
                                   ("the subject carries the case reference OE-2026-000123",),
                                   follow_up_named_by=("subject",))


def test_follow_up_by_in_reply_to_and_references() -> None:
    found = kind_of(OUTLOOK_REPLY)
    assert found.kind == Kind.FOLLOW_UP and found.follow_up_reference == "OE-2026-000042"
    by_references = mail("ok", subject="Re: hello", headers=[
        ("References", f"<CAF1@mail.gmail.com> <OE-2026-000007.1@{ID_DOMAIN}> <OE-2026-000008.3@{ID_DOMAIN.upper()}>")])
    found = kind_of(by_references)
    assert found.follow_up_reference == "OE-2026-000008"  # the latest of ours in the thread
    assert found.notes == (f"References names our message <OE-2026-000008.3@{ID_DOMAIN.upper()}>",)
    assert found.follow_up_named_by == ("references",)


def test_ids_like_ours_from_another_domain_are_not_follow_ups() -> None:
    other = mail(TEMPLATE, subject="Permission request", headers=[("In-Reply-To", "<OE-2026-000001.1@elsewhere.org>")])
    assert kind_of(other).kind == Kind.PERMISSION_REQUEST


def test_primary_user_request_by_attachment() -> None:
    pdf = kind_of(mail("Form attached", attachments=[("form.pdf", "application/pdf", small_pdf())]))
    assert pdf == Classification(Kind.PRIMARY_USER_REQUEST, None, ("form.pdf is a PDF",))
    scan = kind_of(mail("scan", attachments=[("scan.jpg", "image/jpeg", small_jpeg())]))
    assert scan.kind == Kind.PRIMARY_USER_REQUEST
    renamed = kind_of(mail("see attached", attachments=[("form.png", "image/png", small_pdf())]))
    assert renamed.notes == ("form.png is a PDF",)
    exe = b"MZ\x90\x00" + b"\x00" * 100
    assert kind_of(mail("see attached", attachments=[("form.pdf", "application/pdf", exe)])).kind == Kind.UNCLEAR


def test_signature_logo_is_not_a_form() -> None:
    found = kind_of(html_with_inline_logo())
    assert found.kind == Kind.PERMISSION_REQUEST
    logo_only = build_message(text=None, html="<p>Hello there</p><img src='cid:l'>", inline_images=[("l", small_png())])
    assert kind_of(logo_only).kind == Kind.UNCLEAR


@pytest.mark.parametrize("text", [
    "Please find our Primary User request form. I will attach it shortly.",
    "We would like to nominate Dr Patel as our new Primary User.",
    "Subject line says it all",
])
def test_primary_user_request_by_text(text: str) -> None:
    subject = "Primary User form" if text == "Subject line says it all" else "Open Exeter"
    assert kind_of(mail(text, subject=subject)).kind == Kind.PRIMARY_USER_REQUEST


def test_permission_request_template_plain_and_html_only() -> None:
    assert kind_of(mail(TEMPLATE, subject="Open Exeter permission request")).kind == Kind.PERMISSION_REQUEST
    html = "<p>" + TEMPLATE.replace("\n", "<br>") + "</p><p>Kind regards<br>Dr A</p>"
    html_only = build_message(text=None, html=html, subject="open exeter PERMISSION request")
    assert kind_of(html_only).kind == Kind.PERMISSION_REQUEST
    quoted_below = mail(TEMPLATE + "\nThanks\nJane\n\nOn Mon, 1 Nov 2026, PCSE <p@nhs.net> wrote:\n> Password reset?")
    assert kind_of(quoted_below).kind == Kind.PERMISSION_REQUEST


def test_permission_request_free_wording() -> None:
    text = "Hi, could you please give Cervical Screening Results access to tom.brown@nhs.net at A81001? Thanks"
    assert kind_of(mail(text)).kind == Kind.PERMISSION_REQUEST
    no_user = "Could you please give me access to something?"
    assert kind_of(mail(no_user)).kind == Kind.UNCLEAR


@pytest.mark.parametrize(("text", "topic"), [
    ("I have forgotten my password, please help", "password_reset"),
    ("My email address has changed, how do I update my email?", "change_email"),
    ("Who is our Primary User? We need to find out for the request form.", "who_is_primary"),
    ("We have no signatory available to sign the Primary User request form", "no_signatory"),
])
def test_guidance(text: str, topic: str) -> None:
    found = kind_of(mail(text))
    assert found == Classification(Kind.GUIDANCE, None, (f"a question the {topic} guide answers",), Topic(topic))


def test_guidance_quoted_in_a_reply_does_not_count() -> None:
    reply = mail("Great, all sorted now.\n\nOn Mon, 1 Nov 2026, PCSE <p@nhs.net> wrote:\n> forgotten your password?")
    assert kind_of(reply).kind == Kind.UNCLEAR


def test_unclear() -> None:
    found = kind_of(mail("Hello, what is the weather like in Exeter?"))
    assert found == Classification(Kind.UNCLEAR, None, ("none of the message kinds could be recognised",))
    assert kind_of(GMAIL_REPLY).kind == Kind.GUIDANCE


def test_too_large_messages_are_classified_from_headers() -> None:
    raw = mail(TEMPLATE * 50, subject="Re: [OE-2026-000009]", attachments=[("f.pdf", "application/pdf", small_pdf())])
    parsed = parse_message(raw, MessageLimits(max_bytes=1000))
    assert parsed.too_large
    assert classify(parsed, CTX).kind == Kind.FOLLOW_UP
    unclear = parse_message(mail(TEMPLATE * 50), MessageLimits(max_bytes=1000))
    assert classify(unclear, CTX).kind == Kind.UNCLEAR


def test_classify_is_deterministic() -> None:
    parsed = parse_message(OUTLOOK_REPLY)
    assert len({classify(parsed, CTX) for _ in range(5)}) == 1


def test_an_empty_context_recognises_nothing_of_ours() -> None:
    empty = KindContext(mailbox_address="", system_address="", message_id_domain="")
    assert kind_of(NOTICE, empty).kind == Kind.AUTOMATIC
    assert kind_of(OUTLOOK_REPLY, empty).kind == Kind.FOLLOW_UP  # the subject still carries the reference


def test_an_address_inside_an_encoded_display_name_is_not_the_sender() -> None:
    smuggled = NOTICE.replace(b"From: Open Exeter <no-reply@openexeter.nhs.uk>",
                              b"From: =?utf-8?Q?no-reply@openexeter.nhs.uk?=")
    assert parse_message(smuggled).header("From") == SYSTEM  # what a person reading it would see
    assert kind_of(smuggled).kind == Kind.AUTOMATIC  # its Auto-Submitted header; not a notice


def test_a_big_picture_pasted_into_the_text_may_be_a_scanned_form() -> None:
    photo = io.BytesIO()
    Image.frombytes("L", (700, 700), random.Random(1).randbytes(700 * 700)).save(photo, "PNG")
    assert len(photo.getvalue()) >= INLINE_SCAN_MIN_BYTES
    pasted = build_message(text=None, html="<p>Our form</p><img src='cid:scan'>",
                           inline_images=[("scan", photo.getvalue()), ("logo", small_png())])
    parsed = parse_message(pasted)
    assert [a.size for a in possible_forms(parsed)] == [len(photo.getvalue())]
    assert classify(parsed, CTX) == Classification(
        Kind.PRIMARY_USER_REQUEST, None, ("an unnamed attachment is a picture (image/png), possibly a scanned form "
                                          "(pasted into the text)",))
    forwarded = build_message(text="fwd", forwarded=build_message(
        attachments=[("form.pdf", "application/pdf", small_pdf())]))
    assert kind_of(forwarded).notes == ("form.pdf is a PDF (inside a forwarded message)",)


def test_a_screenshot_beside_a_question_is_guidance_and_a_pdf_beside_the_template_is_a_permission_request() -> None:
    screenshot = kind_of(mail("I cannot log in, my password has expired", attachments=[
        ("screenshot.png", "image/png", small_png())]))
    assert screenshot == Classification(Kind.GUIDANCE, None, (
        "a question the password_reset guide answers",
        "also attached: screenshot.png is a picture (image/png), possibly a scanned form"), Topic.PASSWORD_RESET)
    letter = kind_of(mail(TEMPLATE, attachments=[("letter.pdf", "application/pdf", small_pdf())]))
    assert letter.kind == Kind.PERMISSION_REQUEST
    assert letter.notes[1] == "also attached: letter.pdf is a PDF"
    pdf_and_question = kind_of(mail("I forgot my password", attachments=[("f.pdf", "application/pdf", small_pdf())]))
    assert pdf_and_question.kind == Kind.PRIMARY_USER_REQUEST
    scan_with_words = kind_of(mail("Primary User form attached", attachments=[("s.jpg", "image/jpeg", small_jpeg())]))
    assert scan_with_words.notes == ('the text is about a Primary User request form ("Primary User form")',
                                     "s.jpg is a picture (image/jpeg), possibly a scanned form")


@pytest.mark.parametrize(("name", "make", "kind_words"), [
    ("form.docx", "docx", "a Word document (.docx)"), ("form.odt", "odt", "an OpenDocument text file (.odt)"),
    ("Primary User form.doc", "doc", "a Word 97-2003 document (.doc)"),
])
def test_the_form_sent_as_a_word_file_is_a_primary_user_request(name: str, make: str, kind_words: str) -> None:
    from tests.support import word_files

    data = word_files.doc_97("Open Exeter Primary User request") if make == "doc" else getattr(
        word_files, make)(word_files.FORM_PARAGRAPHS)
    found = kind_of(mail("Please see attached.", attachments=[(name, "application/octet-stream", data)]))
    assert found.kind == Kind.PRIMARY_USER_REQUEST
    assert found.notes == (f"{name} ({kind_words}) is a word-processor file, not the PDF form",)


def test_a_word_file_that_is_not_the_form_leaves_the_message_as_it_was() -> None:
    from tests.support.word_files import docx

    letter = docx(["Dear PCSE, our newsletter for February is attached."])
    assert kind_of(mail("Please see attached.", attachments=[("news.docx", "application/msword", letter)])
                   ).kind == Kind.UNCLEAR
    about = kind_of(mail("Please find our Primary User request form attached.",
                         attachments=[("news.docx", "application/msword", letter)]))
    assert about.kind == Kind.PRIMARY_USER_REQUEST
    assert about.notes[-1] == "news.docx (a Word document (.docx)) is a word-processor file, not the PDF form"


@pytest.mark.parametrize("shape", ["nested comments", "quotes inside comments", "nested groups"])
def test_who_a_message_is_from_is_read_through_any_depth_of_nesting(shape: str) -> None:
    """The standard library's getaddresses gave up (RecursionError) on a thousand nested comments or groups, so a
    notice from Open Exeter or our own mail coming back was not recognised as such."""
    value = DEEP_SHAPES[shape]
    notice = NOTICE.replace(f"From: Open Exeter <{SYSTEM}>".encode(), f"From: {value.format(address=SYSTEM)}".encode())
    assert notice != NOTICE
    assert kind_of(notice).kind == Kind.NEW_USER_NOTIFICATION
    plain = build_message(sender="someone@nhs.net", subject="Re: your request", text="Thank you.")
    loop = plain.replace(b"From: someone@nhs.net", f"From: {value.format(address=MAILBOX)}".encode())
    assert loop != plain
    assert kind_of(loop).kind == Kind.AUTOMATIC
