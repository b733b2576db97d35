#!/bin/bash
# Every public header compiles alone, as C11 and as C++17 (bench/ is C++),
# like DPDK's chkincs. Run by `meson test` (suite unit).
#   scripts/chkincs.sh SRCDIR CC CXX [extra cflags...]
set -euo pipefail
src=$1 cc=$2 cxx=$3; shift 3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for h in "$src"/crypto/*.h "$src"/dataplane/*.h "$src"/dataplane/tcp/*.h "$src"/control/*.h; do
	[ -e "$h" ] || continue
	rel=${h#"$src"/}
	case $rel in *_internal.h) continue ;; esac # private to their folder
	printf '#include "%s"\n' "$rel" > "$tmp/t.c"
	cp "$tmp/t.c" "$tmp/t.cc"
	n=$((n + 1))
	if ! "$cc" -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -I"$src" "$@" \
		-fsyntax-only "$tmp/t.c" 2>"$tmp/err"; then
		echo "FAIL (C): $rel"; cat "$tmp/err"; fail=1
	fi
	if ! "$cxx" -std=c++17 -Wall -Wextra -Werror -I"$src" "$@" \
		-fsyntax-only "$tmp/t.cc" 2>"$tmp/err"; then
		echo "FAIL (C++): $rel"; cat "$tmp/err"; fail=1
	fi
done
echo "$n headers checked"
exit $fail
