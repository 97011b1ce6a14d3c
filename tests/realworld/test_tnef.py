"""Files inside Outlook's winmail.dat (parsers.tnef), and a damaged one never costing more than it is."""

from __future__ import annotations

from parsers.message import parse_message
from parsers.sniff import PDF, TNEF
from parsers.tnef import MAX_FILES, tnef_files
from tests.realworld.client_mail import base64_lines, head, winmail_dat, wire

PDF_BYTES = b"%PDF-1.7\n" + b"x" * 3000 + b"\n%%EOF\n"


def test_each_file_is_found_with_its_title_and_bytes() -> None:
    data = winmail_dat((("form.pdf", PDF_BYTES), ("Notes – final.txt", b"hello")))
    files, problem = tnef_files(data)
    assert problem is None
    assert [(f.title, data[f.start:f.end]) for f in files] == [("form.pdf", PDF_BYTES), ("Notes – final.txt", b"hello")]


def test_a_cut_short_file_keeps_what_came_before_the_cut() -> None:
    data = winmail_dat((("form.pdf", PDF_BYTES), ("second.pdf", PDF_BYTES)))
    files, problem = tnef_files(data[:-600])
    assert problem == "it is cut short"
    assert [f.title for f in files] == ["form.pdf"]


def test_a_length_past_the_end_stops_the_reading() -> None:
    data = winmail_dat(()) + b"\x02" + (0x0006800F).to_bytes(4, "little") + (2**32 - 1).to_bytes(4, "little")
    assert tnef_files(data) == ((), "it is cut short")


def test_files_past_the_limit_are_not_read() -> None:
    files, problem = tnef_files(winmail_dat(tuple((f"{n}.txt", b"x") for n in range(MAX_FILES + 3))))
    assert len(files) == MAX_FILES
    assert problem is not None and "more than" in problem


def test_not_tnef() -> None:
    assert tnef_files(b"%PDF-1.7") == ((), "not a TNEF (winmail.dat) file")


def test_the_parsed_message_lists_winmail_dat_and_the_files_inside_it() -> None:
    dat = winmail_dat((("Primary User Request.pdf", PDF_BYTES),))
    raw = wire(head(content_type='multipart/mixed; boundary="b"') + "--b\nContent-Type: text/plain\n\nForm attached.\n"
               "--b\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\nContent-Transfer-Encoding: base64\n\n"
               + base64_lines(dat) + "--b--\n")
    msg = parse_message(raw)
    assert [(a.filename, a.sniffed_type) for a in msg.attachments] == [
        ("winmail.dat", TNEF), ("Primary User Request.pdf", PDF)]
    assert msg.attachments[1].data == PDF_BYTES


def test_a_big_winmail_dat_is_opened_too() -> None:
    big = b"%PDF-1.7\n" + b"y" * 400_000 + b"\n%%EOF\n"  # past the size at which parts are kept undecoded
    raw = wire(head(content_type='multipart/mixed; boundary="b"') + "--b\nContent-Type: text/plain\n\nForm.\n"
               "--b\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\nContent-Transfer-Encoding: base64\n\n"
               + base64_lines(winmail_dat((("form.pdf", big),))) + "--b--\n")
    msg = parse_message(raw)
    assert [(a.filename, a.sniffed_type, a.size) for a in msg.attachments][1] == ("form.pdf", PDF, len(big))
    assert msg.attachments[1].data == big
