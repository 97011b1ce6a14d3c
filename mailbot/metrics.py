"""The daemon's own counters (prometheus-client), in a registry of their own so tests can run several daemons in
one process. Figures that live in the store (backlog, outbox pending and uncertain, cases by outcome) are read
from it when /metrics is scraped: see mailbot.daemon.health."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.cases = Counter("mailbot_messages_handled", "Messages handled by this process, by outcome",
                             ["outcome"], registry=r)
        self.rematched = Counter("mailbot_messages_rematched", "Messages recognised as handled before (no reply)",
                                 registry=r)
        self.errors = Counter("mailbot_errors", "Errors, by kind (message, poll, send, idle)", ["kind"], registry=r)
        self.sent = Counter("mailbot_mails_sent", "Mails accepted by the SMTP server (or written to the sink)",
                            registry=r)
        self.send_failures = Counter("mailbot_mail_send_failures", "Send attempts that failed, by result",
                                     ["result"], registry=r)
        self.mailbox_backlog = Gauge("mailbot_mailbox_backlog",
                                     "Messages in the mailbox folder not yet finished, at the last poll", registry=r)
        self.last_poll = Gauge("mailbot_last_successful_poll_timestamp_seconds",
                               "When the mailbox was last read without error (Unix time)", registry=r)


METRICS = Metrics()
