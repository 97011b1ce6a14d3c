"""The form reader's child process (mailbot.processing.sandbox starts it):
`python -I -m mailbot.processing.form_reader_child MEMORY_MB CPU_SECONDS [lean|full]`, with an empty environment,
becoming `nobody` when started by root (mailbot.processing.child_process).

A lean child (the default) loads no OCR and no signature validation: it reads text forms, the most of them, in some
40 MB less, and answers NEEDS_FULL_READER for a scan, a photo or a digitally signed form, which the parent then
sends to a full child. It cannot load them when it finds it needs them: by then it is `nobody` under Landlock, and
the interpreter's own files may be where `nobody` cannot read.

It reads requests from stdin and answers on stdout, each a frame: 8 bytes of length, then the bytes. A request is
two frames: a pickle of the FormReadOptions from the parent, which the child trusts, then the PDF's raw bytes; an
answer is the reading as JSON, which the parent checks field by field (it never unpickles anything a child says).
The address-space limit is set once the reader is loaded; the CPU limit is renewed before each PDF (a warm child
accumulates CPU time).
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import resource
import sys
from typing import BinaryIO

MB = 1024 * 1024
FRAME_HEADER = 8
MAX_REQUEST = 512 * MB
# A lean child's answer for a file it cannot read without what it has not loaded: not a reading (no "status").
NEEDS_FULL_READER = b'{"needs": "full reader"}'
LEAN, FULL = "lean", "full"


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    chunks, wanted = [], size
    while wanted:
        chunk = stream.read(min(wanted, 1 << 20))  # a pipe gives what it holds, perhaps less than asked
        if not chunk:
            return None
        chunks.append(chunk)
        wanted -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO) -> bytes | None:
    """One frame's bytes; None at the end of the stream."""
    header = _read_exactly(stream, FRAME_HEADER)
    if header is None:
        return None
    size = int.from_bytes(header, "big")
    return _read_exactly(stream, size) if size <= MAX_REQUEST else None


def frame(data: bytes) -> bytes:
    return len(data).to_bytes(FRAME_HEADER, "big") + data


def main(argv: list[str]) -> int:
    memory_mb, cpu_seconds = int(argv[0]), int(argv[1])
    lean = (argv[2] if len(argv) > 2 else LEAN) == LEAN
    # The answers go to the pipe the parent reads; whatever a library prints goes nowhere.
    answers = os.fdopen(os.dup(1), "wb", buffering=0)
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    os.close(devnull)
    logging.disable(logging.CRITICAL)  # broken PDFs make pypdf and pyHanko log at length
    from mailbot.processing.child_process import give_up_privileges, preload_for_reading, settle_heap
    from parsers.forms.reading import NeedsFullReader, read_form
    from parsers.forms.result import reading_as_data

    preload_for_reading(ocr=not lean, signatures=not lean)
    limit = memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    give_up_privileges()  # before the first byte of a sender's file is read
    settle_heap()
    _, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    while True:
        request, pdf = read_frame(requests), read_frame(requests)
        if request is None or pdf is None:
            return 0
        options = pickle.loads(request)  # noqa: S301 - from the parent, which started this process
        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(usage.ru_utime + usage.ru_stime) + 1 + cpu_seconds
        resource.setrlimit(resource.RLIMIT_CPU, (soft if hard_cpu == resource.RLIM_INFINITY else min(soft, hard_cpu),
                                                 hard_cpu))
        try:
            answer = json.dumps(reading_as_data(read_form(pdf, options, lean=lean))).encode()
        except NeedsFullReader:
            answer = NEEDS_FULL_READER
        answers.write(frame(answer))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
