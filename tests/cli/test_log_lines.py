"""Log lines as JSON on request (`--log-json`, `[log] format = "json"`): one object a line with time, level, logger,
message and extras, and no secret in them (the same redaction as text lines)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mailbot.config import ConfigError, parse_config
from tests.support.cli import ROOT, mailbot_process, write_config

SECRET = "Hunter2-very-secret"

LOGGING_SCRIPT = textwrap.dedent(f"""
    import logging, sys
    from mailbot.log_lines import apply_log_config, configure_logging
    configure_logging("INFO", json_lines=sys.argv[1] == "flag")
    apply_log_config(sys.argv[2], ("{SECRET}",))
    log = logging.getLogger("mailbot.test")
    log.info("plain %s", "words", extra={{"case_ref": "OE-1", "counts": {{"a": 1}}}})
    log.warning("login with {SECRET} to postgresql://mailbot:pw0rd-x@db/mailbot",
                extra={{"callback": "/login/oidc/callback?code=abcd1234&state=zz99", "note": "password={SECRET}"}})
    try:
        raise RuntimeError("failed with {SECRET}")
    except RuntimeError:
        log.exception("it broke")
""")


def run_logging(mode: str, log_format: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", LOGGING_SCRIPT, mode, log_format], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True, env={"PYTHONPATH": str(ROOT)})
    return proc.stderr.splitlines()


@pytest.mark.parametrize(("mode", "log_format"), [("flag", "text"), ("config", "json")])
def test_json_lines_carry_time_level_logger_message_and_extras_and_no_secret(mode: str, log_format: str) -> None:
    lines = run_logging(mode, log_format)
    docs = [json.loads(line) for line in lines]  # every line is one JSON object
    assert len(docs) == 3
    first, second, third = docs
    assert {"time", "level", "logger", "message"} <= set(first)
    assert first["time"].endswith("Z") and first["level"] == "INFO" and first["logger"] == "mailbot.test"
    assert first["message"] == "plain words" and first["case_ref"] == "OE-1" and first["counts"] == {"a": 1}
    assert second["level"] == "WARNING" and "pw0rd-x" not in second["message"]
    assert second["callback"] == "/login/oidc/callback?code=***&state=***"
    assert "RuntimeError" in third["exception"]
    everything = "\n".join(lines)
    assert SECRET not in everything and "abcd1234" not in everything and "pw0rd-x" not in everything


def test_text_lines_are_redacted_too() -> None:
    lines = run_logging("none", "text")
    assert len(lines) >= 3 and not lines[0].startswith("{")
    everything = "\n".join(lines)
    assert SECRET not in everything and "pw0rd-x" not in everything and "failed with ***" in everything


def test_log_format_from_the_config_on_a_real_command(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", '[log]\nformat = "json"\n')
    result = mailbot_process("--config", config, "--log-level", "INFO", "db", "upgrade")
    assert result.status == 0, result.err
    docs = [json.loads(line) for line in result.err.splitlines()]
    assert docs and all({"time", "level", "logger", "message"} <= set(d) for d in docs)
    assert any(d["logger"].startswith("alembic") for d in docs)


def test_log_format_is_checked() -> None:
    base = {"mailbox": {"address": "a@nhs.net"}, "store": {"url": "sqlite:///s.db"},
            "openexeter": {"system_address": "s@nhs.net"}, "source": {"kind": "maildir", "maildir": "m"},
            "sink": {"kind": "maildir", "maildir": "s"}}
    with pytest.raises(ConfigError, match=r"\[log\] format must be one of 'text', 'json'"):
        parse_config({**base, "log": {"format": "xml"}})
    with pytest.raises(ConfigError, match=r"unknown key \[log\] colour"):
        parse_config({**base, "log": {"colour": True}})
