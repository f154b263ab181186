#!/usr/bin/env bash
# Runs every cargo fuzz target (fuzz/fuzz_targets/) for a bounded time, seeded from the
# repo's fixtures, and prints runs, corpus size and crashes per target.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, every target)
#
# Only the stable toolchain is installed: RUSTC_BOOTSTRAP=1 lets it take the -Z flags
# cargo fuzz passes (sanitizer coverage, AddressSanitizer). FUZZ_SANITIZER=none skips ASan.
# FUZZ_TARGET_DIR sets the cargo target dir (default fuzz/target); FUZZ_MAX_LEN overrides
# the largest input (e.g. 4096 makes image_upload fast on headers instead of whole photos).
# The corpus grows in fuzz/corpus/<target> (git-ignored); a crash is written to
# fuzz/artifacts/<target>/ and makes the script exit 1 after the other targets ran.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SECONDS_PER_TARGET=${1:-60}
shift || true
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(identity money multipart image_upload image_rules receipt)

export RUSTC_BOOTSTRAP=1 RUSTUP_TOOLCHAIN=${RUSTUP_TOOLCHAIN:-stable}
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$ROOT/fuzz/target}
SANITIZER=${FUZZ_SANITIZER:-address}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

BUILD_FLAGS=(--release --debug-assertions --sanitizer "$SANITIZER")
# The domain's targets alone build without the certdesk crate (much faster).
app_needed=0
for target in "${TARGETS[@]}"; do
  [[ " identity money image_rules " == *" $target "* ]] || app_needed=1
done
((app_needed)) || BUILD_FLAGS+=(--no-default-features)
cargo fuzz build "${BUILD_FLAGS[@]}"

# Seeds: a few valid and nearly valid inputs per target, rebuilt on every run (small; the
# corpus that grows from them is not committed).
SEEDS=$(mktemp -d "${TMPDIR:-/tmp}/certdesk-fuzz-seeds.XXXXXX")
trap 'rm -rf "$SEEDS"' EXIT
IMAGES=crates/certdesk/tests/fixtures/images
seed() { # target name content(printf format)
  mkdir -p "$SEEDS/$1"
  printf "$3" >"$SEEDS/$1/$2"
}
seed identity dni '10117410\n2'
seed identity dni_letter ' 10117410 \ng'
seed identity ruc '20453744168'
seed identity email 'ana.perez@regioncajamarca.gob.pe\nregioncajamarca.gob.pe'
seed identity personal 'ana@gmail.com\n@regioncajamarca.gob.pe,gob.pe'
seed identity name "María José O'Neill-Ñañez"
seed identity phone '+51 987 654 321'
seed identity landline '(076) 123456'
seed money fee '8.10'
seed money receipt '00012345\n2026-05-01\n8.10\n00529\n10117410\nventanilla\n8.10\n00529\n20453744168'
seed money bad '1234-5678\n2026-13-01\n8,10\n529\n1011741O\npagalo.pe\n0\n\n20453744169'
mkdir -p "$SEEDS/multipart" "$SEEDS/image_upload" "$SEEDS/image_rules"
{
  printf -- '--XyZ\r\nContent-Disposition: form-data; name="operation_number"\r\n\r\n00012345\r\n'
  printf -- '--XyZ\r\nContent-Disposition: form-data; name="receipt"; filename="r.jpg"\r\n'
  printf 'Content-Type: image/jpeg\r\n\r\n'
  head -c 600 "$IMAGES/photo_too_small.jpg"
  printf '\r\n--XyZ--\r\n'
} >"$SEEDS/multipart/form"
printf 'CT:multipart/form-data; boundary="a b"\n--a b\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n--a b--\r\n' \
  >"$SEEDS/multipart/quoted_boundary"
for f in "$IMAGES"/*; do
  # Small fixtures only: a big seed slows every run of the target.
  (($(stat -c %s "$f") <= 65536)) || continue
  { printf '\0'; cat "$f"; } >"$SEEDS/image_upload/photo_$(basename "$f")"
  { printf '\1'; cat "$f"; } >"$SEEDS/image_upload/signature_$(basename "$f")"
  mkdir -p "$SEEDS/receipt"
  case $f in
  *.jpg) { printf '\0'; cat "$f"; } >"$SEEDS/receipt/$(basename "$f")" ;;
  *.png) { printf '\1'; cat "$f"; } >"$SEEDS/receipt/$(basename "$f")" ;;
  esac
done
{
  printf '\x10\x00'
  head -c $((16 * 12 * 3)) /dev/urandom
  printf '\x00\xffanalysis_max_side=480\nsignature_min_ink_share=0,02;photo_min_width=240'
} >"$SEEDS/image_rules/pixels"

# A 1×1 PNG with a tEXt chunk (the PNG fixtures are too big to seed with).
mkdir -p "$SEEDS/receipt"
printf '\1\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x0a\x74\x45\x58\x74\x41\x75\x74\x68\x6f\x72\x00\x41\x6e\x61\x67\x7a\xe3\x7e\x00\x00\x00\x0c\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82' \
  >"$SEEDS/receipt/tiny_text.png"

declare -A MAX_LEN=([identity]=4096 [money]=4096 [multipart]=65536 [image_upload]=131072 [image_rules]=65536 [receipt]=65536)
status=0
summary=()
for target in "${TARGETS[@]}"; do
  corpus=fuzz/corpus/$target
  mkdir -p "$corpus" "$SEEDS/$target" "fuzz/artifacts/$target"
  log=$(mktemp "${TMPDIR:-/tmp}/certdesk-fuzz-$target.XXXXXX.log")
  echo "== $target: ${SECONDS_PER_TARGET}s (log $log)"
  started=$SECONDS
  if cargo fuzz run "${BUILD_FLAGS[@]}" "$target" "$corpus" "$SEEDS/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -max_len="${FUZZ_MAX_LEN:-${MAX_LEN[$target]:-4096}}" \
    -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result="CRASH (fuzz/artifacts/$target/)"
    status=1
    grep -E '^(==[0-9]+==ERROR|thread .* panicked|SUMMARY)' "$log" | head -5 || true
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  summary+=("$(printf '%-13s %5ss %10s runs %6s corpus files  %s' "$target" \
    "$((SECONDS - started))" "${runs:-?}" "$(find "$corpus" -type f | wc -l)" "$result")")
done

echo
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit "$status"
