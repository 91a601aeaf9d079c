#!/usr/bin/env bash
# Runs every fuzz target (or those named) for a set time each, one after another, at low
# priority, growing the committed corpus in fuzz/corpus/<target>/. Needs a nightly toolchain
# and cargo-fuzz (`cargo install cargo-fuzz`); not part of `cargo test` or CI.
#
#   fuzz/run.sh                 # every target, 600 s each
#   SECONDS_EACH=60 fuzz/run.sh masker timestamp
#   FUZZ_BUILD="-D" fuzz/run.sh # a debug build: polars compiles in minutes, not an hour
#
# A crash is saved under fuzz/artifacts/<target>/; turn it into a regression test (see
# docs/FUZZING.md) before fixing it. Each run's last status line (execs, corpus size) is
# appended to fuzz/runs.log.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH="${SECONDS_EACH:-600}"
# Extra `cargo fuzz build/run` flags (e.g. `-D` for a debug build).
read -r -a BUILD <<<"${FUZZ_BUILD:-}"
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(timestamp csv_ingest rule_table masker)
fi
cargo +nightly fuzz build "${BUILD[@]}"
for t in "${TARGETS[@]}"; do
  # The machine is shared with timing benchmarks: wait while one runs.
  while [ -e /tmp/bench-quiet ]; do sleep 20; done
  mkdir -p "corpus/$t" "artifacts/$t"
  log="$(mktemp)"
  status=0
  nice -n 19 cargo +nightly fuzz run "${BUILD[@]}" "$t" "corpus/$t" -- \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -timeout=30 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  {
    echo "== $t $(date -u +%Y-%m-%dT%H:%MZ) ${SECONDS_EACH}s exit $status"
    grep -E "^#[0-9]+.*(DONE|pulse)" "$log" | tail -1 || true
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$log" || true
    grep -E "^(==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)" "$log" || true
  } | tee -a runs.log
  rm -f "$log"
done
