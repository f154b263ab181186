#!/usr/bin/env bash
# Fills a database with one million synthetic tickets for the report benchmarks.
#   scripts/reports-bench/fill.sh sqlite /tmp/reports-1m.db
#   scripts/reports-bench/fill.sh postgres postgres://postgres@127.0.0.1:5432/reports_1m
# The SQLite file is created; the PostgreSQL database must exist and be empty. Every
# migration is applied straight from crates/certdesk/migrations/<engine>/ (no sqlx
# bookkeeping: open the result with the benchmark, not with `certdesk serve`).
# Then: cargo bench -p certdesk --bench reports (see BENCHMARKS.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
migrations="$here/../../crates/certdesk/migrations"
engine=$1
target=$2
case "$engine" in
  sqlite)
    rm -f "$target" "$target-wal" "$target-shm"
    cat "$migrations"/sqlite/*.sql | sqlite3 "$target"
    { cat "$here/prelude-sqlite.sql" "$here/fill.sql"; echo "ANALYZE;"; } | sqlite3 "$target"
    ;;
  postgres)
    cat "$migrations"/postgres/*.sql | psql -q -v ON_ERROR_STOP=1 "$target"
    { cat "$here/prelude-postgres.sql" "$here/fill.sql"; echo "VACUUM ANALYZE;"; } \
      | psql -q -v ON_ERROR_STOP=1 "$target"
    ;;
  *) echo "engine: sqlite or postgres" >&2; exit 2 ;;
esac
