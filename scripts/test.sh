#!/usr/bin/env bash
# Install everything the tests need, then run every check: lint, types, the whole test suite.
# This is the command CI runs (.ci/run). Extra arguments go to pytest, e.g. `bash scripts/test.sh -k import`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh

ensure_venv test
ensure_postgres
ensure_dovecot
ensure_chromium
ensure_ghostscript
ensure_tesseract
ensure_nhsuk_frontend
ensure_oidc_provider

log "ruff"
.venv/bin/ruff check .
log "import contracts (pyproject.toml [tool.importlinter])"
.venv/bin/lint-imports --no-cache
log "mypy (mailbot, parsers, rules, store)"
.venv/bin/mypy
log "pytest"
# Tests that need a server fail (never skip) when it is missing.
MAILBOT_REQUIRE_SERVERS=1 .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
