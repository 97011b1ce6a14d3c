"""A real OpenID Connect provider for the tests: the npm package oidc-provider run by the machine's Node.js
(tests/support/oidc_provider/provider.mjs), installed by scripts/lib/setup.sh. Missing node or the package is a
failure under the test command (MAILBOT_REQUIRE_SERVERS), as for the other servers."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.cli import ROOT
from tests.support.servers import missing_server

MODULES = ROOT / "var" / "test-oidc-provider"
SCRIPT = ROOT / "tests" / "support" / "oidc_provider" / "provider.mjs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
    log = log_path.open("wb")
    process = subprocess.Popen([node, str(SCRIPT), str(config)], stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "NODE_ENV": "test"})
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=1).status_code \
                        == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("oidc-provider did not start:\n" + log_path.read_text())
            time.sleep(0.1)
        yield RunningProvider(issuer, log_path)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
