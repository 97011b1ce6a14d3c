"""The OpenID Connect relying party: Authlib's Starlette client for discovery, the authorization request (state,
nonce, PKCE S256), the code exchange with the configured client authentication, and ID-token validation.

ID tokens are validated here rather than by Authlib's `parse_id_token`, because that checks `aud` only when told
to (an ID token issued to another client of the same provider would pass) and reads the system clock: here `iss`,
`aud`, `exp`, `iat` and `nonce` are required, `aud` must name our client ID, times are checked against the app's
clock with LEEWAY, and only asymmetric signatures from the provider's published keys are accepted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from mailbot.config import Config, ConfigError
from mailbot.config_sections import OidcSection
from mailbot.review.web.oidc_claims import LoginRefused

LEEWAY_SECONDS = 60  # clock difference tolerated between us and the provider
TIMEOUT_SECONDS = 10.0
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


def _client_secret(config: Config) -> str:
    """What Authlib signs or authenticates with: the client secret, or the PEM key for private_key_jwt."""
    oidc = config.oidc
    if oidc.client_auth != "private_key_jwt":
        return oidc.client_secret
    path = config.path(oidc.private_key_file)
    try:
        return path.read_text()
    except OSError as exc:
        raise ConfigError(f"[oidc] private_key_file {path}: cannot read it: {exc.strerror or exc}") from exc


class OidcClient:
    """One configured provider. Discovery and the provider's keys are fetched on first use and kept."""

    def __init__(self, config: Config) -> None:
        self.settings: OidcSection = config.oidc
        self.issuer = self.settings.issuer.rstrip("/")
        self.allowed_domains = self.settings.allowed_domains or config.auth.nhs_domains
        client_kwargs: dict[str, Any] = {"scope": " ".join(self.settings.scopes), "code_challenge_method": "S256",
                                         "token_endpoint_auth_method": self.settings.client_auth,
                                         "timeout": TIMEOUT_SECONDS}
        auth_methods = []
        if self.settings.client_auth == "private_key_jwt":
            headers = {"kid": self.settings.private_key_id} if self.settings.private_key_id else None
            auth_methods.append(PrivateKeyJWT(headers=headers))
        self.app = OAuth().register(
            "nhs", client_id=self.settings.client_id, client_secret=_client_secret(config),
            server_metadata_url=f"{self.issuer}/.well-known/openid-configuration", client_kwargs=client_kwargs,
            client_auth_methods=auth_methods or None)

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document; its issuer must be the configured one (OpenID Discovery 4.3)."""
        try:
            metadata: dict[str, Any] = await self.app.load_server_metadata()
        except (httpx2.HTTPError, ValueError) as exc:
            self.app.server_metadata.pop("_loaded_at", None)
            raise LoginRefused("provider_down", f"discovery: {exc.__class__.__name__}: {exc}") from exc
        if metadata.get("issuer", "").rstrip("/") != self.issuer:
            self.app.server_metadata.clear()
            raise LoginRefused("provider_down", f"discovery names issuer {metadata.get('issuer')!r}, "
                                                f"not the configured {self.issuer!r}")
        return metadata

    async def authorization(self, redirect_uri: str) -> dict[str, str]:
        """The provider's URL to send the browser to, and the state, nonce and code verifier it carries."""
        await self.metadata()
        found: dict[str, str] = await self.app.create_authorization_url(redirect_uri)
        return found

    async def exchange(self, *, code: str, code_verifier: str, redirect_uri: str) -> dict[str, Any]:
        """The token response for CODE (the client authenticates as configured); no ID token is a refusal."""
        await self.metadata()
        try:
            token: dict[str, Any] = await self.app.fetch_access_token(redirect_uri=redirect_uri, code=code,
                                                                      code_verifier=code_verifier)
        except OAuthError as exc:
            raise LoginRefused("token", f"token endpoint: {exc.error}: {str(exc.description or '')[:200]}") from exc
        except httpx2.HTTPError as exc:
            raise LoginRefused("provider_down", f"token endpoint: {exc.__class__.__name__}") from exc
        if not token.get("id_token"):
            raise LoginRefused("token", "the token response has no id_token")
        return token

    async def _keys(self, *, force: bool = False) -> KeySet:
        try:
            return KeySet.import_key_set(await self.app.fetch_jwk_set(force=force))
        except (httpx2.HTTPError, ValueError, JoseError) as exc:
            raise LoginRefused("provider_down", f"keys: {exc.__class__.__name__}") from exc

    async def id_token_claims(self, token: dict[str, Any], *, nonce: str, now: datetime) -> dict[str, Any]:
        """The claims of TOKEN's ID token once its signature, issuer, audience, times, nonce, azp and at_hash
        are right; LoginRefused("token", which check failed) otherwise."""
        metadata = await self.metadata()
        algorithms = [a for a in metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
                      if a in ASYMMETRIC]
        registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
        try:
            try:
                decoded = jwt.decode(token["id_token"], await self._keys(), registry=registry)
            except InvalidKeyIdError:  # the provider may have rotated its keys since we fetched them
                decoded = jwt.decode(token["id_token"], await self._keys(force=True), registry=registry)
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": self.issuer}, "aud": {"essential": True,
                                                                         "value": self.settings.client_id},
                "sub": {"essential": True}, "exp": {"essential": True}, "iat": {"essential": True},
                "nonce": {"essential": True, "value": nonce},
            }
            claims = CodeIDToken(decoded.claims, decoded.header, options,
                                 {"nonce": nonce, "client_id": self.settings.client_id,
                                  "access_token": token.get("access_token")})
            claims.validate(now=int(now.timestamp()), leeway=LEEWAY_SECONDS)
        except ClaimError as exc:
            raise LoginRefused("token", f"ID token {exc.__class__.__name__} on {exc.claim!r}") from exc
        except (JoseError, ValueError, TypeError) as exc:
            raise LoginRefused("token", f"ID token {exc.__class__.__name__}") from exc
        return dict(claims)

    async def userinfo(self, token: dict[str, Any], subject: str) -> dict[str, Any]:
        """The user info (for claims the provider keeps out of the ID token); its `sub` must be the ID token's."""
        metadata = await self.metadata()
        if not metadata.get("userinfo_endpoint"):
            return {}
        try:
            info = dict(await self.app.userinfo(token=token))
        except (httpx2.HTTPError, OAuthError, ValueError) as exc:
            raise LoginRefused("provider_down", f"userinfo: {exc.__class__.__name__}") from exc
        if info.get("sub") != subject:
            raise LoginRefused("token", "the user info is about another subject than the ID token")
        return info

    async def claims(self, token: dict[str, Any], *, nonce: str, now: datetime) -> dict[str, Any]:
        """The validated ID token's claims, with the user info's email, email_verified and name where the ID
        token has none of the configured email claim."""
        claims = await self.id_token_claims(token, nonce=nonce, now=now)
        if self.settings.email_claim not in claims:
            info = await self.userinfo(token, str(claims["sub"]))
            for key in (self.settings.email_claim, "email_verified", "name"):
                if key in info and key not in claims:
                    claims[key] = info[key]
        return claims
