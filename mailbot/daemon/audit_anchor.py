"""The audit chain's head (seq and hash) shown outside the store, so a copy kept elsewhere can anchor it: on
/metrics (a gauge for the seq, an info metric with the hash) and in the daemon's log once a UTC day.

Someone able to rewrite the whole audit table could recompute every hash; they cannot rewrite the heads already
scraped by Prometheus or shipped with the logs. `mailbot audit verify --anchor SEQ:HASH` checks one of them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from store.audit_chain import ChainHead, read_head

log = logging.getLogger(__name__)
# The daily line is the point of this logger: it is written whatever --log-level says (the root's level does not
# filter records propagated from a logger that has its own level).
log.setLevel(logging.INFO)


def current_head(sessions: sessionmaker[Session]) -> ChainHead | None:
    with sessions() as session:
        return read_head(session.connection())


class AuditChainCollector(Collector):
    """mailbot_audit_chain_seq and mailbot_audit_chain_head_info{seq, hash}, read from the store at each scrape."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        try:
            head = current_head(self.sessions)
        except Exception:  # noqa: BLE001 - a scrape must answer even when the store is down
            log.exception("metrics: cannot read the audit chain head")
            return
        seq, hash_ = (head.seq, head.hash) if head else (0, "")
        yield GaugeMetricFamily("mailbot_audit_chain_seq", "Events in the audit chain (the head's seq)", value=seq)
        yield InfoMetricFamily("mailbot_audit_chain_head", "The audit chain's head, to anchor it outside the store",
                               value={"seq": str(seq), "hash": hash_})


@dataclass
class DailyAnchorLog:
    """Logs the chain head the first time it is asked each UTC day (the daemon asks at every housekeeping run)."""

    sessions: sessionmaker[Session]
    last_day: date | None = None

    def maybe_log(self, now: datetime) -> bool:
        if self.last_day == now.date():
            return False
        head = current_head(self.sessions)
        if head is None:
            log.warning("audit chain head: no chain head row in the store")
        else:
            log.info("audit chain head: seq %d hash %s (anchor: %d:%s)", head.seq, head.hash, head.seq, head.hash)
        self.last_day = now.date()
        return True
