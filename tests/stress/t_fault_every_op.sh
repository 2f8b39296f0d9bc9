#!/bin/bash
# Make the k-th kernel operation of `up` fail, for every k of the plan: each
# failed up must exit 3, name the failed operation, and leave nothing.
. "$(dirname "$0")/lib.sh"
lab=vfault
f=$(mktemp --suffix=.ini); trap 'rm -f $f; $VLAB down $lab >/dev/null 2>&1' EXIT
rep_lab $lab > "$f"
n=$("$VLAB" plan "$f" | sed -n "1s/.*, \([0-9]*\) operations/\1/p")
[ "$n" -gt 20 ] || fail "plan has only $n operations"
bad=0
for k in $(seq 1 "$n"); do
	err=$(VLAB_FAULT_AT=$k "$VLAB" up "$f" 2>&1 >/dev/null); rc=$?
	[ $rc = 3 ] || { echo "k=$k: exit $rc, want 3: $err"; bad=$((bad + 1)); }
	echo "$err" | grep -q "injected" || { echo "k=$k: error does not name the injected fault: $err"; bad=$((bad + 1)); }
	left=$(leftovers $lab)
	[ -z "$left" ] || { echo "k=$k: left behind:"; echo "$left"; bad=$((bad + 1)); }
done
# and with no fault, it still builds and tears down
"$VLAB" up "$f" >/dev/null || fail "plain up after the fault runs failed"
"$VLAB" down $lab >/dev/null || fail "down failed"
[ -z "$(leftovers $lab)" ] || fail "down left: $(leftovers $lab)"
echo "fault injection: $n operations failed in turn, $bad problems"
[ $bad = 0 ]
