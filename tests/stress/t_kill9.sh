#!/bin/bash
# kill -9 `vlab up` of a 300-VM lab at 20 operations spread over its plan
# and at every named phase, the moment chosen by the fault hook
# (VLAB_FAULT_AT=k|PHASE VLAB_FAULT_MODE=stop): afterwards `vlab down LAB`
# (or `vlab clean`, every other run) leaves nothing, and a fresh `up` works.
. "$(dirname "$0")/lib.sh"
lab=vkill
f=$(mktemp --suffix=.ini); trap 'rm -f $f; $VLAB down $lab >/dev/null 2>&1' EXIT
big_lab $lab 300 > "$f"
n=$("$VLAB" plan "$f" | sed -n "1s/.*, \([0-9]*\) operations/\1/p")
[ "$n" -gt 100 ] || fail "plan has only $n operations"
runs=${KILL_RUNS:-20}
points="lock preflight"
for r in $(seq 1 "$runs"); do points="$points $(( 1 + (r - 1) * (n - 1) / (runs - 1) ))"; done
points="$points netns devices state"
bad=0 partial=0 r=0
for at in $points; do
	r=$((r + 1))
	VLAB_FAULT_AT=$at VLAB_FAULT_MODE=stop "$VLAB" up "$f" >/dev/null 2>&1 &
	pid=$!
	if ! wait_stopped $pid; then
		kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
		echo "at $at: up never stopped"; bad=$((bad + 1))
	else
		kill -9 $pid; wait $pid 2>/dev/null
	fi
	[ -n "$(leftovers $lab)" ] && partial=$((partial + 1))
	if [ $((r % 2)) = 0 ]; then "$VLAB" clean >/dev/null 2>&1; else "$VLAB" down $lab >/dev/null 2>&1; fi
	left=$(leftovers $lab)
	[ -z "$left" ] || { echo "at $at: left behind:"; echo "$left" | head; bad=$((bad + 1)); "$VLAB" down $lab >/dev/null 2>&1; }
done
"$VLAB" up "$f" >/dev/null || fail "up after the kill runs failed"
"$VLAB" down $lab >/dev/null
[ -z "$(leftovers $lab)" ] || fail "final down left: $(leftovers $lab)"
echo "kill -9: $r moments ($partial left something for down/clean), $bad with leftovers"
[ $bad = 0 ]
