#!/bin/bash
# Every bundled lab proves its point: `vlab test --yes` on each
# topologies/*.ini must pass. A lab needing a kernel feature this kernel
# lacks is skipped with the reason up's preflight gives (the qemu tier's
# stock kernel runs it); nothing may be left behind by any of them.
. "$(dirname "$0")/lib.sh"
tops=$(cd "$HERE/../../topologies" && pwd)
tmp=$(mktemp -d)
trap 'cleanup_labs; rm -rf "$tmp"' EXIT
mem_mb=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
before=$(snapshot)
passed=0 skipped=() failed=()
for f in "$tops"/*.ini; do
	name=$(basename "$f" .ini)
	ns=$("$VLAB" plan "$f" 2>/dev/null | sed -n 's/.*: \([0-9]*\) namespaces.*/\1/p' | head -1)
	if [ "${ns:-0}" -gt 200 ] && [ "$mem_mb" -lt 2048 ]; then
		skipped+=("$name: $ns namespaces need more than this machine's $mem_mb MB")
		continue
	fi
	start=$(date +%s%N)
	"$VLAB" test --yes "$f" >"$tmp/out" 2>"$tmp/err"; rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	if [ $rc = 0 ]; then
		passed=$((passed + 1))
		note "$name: $(tail -1 "$tmp/out") in $ms ms"
	elif grep -q "kernel lacks" "$tmp/err"; then
		skipped+=("$name: kernel lacks $(grep -o "kernel lacks [A-Z0-9_]*" "$tmp/err" | sed "s/kernel lacks //" | sort -u | tr "\n" " " | sed "s/ $//")")
	else
		failed+=("$name")
		echo "--- $name (exit $rc, $ms ms)"
		grep -A6 '^not ok' "$tmp/out"
		tail -3 "$tmp/err"
	fi
	same_snapshot "$before" "$(snapshot)" "vlab test $name"
done
for s in "${skipped[@]}"; do note "skipped $s"; done
[ ${#failed[@]} = 0 ] || fail "labs whose test fails: ${failed[*]}"
[ $passed -gt 0 ] || skip "no bundled lab can run on this kernel"
echo "ok: $passed labs passed, ${#skipped[@]} skipped (kernel features)"
