"""Log lines on stderr: text for people, or one JSON object a line for a log collector (`--log-json` or `[log]
format = "json"`), both passed through the same redaction.

A JSON line holds `time` (UTC, ISO 8601), `level`, `logger`, `message`, `exception` when there is one, and any
extras the code logged with (`log.info(..., extra={...})`). Redaction (mailbot.redaction.redact,
the one that keeps secrets out of the errors stored on cases) is applied to the message, the exception and every
extra: the config's secret values, URL passwords and "password=..." style values become ***; so do the OpenID
Connect parameters of a logged URL (code, state, nonce, tokens: the web server's access log would otherwise show
them).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from mailbot.redaction import redact

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# A record's own attributes, not extras; uvicorn's `color_message` is its message again with terminal colours.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName",
                                                                          "color_message"}
_URL_SECRETS = re.compile(r"(?i)([?&](?:code|state|nonce|id_token|access_token|refresh_token|session_state)=)"
                          r"[^&\s\"']+")


def redact_line(text: str, secrets: tuple[str, ...]) -> str:
    return _URL_SECRETS.sub(r"\1***", redact(text, secrets))


class RedactingTextFormatter(logging.Formatter):
    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(TEXT_FORMAT)
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact_line(super().format(record), self.secrets)


class JsonLinesFormatter(logging.Formatter):
    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            doc["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in doc:
                doc[key] = value
        return json.dumps(self._plain(doc), ensure_ascii=False)

    def _plain(self, value: Any) -> Any:
        """VALUE as JSON data with every string redacted (anything else becomes its redacted str())."""
        if isinstance(value, str):
            return redact_line(value, self.secrets)
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, dict):
            return {str(k): self._plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._plain(v) for v in value]
        return redact_line(str(value), self.secrets)


class _LogSetup:
    """The handler `mailbot` put on the root logger (none when something else, e.g. pytest, set logging up)."""

    handler: logging.Handler | None = None
    json_chosen: bool = False  # --log-json given: the config cannot turn it back to text


def configure_logging(level: str, *, json_lines: bool = False) -> None:
    """At start-up, before the config is read: stderr at LEVEL, as text or JSON lines."""
    root = logging.getLogger()
    _LogSetup.handler = None
    _LogSetup.json_chosen = json_lines
    if root.handlers:  # logging is someone else's (a test runner, an embedding program): leave it alone
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLinesFormatter() if json_lines else RedactingTextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    _LogSetup.handler = handler


def apply_log_config(log_format: str, secrets: tuple[str, ...]) -> None:
    """Once the config is read: its [log] format (unless --log-json was given) and its secrets to redact."""
    handler = _LogSetup.handler
    if handler is None:
        return
    json_lines = _LogSetup.json_chosen or log_format == "json"
    handler.setFormatter(JsonLinesFormatter(secrets) if json_lines else RedactingTextFormatter(secrets))
