#!/usr/bin/env bash
# Property-based API tests: schemathesis (PyPI) against /api/v1/openapi.json of a running
# `certdesk serve --demo`, once per role (requester, analyst, admin) with that role's
# Bearer token, each on a fresh demo data dir. Passes when no answer is a 5xx and every
# answer conforms to the document (status code, content type, headers, body schema).
#
#   scripts/schemathesis.sh [MAX_EXAMPLES]          (default 20 per operation)
#
# CERTDESK_BIN picks the binary (default: target/debug/certdesk, built if missing);
# SCHEMATHESIS_VENV the virtualenv (default: $TMPDIR/certdesk-schemathesis-venv).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
MAX_EXAMPLES=${1:-20}
SCHEMATHESIS_VERSION=4.32.5
VENV=${SCHEMATHESIS_VENV:-${TMPDIR:-/tmp}/certdesk-schemathesis-venv}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BIN=${CERTDESK_BIN:-$TARGET_DIR/debug/certdesk}
PORT=${SCHEMATHESIS_PORT:-18093}
BASE=http://127.0.0.1:$PORT

if [[ ! -x "$VENV/bin/schemathesis" ]] ||
  [[ "$("$VENV/bin/schemathesis" --version)" != *"$SCHEMATHESIS_VERSION"* ]]; then
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    # Debian ships venv apart; CI runs as root on a fresh Debian machine.
    if ((EUID == 0)) && command -v apt-get >/dev/null; then
      apt-get update -qq && apt-get install -y -qq python3-venv
    else
      echo "python3 has no venv module: install python3-venv" >&2
      exit 1
    fi
  fi
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
[[ -x "$BIN" ]] || cargo build -p certdesk --bin certdesk

WORK=$(mktemp -d "${TMPDIR:-/tmp}/certdesk-schemathesis.XXXXXX")
SERVER_PID=
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT

start_server() { # role
  mkdir -p "$WORK/$1"
  "$BIN" serve --demo --bind "127.0.0.1:$PORT" --data-dir "$WORK/$1/data" \
    >"$WORK/$1/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "certdesk did not start:" >&2
  cat "$WORK/$1/server.log" >&2
  exit 1
}

token() { # email password
  curl -fsS -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$2\"}" "$BASE/api/v1/session" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

# The demo logins (crates/certdesk/src/demo.rs).
declare -A EMAIL=([requester]=solicitante@regioncajamarca.gob.pe
  [analyst]=analista@regioncajamarca.gob.pe [admin]=admin@regioncajamarca.gob.pe)
declare -A PASSWORD=([requester]=demo-solicitante-2026 [analyst]=demo-analista-2026
  [admin]=demo-admin-2026)

status=0
summary=()
for role in requester analyst admin; do
  start_server "$role"
  bearer=$(token "${EMAIL[$role]}" "${PASSWORD[$role]}")
  echo "== $role: schemathesis, $MAX_EXAMPLES examples per operation"
  # DELETE /api/v1/session is left out: it would revoke the token the run is using
  # (the logout itself is covered by the integration tests).
  # From the scratch dir: schemathesis keeps a cache in its working directory.
  if (cd "$WORK/$role" && "$VENV/bin/schemathesis" run "$BASE/api/v1/openapi.json" \
    --header "Authorization: Bearer $bearer" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --exclude-operation-id delete \
    --max-examples "$MAX_EXAMPLES" --seed 13 --workers 1 --no-color \
    >"$WORK/$role/schemathesis.log" 2>&1); then
    result=ok
  else
    result=FAILED
    status=1
  fi
  cp "$WORK/$role/schemathesis.log" "${TMPDIR:-/tmp}/certdesk-schemathesis-$role.log"
  if grep -qE 'panicked|ERROR' "$WORK/$role/server.log"; then
    echo "server log of $role has errors:"
    grep -E 'panicked|ERROR' "$WORK/$role/server.log" | head -20
    result="$result (server errors)"
    status=1
  fi
  stop_server
  log=$WORK/$role/schemathesis.log
  summary+=("$(printf '%-9s %s: %s operations tested; %s; %s' "$role" "$result" \
    "$(sed -n 's/^ *Tested: *//p' "$log" | tail -1)" \
    "$(grep -A1 '^Test cases:' "$log" | tail -1 | sed 's/^ *//')" \
    "$(tail -1 "$log" | tr -d '=' | sed 's/^ *//; s/ *$//')")")
  echo "   log: ${TMPDIR:-/tmp}/certdesk-schemathesis-$role.log"
done

echo
echo "== schemathesis summary"
printf '%s\n' "${summary[@]}"
exit "$status"
