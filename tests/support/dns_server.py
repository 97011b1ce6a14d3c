"""A real DNS server on 127.0.0.1 for tests: answers TXT queries from a dict, or answers SERVFAIL, or never
answers at all (to make a resolver time out)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


@contextmanager
def dns_server(records: dict[str, bytes] | None = None, mode: str = "answer") -> Iterator[int]:
    """A UDP DNS server for the block; yields its port. MODE: "answer" (TXT from RECORDS, NXDOMAIN otherwise),
    "servfail", or "silent" (reads queries and never replies)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.05)
    stop = threading.Event()
    queries: list[str] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            name = query.question[0].name.to_text().rstrip(".").lower()
            queries.append(name)
            if mode == "silent":
                continue
            reply = dns.message.make_response(query)
            if mode == "servfail":
                reply.set_rcode(dns.rcode.SERVFAIL)
            elif name in (records or {}):
                text = (records or {})[name]
                chunks = " ".join('"' + text[i:i + 255].decode() + '"' for i in range(0, len(text), 255))
                reply.answer.append(dns.rrset.from_text(query.question[0].name, 300, dns.rdataclass.IN,
                                                        dns.rdatatype.TXT, chunks))
            else:
                reply.set_rcode(dns.rcode.NXDOMAIN)
            sock.sendto(reply.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        sock.close()
