"""Servers the tests run as processes of their own on a free local port: picking the port, starting the process and
waiting until it answers, and stopping it."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def answering(what: str, command: Sequence[str], ready_url: str, log_path: Path, *, env: Mapping[str, str],
              cwd: Path | None = None, seconds: float = 60) -> Iterator[subprocess.Popen[bytes]]:
    """COMMAND running (its output in LOG_PATH) once READY_URL answers 200 within SECONDS; stopped at the end.

    WHAT names it in the failure (with its log) when it exits or does not answer in time."""
    log = log_path.open("wb")
    process = subprocess.Popen(list(command), cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=dict(env))
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if httpx.get(ready_url, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{what} did not start:\n" + log_path.read_text())
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
