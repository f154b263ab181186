#!/usr/bin/env bash
# Load tests of issue 14 on one database: builds release, fills a fresh database with
# `certdesk load-demo`, starts `certdesk serve` and the baseline server on loopback, and runs
# every scenario of certdesk-load at 1, 8 and 32 clients. Prints one markdown table.
#
#   scripts/load.sh sqlite|postgres [TICKETS]       (TICKETS: 10000 when not given)
#
# PostgreSQL: the server at ${CERTDESK_LOAD_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
# (no database in the URL); the database certdesk_load is dropped and created again.
# Tunables (environment): CERTDESK_LOAD_CLIENTS (1,8,32), CERTDESK_LOAD_DURATION (15 s a
# row), CERTDESK_LOAD_SCENARIOS ("create b d a c"), CERTDESK_LOAD_SEARCH (Tello: the
# surname scenario A's applicants carry).
# Results: the table on stdout, one JSON object a row in
# ${CARGO_TARGET_DIR:-target}/load/<backend>-<time>.jsonl, the server's log beside it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() {
  echo "usage: scripts/load.sh sqlite|postgres [TICKETS]" >&2
  exit 2
}
[[ $# -ge 1 && $# -le 2 ]] || usage
BACKEND=$1
TICKETS=${2:-10000}
[[ $BACKEND == sqlite || $BACKEND == postgres ]] || usage
[[ $TICKETS =~ ^[0-9]+$ ]] || usage

CLIENTS=${CERTDESK_LOAD_CLIENTS:-1,8,32}
DURATION=${CERTDESK_LOAD_DURATION:-15}
SCENARIOS=${CERTDESK_LOAD_SCENARIOS:-create b d a c}
SEARCH=${CERTDESK_LOAD_SEARCH:-Tello}
PASSWORD='clave de carga 2026'
ANALYST=carga.analista@regioncajamarca.gob.pe
# load-demo makes one requester per 25 tickets; scenarios c and d spread over 40 of them.
REQUESTERS=$((TICKETS / 25))
((REQUESTERS >= 1)) || REQUESTERS=1
SPREAD=$((REQUESTERS < 40 ? REQUESTERS : 40))

command -v curl >/dev/null || {
  echo "curl is needed (to wait for /healthz)" >&2
  exit 1
}

cargo build --release -p certdesk -p certdesk-load
TARGET=${CARGO_TARGET_DIR:-target}
CERTDESK=$TARGET/release/certdesk
LOAD=$TARGET/release/certdesk-load

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$TARGET/load
mkdir -p "$OUT"
RESULTS=$OUT/$BACKEND-$STAMP.jsonl
SERVE_LOG=$OUT/$BACKEND-$STAMP-serve.log
WORK=$(mktemp -d -t certdesk-load.XXXXXX)
DATA=$WORK/data

SERVER_PID=
BASELINE_PID=
cleanup() {
  # Only the processes this script started, by their ids.
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null || true
  [[ -n $BASELINE_PID ]] && kill "$BASELINE_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Mail stays in the outbox (the default): no SMTP, whatever the caller's environment says.
unset CERTDESK_SMTP_URL CERTDESK_DATABASE_URL CERTDESK_DATA_DIR CERTDESK_DEMO CERTDESK_BIND

DB_ARGS=()
case $BACKEND in
  sqlite)
    BASELINE_DB=sqlite://$WORK/baseline.db
    ;;
  postgres)
    PG=${CERTDESK_LOAD_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
    PG=${PG%/}
    command -v psql >/dev/null || {
      echo "psql is needed to create the database certdesk_load" >&2
      exit 1
    }
    psql -q -v ON_ERROR_STOP=1 "$PG/postgres" \
      -c 'DROP DATABASE IF EXISTS certdesk_load WITH (FORCE)' \
      -c 'CREATE DATABASE certdesk_load'
    DB_ARGS=(--database-url "$PG/certdesk_load")
    # The baseline's table (baseline_tickets) lives beside certdesk's, on the same server.
    BASELINE_DB=$PG/certdesk_load
    ;;
esac

# A free port: one nothing answers on (bash's /dev/tcp, no other tool needed).
free_port() {
  local port
  for port in $(seq 18080 18180); do
    if ! (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "no free port in 18080-18180" >&2
  return 1
}

echo "filling the $BACKEND database with $TICKETS tickets" >&2
started=$(date +%s%3N)
"$CERTDESK" --data-dir "$DATA" "${DB_ARGS[@]}" load-demo --tickets "$TICKETS" >&2
echo "filled in $(($(date +%s%3N) - started)) ms" >&2

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
# RUST_LOG=warn: at info the server logs a line per request, and writing them would be a
# good part of what is measured.
RUST_LOG=warn "$CERTDESK" --data-dir "$DATA" "${DB_ARGS[@]}" serve --bind "127.0.0.1:$PORT" \
  >"$SERVE_LOG" 2>&1 &
SERVER_PID=$!
started=$(date +%s%3N)
for _ in $(seq 1 300); do
  curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || {
    echo "certdesk serve exited; its log:" >&2
    cat "$SERVE_LOG" >&2
    exit 1
  }
  sleep 0.1
done
curl -fsS "$URL/healthz" >/dev/null || {
  echo "certdesk serve did not answer /healthz within 30 s" >&2
  exit 1
}
echo "certdesk serve answered /healthz after $(($(date +%s%3N) - started)) ms" >&2

# The file exists before the background job opens it, so the first read below cannot fail.
: >"$WORK/baseline.out"
"$LOAD" baseline --bind 127.0.0.1:0 --database "$BASELINE_DB" >>"$WORK/baseline.out" &
BASELINE_PID=$!
BASELINE_URL=
for _ in $(seq 1 100); do
  BASELINE_URL=$(sed -n 's/^listening on //p' "$WORK/baseline.out")
  [[ -n $BASELINE_URL ]] && break
  sleep 0.1
done
[[ -n $BASELINE_URL ]] || {
  echo "the baseline server did not start" >&2
  exit 1
}

COMMON=(--clients "$CLIENTS" --duration "$DURATION" --label "$BACKEND" --json "$RESULTS")

echo >&2
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
  "$(free -m | awk '/^Mem:/ {print $2}') MiB; $TICKETS tickets; $DURATION s a row" >&2
echo
"$LOAD" --url "$BASELINE_URL" --pid "$BASELINE_PID" --scenario hello "${COMMON[@]}"
"$LOAD" --url "$BASELINE_URL" --pid "$BASELINE_PID" --scenario insert "${COMMON[@]}" --no-header
kill "$BASELINE_PID"
wait "$BASELINE_PID" 2>/dev/null || true
BASELINE_PID=

for scenario in $SCENARIOS; do
  "$LOAD" --url "$URL" --pid "$SERVER_PID" --scenario "$scenario" "${COMMON[@]}" --no-header \
    --analyst "$ANALYST" --requester carga.solicitante.1@regioncajamarca.gob.pe \
    --requesters "$SPREAD" --password "$PASSWORD" --search "$SEARCH"
done
echo
echo "rows as JSON: $RESULTS; server log: $SERVE_LOG" >&2
