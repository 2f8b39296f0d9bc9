#!/bin/bash
# kill -9 `vlab up` at random points, 20 times: afterwards `vlab down LAB`
# leaves nothing, and a fresh `up` works.
. "$(dirname "$0")/lib.sh"
lab=vkill
f=$(mktemp --suffix=.ini); trap 'rm -f $f; $VLAB down $lab >/dev/null 2>&1' EXIT
big_lab $lab 300 > "$f"
t0=$(date +%s%N); "$VLAB" up "$f" >/dev/null || fail "up failed"
t1=$(date +%s%N); "$VLAB" down $lab >/dev/null || fail "down failed"
us=$(( (t1 - t0) / 1000 ))
runs=${KILL_RUNS:-20} bad=0 partial=0
for r in $(seq 1 "$runs"); do
	"$VLAB" up "$f" >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v r=$RANDOM -v us=$us 'BEGIN { printf "%.6f", (r % 1000) / 1000 * us / 1e6 }')"
	kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
	[ -n "$(leftovers $lab)" ] && partial=$((partial + 1))
	if [ $((r % 2)) = 0 ]; then "$VLAB" clean >/dev/null 2>&1; else "$VLAB" down $lab >/dev/null 2>&1; fi
	left=$(leftovers $lab)
	[ -z "$left" ] || { echo "run $r: left behind:"; echo "$left" | head; bad=$((bad + 1)); "$VLAB" clean >/dev/null 2>&1; }
done
"$VLAB" up "$f" >/dev/null || fail "up after the kill runs failed"
"$VLAB" down $lab >/dev/null
[ -z "$(leftovers $lab)" ] || fail "final down left: $(leftovers $lab)"
echo "kill -9: $runs runs ($partial killed mid-build), $bad with leftovers"
[ $bad = 0 ]
