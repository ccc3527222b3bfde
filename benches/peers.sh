#!/usr/bin/env bash
# pol beside regorus (Microsoft's Rust Rego engine, its RVM bytecode VM being the fastest peer
# measured) on the same seeded corpus, in one run, and the ratios.
#
#   bash benches/peers.sh [N ...]        # corpus sizes, default 1000
#
# Needs python3 with PyYAML (the corpus generator) and the crates.io registry (regorus-bench).
# Works on copies under ${PEERS_WORK:-/tmp/pol-peers}: ../shared is read-only.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
WORK=${PEERS_WORK:-/tmp/pol-peers}
SIZES=${*:-1000}
mkdir -p "$WORK"
(cd "$SHARED/peers" && tar cf - --exclude=./regorus-bench/target --exclude=./corpus --exclude=./results .) | (cd "$WORK" && tar xf -)
python3 -c 'import yaml' 2>/dev/null || { echo "needs PyYAML: pip install pyyaml" >&2; exit 2; }
(cd "$WORK/regorus-bench" && cargo build --release --quiet)
cargo build --release --quiet --bench peers
for n in $SIZES; do
  corpus="$WORK/corpus/n$n"
  [ -f "$corpus/expected.json" ] || python3 "$WORK/gen_corpus.py" --n "$n" --seed 42 --out "$corpus" >/dev/null
  echo "== corpus n=$n"
  "$WORK/regorus-bench/target/release/regorus-bench" "$corpus" --runs 9 --skip-compiled | tee "$WORK/regorus-n$n.txt"
  cargo bench --quiet --bench peers -- "$corpus" --runs 9 | tee "$WORK/pol-n$n.txt"
  python3 - "$WORK/regorus-n$n.txt" "$WORK/pol-n$n.txt" <<'PY'
import re, sys
def rows(path):
    out = {}
    for line in open(path):
        m = re.match(r"(.+?)\s+median\s+([0-9.]+) s", line)
        if m:
            out[m.group(1).strip()] = float(m.group(2))
    return out
r, p = rows(sys.argv[1]), rows(sys.argv[2])
pairs = [
    ("evaluation only", "rvm execute", "pol vm evaluate"),
    ("end to end from YAML", "yaml stream + rvm", "yaml stream + pol vm"),
    ("YAML parsing only", "parse yaml stream (serde_yaml)", "parse yaml stream (pol loader)"),
]
print("-- ratios (regorus / pol; above 1 means pol is faster) --")
for label, a, b in pairs:
    if a in r and b in p:
        print(f"{label:<24} regorus {r[a]:8.4} s   pol {p[b]:8.4} s   {r[a] / p[b]:6.1f}x")
if "pol vm evaluate" in p and "parse yaml stream (pol loader)" in p:
    share = p["pol vm evaluate"] / p["parse yaml stream (pol loader)"]
    print(f"pol evaluation costs {share:.2f} of its own YAML parsing")
PY
done
