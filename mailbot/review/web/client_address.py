"""Who is on the other end: the client address is the socket's peer, unless that peer is one of [web]
trusted_proxies, in which case X-Forwarded-For (read from the right, past every trusted proxy) and
X-Forwarded-Proto say so. Anyone else's X-Forwarded-* headers are ignored, so a client cannot choose the address
its failed log-ins are counted against. uvicorn's own proxy-header handling is off (mailbot/cli/commands/web.py)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class ClientAddress:
    def __init__(self, app: ASGIApp, trusted_proxies: Iterable[str] = ()) -> None:
        self.app = app
        self.trusted: list[Network] = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def is_trusted(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return address is not None and any(address in network for network in self.trusted)

    def client_of(self, peer: str, forwarded_for: list[str]) -> str:
        """The client address for a request from PEER with these X-Forwarded-For values."""
        if not self.is_trusted(_address(peer)):
            return peer
        hops = [hop for value in forwarded_for for hop in value.split(",")]
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break  # junk in the chain: nothing left of it can be believed; the nearest trusted hop answers
            if not self.is_trusted(address):
                return str(address)
            peer = str(address)
        return peer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer, port = scope.get("client") or ("", 0)
        if scope["type"] in ("http", "websocket") and self.is_trusted(_address(peer)):
            headers = [(k.lower(), v.decode("latin-1")) for k, v in scope.get("headers", [])]
            scope = dict(scope, client=(self.client_of(peer, [v for k, v in headers if k == b"x-forwarded-for"]),
                                        port))
            proto = [v.strip().lower() for k, v in headers if k == b"x-forwarded-proto"]
            if proto and proto[-1] in ("http", "https"):
                scope["scheme"] = proto[-1]
        await self.app(scope, receive, send)
