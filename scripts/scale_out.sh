#!/usr/bin/env bash
# Scale-out figures of issue 15 on PostgreSQL: scenario A (ticket, receipt, applicant with
# photo and signature, submit) at 16 clients against
#   1. one instance with its files in the data dir,
#   2. one instance with its files in an S3 bucket,
#   3. two instances sharing the database and the bucket, the clients spread over both.
# Prints one markdown table (certdesk-load's), the rows as JSON beside the server logs.
#
#   scripts/scale_out.sh [TICKETS]        (TICKETS: 10000 when not given)
#
# PostgreSQL: ${CERTDESK_LOAD_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}; the database
# certdesk_scale is dropped and made again. S3: ${CERTDESK_SCALE_S3_ENDPOINT}, or else a moto
# server this script starts from ${MOTO_SERVER:-moto_server} (pip install 'moto[server]').
# Tunables: CERTDESK_LOAD_CLIENTS (16), CERTDESK_LOAD_DURATION (20 s a row),
# CERTDESK_SCALE_PIN=1 to pin instance i to CPU i-1 (taskset), so that one instance has one
# core and two have two: on a small machine, the only way to see what a second one adds.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TICKETS=${1:-10000}
[[ $TICKETS =~ ^[0-9]+$ ]] || {
  echo "usage: scripts/scale_out.sh [TICKETS]" >&2
  exit 2
}
CLIENTS=${CERTDESK_LOAD_CLIENTS:-16}
DURATION=${CERTDESK_LOAD_DURATION:-20}
PASSWORD='clave de carga 2026'
ANALYST=carga.analista@regioncajamarca.gob.pe
PG=${CERTDESK_LOAD_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
PG=${PG%/}
DB=$PG/certdesk_scale

cargo build --release -p certdesk -p certdesk-load
TARGET=${CARGO_TARGET_DIR:-target}
CERTDESK=$TARGET/release/certdesk
LOAD=$TARGET/release/certdesk-load
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$TARGET/load
mkdir -p "$OUT"
RESULTS=$OUT/scale-out-$STAMP.jsonl
WORK=$(mktemp -d -t certdesk-scale.XXXXXX)

PIDS=()
MOTO_PID=
cleanup() {
  for pid in "${PIDS[@]}" $MOTO_PID; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
unset CERTDESK_SMTP_URL CERTDESK_DATABASE_URL CERTDESK_DATA_DIR CERTDESK_DEMO CERTDESK_BIND \
  CERTDESK_FILES_URL

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_healthy() { # url pid log
  for _ in $(seq 1 300); do
    curl -fsS "$1/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || {
      cat "$3" >&2
      return 1
    }
    sleep 0.1
  done
  echo "$1 did not answer /healthz" >&2
  return 1
}

ENDPOINT=${CERTDESK_SCALE_S3_ENDPOINT:-}
if [[ -z $ENDPOINT ]]; then
  port=$(free_port)
  "${MOTO_SERVER:-moto_server}" -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
  MOTO_PID=$!
  ENDPOINT=http://127.0.0.1:$port
  for _ in $(seq 1 100); do curl -fsS "$ENDPOINT" >/dev/null 2>&1 && break; sleep 0.1; done
fi
export AWS_ENDPOINT_URL=$ENDPOINT AWS_ALLOW_HTTP=true AWS_REGION=${AWS_REGION:-us-east-1}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-certdesk} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-certdesk}

# One configuration: a fresh database with TICKETS tickets, N instances, scenario A.
run() { # label instances files-url-or-empty
  local label=$1 n=$2 files=$3
  psql -q -v ON_ERROR_STOP=1 "$PG/postgres" \
    -c 'DROP DATABASE IF EXISTS certdesk_scale WITH (FORCE)' -c 'CREATE DATABASE certdesk_scale'
  local data=$WORK/$label
  CERTDESK_FILES_URL=$files "$CERTDESK" --data-dir "$data" --database-url "$DB" \
    load-demo --tickets "$TICKETS" >&2
  local urls=() pids=()
  for i in $(seq 1 "$n"); do
    local port log
    port=$(free_port)
    log=$OUT/scale-out-$STAMP-$label-$i.log
    # Each instance its own data dir (its scratch); the database and bucket are shared.
    local pin=()
    [[ -n ${CERTDESK_SCALE_PIN:-} ]] && pin=(taskset -c $(((i - 1) % $(nproc))))
    CERTDESK_FILES_URL=$files RUST_LOG=warn "${pin[@]}" "$CERTDESK" --data-dir "$data-$i" \
      --database-url "$DB" serve --bind "127.0.0.1:$port" >"$log" 2>&1 &
    PIDS+=($!)
    pids+=($!)
    urls+=("http://127.0.0.1:$port")
    wait_healthy "http://127.0.0.1:$port" "$!" "$log"
  done
  local url_list pid_list
  url_list=$(IFS=,; echo "${urls[*]}")
  pid_list=$(IFS=,; echo "${pids[*]}")
  "$LOAD" --url "$url_list" --pid "$pid_list" --scenario a --clients "$CLIENTS" \
    --duration "$DURATION" --label "$label" --json "$RESULTS" ${HEADER:+--no-header} \
    --analyst "$ANALYST" --requester carga.solicitante.1@regioncajamarca.gob.pe \
    --requesters 40 --password "$PASSWORD"
  HEADER=done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}

# The bucket, made once (moto takes the request unsigned; a real S3 has it already).
curl -fsS -X PUT "$ENDPOINT/certdesk-scale" >/dev/null 2>&1 || true

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1);" \
  "$TICKETS tickets; $CLIENTS clients; $DURATION s a row; S3 at $ENDPOINT" >&2
HEADER=
PINNED=${CERTDESK_SCALE_PIN:+-pinned}
run "pg-1-local$PINNED" 1 ""
run "pg-1-s3$PINNED" 1 "s3://certdesk-scale/one-$STAMP"
run "pg-2-s3$PINNED" 2 "s3://certdesk-scale/two-$STAMP"
echo "rows as JSON: $RESULTS" >&2
