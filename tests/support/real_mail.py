"""Real mail for the daemon's end-to-end tests and benchmarks: a store holding the sample register, a DKIM key whose
public half is in a `test_public_keys` file, and signed messages the real pipeline answers (permission requests
from a registered signatory, or with a Primary User form attached)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tests.support.cli import mailbot
from tests.support.daemon_setup import empty_maildir
from tests.support.signed_mail import SigningKey, compose

MAILBOX = "pcse.openexeter@nhs.net"
REGISTER = ("applications", "organisations", "users", "signatories")
SIGNATORIES = ("alan.hughes@nhs.net", "priya.shah@nhs.net", "helen.ward@nhs.net")
# Each one's role on record in the sample register: the role a request claims is compared with it (SPEC 3).
ROLE_OF = {"alan.hughes@nhs.net": "Lead GP", "priya.shah@nhs.net": "GP Partner",
           "helen.ward@nhs.net": "Caldicott Guardian"}


def prepare_store(config: Path) -> None:
    """Create the store of CONFIG and import the sample register into it."""
    sample = resources.files("mailbot.demo") / "sample"
    for table in REGISTER:
        result = mailbot("--config", config, "import", table, str(sample / f"{table}.csv"))
        assert result.status == 0, result.err


def embedded_default(folder: Path, key: SigningKey, extra: str = "") -> tuple[Path, Path]:
    """A config on the embedded default (a SQLite store and Maildirs under FOLDER/var) trusting KEY's signatures,
    with EXTRA appended (TOML sections of its own); its store made with the sample register and its inbox an empty
    Maildir. Returns the config's path and the inbox's."""
    keys = key.write_key_file(folder / "test-keys.txt")
    config = folder / "mailbot.toml"
    config.write_text(f'[store]\nurl = "sqlite:///var/mailbot.db"\n[auth]\ntest_public_keys = "{keys}"\n'
                      f'[http]\nlisten = "127.0.0.1:0"\n{extra}')
    prepare_store(config)
    return config, empty_maildir(folder / "var" / "inbox")


def permission_request(key: SigningKey, n: int, sender: str | None = None) -> bytes:
    """A signed request from a signatory of A81001 to give a user an application: always answered."""
    sender = sender or SIGNATORIES[n % len(SIGNATORIES)]
    body = ("Organisation code: A81001\nUser: paul.brown2@nhs.net\nApplications: Prior Notification List\n"
            f"Signatory role: {ROLE_OF.get(sender, 'GP Partner')}\n\nRequest number {n}.\nKind regards")
    raw = compose(sender=sender, to=MAILBOX, subject=f"Open Exeter permission request {n}", body=body)
    return key.sign(raw, "nhs.net")


def form_request(key: SigningKey, n: int, pdf: bytes) -> bytes:
    raw = compose(sender="alan.hughes@nhs.net", to=MAILBOX, subject=f"Primary User request form {n}",
                  body="Please find our signed form attached.\n\nThanks",
                  attachments=(("primary-user-request.pdf", pdf, "application/pdf"),))
    return key.sign(raw, "nhs.net")


def signed_form_pdf() -> bytes:
    from tests.support.forms_fixtures import GOOD_VALUES, filled_form
    values = {**GOOD_VALUES, "sig_full_name": "Dr Alan Hughes", "sig_email": "alan.hughes@nhs.net"}
    return filled_form("gp_practice", values, signature="ink")


def real_config_extra(keys_file: Path) -> dict[str, dict[str, object]]:
    """Config sections for the real pipeline: the test keys, and no per-sender reply limit in the way."""
    return {"auth": {"test_public_keys": str(keys_file)}, "limits": {"replies_per_sender_per_day": 100000}}
