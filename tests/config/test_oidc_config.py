"""[oidc]: an enabled NHS log-in names its provider and client, over HTTPS, with a way to authenticate; the client
secret can come from the environment and is never shown."""

from __future__ import annotations

from typing import Any

import pytest

from mailbot.config import ConfigError, as_dict, parse_config

GOOD = {"enabled": True, "issuer": "https://login.microsoftonline.com/tenant-id/v2.0", "client_id": "abc"}


@pytest.mark.parametrize(("changes", "expected"), [
    ({"issuer": ""}, "[oidc] issuer is required when [oidc] enabled = true"),
    ({"client_id": " "}, "[oidc] client_id is required"),
    ({"issuer": "http://login.example.nhs.uk"}, "[oidc] issuer must be an https:// URL"),
    ({"scopes": ["email"]}, "[oidc] scopes must include \"openid\""),
    ({"client_auth": "private_key_jwt"}, "[oidc] private_key_file is required"),
    ({}, "[oidc] client_secret is required for client_auth = 'client_secret_post'"),
    ({"client_auth": "secret"}, "[oidc] client_auth must be one of"),
])
def test_an_enabled_nhs_log_in_must_be_complete(changes: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"oidc": {**GOOD, **changes}}, environ={})
    assert expected in str(caught.value)


def test_loopback_http_is_allowed_for_tests_and_off_needs_nothing() -> None:
    parse_config({"oidc": {**GOOD, "issuer": "http://127.0.0.1:4000", "client_secret": "s"}}, environ={})
    parse_config({"oidc": {"enabled": False}}, environ={})


def test_the_client_secret_comes_from_the_environment_and_is_never_shown() -> None:
    config = parse_config({"oidc": GOOD}, environ={"MAILBOT_OIDC_CLIENT_SECRET": "s3cret-from-env"})
    assert config.oidc.client_secret == "s3cret-from-env"
    shown = as_dict(config)
    assert shown["oidc"]["client_secret"] == "(set)" and "s3cret-from-env" not in str(shown)
