"""An OpenID provider that gets things wrong on purpose, for the refusals a real provider cannot be made to show:
ID tokens with the wrong issuer or audience, out of date, signed with another key, carrying an old nonce.

A real HTTP server on loopback (the app reaches it as it reaches any provider: discovery, keys, token and user-info
endpoints over HTTP). It checks the client secret and PKCE like a real one; the ID token it returns is made by the
test from the authorization request's nonce with `claims` and signed with `signing_key` (by default its published
key), so each test changes only the one thing it is about.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.support.listening import free_port


@dataclass
class Misbehaviour:
    """What the next token response carries. `claims(nonce)` makes the ID token's claims."""

    claims: Callable[[str], dict[str, Any]]
    signing_key: RSAKey | None = None
    header: dict[str, Any] = field(default_factory=lambda: {"alg": "RS256", "kid": "good"})
    userinfo: dict[str, Any] | None = None


@dataclass
class MisbehavingProvider:
    issuer: str
    client_id: str
    client_secret: str
    key: RSAKey
    behaviour: Misbehaviour | None = None
    # code -> (code_challenge, nonce), as the test hands them over from the authorization request
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)

    def issue_code(self, code: str, authorization_url: str) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorization_url).query).items()}
        self.codes[code] = (query["code_challenge"], query["nonce"])

    def standard_claims(self, nonce: str, /, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": "sam", "aud": self.client_id, "iat": now, "exp": now + 600,
                  "nonce": nonce, "email": "sam.reviewer@nhs.net", "email_verified": True}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}


def _pkce(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _handler(provider: MisbehavingProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _json(self, body: object, status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            path = urlsplit(self.path).path
            if path == "/.well-known/openid-configuration":
                base = provider.issuer
                self._json({"issuer": base, "authorization_endpoint": f"{base}/authorize",
                            "token_endpoint": f"{base}/token", "jwks_uri": f"{base}/jwks",
                            "userinfo_endpoint": f"{base}/userinfo", "response_types_supported": ["code"],
                            "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
                            "token_endpoint_auth_methods_supported": ["client_secret_post"]})
            elif path == "/jwks":
                public = provider.key.as_dict(private=False)
                public.update(kid="good", use="sig", alg="RS256")
                self._json({"keys": [public]})
            elif path == "/userinfo":
                behaviour = provider.behaviour
                self._json(behaviour.userinfo if behaviour and behaviour.userinfo is not None else {"sub": "sam"})
            else:
                self._json({"error": "not_found"}, 404)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("content-length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path != "/token":
                self._json({"error": "not_found"}, 404)
                return
            if (form.get("client_id"), form.get("client_secret")) != (provider.client_id, provider.client_secret):
                self._json({"error": "invalid_client"}, 401)
                return
            issued = provider.codes.pop(form.get("code", ""), None)
            if issued is None or _pkce(form.get("code_verifier", "")) != issued[0]:
                self._json({"error": "invalid_grant"}, 400)
                return
            behaviour = provider.behaviour
            assert behaviour is not None, "the test did not say how to misbehave"
            claims = behaviour.claims(issued[1])
            if behaviour.header.get("alg") == "none":
                token = ".".join(base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
                                 for part in (behaviour.header, claims)) + "."
            else:
                token = jwt.encode(behaviour.header, claims, behaviour.signing_key or provider.key)
            self._json({"access_token": "at-" + str(time.time_ns()), "token_type": "Bearer", "expires_in": 600,
                        "id_token": token})

    return Handler


@contextmanager
def misbehaving_provider(client_id: str, client_secret: str) -> Iterator[MisbehavingProvider]:
    port = free_port()
    provider = MisbehavingProvider(f"http://127.0.0.1:{port}", client_id, client_secret,
                                   RSAKey.generate_key(2048, private=True))
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(provider))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
