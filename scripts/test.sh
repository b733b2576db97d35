#!/bin/bash
# Set up and run every sstpgw test on a fresh Debian 12 machine (as root):
#   scripts/test.sh              deps, build (-Werror), unit + proto + dp suites,
#                                the e2e suite (the real Linux client, sstpc +
#                                pppd in user-mode Linux, through the DPDK
#                                gateway), then the clang ASan/UBSan build
#                                (undefined behaviour fatal): unit, proto and
#                                dp again, and every fuzz target (bounded)
# Env: BUILD_DIR (build), FUZZ_BUILD_DIR (build-fuzz), FUZZ_SECONDS (20),
#      SGW_SKIP_FUZZ=1 (skip the sanitizer/fuzz build), SGW_SKIP_E2E=1 (skip
#      the e2e suite and its packages), SGW_SKIP_DEPS=1.
# Ends with the line "N passed, N failed" (meson's counts, all runs added).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
passed=0 failed=0

[ -n "${SGW_SKIP_E2E:-}" ] || export SSTPGW_DEPS_E2E=1
[ -n "${SGW_SKIP_DEPS:-}" ] || scripts/install-deps.sh || exit 1

# setup DIR [meson options...]: configure once, reconfigure if already there.
setup() {
	local dir=$1; shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null && return 0
	fi
	meson setup "$dir" "$@"
}

# run_suites DIR SUITES...: meson test, then add its summary counts.
run_suites() {
	local dir=$1; shift
	local args=() s log
	for s in "$@"; do args+=(--suite "$s"); done
	log=$(mktemp)
	meson test -C "$dir" --print-errorlogs "${args[@]}" 2>&1 | tee "$log"
	local ok fail to up
	ok=$(awk '/^Ok:/ {print $2}' "$log"); fail=$(awk '/^Fail:/ {print $2}' "$log")
	to=$(awk '/^Timeout:/ {print $2}' "$log"); up=$(awk '/^Unexpected Pass:/ {print $3}' "$log")
	rm -f "$log"
	if [ -z "$ok" ]; then failed=$((failed + 1)); return; fi # meson itself failed
	passed=$((passed + ok)); failed=$((failed + ${fail:-0} + ${to:-0} + ${up:-0}))
}

echo "== build ($BUILD_DIR, gcc, -Werror)"
if setup "$BUILD_DIR" --werror -Dtests=enabled && ninja -C "$BUILD_DIR"; then
	run_suites "$BUILD_DIR" unit proto dp
	[ -n "${SGW_SKIP_E2E:-}" ] || run_suites "$BUILD_DIR" e2e
else
	echo "build failed"; failed=$((failed + 1))
fi

if [ -z "${SGW_SKIP_FUZZ:-}" ]; then
	echo "== sanitizer + fuzz build ($FUZZ_BUILD_DIR, clang, ASan+UBSan, libFuzzer)"
	if CC=clang setup "$FUZZ_BUILD_DIR" -Dtests=enabled -Dfuzz=true \
		-Dfuzz_seconds="$FUZZ_SECONDS" -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbench=disabled && ninja -C "$FUZZ_BUILD_DIR"; then
		# Undefined behaviour fails a test (UBSan only reports by default).
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			run_suites "$FUZZ_BUILD_DIR" unit proto dp fuzz
	else
		echo "sanitizer/fuzz build failed"; failed=$((failed + 1))
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
