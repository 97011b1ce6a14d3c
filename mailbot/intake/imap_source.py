"""Reading the shared mailbox over IMAP: list, fetch in bounded UID batches, hand each message to the intake worker,
then move it to a folder by outcome once its case is committed.

Messages are keyed by (folder, UIDVALIDITY, UID); the store, not `\\Seen`, says what was handled. The move is
clean-up after the commit and safe to repeat: a message whose intake row is finished is simply moved again.
Where the server has no MOVE it is copied, flagged \\Deleted and removed with UID EXPUNGE (UIDPLUS); with neither,
it is copied and marked with a keyword that later searches skip.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from imapclient import DELETED, IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.response_parser import parse_fetch_response

from mailbot.config import Config
from mailbot.connections import open_imap, quietly_logout
from mailbot.intake.worker import IntakeWorker
from mailbot.metrics import METRICS
from mailbot.processing.contract import TryLater
from mailbot.processing.over_limit import OverLimit, OverLimitReader
from store import intake

log = logging.getLogger(__name__)
COMMAND_CHUNK = 500  # UIDs per command: Dovecot refuses command lines over 64 KB
FETCH_PIECE = 4 * 1024 * 1024  # a bigger message is fetched alone, this much at a time


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# One message of a UID FETCH (BODY.PEEK[]) reply as Dovecot (and most servers) send it: its sequence number, UID
# and the body as a literal; then ")" on its own.
_BODY_LINE = re.compile(rb"\d+ \(UID (\d+) BODY\[\] \{\d+\}")


def _bodies(client: IMAPClient, uids: list[int]) -> dict[int, bytes]:
    """The whole of each of UIDS still there, in one UID FETCH; `client.fetch`'s answer, without IMAPClient's
    parsing of the reply when it has the usual shape (its lexer reads every byte outside the literals one Python
    call at a time: about 190 calls a message, some tenth of what recording it costs)."""
    typ, data = client._imap.uid("FETCH", ",".join(str(uid) for uid in uids), "(BODY.PEEK[])")
    if typ != "OK":
        raise IMAPClientError(f"UID FETCH failed: {data!r}")
    return bodies_of(data, client.normalise_times)


def bodies_of(data: list[Any], normalise_times: bool = True) -> dict[int, bytes]:
    """A UID FETCH (BODY.PEEK[]) reply's bodies by UID: read straight off imaplib's items when every one has the
    usual shape (a literal headed `n (UID u BODY[] {size}`, then `)`), else by IMAPClient's parser (another order,
    unsolicited FLAGS, a body sent as a string: whatever the server may send)."""
    found: dict[int, bytes] = {}
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and (line := _BODY_LINE.fullmatch(item[0])):
            found[int(line[1])] = bytes(item[1])
        elif item != b")" and item is not None:
            return {uid: bytes(parts[b"BODY[]"]) for uid, parts in parse_fetch_response(
                data, normalise_times, True).items() if parts.get(b"BODY[]") is not None}
    return found


@dataclass
class PollReport:
    handled: int = 0
    moved: int = 0
    waiting: int = 0
    uidvalidity_changed: bool = False
    backlog: int = 0  # messages in the folder not yet finished


@dataclass
class ImapSource:
    config: Config
    worker: IntakeWorker
    stop: threading.Event = field(default_factory=threading.Event)
    after_batch: Callable[[], None] = lambda: None  # e.g. wake the outbox sender
    client: IMAPClient | None = None
    _created: set[str] = field(default_factory=set)
    _reused: bool = False
    _polls: intake.PollRecorder = field(init=False)  # the polls written in the store (only what changed)

    def __post_init__(self) -> None:
        self._polls = intake.PollRecorder(self.worker.source)

    @property
    def folder(self) -> str:
        return self.config.imap.folder

    def close(self) -> None:
        if self.client is not None:
            quietly_logout(self.client)
            self.client = None

    def poll(self) -> PollReport:
        """One pass over the folder; on any connection trouble the connection is dropped and the error raised
        (the next poll reconnects)."""
        try:
            report = self._poll_once()
        except (IMAPClientError, OSError) as exc:
            if not self._reused:
                raise
            # The kept connection had died (e.g. the server restarted): one try on a fresh one is safe, since
            # everything a poll does is keyed in the store.
            log.info("IMAP connection lost (%s); reconnecting", exc)
            report = self._poll_once()
        METRICS.last_poll.set(time.time())
        return report

    def _poll_once(self) -> PollReport:
        self._reused = self.client is not None
        try:
            if self.client is None:
                self.client = open_imap(self.config.imap)
            return self._poll(self.client)
        except Exception:
            METRICS.errors.labels(kind="poll").inc()
            self.close()
            raise

    def _capabilities(self, client: IMAPClient) -> tuple[bytes, ...]:
        return tuple(client.capabilities())

    def _criteria(self, client: IMAPClient) -> list[str]:
        caps = self._capabilities(client)
        if b"MOVE" in caps or b"UIDPLUS" in caps:
            return ["NOT", "DELETED"]
        return ["NOT", "DELETED", "NOT", "KEYWORD", self.config.daemon.done_keyword]

    def _poll(self, client: IMAPClient) -> PollReport:
        report = PollReport()
        selected = client.select_folder(self.folder)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        criteria = self._criteria(client)
        uids = sorted(int(u) for u in client.search(criteria))
        # Those too big to fetch with the rest of their batch, by one search for the whole poll rather than a FETCH
        # of every message's RFC822.SIZE in each batch (a command a batch, and a FETCH response line to parse for
        # each message). A message's size never changes; one listed above and gone meanwhile is simply not found.
        large = {int(u) for u in client.search(["LARGER", self._fetched_whole_up_to(), *criteria])} if uids else set()
        report.uidvalidity_changed = self._polls(self.worker.sessions, uidvalidity=uidvalidity,
                                                 last_uid=max(uids, default=0), now=self.worker.clock())
        if report.uidvalidity_changed:
            log.warning("%s: UIDVALIDITY changed to %s: messages are matched by Message-ID and content again",
                        self.folder, uidvalidity)
        by_key = {intake.imap_key(self.folder, uidvalidity, uid): uid for uid in uids}
        triage = self.worker.triage(by_key)
        report.waiting = triage.waiting
        report.backlog = len(triage.candidates) + triage.waiting
        moves: dict[str, list[str]] = defaultdict(list)
        for key, folder in triage.cleanup.items():
            moves[folder].append(key)
        report.moved += self._move_all(client, moves, by_key)
        batch_size = max(1, self.config.imap.batch_size)
        for start in range(0, len(triage.candidates), batch_size):
            if self.stop.is_set():
                break
            handled, moved = self._batch(client, triage.candidates[start:start + batch_size], by_key, large)
            report.handled += handled
            report.moved += moved
            report.backlog -= handled
            self.after_batch()
        return report

    def _batch(self, client: IMAPClient, keys: list[str], by_key: dict[str, int],
               large: set[int]) -> tuple[int, int]:
        claimed = self.worker.claim(keys)
        if not claimed:
            return 0, 0
        uids = [by_key[k] for k in claimed]
        try:
            fetched, over = self._fetch(client, uids, large)
        except Exception:
            self.worker.release(claimed)  # the connection failed: due again at once, not after the lease
            raise
        raws: dict[str, bytes] = {}
        for key in claimed:
            raw = fetched.pop(by_key[key], None)
            if raw is None:  # gone meanwhile (moved by another daemon or a person): nothing to do with it
                self.worker.process_failure(key, TryLater("the message is no longer in the folder"))
            else:
                raws[key] = raw
        del raw  # the batch's messages are held by RAWS alone, each let go as soon as it is handled
        over_limit = {key: over[by_key[key]] for key in raws if by_key[key] in over}
        folders = self.worker.process_batch(claimed, raws, self.stop, over_limit=over_limit)
        moves: dict[str, list[str]] = defaultdict(list)
        for key, folder in folders.items():
            if folder:
                moves[folder].append(key)
        return len(folders), self._move_all(client, moves, by_key)

    def _fetched_whole_up_to(self) -> int:
        """The size (RFC822.SIZE, which SEARCH LARGER compares) up to which a message is fetched with its batch."""
        return min(FETCH_PIECE, self.config.limits.max_message_bytes)

    def _fetch(self, client: IMAPClient, uids: list[int],
               large: set[int]) -> tuple[dict[int, bytes], dict[int, OverLimit]]:
        """The messages' bytes; one over `[limits] max_message_bytes` only up to one byte past the limit (flagged
        unread; the whole of it stays in the mailbox, moved to its folder, for staff), its rest read piece by piece
        for its size and DKIM body hashes only (its OverLimit), never held.

        Small messages come in one FETCH; a big one (in LARGE: bigger than _fetched_whole_up_to) alone, in pieces of
        FETCH_PIECE bytes: imaplib and IMAPClient hold a literal two or three times over while they read it, so a
        batch of 25 MB messages in one FETCH cost over 150 MB for a moment."""
        limit = self.config.limits.max_message_bytes
        small = [u for u in uids if u not in large]
        found: dict[int, bytes] = {}
        over: dict[int, OverLimit] = {}
        if small:
            found.update(_bodies(client, small))
        for uid in uids:
            if uid in found or uid in small:
                continue
            kept = io.BytesIO()
            if not self._fetch_in_pieces(client, uid, kept.write, start=0, upto=limit + 1):
                continue
            raw = kept.getvalue()  # the buffer itself, not a copy of it
            del kept
            found[uid] = raw
            if len(raw) > limit:  # the rest only goes by, for its size and body hashes
                reader = OverLimitReader(raw)
                if self._fetch_in_pieces(client, uid, reader.update, start=len(raw), upto=None):
                    over[uid] = reader.finish()
                else:
                    del found[uid]  # gone while being read: as if gone before
        return found, over

    def _fetch_in_pieces(self, client: IMAPClient, uid: int, take: Callable[[bytes], object], *, start: int,
                         upto: int | None) -> bool:
        """UID's bytes from START up to UPTO (or its end), FETCH_PIECE at a time, each handed to TAKE and let go;
        False when the message is gone."""
        offset = start
        while upto is None or offset < upto:
            length = FETCH_PIECE if upto is None else min(FETCH_PIECE, upto - offset)
            data = client.fetch([uid], [f"BODY.PEEK[]<{offset}.{length}>"]).get(uid)
            piece = None if data is None else data.get(f"BODY[]<{offset}>".encode())
            if piece is None:
                return offset > start or (start > 0 and data is not None)
            take(piece)
            offset += len(piece)
            if len(piece) < length:
                break
        return True

    def _move_all(self, client: IMAPClient, moves: dict[str, list[str]], by_key: dict[str, int]) -> int:
        """Move each folder's messages there; those moved are noted as cleaned up in one transaction for them all
        (not one a folder: each is a commit)."""
        cleaned: list[str] = []
        try:
            for folder, keys in moves.items():
                uids = sorted(by_key[k] for k in keys)
                try:
                    self._move(client, uids, folder)
                except IMAPClientError as exc:  # clean-up only: the next poll moves it again
                    METRICS.errors.labels(kind="move").inc()
                    log.warning("could not move %d message(s) to %s: %s", len(uids), folder, exc)
                    continue
                cleaned += keys
        finally:  # (those moved before the connection failed, too)
            self.worker.cleaned(cleaned)
        return len(cleaned)

    def _ensure_folder(self, client: IMAPClient, folder: str) -> None:
        if folder in self._created:
            return
        if not client.folder_exists(folder):
            try:
                client.create_folder(folder)
            except IMAPClientError:
                if not client.folder_exists(folder):  # created meanwhile by another daemon is fine
                    raise
        self._created.add(folder)

    def _move(self, client: IMAPClient, uids: list[int], folder: str) -> None:
        self._ensure_folder(client, folder)
        caps = self._capabilities(client)
        for chunk in _chunks(uids, COMMAND_CHUNK):
            if b"MOVE" in caps:
                client.move(chunk, folder)
            elif b"UIDPLUS" in caps:
                client.copy(chunk, folder)
                client.add_flags(chunk, [DELETED], silent=True)
                client.expunge(chunk)  # UID EXPUNGE: only these, never another client's \Deleted mail
            else:
                client.copy(chunk, folder)
                client.add_flags(chunk, [self.config.daemon.done_keyword.encode()], silent=True)
