#!/usr/bin/env bash
# Machine instructions one evaluation pass of the bundled library costs, counted by callgrind
# inside `evaluate_all` only (building the library, generating and parsing the stream are
# not counted). Exact and repeatable: compare two trees with it, then confirm
# with `cargo bench --bench eval`.
#
#   bash benches/instructions.sh [N] [dense]    # stream size, default 1000; the dense stream
#
# Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
DENSE=${2:-}
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }
cargo build --release --quiet --bench instructions
binary=$(ls -t target/release/deps/instructions-* | grep -v '\.d$' | head -1)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out" \
  --toggle-collect='instructions::library::evaluate_all*' "$binary" "$N" $DENSE 2>/dev/null
total=$(grep -E '^(summary|totals):' "$out" | head -1 | awk '{print $2}')
awk -v total="$total" -v n="$N" 'BEGIN {
  if (total == 0) { print "callgrind counted nothing: is `evaluate_all` in the binary?" > "/dev/stderr"; exit 1 }
  printf "%.1f M instructions for %d resources (%.0f per resource)\n", total / 1e6, n, total / n
}'
