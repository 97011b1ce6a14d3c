"""The config: the example file is the defaults, and every kind of mistake stops start-up naming the key."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from mailbot.config import SECTIONS, Config, ConfigError, as_dict, load_config, parse_config, redact_url
from tests.support.cli import ROOT, mailbot

EXAMPLE = ROOT / "config.example.toml"


def test_example_file_holds_every_key_with_the_built_in_default() -> None:
    example = tomllib.loads(EXAMPLE.read_text())
    defaults = as_dict(Config(), redact=False)
    assert example == defaults


def test_every_key_in_the_example_has_a_comment() -> None:
    lines = [line for line in EXAMPLE.read_text().splitlines() if "=" in line and not line.startswith("#")]
    uncommented = [line for line in lines if "#" not in line]
    assert not uncommented
    assert len(lines) == sum(len(fields(cls)) for cls in SECTIONS.values())


# SPEC 15's "Configuration keys" block as the SPEC prints it (comments included): operators copy it.
SPEC_15_BLOCK = """
[mailbox]
address = "pcse.openexeter@nhs.net"        # the mailbot's own address: From of every reply
[store]
url = "sqlite:///var/mailbot.db"           # or postgresql+psycopg://...; env MAILBOT_STORE_URL overrides
[source]
kind = "imap"                              # or "maildir"
maildir = "var/inbox"                      # when kind = "maildir"
[imap]
host = "imap.example.nhs.net"
port = 993
username = "pcse.openexeter@nhs.net"
password = ""                              # env MAILBOT_IMAP_PASSWORD overrides
tls = "implicit"                           # "implicit", "starttls" or "none" (testing only)
folder = "INBOX"
poll_seconds = 60
idle = true
[smtp]
host = "smtp.example.nhs.net"
port = 587
username = ""
password = ""                              # env MAILBOT_SMTP_PASSWORD overrides
tls = "starttls"                           # "implicit", "starttls" or "none" (testing only)
[auth]
nhs_domains = ["nhs.net"]
secure_domains = ["nhs.net"]
trusted_authserv_ids = []
test_public_keys = ""                      # path; empty means real DNS
[openexeter]
system_address = "openexeter-noreply@nhs.net"
[limits]
max_message_bytes = 26214400
max_age_days = 30
replies_per_sender_per_day = 10
max_forms_per_message = 5
[forms]
accept_typed_signature = true
ocr = true                                 # read scans and photos (Tesseract); false flags them for staff
[signatory]
confirm_days = 7                           # then `signatory.unconfirmed`; one reminder half-way
[accounts]
temp_password_days = 7
[http]
listen = "127.0.0.1:9464"                  # health and metrics
"""


def test_spec_keys_are_all_there() -> None:
    spec = tomllib.loads(SPEC_15_BLOCK)
    for section, keys in spec.items():
        assert set(keys) <= {f.name for f in fields(SECTIONS[section])}, section


def test_the_spec_block_as_printed_works_for_a_local_command_with_the_spec_defaults(tmp_path: Path) -> None:
    path = tmp_path / "mailbot.toml"
    path.write_text(SPEC_15_BLOCK)
    result = mailbot("--config", path, "db", "upgrade")
    assert result.status == 0, result.err
    assert (tmp_path / "var" / "mailbot.db").exists()
    loaded = as_dict(load_config(path, environ={}))
    defaults = as_dict(Config())
    for section, keys in tomllib.loads(SPEC_15_BLOCK).items():
        for key, value in keys.items():
            if section == "source" or (section, key) == ("store", "url"):
                continue  # the SPEC shows the production source; a relative store path resolves against the file
            assert loaded[section][key] == value == defaults[section][key], (section, key)


def test_example_loads_and_resolves_relative_paths_against_its_own_folder(tmp_path: Path) -> None:
    copy = tmp_path / "conf" / "mailbot.toml"
    copy.parent.mkdir()
    copy.write_bytes(EXAMPLE.read_bytes())
    config = load_config(copy, environ={})
    assert config.store_url == f"sqlite:///{tmp_path}/conf/var/mailbot.db"
    assert config.path(config.source.maildir) == tmp_path / "conf" / "var" / "inbox"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[imap]\nhots = 'x'\n", "unknown key [imap] hots"),
        ("[imapp]\nhost = 'x'\n", "unknown section [imapp]"),
        ("[imap]\nport = '993'\n", "[imap] port must be an integer, got '993'"),
        ("[imap]\nidle = 1\n", "[imap] idle must be true or false, got 1"),
        ("[auth]\nnhs_domains = 'nhs.net'\n", "[auth] nhs_domains must be a list of strings"),
        ("[imap]\ntls = 'ssl'\n", "[imap] tls must be one of 'implicit', 'starttls', 'none', got 'ssl'"),
        ("[limits]\nmax_age_days = -1\n", "[limits] max_age_days must not be negative"),
        ("[mailbox]\naddress = ''\n", "[mailbox] address is required and is empty"),
        ("[source]\nkind = 'imap'\n[imap]\nhost = ''\n", "[imap] host is required and is empty"),
        ("[sink]\nkind = 'smtp'\n[smtp]\nhost = ' '\n", "[smtp] host is required and is empty"),
        ("[mailbox]\naddress = 'a@b, c@d'\n", "[mailbox] address must be one email address"),
        ("imap = 3\n", "[imap] must be a table"),
        ("[daemon]\nprocesses = 0\n", "[daemon] processes must be between 1 and 16, got 0"),
        ("[daemon]\nprocesses = 17\n", "[daemon] processes must be between 1 and 16, got 17"),
        ("[daemon]\nprocesses = 'two'\n", "[daemon] processes must be an integer, got 'two'"),
        ("[daemon]\ngroup_commit = 0\n", "[daemon] group_commit must be between 1 and 64, got 0"),
        ("[daemon]\ngroup_commit = 65\n", "[daemon] group_commit must be between 1 and 64, got 65"),
    ],
)
def test_mistakes_name_the_key_and_what_was_expected(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert expected in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_bad_config_stops_a_command_with_exit_2_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[imap]\nport = 'nine'\n")
    result = mailbot("--config", path, "org", "show", "A81001")
    assert result.status == 2
    assert "[imap] port must be an integer" in result.err
    assert result.err.count("\n") == 1


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[imap\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, environ={})
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "absent.toml", environ={})


def test_secrets_come_from_the_environment_and_win_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[imap]\npassword = 'in-file'\n")
    env = {"MAILBOT_IMAP_PASSWORD": "from-env", "MAILBOT_SMTP_PASSWORD": "smtp-env",
           "MAILBOT_STORE_URL": "postgresql+psycopg://bot:hunter2@db/mailbot"}
    config = load_config(path, environ=env)
    assert config.imap.password == "from-env"
    assert config.smtp.password == "smtp-env"
    assert config.store_url == "postgresql+psycopg://bot:hunter2@db/mailbot"
    shown = as_dict(config)
    assert "hunter2" not in str(shown) and "from-env" not in str(shown) and "smtp-env" not in str(shown)


def test_config_file_chosen_by_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[mailbox]\naddress = 'other@nhs.net'\n")
    assert load_config(environ={"MAILBOT_CONFIG": str(path)}).mailbox.address == "other@nhs.net"


def test_redact_url() -> None:
    assert redact_url("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"
    assert redact_url("sqlite:///x.db") == "sqlite:///x.db"


def test_parse_config_defaults_equal_a_bare_config() -> None:
    assert parse_config({}, environ={}) == Config()
