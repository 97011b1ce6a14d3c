"""The form reader's child processes: the same readings as in process, hostile files end within the bounds, and a
child that dies, overruns or runs out of memory is replaced while the parent carries on."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.config_sections import FormsSection
from mailbot.processing.sandbox import FormReader
from parsers.forms.acroform import PdfLimits
from parsers.forms.reading import FormReadOptions, read_form
from tests.support import forms_fixtures as fx

GOOD = fx.GOOD_VALUES
MB = 1024 * 1024


@pytest.fixture(scope="module")
def reader() -> Iterator[FormReader]:
    with FormReader(workers=2, timeout=10.0, memory_mb=640, cpu_seconds=8) as pool:
        yield pool


def test_a_child_reads_exactly_what_the_parser_reads(reader: FormReader) -> None:
    for pdf in (fx.filled_form("gp", GOOD, "ink"), fx.filled_form("other", GOOD, "digital"),
                fx.filled_form("gp", GOOD, "typed", flatten=True)):
        assert reader.read(pdf) == read_form(pdf)


def test_a_form_decoded_as_it_goes_to_the_child_reads_as_its_bytes(reader: FormReader) -> None:
    """A big form goes to the child straight from the raw message, decoded a slice at a time (issue 19)."""
    import base64

    from parsers.payload import Decoded, Payload
    pdf = fx.filled_form("gp", GOOD, "ink")
    encoded = b"junk before\r\n" + base64.encodebytes(pdf).replace(b"\n", b"\r\n") + b"after"
    start = encoded.index(b"\r\n") + 2
    streamed = Decoded(Payload(encoded, start, len(encoded) - len(b"after"), "base64"))
    assert len(streamed) == len(pdf) and b"".join(bytes(p) for p in streamed.pieces()) == pdf
    assert reader.read(streamed) == reader.read(pdf) == read_form(pdf)
    as_is = Decoded(Payload.of(pdf))  # a small attachment, decoded at parse time
    assert len(as_is) == len(pdf) and reader.read(as_is) == read_form(pdf)


@pytest.mark.parametrize("make", [fx.decompression_bomb, fx.circular_xref, fx.object_loop, fx.huge_image],
                         ids=["bomb", "circular xref", "object loop", "giant image"])
def test_hostile_files_end_unreadable_within_10_seconds_and_640_mb(reader: FormReader, make: object) -> None:
    pdf = make()  # type: ignore[operator]
    started = time.monotonic()
    reading = reader.read(pdf)
    assert time.monotonic() - started < 10
    assert reading.status == "unreadable" and reading.problems
    # Every child then reads a form (the pool hands its idle children out in turn), so each has had its CPU limit
    # set: a child that has read nothing yet has none, and which child read the hostile file is not known.
    for _ in range(reader.workers):
        assert reader.read(fx.filled_form("gp", GOOD, "ink")).status != "unreadable"
    for pid in reader.pids():
        address_space = next(line for line in Path(f"/proc/{pid}/limits").read_text().splitlines()
                             if line.startswith("Max address space"))
        assert address_space.split()[3:5] == [str(640 * MB), str(640 * MB)]
        cpu = next(line for line in Path(f"/proc/{pid}/limits").read_text().splitlines()
                   if line.startswith("Max cpu time"))
        assert cpu.split()[3] != "unlimited"  # renewed before each PDF: what it has used so far plus 8 s
        peak_kb = int(next(line.split()[1] for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                           if line.startswith("VmPeak")))
        assert peak_kb * 1024 <= 640 * MB
    # The parent carries on, and so does the pool.
    assert reader.read(fx.filled_form("gp", GOOD)).status == "read"


def test_a_child_killed_between_reads_is_replaced(reader: FormReader) -> None:
    before = reader.replaced
    for pid in reader.pids():
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.1)
    assert reader.read(fx.filled_form("gp", GOOD)).status == "read"
    assert reader.read(fx.filled_form("gp", GOOD)).status == "read"
    assert reader.replaced >= before + 1


def test_a_read_that_overruns_the_wall_clock_is_unreadable_and_the_child_replaced() -> None:
    with FormReader(workers=1, timeout=0.001) as pool:
        first_pid = pool.pids()[0]
        reading = pool.read(fx.filled_form("gp", GOOD, "ink"))
        assert reading.status == "unreadable"
        assert "longer than 0.001 seconds" in reading.problems[0]
        assert pool.replaced == 1 and pool.pids()[0] != first_pid
        pool.timeout = 10.0
        assert pool.read(fx.filled_form("gp", GOOD)).status == "read"


def test_a_child_out_of_memory_is_unreadable_and_replaced() -> None:
    # 420 MB of address space is enough to start (the OCR libraries take about 360 MB of it, mostly reserved) and
    # to read a small form but not to hold 200 MB of zeros: the child gets MemoryError (or dies), either way the
    # form is unreadable and the next read gets a fresh child.
    with FormReader(workers=1, memory_mb=420) as pool:
        assert pool.read(fx.filled_form("gp", GOOD)).status == "read"
        big = fx.decompression_bomb(200 * MB)
        loose = FormReadOptions(limits=PdfLimits(stream_bytes=400 * MB, decoding_work_bytes=800 * MB))
        for _ in range(2):
            reading = pool.read(big, loose)
            assert reading.status == "unreadable"
            assert "memory" in reading.problems[0] or "fail" in reading.problems[0]
            assert pool.read(fx.filled_form("gp", GOOD)).status == "read"
        assert pool.replaced == 2


def test_a_read_over_the_cpu_limit_is_unreadable_and_the_child_replaced() -> None:
    with FormReader(workers=1, cpu_seconds=1, timeout=30.0) as pool:
        started = time.monotonic()
        reading = pool.read(fx.dense_drawing())
        assert time.monotonic() - started < 10
        assert reading.status == "unreadable"
        assert "more than 1 s of CPU time" in reading.problems[0]
        assert pool.replaced == 1
        assert pool.read(fx.filled_form("gp", GOOD)).status == "read"


def test_a_pdf_over_the_size_limit_is_not_sent_to_a_child() -> None:
    pool = FormReader(workers=1, max_pdf_bytes=1000)
    reading = pool.read(fx.filled_form("gp", GOOD))
    assert reading.status == "unreadable" and "over the 1,000 bytes we read" in reading.problems[0]
    assert pool.pids() == []  # nothing was started for it


def test_reads_from_many_threads_share_the_pool(reader: FormReader) -> None:
    forms = [fx.filled_form("gp", GOOD, "ink"), fx.filled_form("other", GOOD, "image", flatten=True),
             fx.filled_form("gp", GOOD, "typed"), fx.decompression_bomb()] * 3

    async def read_all() -> list[str]:
        readings = await asyncio.gather(*(reader.read_async(pdf) for pdf in forms))
        return [r.mark_how or r.status for r in readings]

    assert asyncio.run(read_all()) == ["ink", "image", "read", "unreadable"] * 3


def test_read_async_and_from_config() -> None:
    section = FormsSection(workers=1, timeout_seconds=5.0, memory_mb=400, cpu_seconds=4, max_pdf_bytes=5 * MB)
    pool = FormReader.from_config(section)
    assert (pool.workers, pool.timeout, pool.memory_mb, pool.cpu_seconds, pool.max_pdf_bytes) == (
        1, 5.0, 400, 4, 5 * MB)
    with pool:
        reading = asyncio.run(pool.read_async(fx.filled_form("other", GOOD, "image")))
    assert (reading.status, reading.form_type, reading.mark_how) == ("read", "other", "image")
    assert pool.pids() == []


FILLED = fx.filled_form("gp", GOOD, "ink")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, len(FILLED) - 1), st.binary(min_size=1, max_size=8)), min_size=1,
                max_size=6))
def test_damaged_forms_never_break_the_reader(reader: FormReader, damage: list[tuple[int, bytes]]) -> None:
    pdf = bytearray(FILLED)
    for offset, junk in damage:
        pdf[offset:offset + len(junk)] = junk
    reading = reader.read(bytes(pdf))
    assert reading.status in ("read", "unreadable", "not_a_form")
    assert reading.status == "read" or reading.problems


def test_a_scan_is_read_by_ocr_in_the_child_within_its_limits(reader: FormReader) -> None:
    from tests.pipeline.messages import GOOD_GP_FORM
    from tests.support.scanned_forms import scanned_form

    scan = scanned_form("gp_practice", GOOD_GP_FORM, dpi=300)
    in_child = reader.read(scan)
    assert in_child.status == "read" and in_child.method == "ocr" and in_child.mark_over_box
    assert in_child == read_form(scan)
    for pid in reader.pids():
        peak_kb = int(next(line.split()[1] for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                           if line.startswith("VmPeak")))
        assert peak_kb * 1024 <= 640 * MB


def _mapped_libraries(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def test_a_lean_child_reads_text_forms_and_hands_scans_and_digital_signatures_to_a_full_one() -> None:
    """Children start without OCR or signature validation loaded; the first scan or digitally signed form they are
    sent replaces one by a child that has them, which reads it as in process and stays for the next."""
    ink, digital = fx.filled_form("gp", GOOD, "ink"), fx.filled_form("other", GOOD, "digital")
    scan = fx.image_only_scan(fx.filled_form("gp", GOOD, "ink"))
    with FormReader(workers=1, timeout=60.0) as pool:
        assert pool.read(ink) == read_form(ink)
        lean_pid = pool.pids()[0]
        assert "cv2" not in _mapped_libraries(lean_pid) and pool.upgraded == 0
        assert pool.read(digital) == read_form(digital)
        assert pool.upgraded == 1 and pool.replaced == 0 and pool.pids()[0] != lean_pid
        assert "cv2" in _mapped_libraries(pool.pids()[0])
        assert pool.read(scan) == read_form(scan)
        assert pool.read(ink) == read_form(ink)
        assert pool.upgraded == 1


def test_a_lean_read_asks_for_the_full_reader_where_it_needs_ocr_or_signature_validation() -> None:
    from parsers.forms.reading import NeedsFullReader

    ink = fx.filled_form("gp", GOOD, "ink")
    assert read_form(ink, lean=True) == read_form(ink)
    for needs_more in (fx.filled_form("other", GOOD, "digital"), fx.image_only_scan(ink), fx.scanned_page_png(ink)):
        with pytest.raises(NeedsFullReader):
            read_form(needs_more, lean=True)
