#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The long fuzzing run docs/RELIABILITY.md records: every libFuzzer target
# of a sanitizer build for RUNS executions (default 10 million), one after
# the other on one core, from a copy of its seed corpus. Prints one
# markdown row per target (executions, seconds, exec/s, coverage, result)
# and keeps any crashing input in OUT/artifacts.
#
#   CC=clang meson setup -Dfuzz=true -Db_sanitize=address,undefined \
#       -Db_lundef=false build-fuzz && ninja -C build-fuzz
#   scripts/fuzz-long.sh build-fuzz [RUNS] [OUT] [TARGET...]
#
# Undefined behaviour is fatal (UBSAN_OPTIONS halt_on_error), as in CI.
set -u

BUILD=${1:?usage: fuzz-long.sh BUILD_DIR [RUNS] [OUT] [TARGET...]}
RUNS=${2:-10000000}
OUT=${3:-/tmp/sgw-fuzz-long}
shift $(($# < 3 ? $# : 3))
SRC=$(cd "$(dirname "$0")/.." && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$SRC"/tests/fuzz/fuzz_*.c; do
		t=$(basename "$f" .c)
		targets+=("${t#fuzz_}")
	done
fi
mkdir -p "$OUT/artifacts"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

echo "| target | executions | seconds | exec/s | coverage (edges) | result |"
echo "|---|---|---|---|---|---|"
failed=0
for t in "${targets[@]}"; do
	exe="$BUILD/tests/fuzz/fuzz_$t"
	if [ ! -x "$exe" ]; then
		echo "| $t | - | - | - | - | not built |"
		failed=$((failed + 1))
		continue
	fi
	corpus=$(mktemp -d)
	cp -r "$SRC/tests/fuzz/corpus/$t/." "$corpus/" 2>/dev/null || true
	log="$OUT/$t.log"
	t0=$(date +%s)
	"$exe" -runs="$RUNS" -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t-" \
		"$corpus" >"$log" 2>&1
	rc=$?
	dt=$(($(date +%s) - t0))
	execs=$(awk '/stat::number_of_executed_units/ {print $NF}' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	rate=$(( ${execs:-0} / (dt > 0 ? dt : 1) ))
	if [ $rc -eq 0 ]; then res="0 crashes"; else res="FAILED (rc $rc, see $log)"; failed=$((failed + 1)); fi
	echo "| $t | ${execs:-?} | $dt | $rate | ${cov:-?} | $res |"
	rm -rf "$corpus"
done
exit $((failed > 0))
