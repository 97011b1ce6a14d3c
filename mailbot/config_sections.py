"""The config file's schema, one frozen dataclass per TOML table (mailbot/config.py reads and checks a file against
it). Each default is the value `config.example.toml` shows (a test keeps the two equal); `metadata` holds the
choices a string key allows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TLS_MODES = ("implicit", "starttls", "none")


def _choice(*allowed: str) -> dict[str, Any]:
    return {"choices": allowed}


@dataclass(frozen=True)
class MailboxSection:
    address: str = "pcse.openexeter@nhs.net"
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StoreSection:
    url: str = "sqlite:///var/mailbot.db"


@dataclass(frozen=True)
class SourceSection:
    kind: str = field(default="maildir", metadata=_choice("imap", "maildir"))
    maildir: str = "var/inbox"


@dataclass(frozen=True)
class ImapSection:
    host: str = "imap.example.nhs.net"
    port: int = 993
    username: str = "pcse.openexeter@nhs.net"
    password: str = ""
    tls: str = field(default="implicit", metadata=_choice(*TLS_MODES))
    folder: str = "INBOX"
    poll_seconds: int = 60
    idle: bool = True
    timeout_seconds: int = 30
    batch_size: int = 50


@dataclass(frozen=True)
class SinkSection:
    kind: str = field(default="maildir", metadata=_choice("smtp", "maildir"))
    maildir: str = "var/sent"


@dataclass(frozen=True)
class SmtpSection:
    host: str = "smtp.example.nhs.net"
    port: int = 587
    username: str = ""
    password: str = ""
    tls: str = field(default="starttls", metadata=_choice(*TLS_MODES))
    timeout_seconds: int = 30


@dataclass(frozen=True)
class AuthSection:
    nhs_domains: list[str] = field(default_factory=lambda: ["nhs.net"])
    secure_domains: list[str] = field(default_factory=lambda: ["nhs.net"])
    trusted_authserv_ids: list[str] = field(default_factory=list)
    test_public_keys: str = ""
    dns_timeout_seconds: float = 5.0
    dns_give_up_hours: float = 24.0


@dataclass(frozen=True)
class OpenExeterSection:
    system_address: str = "openexeter-noreply@nhs.net"


@dataclass(frozen=True)
class LimitsSection:
    max_message_bytes: int = 26214400
    max_age_days: int = 30
    replies_per_sender_per_day: int = 10
    max_forms_per_message: int = 5
    max_decoded_bytes: int = 26214400


@dataclass(frozen=True)
class FormsSection:
    accept_typed_signature: bool = True
    ocr: bool = True  # read scans and photos by OCR; False flags them for staff (form.unreadable)
    workers: int = 2
    timeout_seconds: float = 30.0
    memory_mb: int = 640
    cpu_seconds: int = 8
    max_pdf_bytes: int = 10485760


@dataclass(frozen=True)
class SignatorySection:
    confirm_days: int = 7


@dataclass(frozen=True)
class AccountsSection:
    temp_password_days: int = 7


@dataclass(frozen=True)
class HttpSection:
    listen: str = "127.0.0.1:9464"


@dataclass(frozen=True)
class FoldersSection:
    approved: str = "Approved"
    rejected: str = "Rejected"
    flagged: str = "Flagged"
    answered: str = "Answered"
    ignored: str = "Ignored"
    set_aside: str = "Set-aside"

    def for_outcome(self, outcome: str) -> str:
        return str(getattr(self, outcome, self.flagged))


@dataclass(frozen=True)
class DaemonSection:
    # Intake processes `mailbot run` keeps on this host (mailbot.daemon.supervisor): each a whole daemon, so a
    # backlog is worked on by as many cores.
    processes: int = 1
    # The outbox sent by a process of its own beside them (mailbot.daemon.sender_process), woken by theirs through a
    # pipe: the intake process's own CPU fell from 9.9-11.0 to 7.4-7.9 ms a message (a SQLite backlog of 1,000,
    # three alternate runs), the family's about the same; off by default: it starts about 2 s later, and on a
    # shared, saturated 2-core machine the backlog's rate was not faster in every run.
    sender_process: bool = False
    workers: int = 2
    # Messages understood (forms read) ahead of the one being recorded: mailbot.intake.worker. Each is answered as
    # it would be one at a time (understood again before it is recorded when a message recorded meanwhile changed
    # what it read of the register: mailbot.processing.handle.record_afresh). Two by default: on a quiet 2-core
    # machine a backlog drained 22-26% faster than one at a time, with the same latency at 20 messages/s
    # (README: Performance, fourth round); 0 is one message at a time.
    read_ahead: int = 4
    # Consecutive messages of a batch recorded in one transaction, each in a savepoint of its own, committed
    # together (mailbot.intake.recording_group): one COMMIT (and its fsync) for up to this many. 1 is one
    # transaction a message.
    group_commit: int = 8
    max_attempts: int = 5
    retry_seconds: int = 30
    lease_seconds: int = 300
    heartbeat_seconds: float = 3  # how often a daemon renews its heartbeat (and its claims' leases)
    stale_seconds: float = 15  # a daemon silent this long is dead: its claims are taken over at once
    outbox_seconds: int = 2
    outbox_batch: int = 50
    send_retry_seconds: int = 60
    housekeeping_seconds: int = 60
    idle_renew_seconds: int = 1500
    done_keyword: str = "MailbotDone"


@dataclass(frozen=True)
class WebSection:
    listen: str = "127.0.0.1:8080"
    session_idle_minutes: int = 30
    session_absolute_minutes: int = 600
    lockout_attempts: int = 5  # failed log-ins in a row from one address before log-ins from it pause
    lockout_first_seconds: int = 30  # the first pause; each further failure doubles it
    lockout_minutes: int = 15  # the longest pause
    # Addresses/networks whose X-Forwarded-For and -Proto are believed: by default the local TLS proxy that [web]
    # listen's loopback default expects in front (without it, every client would share the proxy's address).
    trusted_proxies: list[str] = field(default_factory=lambda: ["127.0.0.1", "::1"])
    secure_cookies: str = field(default="auto", metadata=_choice("auto", "always", "never"))
    assets_dir: str = "var/web"


@dataclass(frozen=True)
class ReviewSection:
    """Staff review (SPEC 13): approvals that override authentication, or change who has Organisation
    Maintenance, need a second member of staff to confirm them; a waiting case is marked after a while."""

    second_person: bool = True
    warn_after_hours: int = 16  # working hours (Monday to Friday, 09:00-17:00 UTC) before a waiting case is marked


@dataclass(frozen=True)
class OidcSection:
    """Staff log-in with their NHS account (OpenID Connect); see docs/web.md."""

    enabled: bool = False
    label: str = "Log in with your NHS account"
    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    client_auth: str = field(default="client_secret_post",
                             metadata=_choice("client_secret_post", "client_secret_basic", "private_key_jwt"))
    private_key_file: str = ""
    private_key_id: str = ""
    scopes: list[str] = field(default_factory=lambda: ["openid", "email", "profile"])
    email_claim: str = "email"
    allowed_domains: list[str] = field(default_factory=list)
    redirect_url: str = ""


@dataclass(frozen=True)
class LogSection:
    """How log lines look on stderr (mailbot/log_lines.py): text for people, JSON for a log collector."""

    format: str = field(default="text", metadata=_choice("text", "json"))
