"""Where the outbox sender hands mail: an SMTP server (aiosmtplib), or a local Maildir. Both say what happened in
the same three errors, which decide what becomes of the row:

- SendTransient: nothing was delivered (a connection problem before DATA): retry with backoff;
- SendRefused(code): the server answered no; 5xx is permanent (the case is flagged), 4xx is retried;
- SendUncertain: DATA began and no answer came (a timeout or disconnect): the server may have it. Never resent.
"""

from __future__ import annotations

from typing import Protocol

import aiosmtplib

from mailbot.config_sections import SmtpSection
from mailbot.connections import smtp_client


class SendTransient(Exception):
    pass


class SendUncertain(Exception):
    pass


class SendRefused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600


class Transport(Protocol):
    @property
    def is_open(self) -> bool: ...

    async def open(self) -> None: ...

    async def envelope(self, sender: str, recipient: str) -> None: ...

    async def data(self, name: str, content: bytes) -> None: ...

    async def close(self) -> None: ...


class SmtpTransport:
    def __init__(self, cfg: SmtpSection) -> None:
        self.cfg = cfg
        self.smtp: aiosmtplib.SMTP | None = None

    @property
    def is_open(self) -> bool:
        return self.smtp is not None and self.smtp.is_connected

    async def open(self) -> None:
        self.smtp = smtp_client(self.cfg)
        try:
            await self.smtp.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            # A refusal at greeting, TLS or login is the server's or our config's problem, not the mail's: retry.
            self.smtp = None
            raise SendTransient(f"SMTP {self.cfg.host}:{self.cfg.port}: {exc.__class__.__name__}: {exc}") from exc

    async def envelope(self, sender: str, recipient: str) -> None:
        assert self.smtp is not None
        try:
            await self.smtp.mail(sender)
            await self.smtp.rcpt(recipient)
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset()
            raise SendRefused(exc.code, exc.message) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self.close()
            raise SendTransient(f"{exc.__class__.__name__}: {exc}") from exc

    async def data(self, name: str, content: bytes) -> None:
        assert self.smtp is not None
        try:
            await self.smtp.data(content)
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code in (421,):  # "closing": the answer to DATA never came
                await self.close()
                raise SendUncertain(f"{exc.code} {exc.message}") from exc
            await self._reset()
            raise SendRefused(exc.code, exc.message) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self.close()
            raise SendUncertain(f"no answer after DATA: {exc.__class__.__name__}: {exc}") from exc

    async def _reset(self) -> None:
        if self.smtp is None:
            return
        try:
            await self.smtp.rset()
        except (aiosmtplib.SMTPException, OSError):
            await self.close()

    async def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit(timeout=2)
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()
