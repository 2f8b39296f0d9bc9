#!/bin/bash
# vlab stats finds "loss without interface errors": a burst of replies
# overflows the tbf shaper on b's NIC, and stats shows qdisc drops on exactly
# that interface, no interface errors, sorted first and explained; --json
# parses; --watch gives rates; bad input is refused; nothing left behind.
. "$(dirname "$0")/lib.sh"
LAB=observestat
TMP=$(mktemp -d)
finish() { cleanup_labs; rm -rf "$TMP"; }
trap finish EXIT

# "node name qdisc_drops errors" per interface of a stats --json document
per_if() {
	tr '{' '\n' | grep '"name"' | sed -E \
		's/.*"node":"([^"]*)".*"name":"([^"]*)".*"rx_errors":([0-9.]+).*"tx_errors":([0-9.]+).*"qdisc_drops":([0-9.]+).*/\1 \2 \5 \3 \4/'
}
json_ok() {
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin if l.strip()]'
	else
		cat >/dev/null # the qemu guest has no python: per_if still checks the fields
	fi
}

before=$(snapshot)
lab_up stats
"$VLAB" stats $LAB --json | per_if | awk '$3 != 0 { exit 1 }' ||
	fail "qdisc drops before any traffic"

# the burst: 64 echo requests in flight at once, 1200-byte replies through
# a 5 kB bucket and a 10 kB queue at 1 Mbit/s
in_node $LAB a ping -f -l 64 -c 300 -s 1200 -w 5 10.55.0.2 >/dev/null 2>&1
"$VLAB" stats $LAB --json >"$TMP/s.json" || fail "vlab stats --json failed"
json_ok <"$TMP/s.json" || fail "stats --json is not JSON: $(cat "$TMP/s.json")"
per_if <"$TMP/s.json" >"$TMP/rows"
[ "$(wc -l <"$TMP/rows")" -ge 5 ] || fail "want 5 interfaces (bridge, 2 ports, 2 NICs): $(cat "$TMP/rows")"
# (no process substitution: the qemu guest has no /dev/fd)
read -r node name qd rxe txe <<<"$(awk '$1 == "b" && $2 == "eth0"' "$TMP/rows")"
[ "${qd:-0}" -gt 0 ] 2>/dev/null || fail "no qdisc drops on b:eth0: $(cat "$TMP/rows")"
[ "$rxe" = 0 ] && [ "$txe" = 0 ] || fail "b:eth0 has interface errors ($rxe/$txe)"
others=$(awk '!($1 == "b" && $2 == "eth0") && $3 != 0' "$TMP/rows")
[ -z "$others" ] || fail "qdisc drops on other interfaces too: $others"
awk '$4 != 0 || $5 != 0 { exit 1 }' "$TMP/rows" || fail "interface errors somewhere: $(cat "$TMP/rows")"
grep -q '"qdisc":"tbf"' "$TMP/s.json" || fail "the shaper's qdisc kind is missing"

# the table: the dropping interface comes first, marked, and the hint says why
"$VLAB" stats $LAB >"$TMP/table" || fail "vlab stats failed"
sed -n 2p "$TMP/table" | grep -q '^! b:eth0 ' || fail "b:eth0 is not first: $(cat "$TMP/table")"
grep -q "loss without interface errors: the tbf qdisc" "$TMP/table" ||
	fail "no hint about the shaper: $(cat "$TMP/table")"
# one interface, one node, a switch
"$VLAB" stats $LAB b:eth0 --json | per_if | grep -q '^b eth0 [1-9]' || fail "stats LAB b:eth0"
[ "$("$VLAB" stats $LAB vs --json | per_if | wc -l)" = 3 ] || fail "stats LAB vs: want bridge + 2 ports"

# --watch: rates per second, the dropping interface first while it drops
# (the flood runs until the watcher has taken both samples, however late
# a loaded machine starts it; ip netns exec is ping itself, to stop it)
$IP netns exec vlab-$LAB-a ping -f -l 64 -s 1200 -w 60 10.55.0.2 >/dev/null 2>&1 &
fpid=$!
"$VLAB" stats $LAB --json --watch 1 --count 2 >"$TMP/watch" 2>&1; wrc=$?
kill -INT $fpid 2>/dev/null; wait $fpid
[ $wrc = 0 ] || fail "stats --watch failed: $(cat "$TMP/watch")"
[ "$(grep -c '"per_second":true' "$TMP/watch")" = 2 ] || fail "want 2 refreshes: $(cat "$TMP/watch")"
json_ok <"$TMP/watch" || fail "--watch --json lines are not JSON"
grep -q '"interfaces":\[{"node":"b","netns":"[^"]*","name":"eth0".*"qdisc_drops":[1-9]' "$TMP/watch" ||
	fail "b:eth0 is not first with drops per second: $(cat "$TMP/watch")"

# bad input
out=$("$VLAB" stats $LAB c 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'no node or switch "c".*nodes: ' || fail "stats LAB c: $rc $out"
out=$("$VLAB" stats $LAB b:eth9 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'did you mean "eth0"' || fail "stats LAB b:eth9: $rc $out"
out=$("$VLAB" stats $LAB --watch 0 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "0.1 to 3600" || fail "stats --watch 0: exit $rc, want 2 ($out)"
out=$("$VLAB" stats $LAB --count 2 2>&1); rc=$?
[ $rc = 2 ] || fail "stats --count without --watch: exit $rc, want 2 ($out)"
out=$("$VLAB" stats observestt 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "not running; did you mean $LAB" || fail "unknown lab: $rc $out"

"$VLAB" down $LAB >/dev/null || fail "vlab down"
LABS_UP=()
same_snapshot "$before" "$(snapshot)" "stats"
echo "stats: qdisc drops on b:eth0 = $qd, no interface errors"
