"""The forms read for one message, kept while it is handled, so that understanding it again (the register moved
under its first understanding before it was recorded: mailbot.processing.handle.record_afresh) reads none twice.

An Understander reads the register only through its three look-ups (catalogue, organisations, users_of), noted by
its look at the register (store.register_cache.RegisterLook) and checked in the recording transaction; everything
else it does (parsing, DKIM, reading forms in the sandbox) depends on the message alone, so the forms read stand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from mailbot.processing.sandbox import PdfBytes, pdf_digest
from parsers.forms.result import FormReading


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
