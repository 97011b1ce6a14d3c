"""A real OpenID Connect provider for the tests: the npm package oidc-provider run by the machine's Node.js
(tests/support/oidc_provider/provider.mjs), installed by scripts/lib/setup.sh. Missing node or the package is a
failure under the test command (MAILBOT_REQUIRE_SERVERS), as for the other servers."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.cli import ROOT
from tests.support.listening import answering, free_port
from tests.support.servers import missing_server

MODULES = ROOT / "var" / "test-oidc-provider"
SCRIPT = ROOT / "tests" / "support" / "oidc_provider" / "provider.mjs"


@dataclass
class RunningProvider:
    issuer: str
    log: Path

    def discovery(self) -> dict[str, Any]:
        document: dict[str, Any] = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5).json()
        return document


def require_node() -> str:
    node = shutil.which("node")
    if node is None:
        missing_server("Node.js (`node`) for the OpenID provider (bash scripts/test.sh installs it)")
    if not (MODULES / "node_modules" / "oidc-provider" / "package.json").is_file():
        missing_server(f"the npm package oidc-provider in {MODULES} (bash scripts/test.sh installs it)")
    assert node is not None
    return node


@contextmanager
def oidc_provider(folder: Path, *, clients: list[dict[str, Any]], accounts: dict[str, dict[str, Any]],
                  host: str = "127.0.0.1", ttl: dict[str, int] | None = None) -> Iterator[RunningProvider]:
    """oidc-provider on a free port of HOST (127.0.0.1 or localhost) with CLIENTS and ACCOUNTS, until the end."""
    node = require_node()
    port = free_port()
    issuer = f"http://{host}:{port}"
    config = folder / "oidc-provider.json"
    config.write_text(json.dumps({"modules": str(MODULES), "issuer": issuer, "port": port, "clients": clients,
                                  "accounts": accounts, "ttl": ttl or {}}))
    log_path = folder / "oidc-provider.log"
    with answering("oidc-provider", [node, str(SCRIPT), str(config)],
                   f"http://127.0.0.1:{port}/.well-known/openid-configuration", log_path, seconds=20,
                   env={**os.environ, "NODE_ENV": "test"}):
        yield RunningProvider(issuer, log_path)
