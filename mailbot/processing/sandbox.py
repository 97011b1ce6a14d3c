"""Reading PDF attachments in child processes, so a hostile file can cost at most one child.

Each child runs under an address-space limit (RLIMIT_AS) and a CPU-time limit (RLIMIT_CPU, renewed per PDF since
a warm child accumulates CPU time); the parent adds a wall-clock timeout. A child that dies, is killed by a limit
or overruns the timeout is replaced and that PDF is "unreadable" with the reason: the parent never dies or stalls.
Children are fresh interpreters (mailbot.processing.form_reader_child), never forks of the daemon, started with an
empty environment, no inherited descriptors and, when the daemon runs as root, as `nobody`
(mailbot.processing.child_process); they answer in JSON, checked field by field, so a child taken over by a PDF can
neither read the daemon's secrets nor
make the daemon run anything.

Children start lean (no OCR, no signature validation: some 40 MB less each, and half the start-up); one asked to
read a scan, a photo or a digitally signed form answers that it needs a full reader, and is replaced by a child that
loads everything, which reads that file and stays in the pool for the next (mailbot.processing.form_reader_child).

The daemon itself never imports the PDF libraries (only the options, as plain data): they would add some 40 MB to
every daemon. A PDF goes to the child as raw bytes on the pipe, written from the caller's own buffer (no pickled or
joined copy of it in the daemon)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import pickle
import queue
import select
import subprocess
import threading
import time
from datetime import datetime
from typing import Any

from mailbot.processing.child_process import child_options, python_command
from mailbot.processing.form_reader_child import FRAME_HEADER, FULL, LEAN, NEEDS_FULL_READER, frame
from parsers.forms.options import MEMORY_PROBLEM, FormReadOptions, ScanOptions
from parsers.forms.result import BadReading, FormReading, reading_from_data, unreadable
from parsers.payload import Decoded

log = logging.getLogger(__name__)
MB = 1024 * 1024
CHILD_MODULE = "mailbot.processing.form_reader_child"
SIGXCPU_EXIT = -24


def read_options(forms_section: Any, validation_time: datetime | None = None) -> FormReadOptions:
    """How the config's `[forms]` has forms read: with `ocr = false` a scan or photo is left to staff, unread."""
    return FormReadOptions(ocr=ScanOptions(enabled=forms_section.ocr), validation_time=validation_time)
MAX_ANSWER = 16 * MB
PdfBytes = bytes | memoryview | Decoded  # a Decoded one is decoded as it goes to the child


def pdf_digest(data: PdfBytes) -> str:
    """The sha256 of a form's content, a decoded slice at a time when it is still a place in the raw message."""
    digest = hashlib.sha256()
    for piece in data.pieces() if isinstance(data, Decoded) else (data,):
        digest.update(piece)
    return digest.hexdigest()


def too_big_to_read(size: int, limit: int) -> FormReading:
    """The reading of a PDF over [forms] max_pdf_bytes (told from its size: it is not even decoded)."""
    shown = f"{limit / MB:g} MB" if limit >= MB else f"{limit:,} bytes"
    return unreadable(f"the PDF is {size:,} bytes, over the {shown} we read")


class _Worker:
    """One child and its two pipes."""

    def __init__(self, memory_mb: int, cpu_seconds: int, full: bool = False) -> None:
        self.full = full  # loaded OCR and signature validation (else it answers NEEDS_FULL_READER for them)
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            python_command(CHILD_MODULE, str(memory_mb), str(cpu_seconds), FULL if full else LEAN),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0, **child_options())
        assert self.process.stdin is not None and self.process.stdout is not None
        self.requests, self.answers = self.process.stdin, self.process.stdout
        os.set_blocking(self.requests.fileno(), False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def is_alive(self) -> bool:
        return self.process.poll() is None

    @property
    def exitcode(self) -> int | None:
        return self.process.returncode

    def ask(self, pdf: PdfBytes, options: FormReadOptions, timeout: float) -> bytes:
        """Send one PDF and wait for its answer until TIMEOUT; TimeoutError, or EOFError when the child ended.
        Two frames: the options (a pickle), then the PDF's own bytes, written straight from PDF (a Decoded one
        decoded a slice at a time as it is written)."""
        deadline = time.monotonic() + timeout
        size = len(pdf)
        self._write(frame(pickle.dumps(options)), deadline)
        self._write(size.to_bytes(FRAME_HEADER, "big"), deadline)
        if isinstance(pdf, Decoded):
            written = 0
            for piece in pdf.pieces():
                piece = piece[: size - written]  # exactly the length announced, whatever happens
                self._write(piece, deadline)
                written += len(piece)
            self._write(bytes(size - written), deadline)
        else:
            self._write(pdf, deadline)
        size = int.from_bytes(self._read(FRAME_HEADER, deadline), "big")
        if size > MAX_ANSWER:
            raise EOFError("an answer too large")
        return self._read(size, deadline)

    def _write(self, data: bytes | memoryview, deadline: float) -> None:
        view = memoryview(data)
        fd = self.requests.fileno()
        while view:
            _, ready, _ = select.select([], [fd], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError) as error:
                raise EOFError("the child stopped reading") from error

    def _read(self, size: int, deadline: float) -> bytes:
        chunks, wanted = [], size
        fd = self.answers.fileno()
        while wanted:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, min(wanted, 1 << 20))
            if not chunk:
                raise EOFError("the child ended")
            chunks.append(chunk)
            wanted -= len(chunk)
        return b"".join(chunks)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.warning("form reader child %s did not end after SIGKILL", self.pid)
        for pipe in (self.requests, self.answers):
            pipe.close()


class FormReader:
    """A small pool of warm child processes that read forms; use it as a context manager (or call start/close)."""

    def __init__(self, workers: int = 2, timeout: float = 30.0, memory_mb: int = 640, cpu_seconds: int = 8,
                 max_pdf_bytes: int = 10_485_760, lean: bool = True) -> None:
        self.workers = max(1, workers)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.cpu_seconds = cpu_seconds
        self.max_pdf_bytes = max_pdf_bytes
        self.lean = lean  # children start lean (else every child loads OCR and signature validation)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._started = False
        self.replaced = 0  # children replaced after dying or overrunning: for metrics and tests
        self.upgraded = 0  # lean children replaced by full ones, for a scan, a photo or a digital signature

    @classmethod
    def from_config(cls, forms_section: Any) -> FormReader:
        return cls(workers=forms_section.workers, timeout=forms_section.timeout_seconds,
                   memory_mb=forms_section.memory_mb, cpu_seconds=forms_section.cpu_seconds,
                   max_pdf_bytes=forms_section.max_pdf_bytes)

    def start(self) -> FormReader:
        with self._lock:
            if not self._started:
                for _ in range(self.workers):
                    self._idle.put(self._new_worker())
                self._started = True
        return self

    def close(self) -> None:
        with self._lock:
            for worker in self._all:
                worker.stop()
            self._all.clear()
            self._idle = queue.Queue()
            self._started = False

    def __enter__(self) -> FormReader:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pids(self) -> list[int]:
        return [w.pid for w in self._all]

    def read(self, pdf: PdfBytes, options: FormReadOptions | None = None) -> FormReading:
        """PDF read in a child within the limits; never raises for anything the PDF holds."""
        if len(pdf) > self.max_pdf_bytes:
            return too_big_to_read(len(pdf), self.max_pdf_bytes)
        self.start()
        worker = self._idle.get()
        try:
            if not worker.is_alive():
                worker = self._replace(worker)
            options = options or FormReadOptions()
            answer = self._ask(worker, pdf, options)
            if answer == NEEDS_FULL_READER and not worker.full:
                worker = self._replace(worker, full=True)
                answer = self._ask(worker, pdf, options)  # a full child never answers so: nonsense, below
            reading = self._reading_of(answer)
            if MEMORY_PROBLEM in reading.problems:
                worker = self._replace(worker)  # after a failed allocation a process may be in a poor state
            return reading
        except _ChildLost as lost:
            worker = self._replace(worker)
            return unreadable(str(lost))
        finally:
            self._idle.put(worker)

    async def read_async(self, pdf: PdfBytes, options: FormReadOptions | None = None) -> FormReading:
        return await asyncio.to_thread(self.read, pdf, options)

    def _ask(self, worker: _Worker, pdf: PdfBytes, options: FormReadOptions) -> bytes:
        try:
            return worker.ask(pdf, options, self.timeout)
        except TimeoutError:
            raise _ChildLost(f"reading the PDF took longer than {self.timeout:g} seconds") from None
        except EOFError as error:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(timeout=1)
            code = worker.exitcode
            if code == SIGXCPU_EXIT:
                raise _ChildLost(f"reading the PDF used more than {self.cpu_seconds} s of CPU time") from error
            raise _ChildLost(f"the PDF made the reading process fail (exit code {code})") from error

    @staticmethod
    def _reading_of(answer: bytes) -> FormReading:
        try:
            return reading_from_data(json.loads(answer))
        except (ValueError, BadReading):
            raise _ChildLost("the reading process answered nonsense") from None

    def _new_worker(self, full: bool = False) -> _Worker:
        worker = _Worker(self.memory_mb, self.cpu_seconds, full=full or not self.lean)
        self._all.append(worker)
        return worker

    def _replace(self, worker: _Worker, *, full: bool = False) -> _Worker:
        """A new child in WORKER's place: a full one when FULL (an upgrade, not counted as a child lost), else one
        as the pool starts them (a child that failed is not trusted to be kept, full or not)."""
        if full:
            log.info("form reader child %s replaced by one that reads scans and digital signatures", worker.pid)
        else:
            log.warning("form reader child %s replaced (exit code %s)", worker.pid, worker.exitcode)
        worker.stop()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
            if full:
                self.upgraded += 1
            else:
                self.replaced += 1
            return self._new_worker(full)


class _ChildLost(Exception):
    """The child died, overran or answered nonsense: the message is the problem to report."""
