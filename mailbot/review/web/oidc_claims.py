"""Who an NHS log-in says the person is, from the claims of a validated ID token (and the user info, where the
provider keeps the email there), and the refusals a person reads. Plain data in, plain data out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# What the person on the log-in page reads for each refusal (never which check of a token failed in detail:
# that goes to the audit trail and the log).
REFUSALS = {
    "provider_error": "The NHS log-in was cancelled or refused. Try again, or log in with your staff name and "
                      "password.",
    "provider_down": "The NHS log-in service did not answer. Try again in a few minutes, or log in with your staff "
                     "name and password.",
    "state": "This NHS log-in was out of date, already used, or started in another browser. Start again from the "
             "log-in page.",
    "token": "The NHS log-in could not be checked (it was out of date, or not meant for this site). Start again "
             "from the log-in page.",
    "email_missing": "Your NHS account did not tell us your email address, so we cannot tell which member of staff "
                     "you are. Ask the person who runs the mailbot.",
    "email_unverified": "Your NHS account's email address is not verified, so it cannot be used to log in here.",
    "email_domain": "Only NHS accounts with an address at {domains} may log in here.",
    "unknown": "Your NHS account ({email}) is not linked to a staff account here. Ask the person who runs the "
               "mailbot to link it to yours.",
    "other_subject": "The address {email} is linked to a staff account that was first used with a different NHS "
                     "account. Ask the person who runs the mailbot to link it again.",
    "disabled": "Your staff account is disabled. Ask the person who runs the mailbot.",
}


class LoginRefused(Exception):
    """An NHS log-in that must not go on: `code` (a key of REFUSALS), `detail` for the audit trail and log only."""

    def __init__(self, code: str, detail: str = "", *, email: str = "", staff: str | None = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail, self.email, self.staff = code, detail, email, staff

    def words(self, domains: Iterable[str]) -> str:
        return REFUSALS[self.code].format(email=self.email, domains=" or ".join(f"@{d}" for d in domains))


@dataclass(frozen=True)
class NhsIdentity:
    issuer: str
    subject: str
    email: str  # lower case
    name: str


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def identity_from_claims(claims: Mapping[str, Any], *, issuer: str, email_claim: str,
                         allowed_domains: Iterable[str]) -> NhsIdentity:
    """The person the (already validated) CLAIMS name, or LoginRefused: no email, an email the provider says it
    has not verified, or one outside ALLOWED_DOMAINS (exact domain match, case-insensitive)."""
    raw = claims.get(email_claim)
    email = raw.strip().lower() if isinstance(raw, str) else ""
    if email.count("@") != 1 or not email.split("@")[0] or any(c.isspace() for c in email):
        raise LoginRefused("email_missing", f"claim {email_claim!r} is {raw!r}")
    if _is_false(claims.get("email_verified")):
        raise LoginRefused("email_unverified", "email_verified is false", email=email)
    domains = {d.strip().lower() for d in allowed_domains}
    if email.rsplit("@", 1)[1] not in domains:
        raise LoginRefused("email_domain", f"{email} is outside {sorted(domains)}", email=email)
    name = claims.get("name")
    return NhsIdentity(issuer=issuer, subject=str(claims["sub"]), email=email,
                       name=name if isinstance(name, str) else "")
