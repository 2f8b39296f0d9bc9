#!/bin/bash
# Two `up` of one lab at once: one builds, the other is refused or finds it
# built; never both, never interleaved. Different labs at once both succeed.
. "$(dirname "$0")/lib.sh"
d=$(mktemp -d); trap 'rm -rf $d; for l in vcc vcd vce; do $VLAB down $l >/dev/null 2>&1; done' EXIT
big_lab vcc 200 > $d/a.ini
for round in 1 2 3; do
	"$VLAB" up $d/a.ini >$d/o1 2>&1 & p1=$!
	"$VLAB" up $d/a.ini >$d/o2 2>&1 & p2=$!
	wait $p1; r1=$?; wait $p2; r2=$?
	n=$(ls /run/netns | grep -c '^vlab-vcc-')
	[ "$n" = 204 ] || fail "round $round: $n namespaces, want 204 (exits $r1 $r2)"
	{ [ $r1 = 0 ] || [ $r1 = 4 ]; } && { [ $r2 = 0 ] || [ $r2 = 4 ]; } ||
		fail "round $round: exits $r1 $r2: $(cat $d/o1 $d/o2)"
	"$VLAB" down vcc >/dev/null || fail "down failed"
	[ -z "$(leftovers vcc)" ] || fail "left: $(leftovers vcc)"
done
big_lab vcd 100 > $d/d.ini; big_lab vce 100 > $d/e.ini
"$VLAB" up $d/d.ini >/dev/null & p1=$!
"$VLAB" up $d/e.ini >/dev/null & p2=$!
wait $p1 || fail "lab vcd failed beside vce"
wait $p2 || fail "lab vce failed beside vcd"
"$VLAB" down vcd >/dev/null && "$VLAB" down vce >/dev/null || fail "down failed"
[ -z "$(leftovers vcd)$(leftovers vce)" ] || fail "left behind"
