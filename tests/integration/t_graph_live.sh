#!/bin/bash
# vlab graph LAB draws what is live: a shaping changed by vlab impair
# (orange, with the shaping now), a cable pulled by vlab link (dashed red,
# DOWN), a running fault (orange, FAULT) and nothing of it once undone;
# --svg carries the same; the file's picture never shows live state.
# Down leaves nothing.
. "$(dirname "$0")/lib.sh"
before=$(snapshot)
lab_up rate
L=itrate
edge() { # NODE: the cable line of NODE:eth0 in the running lab's DOT
	"$VLAB" graph $L | grep "^	\"n:$1\":\"i0\" -- \"s:vs\" \["
}
g=$("$VLAB" graph $L) || fail "graph $L"
echo "$g" | grep -q 'label="lab itrate (running)"' || fail "no (running) title: $g"
echo "$g" | grep -qE 'DOWN|FAULT| now: ' && fail "a fresh lab shows changes: $g"

out=$("$VLAB" impair $L b:eth0 rate=10mbit) || fail "impair: $out"
edge b | grep -q 'label="eth0 out now: rate=10mbit[^"]*", color=darkorange' ||
	fail "impaired b:eth0 not drawn: $(edge b)"

out=$("$VLAB" link $L a:eth0 down) || fail "link down: $out"
edge a | grep -q 'label="DOWN a:eth0", style=dashed, color=red' ||
	fail "pulled cable a:eth0 not drawn dashed red: $(edge a)"
if [ -x /usr/bin/dot ]; then # not in the qemu guest
	svg=/tmp/vlab-graph-live.$$.svg
	"$VLAB" graph $L --svg "$svg" || fail "graph --svg"
	grep -q 'DOWN a:eth0' "$svg" || { rm -f "$svg"; fail "the SVG does not say DOWN a:eth0"; }
	rm -f "$svg"
fi
"$VLAB" graph "$LABS/rate.ini" | grep -qE 'DOWN|FAULT|running' && fail "the file's picture shows live state"

out=$("$VLAB" link $L a:eth0 up) || fail "link up: $out"
edge a | grep -q DOWN && fail "a:eth0 still DOWN after link up: $(edge a)"
out=$("$VLAB" fault $L a:eth0 flap 200ms) || fail "fault: $out"
edge a | grep -q 'label="FAULT eth0: flap 200ms", color=darkorange' ||
	fail "running fault on a:eth0 not drawn: $(edge a)"
"$VLAB" fault $L --stop >/dev/null || fail "fault --stop"
no_fault() { ! edge a | grep -q FAULT; }
wait_until 10 no_fault || fail "fault still drawn after --stop: $(edge a)"

"$VLAB" down $L >/dev/null || fail "down"
LABS_UP=()
same_snapshot "$before" "$(snapshot)" "down after graph"
echo "graph: impaired, pulled and faulted cables drawn on the running lab, gone when undone"
