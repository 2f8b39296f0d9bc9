#!/bin/bash
# Every bundled lab proves its point: `vlab test --yes` on each
# topologies/*.ini must pass. A lab needing a kernel feature this kernel
# lacks is skipped with the reason up's preflight gives (the qemu tier's
# stock kernel runs it); nothing may be left behind by any of them.
#
# The troubleshooting rehearsals, fault-*.ini, must FAIL as shipped: exit 6,
# and exactly the checks their solution names ("; t_topologies: fails =
# KEY = VALUE" lines in tests/solutions/fault-*.ini) fail; on the lab left
# up, `vlab trace` ("; t_topologies: trace = SRC DST [OPTS] layer LAYER")
# must stop and name that layer. The solution, the lab with its fault fixed
# (at most 4 non-comment lines differ), must pass.
. "$(dirname "$0")/lib.sh"
tops=$(cd "$HERE/../../topologies" && pwd)
sols=$(cd "$HERE/../solutions" && pwd)
tmp=$(mktemp -d)
# `vlab test --yes` remembers the labs' startup commands as approved in
# /var/lib/vlab/approved: put that file back as it was (a test run leaves
# no state behind).
appr=/var/lib/vlab/approved
if [ -e "$appr" ]; then cp -p "$appr" "$tmp/approved"; fi
[ -d /var/lib/vlab ] && appr_dir=1 || appr_dir=0
restore_approved() {
	if [ -e "$tmp/approved" ]; then
		cp -p "$tmp/approved" "$appr"
	else
		rm -f "$appr"
		[ $appr_dir = 1 ] || rmdir /var/lib/vlab 2>/dev/null
	fi
}
trap 'cleanup_labs; restore_approved; rm -rf "$tmp"' EXIT
mem_mb=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
before=$(snapshot)
passed=0 skipped=() failed=()

# A kernel-lacks refusal in $tmp/err: record the skip, return 0.
lacks() { # NAME
	grep -q "kernel lacks" "$tmp/err" || return 1
	skipped+=("$1: kernel lacks $(grep -o "kernel lacks [A-Z0-9_]*" "$tmp/err" | sed "s/kernel lacks //" | sort -u | tr "\n" " " | sed "s/ $//")")
}

# fault-*.ini: fails as intended, trace names the layer, the solution passes.
fault_lab() { # FILE NAME
	local f=$1 name=$2 sol=$sols/$2.ini lab rc want got spec layer ndiff
	[ -f "$sol" ] || { failed+=("$name (no solution $sol)"); return; }
	# (files, not <(...): the qemu guest has no /dev/fd)
	grep -v '^;' "$f" >"$tmp/lab.ini"
	grep -v '^;' "$sol" >"$tmp/sol.ini"
	ndiff=$(diff "$tmp/lab.ini" "$tmp/sol.ini" | grep -c '^[<>]')
	[ "$ndiff" -ge 1 ] && [ "$ndiff" -le 4 ] ||
		{ failed+=("$name (the solution differs from the lab in $ndiff lines, not 1..4)"); return; }
	want=$(sed -n 's/^; t_topologies: fails = //p' "$sol" | sort)
	spec=$(sed -n 's/^; t_topologies: trace = //p' "$sol")
	layer=${spec##* layer }
	[ -n "$want" ] && [ -n "$spec" ] && [ "$layer" != "$spec" ] ||
		{ failed+=("$name (its solution says neither what fails nor the trace)"); return; }
	lab=$(sed -n 's/^name *= *//p' "$f" | head -1)
	LABS_UP+=("$lab")
	"$VLAB" test --yes --keep "$f" >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc != 6 ]; then
		"$VLAB" down "$lab" >/dev/null 2>&1
		lacks "$name" && return
		failed+=("$name (exit $rc, not 6: it must fail as shipped)")
		cat "$tmp/out"; tail -3 "$tmp/err"; return
	fi
	got=$(sed -n 's/^not ok [0-9]* - \[[^]]*\] \([a-z]*\) ([^)]*): \(.*\)$/\1 = \2/p' "$tmp/out" | sort)
	if [ "$got" != "$want" ]; then
		failed+=("$name (failing checks: [$got], expected [$want])")
		"$VLAB" down "$lab" >/dev/null 2>&1; return
	fi
	# shellcheck disable=SC2086 # SRC DST [OPTS] are words
	"$VLAB" trace "$lab" ${spec% layer *} >"$tmp/trace" 2>&1; rc=$?
	"$VLAB" down "$lab" >/dev/null 2>&1
	if [ $rc != 6 ] || ! grep -q "^BROKEN at hop .*, layer $layer:" "$tmp/trace"; then
		failed+=("$name (vlab trace $lab ${spec% layer *}: exit $rc, not BROKEN at layer $layer)")
		cat "$tmp/trace"; return
	fi
	note "$name: fails as intended ($(echo "$want" | tr '\n' ';' | sed 's/;$//')); trace: $(grep '^BROKEN' "$tmp/trace" | cut -c1-100)"
	"$VLAB" test --yes "$sol" >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc = 0 ]; then
		passed=$((passed + 1))
		note "$name: its solution passes: $(tail -1 "$tmp/out")"
	else
		failed+=("$name (its solution fails, exit $rc)")
		grep -A6 '^not ok' "$tmp/out"; tail -3 "$tmp/err"
	fi
}

for f in "$tops"/*.ini; do
	name=$(basename "$f" .ini)
	case $name in fault-*)
		fault_lab "$f" "$name"
		same_snapshot "$before" "$(snapshot)" "vlab test $name"
		continue ;;
	esac
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
	elif lacks "$name"; then
		:
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
