#!/usr/bin/env bash
# Supply-chain checks with cargo deny (policy in deny.toml):
# - licenses, bans and sources always run (they need only Cargo.lock and crates.io metadata);
# - advisories need the RustSec advisory database, which cargo deny clones from GitHub.
#   When GitHub is unreachable, a local copy is used if there is one: set
#   CERTDESK_ADVISORY_DB to a clone or bare mirror of https://github.com/rustsec/advisory-db
#   (git is told to fetch from it instead). Without either, the advisories check is
#   skipped with a loud note, and the script still passes.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The URL cargo deny uses by default (insteadOf matches it exactly).
ADVISORY_URL=https://github.com/RustSec/advisory-db

command -v cargo-deny >/dev/null || cargo install cargo-deny --locked

cargo deny --log-level error check licenses bans sources

if [[ -n "${CERTDESK_ADVISORY_DB:-}" ]]; then
  [[ -d "$CERTDESK_ADVISORY_DB" ]] || {
    echo "CERTDESK_ADVISORY_DB=$CERTDESK_ADVISORY_DB is not a directory" >&2
    exit 1
  }
  echo "advisories: RustSec database from the local copy $CERTDESK_ADVISORY_DB"
  # cargo deny fetches with the git CLI: point its URL at the local copy (this process only).
  GIT_CONFIG_COUNT=1 \
    GIT_CONFIG_KEY_0="url.file://$(cd "$CERTDESK_ADVISORY_DB" && pwd).insteadOf" \
    GIT_CONFIG_VALUE_0="$ADVISORY_URL" \
    cargo deny --log-level error check advisories
elif timeout 15 git ls-remote --exit-code "$ADVISORY_URL" HEAD >/dev/null 2>&1; then
  cargo deny --log-level error check advisories
else
  cat <<'NOTE'

##########################################################################################
##  cargo deny advisories: SKIPPED: advisory DB unreachable (github.com/rustsec/advisory-db)
##  Licenses, bans and sources were checked. To check advisories offline, set
##  CERTDESK_ADVISORY_DB to a local clone or mirror of the RustSec advisory database.
##########################################################################################

NOTE
fi
