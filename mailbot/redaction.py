"""Keeping secrets out of what is written down: the errors kept on cases (mailbot.processing.unprocessable) and
every log line (mailbot.log_lines). A module of its own, importing nothing of the mailbot, so that the lightest
process (the supervisor of `[daemon] processes`) logs through it too."""

from __future__ import annotations

import re

# A password written after a word that says so, and a URL's user:password@.
_SAID_SECRET = re.compile(r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key)(\s*[=:]\s*)[^\s,;&'\"]+")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@", re.I)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """TEXT with every known secret value, every URL password and every "password=..." replaced by ***."""
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _URL_PASSWORD.sub(r"\1***@", text)
    return _SAID_SECRET.sub(r"\1\2***", text)
