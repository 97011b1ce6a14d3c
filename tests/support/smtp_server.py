"""A real SMTP server for the tests (aiosmtpd in a thread) that can accept, refuse or stall on demand.

Modes: "accept"; "fail_transient" (451 at RCPT for the next N messages, then accept); "fail_permanent" (550 at
RCPT); "slow_data" (keeps the message, then answers DATA only after a delay: the sender's timeout fires after the
server has the message, the case that must never be resent blindly); "drop_connection" (closes the connection at
RCPT). Every accepted message is recorded.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.listening import free_port

MODES = ("accept", "fail_transient", "fail_permanent", "slow_data", "drop_connection")


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    at: float = 0.0  # time.monotonic() when DATA arrived

    @property
    def message(self) -> Message:
        return message_from_bytes(self.content)

    @property
    def message_id(self) -> str:
        return " ".join(str(self.message.get("Message-ID", "")).split())


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, smtp: Any, session: Any, envelope: Any, address: str,  # noqa: N802 - aiosmtpd API
                          rcpt_options: list[str]) -> str:
        s = self.server
        with s.lock:
            s.attempts += 1
            mode = s.mode
            if mode == "fail_transient":
                if s.remaining_failures > 0:
                    s.remaining_failures -= 1
                    return "451 4.3.0 Temporary failure, try again later"
            elif mode == "fail_permanent":
                return "550 5.1.1 Mailbox unavailable"
            elif mode == "drop_connection":
                smtp.transport.close()
                return "421 4.3.0 Closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        s = self.server
        content = envelope.original_content or envelope.content
        with s.lock:
            s.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(content), time.monotonic()))
            delay = s.data_delay if s.mode == "slow_data" else 0.0
        if delay:
            await asyncio.sleep(delay)
        return "250 2.0.0 Message accepted"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.attempts = 0
        self.mode = "accept"
        self.remaining_failures = 0
        self.data_delay = 0.0
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def set_mode(self, mode: str, *, failures: int = 0, data_delay: float = 0.0) -> None:
        assert mode in MODES, mode
        with self.lock:
            self.mode, self.remaining_failures, self.data_delay = mode, failures, data_delay

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def message_ids(self) -> list[str]:
        return [r.message_id for r in self.messages()]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The received messages once there are at least COUNT (or whatever there is at the timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.messages()
            if len(got) >= count:
                return got
            time.sleep(0.02)
        return self.messages()

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self.attempts = 0
