"""The Jinja2 environment of the web pages: autoescaping always on (everything from an email is text), and the
few filters the templates use to show dates, ages and sizes in plain words."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.templating import Jinja2Templates

from mailbot.review.labels import FILTERS

TEMPLATES = Path(__file__).parent / "templates"


def when(value: datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC).strftime("%-d %b %Y %H:%M UTC")


def age(value: datetime, now: datetime) -> str:
    seconds = max(0, int((now - value).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def words(code: str) -> str:
    """A code such as primary_user_request as words: Primary user request."""
    return code.replace("_", " ").capitalize()


def make_templates(*, nhsuk_css: bool) -> Jinja2Templates:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=when, size=size, words=words, **FILTERS)
    env.globals.update(age=age, nhsuk_css=nhsuk_css)
    return Jinja2Templates(env=env)


def as_text(value: Any) -> str:
    """A field value as one line of text for a form input (lists joined the way people write them)."""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)
