"""Configuration: a TOML file read with the standard library, checked strictly against one schema.

The schema is the dataclasses of mailbot/config_sections.py; their defaults are the values of
`config.example.toml` (a test keeps the two equal), so the mailbot runs with no file at all on the embedded
default: a SQLite store and local Maildirs. Relative paths are taken from the directory of the config file (or the
working directory when there is none), so a config works whatever directory a command is started from.

An unknown key, a wrong type or a missing required value raises ConfigError naming the key and what was expected;
the command line turns that into one line on stderr and exit status 2.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from mailbot.config_sections import (
    AccountsSection,
    AuthSection,
    DaemonSection,
    FoldersSection,
    FormsSection,
    HttpSection,
    ImapSection,
    LimitsSection,
    LogSection,
    MailboxSection,
    OidcSection,
    OpenExeterSection,
    ReviewSection,
    SignatorySection,
    SinkSection,
    SmtpSection,
    SourceSection,
    StoreSection,
    WebSection,
)

ENV_CONFIG = "MAILBOT_CONFIG"
# Secrets may stay out of the file: these variables win over it.
ENV_OVERRIDES = {
    ("store", "url"): "MAILBOT_STORE_URL",
    ("imap", "password"): "MAILBOT_IMAP_PASSWORD",
    ("smtp", "password"): "MAILBOT_SMTP_PASSWORD",
    ("oidc", "client_secret"): "MAILBOT_OIDC_CLIENT_SECRET",
}
# The most intake processes one host may run ([daemon] processes): each holds two IMAP connections (Dovecot allows
# ten a user and address by default) and some 200 MB with its form readers.
MAX_PROCESSES = 16
# The most messages recorded in one transaction ([daemon] group_commit): each holds the store's write lock (SQLite)
# a few milliseconds longer, which the outbox sender and the heartbeat wait for.
MAX_GROUP_COMMIT = 64
# Keys whose values are never shown (`doctor`, logs): passwords and the OIDC client secret.
SECRET_KEYS = ("password", "client_secret")


class ConfigError(Exception):
    """A config that cannot be used; the message names the key and what was expected."""


@dataclass(frozen=True)
class Config:
    mailbox: MailboxSection = field(default_factory=MailboxSection)
    store: StoreSection = field(default_factory=StoreSection)
    source: SourceSection = field(default_factory=SourceSection)
    imap: ImapSection = field(default_factory=ImapSection)
    sink: SinkSection = field(default_factory=SinkSection)
    smtp: SmtpSection = field(default_factory=SmtpSection)
    auth: AuthSection = field(default_factory=AuthSection)
    openexeter: OpenExeterSection = field(default_factory=OpenExeterSection)
    limits: LimitsSection = field(default_factory=LimitsSection)
    forms: FormsSection = field(default_factory=FormsSection)
    signatory: SignatorySection = field(default_factory=SignatorySection)
    accounts: AccountsSection = field(default_factory=AccountsSection)
    http: HttpSection = field(default_factory=HttpSection)
    folders: FoldersSection = field(default_factory=FoldersSection)
    daemon: DaemonSection = field(default_factory=DaemonSection)
    web: WebSection = field(default_factory=WebSection)
    review: ReviewSection = field(default_factory=ReviewSection)
    oidc: OidcSection = field(default_factory=OidcSection)
    log: LogSection = field(default_factory=LogSection)
    # Not keys: where the config came from, for resolving relative paths and for messages.
    source_path: Path | None = field(default=None, compare=False)
    base_dir: Path = field(default_factory=Path.cwd, compare=False)

    def path(self, value: str) -> Path:
        """A path from the config, relative ones taken from the config file's directory."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    @property
    def store_url(self) -> str:
        """The store URL with a relative SQLite path made absolute against the config's directory."""
        url = self.store.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
            return prefix + str(self.path(url[len(prefix):]))
        return url


_NOT_KEYS = ("source_path", "base_dir")
SECTIONS: dict[str, type] = {
    name: hint for name, hint in typing.get_type_hints(Config).items() if name not in _NOT_KEYS
}


def _type_name(tp: Any) -> str:
    if typing.get_origin(tp) is list:
        return "a list of strings"
    return {str: "a string", int: "an integer", bool: "true or false", float: "a number"}.get(tp, str(tp))


def _check_value(where: str, tp: Any, value: Any, meta: typing.Mapping[str, Any]) -> Any:
    origin = typing.get_origin(tp)
    if origin is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} must be {_type_name(tp)}, got {value!r}")
        return list(value)
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, tp)
    if not ok:
        raise ConfigError(f"{where} must be {_type_name(tp)}, got {value!r}")
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(f"{where} must be one of {', '.join(repr(c) for c in choices)}, got {value!r}")
    if tp in (int, float) and value < 0:
        raise ConfigError(f"{where} must not be negative, got {value!r}")
    return value


def _build_section(name: str, cls: type, raw: Any, origin: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin}: [{name}] must be a table, got {raw!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(
                f"{origin}: unknown key [{name}] {key} (known keys: {', '.join(sorted(known))})"
            )
        values[key] = _check_value(f"{origin}: [{name}] {key}", hints[key], value, known[key].metadata)
    return cls(**values)


def parse_config(data: dict[str, Any], *, origin: str = "config", base_dir: Path | None = None,
                 environ: typing.Mapping[str, str] | None = None) -> Config:
    """A checked Config from already-parsed TOML data, with environment overrides applied."""
    env = os.environ if environ is None else environ
    sections: dict[str, Any] = {}
    for name, raw in data.items():
        if name not in SECTIONS:
            raise ConfigError(f"{origin}: unknown section [{name}] (known sections: {', '.join(SECTIONS)})")
        sections[name] = _build_section(name, SECTIONS[name], raw, origin)
    for (section, key), var in ENV_OVERRIDES.items():
        if env.get(var):
            current = sections.get(section) or SECTIONS[section]()
            sections[section] = replace(current, **{key: env[var]})
    config = Config(**sections, base_dir=base_dir or Path.cwd())
    _check_required(config, origin)
    return config


def _check_required(config: Config, origin: str) -> None:
    required = {
        "[mailbox] address": config.mailbox.address,
        "[store] url": config.store.url,
        "[openexeter] system_address": config.openexeter.system_address,
    }
    if config.source.kind == "maildir":
        required["[source] maildir"] = config.source.maildir
    else:
        required["[imap] host"] = config.imap.host
        required["[imap] username"] = config.imap.username
    if config.sink.kind == "maildir":
        required["[sink] maildir"] = config.sink.maildir
    else:
        required["[smtp] host"] = config.smtp.host
    for key, value in required.items():
        if not str(value).strip():
            raise ConfigError(f"{origin}: {key} is required and is empty")
    for key, value in (("[mailbox] address", config.mailbox.address),
                       ("[openexeter] system_address", config.openexeter.system_address),
                       *(("[mailbox] aliases", alias) for alias in config.mailbox.aliases)):
        if value.count("@") != 1:
            raise ConfigError(f"{origin}: {key} must be one email address, got {value!r}")
    beat = config.daemon
    if not 1 <= beat.processes <= MAX_PROCESSES:
        raise ConfigError(f"{origin}: [daemon] processes must be between 1 and {MAX_PROCESSES}, got "
                          f"{beat.processes}: the intake processes `mailbot run` keeps on this host (about one for "
                          "each core)")
    if not 1 <= beat.group_commit <= MAX_GROUP_COMMIT:
        raise ConfigError(f"{origin}: [daemon] group_commit must be between 1 and {MAX_GROUP_COMMIT}, got "
                          f"{beat.group_commit}: the messages recorded in one transaction (1: each in its own)")
    if not 0 < beat.heartbeat_seconds * 2 <= beat.stale_seconds:
        raise ConfigError(f"{origin}: [daemon] stale_seconds ({beat.stale_seconds:g}) must be at least twice "
                          f"heartbeat_seconds ({beat.heartbeat_seconds:g}), which must be above 0: a daemon that "
                          "misses one beat is not dead")
    if config.signatory.confirm_days < 1:
        raise ConfigError(f"{origin}: [signatory] confirm_days must be at least 1, got {config.signatory.confirm_days}")
    if not config.auth.nhs_domains:
        raise ConfigError(f"{origin}: [auth] nhs_domains must name at least one domain")
    _check_oidc(config.oidc, origin)
    for proxy in config.web.trusted_proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(f"{origin}: [web] trusted_proxies must list IP addresses or networks, got {proxy!r}") \
                from None


def _check_oidc(oidc: OidcSection, origin: str) -> None:
    """An enabled [oidc] must name its provider and client; its issuer must be HTTPS (loopback excepted, for tests)."""
    if not oidc.enabled:
        return
    for key in ("issuer", "client_id", "email_claim", "label"):
        if not str(getattr(oidc, key)).strip():
            raise ConfigError(f"{origin}: [oidc] {key} is required when [oidc] enabled = true")
    scheme, _, rest = oidc.issuer.partition("://")
    host = rest.split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    if scheme != "https" and not (scheme == "http" and host in ("127.0.0.1", "localhost", "::1")):
        raise ConfigError(f"{origin}: [oidc] issuer must be an https:// URL, got {oidc.issuer!r}")
    if "openid" not in oidc.scopes:
        raise ConfigError(f"{origin}: [oidc] scopes must include \"openid\", got {oidc.scopes!r}")
    if oidc.client_auth == "private_key_jwt":
        if not oidc.private_key_file.strip():
            raise ConfigError(f"{origin}: [oidc] private_key_file is required when client_auth = \"private_key_jwt\"")
    elif not oidc.client_secret:
        raise ConfigError(f"{origin}: [oidc] client_secret is required for client_auth = {oidc.client_auth!r} "
                          "(set it in env MAILBOT_OIDC_CLIENT_SECRET)")


def load_config(path: str | os.PathLike[str] | None = None,
                environ: typing.Mapping[str, str] | None = None) -> Config:
    """The config from PATH, else $MAILBOT_CONFIG, else ./mailbot.toml, else the built-in defaults."""
    env = os.environ if environ is None else environ
    chosen = path or env.get(ENV_CONFIG)
    if not chosen and Path("mailbot.toml").is_file():
        chosen = "mailbot.toml"
    if not chosen:
        return parse_config({}, origin="built-in defaults", environ=env)
    file = Path(chosen)
    try:
        text = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the config file: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{file}: the config file is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    config = parse_config(data, origin=str(file), base_dir=file.resolve().parent, environ=env)
    return replace(config, source_path=file)


def as_dict(config: Config, *, redact: bool = True) -> dict[str, Any]:
    """The config as plain data, secrets replaced by a marker (for `doctor` and logs)."""
    out: dict[str, Any] = {}
    for name in SECTIONS:
        section = getattr(config, name)
        out[name] = {}
        for f in fields(section):
            value = getattr(section, f.name)
            if redact and (f.name in SECRET_KEYS or (name, f.name) == ("store", "url")):
                value = redact_secret(name, f.name, value)
            out[name][f.name] = value
    return out


def redact_secret(section: str, key: str, value: str) -> str:
    if (section, key) == ("store", "url"):
        return redact_url(value)
    return "(set)" if value else ""


def redact_url(url: str) -> str:
    """The URL with any password replaced, so it can be shown and logged."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    if ":" in creds:
        creds = creds.split(":", 1)[0] + ":***"
    return f"{scheme}://{creds}@{host}"


def secret_values(config: Config) -> tuple[str, ...]:
    """Every secret the config holds (mail passwords, the OIDC client secret, the store URL's password): never
    written into a case, a log or a child's environment."""
    found = [config.imap.password, config.smtp.password, config.oidc.client_secret]
    url = config.store.url
    if "://" in url and "@" in url:
        creds = url.split("://", 1)[1].rsplit("@", 1)[0]
        if ":" in creds:
            found.append(creds.split(":", 1)[1])
    return tuple(s for s in found if s)
