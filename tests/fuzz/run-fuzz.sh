#!/bin/bash
# run-fuzz.sh TARGET SECONDS SEED_DIR SCRATCH_DIR
# Runs one libFuzzer target for SECONDS from the seed corpus (if any); new
# inputs go to SCRATCH_DIR so the source tree stays clean. Fails on any crash,
# leak, timeout or sanitizer report (libFuzzer's own exit code).
set -euo pipefail
target=$1; seconds=$2; seeds=$3; scratch=$4
mkdir -p "$scratch"
dirs=("$scratch")
[ -d "$seeds" ] && dirs+=("$seeds")
# Undefined behaviour fails the run like a crash (UBSan only reports it by
# default); our keys last, so they win over what meson sets.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:halt_on_error=1:abort_on_error=1:print_stacktrace=1"
exec "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
     -print_final_stats=1 "${dirs[@]}"
