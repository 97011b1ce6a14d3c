"""Reading PDF attachments in child processes, so a hostile file can cost at most one child.

Each child runs under an address-space limit (RLIMIT_AS) and a CPU-time limit (RLIMIT_CPU, renewed per PDF since
a warm child accumulates CPU time); the parent adds a wall-clock timeout. A child that dies, is killed by a limit
or overruns the timeout is replaced and that PDF is "unreadable" with the reason: the parent never dies or stalls.
Children come from the "forkserver" context (never a fork of the threaded daemon), pre-loaded with the parsers."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import queue
import resource
import threading
from multiprocessing.connection import Connection
from typing import Any

from parsers.forms.reading import MEMORY_PROBLEM, FormReadOptions, read_form
from parsers.forms.result import FormReading, unreadable

log = logging.getLogger(__name__)
MB = 1024 * 1024
READER_MODULE = "parsers.forms.reading"
# OCR's libraries (numpy's OpenBLAS, OpenCV, Tesseract's OpenMP) start a thread per core by default, each with its
# own stacks and buffers: hundreds of MB of address space counted against the child's limit, and children side by
# side on two cores gain nothing from them. One thread each, set before the fork server imports them.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OMP_THREAD_LIMIT": "1"}
SIGXCPU_EXIT = -24


def _child_main(conn: Connection, memory_mb: int, cpu_seconds: int) -> None:
    """A worker: read PDFs from CONN until it closes. Runs in the child process."""
    limit = memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # Broken PDFs make pypdf and pyHanko log at length; the reading's problems say what matters.
    logging.disable(logging.CRITICAL)
    _, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    while True:
        try:
            pdf, options = conn.recv()
        except (EOFError, OSError):
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(usage.ru_utime + usage.ru_stime) + 1 + cpu_seconds
        resource.setrlimit(resource.RLIMIT_CPU, (soft if hard_cpu == resource.RLIM_INFINITY else min(soft, hard_cpu),
                                                 hard_cpu))
        conn.send(read_form(pdf, options))


class _Worker:
    def __init__(self, context: Any, memory_mb: int, cpu_seconds: int) -> None:
        self.conn, child_conn = context.Pipe()
        self.process = context.Process(target=_child_main, args=(child_conn, memory_mb, cpu_seconds),
                                       name="mailbot-form-reader", daemon=True)
        self.process.start()
        child_conn.close()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class FormReader:
    """A small pool of warm child processes that read forms; use it as a context manager (or call start/close)."""

    def __init__(self, workers: int = 2, timeout: float = 30.0, memory_mb: int = 640, cpu_seconds: int = 8,
                 max_pdf_bytes: int = 10_485_760) -> None:
        self.workers = max(1, workers)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.cpu_seconds = cpu_seconds
        self.max_pdf_bytes = max_pdf_bytes
        for name, value in ONE_THREAD.items():
            os.environ.setdefault(name, value)
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload([READER_MODULE])
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._started = False
        self.replaced = 0  # children replaced after dying or overrunning: for metrics and tests

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
        return [w.process.pid for w in self._all if w.process.pid is not None]

    def read(self, pdf: bytes, options: FormReadOptions | None = None) -> FormReading:
        """PDF read in a child within the limits; never raises for anything the PDF holds."""
        if len(pdf) > self.max_pdf_bytes:
            limit = f"{self.max_pdf_bytes / MB:g} MB" if self.max_pdf_bytes >= MB else f"{self.max_pdf_bytes:,} bytes"
            return unreadable(f"the PDF is {len(pdf):,} bytes, over the {limit} we read")
        self.start()
        worker = self._idle.get()
        try:
            if not worker.process.is_alive():
                worker = self._replace(worker)
            reading = self._read_in(worker, pdf, options or FormReadOptions())
            if MEMORY_PROBLEM in reading.problems:
                worker = self._replace(worker)  # after a failed allocation a process may be in a poor state
            return reading
        except _ChildLost as lost:
            worker = self._replace(worker)
            return unreadable(str(lost))
        finally:
            self._idle.put(worker)

    async def read_async(self, pdf: bytes, options: FormReadOptions | None = None) -> FormReading:
        return await asyncio.to_thread(self.read, pdf, options)

    def _read_in(self, worker: _Worker, pdf: bytes, options: FormReadOptions) -> FormReading:
        try:
            worker.conn.send((pdf, options))
            if not worker.conn.poll(self.timeout):
                raise _ChildLost(f"reading the PDF took longer than {self.timeout:g} seconds")
            result = worker.conn.recv()
        except (EOFError, OSError) as error:
            worker.process.join(timeout=1)
            code = worker.process.exitcode
            if code == SIGXCPU_EXIT:
                raise _ChildLost(f"reading the PDF used more than {self.cpu_seconds} s of CPU time") from error
            raise _ChildLost(f"the PDF made the reading process fail (exit code {code})") from error
        if not isinstance(result, FormReading):
            raise _ChildLost("the reading process answered nonsense")
        return result

    def _new_worker(self) -> _Worker:
        worker = _Worker(self._context, self.memory_mb, self.cpu_seconds)
        self._all.append(worker)
        return worker

    def _replace(self, worker: _Worker) -> _Worker:
        log.warning("form reader child %s replaced (exit code %s)", worker.process.pid, worker.process.exitcode)
        worker.stop()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
            self.replaced += 1
            return self._new_worker()


class _ChildLost(Exception):
    """The child died, overran or answered nonsense: the message is the problem to report."""
