#!/usr/bin/env bash
# The main job on the embedded default (SQLite store, local Maildirs, sample data), on a fresh machine:
# installs the mailbot into .venv, then runs `mailbot demo`, which starts from an empty var/demo each time.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh

ensure_venv
ensure_tesseract
ensure_nhsuk_frontend
.venv/bin/mailbot demo --dir var/demo "$@"
