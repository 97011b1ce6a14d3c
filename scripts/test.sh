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
# Tests that need a server fail (never skip) when it is missing. Two passes: every test not marked `serial` on
# MAILBOT_TEST_WORKERS workers (pytest-xdist; each starts its own servers and PostgreSQL database; a whole file goes
# to one worker, so its module fixtures are made once and its tests run in their order), then the `serial` ones
# (wall-clock limits) alone, so that another worker cannot make them fail. A pass that selects nothing (exit
# status 5, e.g. with -k) is fine when the other one ran tests.
export MAILBOT_REQUIRE_SERVERS=1
log "pytest on ${MAILBOT_TEST_WORKERS:=2} workers (all but the tests marked serial)"
parallel=0
.venv/bin/python -m pytest -q -p no:cacheprovider -n "$MAILBOT_TEST_WORKERS" --dist loadfile --serial=exclude "$@" \
  || parallel=$?
log "pytest (the tests marked serial, alone)"
serial=0
.venv/bin/python -m pytest -q -p no:cacheprovider --serial=only "$@" || serial=$?
if [ "$parallel" = 5 ] && [ "$serial" = 5 ]; then exit 5; fi
for status in "$parallel" "$serial"; do
  if [ "$status" != 0 ] && [ "$status" != 5 ]; then exit "$status"; fi
done
