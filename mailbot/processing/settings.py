"""What the rules and the replies read from the config, gathered once per process. Kept apart from the
understander (parsers, DNS, the form sandbox) so review commands and the web page load none of those."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.config import Config
from mailbot.outbox.case_mail import MailPolicy
from parsers.recipients import normalise_address
from rules.context import Policy


@dataclass(frozen=True)
class Settings:
    policy: Policy
    mail: MailPolicy
    mailbox: str
    message_id_domain: str


def message_id_domain(config: Config) -> str:
    return config.mailbox.address.rsplit("@", 1)[1].lower()


def mailbox_addresses(config: Config) -> frozenset[str]:
    """The mailbox's address and its aliases, as parsers.recipients compares them."""
    found = (normalise_address(a) for a in (config.mailbox.address, *config.mailbox.aliases))
    return frozenset(a for a in found if a)


def settings_from(config: Config) -> Settings:
    policy = Policy(
        nhs_domains=frozenset(config.auth.nhs_domains),
        secure_domains=frozenset(config.auth.secure_domains),
        system_address=config.openexeter.system_address,
        accept_typed_signature=config.forms.accept_typed_signature,
        max_message_bytes=config.limits.max_message_bytes,
        max_age_days=config.limits.max_age_days,
        replies_per_sender_per_day=config.limits.replies_per_sender_per_day,
        mailbox_addresses=mailbox_addresses(config),
        max_forms_per_message=config.limits.max_forms_per_message,
    )
    mail = MailPolicy(secure_domains=frozenset(config.auth.secure_domains),
                      password_days=config.accounts.temp_password_days,
                      confirm_days=config.signatory.confirm_days)
    return Settings(policy=policy, mail=mail, mailbox=config.mailbox.address,
                    message_id_domain=message_id_domain(config))
