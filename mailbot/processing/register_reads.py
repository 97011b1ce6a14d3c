"""What an understanding read of the register, so that one made ahead (the daemon's [daemon] read_ahead) can be
checked at record time against the register as it is then, and made again when it would now read differently.

An Understander reads the register only through its three look-ups (catalogue, organisations, users_of): the
request reader's words and the classifier's vocabulary. Everything else it does (parsing, DKIM, reading forms in
the sandbox) depends on the message alone. So an understanding whose look-ups all give what they gave it is the
one the same understander would make now, and one whose look-ups give something else (an earlier message of the
batch added a user, say, whom this one names) is made again, its forms not read twice. The checks themselves are
always made on the register as it is, inside the recording transaction (mailbot.processing.record)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from mailbot.processing.sandbox import PdfBytes, pdf_digest
from mailbot.processing.understanding import Understander
from parsers.forms.result import FormReading
from parsers.register_words import OrgEntry, UserEntry


@dataclass
class RegisterReads:
    """Each look-up an understanding made, with its answer, in the order made."""

    made: list[tuple[str, tuple[Any, ...], Any]] = field(default_factory=list)

    def watching(self, understander: Understander) -> Understander:
        """UNDERSTANDER with its look-ups noted here as they are made."""

        def catalogue() -> tuple[str, ...]:
            return self._noted("catalogue", (), understander.catalogue())

        def organisations() -> tuple[OrgEntry, ...]:
            return self._noted("organisations", (), understander.organisations())

        def users_of(code: str) -> tuple[UserEntry, ...]:
            return self._noted("users_of", (code,), understander.users_of(code))

        return replace(understander, catalogue=catalogue, organisations=organisations, users_of=users_of)

    def _noted(self, name: str, args: tuple[Any, ...], answer: Any) -> Any:
        self.made.append((name, args, answer))
        return answer

    def still_read_the_same(self, understander: Understander) -> bool:
        """Whether every look-up made gives the same answer from UNDERSTANDER now (each asked again; one made twice
        with two answers cannot give both, so is never still the same)."""
        now: dict[tuple[str, tuple[Any, ...]], Any] = {}
        for name, args, answer in self.made:
            key = (name, args)
            if key not in now:
                now[key] = getattr(understander, name)(*args)
            if now[key] is not answer and now[key] != answer:
                return False
        return True


@dataclass
class FormsRead:
    """The forms read for one message, by their content, so that understanding it again reads none twice."""

    read_form: Callable[[PdfBytes, datetime], FormReading]
    by_content: dict[str, FormReading] = field(default_factory=dict)

    def __call__(self, pdf: PdfBytes, now: datetime) -> FormReading:
        digest = pdf_digest(pdf)
        reading = self.by_content.get(digest)
        if reading is None:
            reading = self.by_content[digest] = self.read_form(pdf, now)
        return reading
