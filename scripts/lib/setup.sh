# Shared by scripts/demo.sh and scripts/test.sh: install what the project needs on a fresh machine.
# Every function is safe to run again: it does nothing when its part is already there.

log() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

# A .venv that is there but does not run (a link to another machine's folder, a half-made folder, a file) would make
# `python -m venv` fail with "File exists": say what it was, in one line, and remove it so that a new one is made.
discard_broken_venv() {
  if { [ -e .venv ] || [ -L .venv ]; } && ! .venv/bin/python -c '' >/dev/null 2>&1; then
    local what="a folder without a working bin/python"
    if [ -L .venv ]; then what="a link to $(readlink .venv), which does not run"
    elif [ ! -d .venv ]; then what="not a folder"; fi
    log ".venv is $what: making a new one"
    rm -rf .venv
  fi
}

# The project's virtualenv in .venv, with the project and EXTRAS installed at the versions CI tested.
ensure_venv() {
  local extras="${1:-}"
  local python="${PYTHON:-python3}"
  discard_broken_venv
  if [ ! -x .venv/bin/python ]; then
    log "creating .venv with $($python --version)"
    "$python" -m venv .venv
  fi
  local stamp=".venv/.installed-${extras:-base}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
    log "installing the project${extras:+ with [$extras]} into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt \
      -e ".${extras:+[$extras]}"
    touch "$stamp"
  fi
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  # Debian's postinst scripts would start the system-wide services; the tests start their own.
  local policy=/usr/sbin/policy-rc.d created_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null && as_root chmod +x "$policy"
    created_policy=1
  fi
  local status=0
  # Another install (a second checkout setting up at the same time) may hold dpkg's lock: wait for it, not fail.
  local apt=(apt-get -o DPkg::Lock::Timeout=600)
  as_root "${apt[@]}" install -y -q --no-install-recommends "$@" >/dev/null \
    || { as_root "${apt[@]}" update -q >/dev/null \
         && as_root "${apt[@]}" install -y -q --no-install-recommends "$@" >/dev/null; } \
    || status=$?
  if [ -n "$created_policy" ]; then as_root rm -f "$policy"; fi
  return $status
}

# Dovecot, for the IMAP tests (the suite starts its own instance on a free port).
ensure_dovecot() {
  if command -v dovecot >/dev/null && command -v doveadm >/dev/null; then return 0; fi
  log "installing Debian's dovecot-imapd"
  apt_install dovecot-imapd
}

# The local PostgreSQL server, started when it is down.
ensure_postgres() {
  local host="${PGHOST_FOR_TESTS:-127.0.0.1}"
  if pg_isready -q -h "$host" -p 5432 2>/dev/null; then return 0; fi
  if [ -d /etc/postgresql ]; then
    log "starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h "$host" -p 5432 && return 0; sleep 1; done
  fi
  log "PostgreSQL is not running at $host:5432 and could not be started"
  return 1
}

# NHS.UK frontend styles for the staff web page, from the npm registry into git-ignored var/web (never committed).
# The pages work without them (plain accessible HTML), so a machine without npm only loses the NHS look.
NHSUK_FRONTEND_RANGE="^10.6.1"
ensure_nhsuk_frontend() {
  if [ -f var/web/node_modules/nhsuk-frontend/package.json ]; then return 0; fi
  if ! command -v npm >/dev/null; then log "npm not found: the web page will be served without NHS.UK styles"; return 0; fi
  log "installing nhsuk-frontend@$NHSUK_FRONTEND_RANGE into var/web"
  mkdir -p var/web
  npm install --prefix var/web --no-audit --no-fund --silent "nhsuk-frontend@$NHSUK_FRONTEND_RANGE" >/dev/null
}

# Debian's chromium for the browser tests (Playwright's own browser download does not work here).
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  log "installing Debian's chromium"
  apt_install chromium
}

# Debian's Ghostscript, for the form tests that print a PDF through another producer (gs -sDEVICE=pdfwrite).
ensure_ghostscript() {
  if command -v gs >/dev/null; then return 0; fi
  log "installing Debian's ghostscript"
  apt_install ghostscript
}

# A real OpenID Connect provider for the NHS log-in tests: the npm package oidc-provider, at the versions pinned by
# tests/support/oidc_provider/package-lock.json, into git-ignored var/test-oidc-provider (run with the machine's
# Node.js by tests/support/oidc_server.py). Debian's nodejs and npm are installed when the machine has none.
OIDC_PROVIDER_DIR=var/test-oidc-provider
ensure_oidc_provider() {
  local lock=tests/support/oidc_provider/package-lock.json
  if [ -f "$OIDC_PROVIDER_DIR/node_modules/oidc-provider/package.json" ] \
      && cmp -s "$lock" "$OIDC_PROVIDER_DIR/package-lock.json"; then return 0; fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    log "installing Debian's nodejs and npm (for the NHS log-in tests' OpenID provider)"
    apt_install nodejs npm
  fi
  log "installing oidc-provider (pinned by $lock) into $OIDC_PROVIDER_DIR"
  mkdir -p "$OIDC_PROVIDER_DIR"
  cp tests/support/oidc_provider/package.json "$lock" "$OIDC_PROVIDER_DIR/"
  npm ci --prefix "$OIDC_PROVIDER_DIR" --no-audit --no-fund --silent >/dev/null
}
