"""Bodies and attachments: HTML-only mail, charsets, broken encodings, limits on size, parts and depth."""

from __future__ import annotations

import hashlib

from parsers.html_text import fallback_text, html_to_text
from parsers.message import MessageLimits, parse_message
from tests.message.samples import EIGHT_BIT_BROKEN, LIST_MAIL, html_with_inline_logo, small_pdf, small_png
from tests.support.mail_builder import build_message, many_parts, nested_multipart, raw_message


def test_plain_text_message() -> None:
    raw = build_message(text="Organisation code: A81001\nUser: jane@nhs.net\n")
    parsed = parse_message(raw)
    assert parsed.body_text == "Organisation code: A81001\nUser: jane@nhs.net"
    assert parsed.text == "Organisation code: A81001\nUser: jane@nhs.net"
    assert not parsed.html_only and not parsed.too_large
    assert parsed.size == len(raw) and parsed.content_hash == hashlib.sha256(raw).hexdigest()
    assert parsed.content_type == "text/plain" and parsed.part_types == ("text/plain",)
    assert parsed.defects == ()


def test_html_only_message_is_converted_to_text() -> None:
    raw = build_message(text=None, html="<html><head><title>T</title><style>p {color:red}</style></head><body>"
                                        "<script>alert('x')</script><p>Organisation&nbsp;code: A81001</p>"
                                        "<ul><li>Prior Notification List</li><li>Cervical  Screening</li></ul>"
                                        "<table><tr><td>User:</td><td>jane@nhs.net</td></tr></table></body></html>")
    parsed = parse_message(raw)
    assert parsed.html_only
    assert parsed.body_text == ("Organisation code: A81001\n\n- Prior Notification List\n- Cervical Screening\n\n"
                                "User: jane@nhs.net")
    assert "alert" not in parsed.body_text and "color" not in parsed.body_text


def test_alternative_prefers_the_plain_text_part() -> None:
    parsed = parse_message(build_message(text="plain version", html="<p>html version</p>"))
    assert parsed.body_text == "plain version" and not parsed.html_only
    assert parsed.part_types == ("multipart/alternative", "text/plain")


def test_html_to_text_keeps_preformatted_text_and_survives_hostile_markup() -> None:
    assert html_to_text("<pre>a  b\n  c</pre>") == "a  b\n  c"
    assert html_to_text("<p>one<br/>two</p>") == "one\ntwo"
    assert html_to_text("<blockquote>quoted<blockquote>deeper</blockquote></blockquote>") == (
        "> quoted\n\n> > deeper")
    for hostile in ("<![if x]>oops", "<!DOCTYPE", "<a href='", "</>" * 50, "<p" + "<" * 10000, "&#99999999;"):
        assert isinstance(html_to_text(hostile), str)


def test_fallback_conversion_keeps_lines() -> None:
    html = "<html><p>Organisation code: A81001</p><div>User:&nbsp; jane@nhs.net<br>Applications: PNL</div></html>"
    assert fallback_text(html) == "Organisation code: A81001\nUser: jane@nhs.net\nApplications: PNL"
    assert html_to_text(html) == "Organisation code: A81001\n\nUser: jane@nhs.net\nApplications: PNL"


def test_outlook_conditional_markup_is_not_text() -> None:
    html = ("<p>Organisation code: A81001</p><![if !supportLists]><span>1.</span><![endif]><p>User: x@nhs.net</p>"
            "<!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]--><p>end<o:p></o:p></p>")
    assert html_to_text(html) == "Organisation code: A81001\n\n1.\n\nUser: x@nhs.net\n\nend"


def test_body_charsets_declared_wrong_or_unknown() -> None:
    latin = raw_message(["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"],
                        b"Caf\xe9 \x80\r\n")
    assert parse_message(latin).body_text.startswith("Café €")
    unknown = raw_message(["Content-Type: text/plain; charset=x-made-up"], "naïve\r\n")
    assert parse_message(unknown).body_text.startswith("naïve")
    koi8 = raw_message(["Content-Type: text/plain; charset=koi8-r"], "Привет\r\n".encode("koi8-r"))
    assert parse_message(koi8).body_text.startswith("Привет")
    rfc2231 = raw_message(["Content-Type: text/plain; charset*=utf-8''iso-8859-1"], b"caf\xe9")
    assert parse_message(rfc2231).body_text == "café"


def test_broken_base64_and_missing_boundary_are_read_as_far_as_they_go() -> None:
    parsed = parse_message(EIGHT_BIT_BROKEN)
    assert parsed.body_text.startswith("I forgot my password")
    assert "the message: its closing boundary is missing" in parsed.defects
    assert any("damaged base64" in d for d in parsed.defects)
    no_boundary = parse_message(raw_message(["Content-Type: multipart/mixed"], "just text\r\n"))
    assert no_boundary.body_text == "just text"
    assert "the message: declared multipart without a boundary" in no_boundary.defects


def test_an_empty_plain_version_gives_way_to_the_html_one() -> None:
    parsed = parse_message(build_message(text="\n", html="<p>Organisation code: A81001</p>"))
    assert parsed.body_text == "Organisation code: A81001" and parsed.html_only


def test_attachment_filenames_are_decoded_and_made_safe() -> None:
    raw = build_message(attachments=[("../../etc/passwd.pdf", "application/pdf", small_pdf()),
                                     ("Formulaire d’accès.pdf", "application/pdf", small_pdf()),
                                     ("C:\\Users\\jane\\form.pdf", "application/pdf", small_pdf())])
    names = [a.filename for a in parse_message(raw).attachments]
    assert names == ["passwd.pdf", "Formulaire d’accès.pdf", "form.pdf"]
    encoded = raw_message([
        "Content-Type: multipart/mixed; boundary=b", "MIME-Version: 1.0"],
        '--b\r\nContent-Type: application/pdf; name="=?utf-8?B?Zm9ybS5wZGY=?="\r\n\r\n%PDF-1.4\r\n'
        '--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="a\x01b\r\n\t.pdf"\r\n'
        '\r\n%PDF-1.4\r\n--b--\r\n')
    assert [a.filename for a in parse_message(encoded).attachments] == ["form.pdf", "ab.pdf"]


def test_inline_images_and_forwarded_messages_are_embedded() -> None:
    inline = parse_message(html_with_inline_logo())
    assert [(a.sniffed_type, a.embedded) for a in inline.attachments] == [("image/png", True)]
    inner = build_message(subject="the original", text="original text",
                          attachments=[("form.pdf", "application/pdf", small_pdf())])
    plain = build_message(subject="Fwd: form", text="See below", forwarded=inner)
    encoded = build_message(subject="Fwd: form", text="See below",
                            attachments=[("fwd.eml", "message/rfc822", inner)])
    assert b"Content-Transfer-Encoding: base64" in encoded.split(b"message/rfc822", 1)[1][:200]
    for outer in (plain, encoded):
        parsed = parse_message(outer)
        assert parsed.body_text == "See below"
        assert "message/rfc822" in parsed.part_types
        pdfs = [a for a in parsed.attachments if a.sniffed_type == "application/pdf"]
        assert len(pdfs) == 1 and pdfs[0].embedded and pdfs[0].filename == "form.pdf"
        assert parsed.attachments[0].data.startswith(b"original text")


def test_attachment_sizes_and_data() -> None:
    png = small_png()
    parsed = parse_message(build_message(attachments=[("p.png", "image/png", png)]))
    (attachment,) = parsed.attachments
    assert attachment.data == png and attachment.size == len(png) and not attachment.embedded
    assert "p.png" in repr(attachment) and str(png[:8]) not in repr(attachment)


def test_over_the_size_limit_only_headers_are_read() -> None:
    raw = build_message(subject="big", text="x" * 5000, attachments=[("a.pdf", "application/pdf", small_pdf())])
    parsed = parse_message(raw, MessageLimits(max_bytes=4000))
    assert parsed.too_large
    assert parsed.subject == "big" and parsed.message_id == "<test.1@mail.nhs.net>"
    assert parsed.body_text == "" and parsed.attachments == ()
    assert parsed.content_type == "multipart/mixed"
    assert any("over the 4,000 byte limit" in d for d in parsed.defects)
    assert not parse_message(raw, MessageLimits(max_bytes=len(raw))).too_large


def test_over_the_part_limit_the_rest_is_not_read() -> None:
    parsed = parse_message(many_parts(30), MessageLimits(max_parts=10))
    assert len(parsed.attachments) == 9  # the container counts as a part
    assert "more than 10 MIME parts: the rest were not read" in parsed.defects
    assert len(parse_message(many_parts(30)).attachments) == 30


def test_over_the_depth_limit_deeper_parts_are_not_read() -> None:
    shallow = parse_message(nested_multipart(5), MessageLimits(max_depth=10))
    assert shallow.body_text.strip() == "deep inside"
    deep = parse_message(nested_multipart(15), MessageLimits(max_depth=10))
    assert deep.body_text == ""
    assert "MIME parts nested deeper than 10 levels: the deeper ones were not read" in deep.defects


def test_absurd_nesting_does_not_crash() -> None:
    parsed = parse_message(nested_multipart(3000))
    assert parsed.subject == "deep"
    assert parsed.body_text == ""
    assert parsed.defects


def test_list_mail_html_drops_scripts() -> None:
    parsed = parse_message(LIST_MAIL)
    assert parsed.html_only and "track" not in parsed.body_text
    assert parsed.body_text == "Bulletin\n\nNew: Open Exeter access & more."


def test_not_even_an_email() -> None:
    for raw in (b"", b"\x00\xff" * 100, b"\r\n\r\n", b"From nobody\n", bytes(range(256)), b"Subject: " + b"=?" * 5000):
        parsed = parse_message(raw)
        assert parsed.size == len(raw)
        assert isinstance(parsed.subject, str)
