#!/bin/bash
# A failed up rolls back completely (VLAB_FAULT_AT, the test-only hook),
# and never touches a foreign namespace, even one with a clashing name.
. "$(dirname "$0")/lib.sh"
file=$LABS/overlay.ini
n=$(plan_ops "$file")
[ -n "$n" ] && [ "$n" -gt 10 ] || fail "cannot count plan operations ($n)"
# a foreign decoy that looks like vlab's but carries no mark
$IP netns add vlab-decoy-x || fail "creating decoy"
trap '$IP netns del vlab-decoy-x 2>/dev/null; cleanup_labs' EXIT
before=$(snapshot)
for k in 1 2 $((n / 3)) $((n / 2)) $((n - 1)) "$n"; do
	out=$(VLAB_FAULT_AT=$k "$VLAB" up "$file" 2>&1); rc=$?
	[ $rc = 3 ] || fail "fault at op $k: exit $rc, want 3: $out"
	echo "$out" | grep -q 'Input/output error' || fail "fault at $k: no error message: $out"
	echo "$out" | grep -q 'rolled back' || fail "fault at $k: does not say rolled back"
	same_snapshot "$before" "$(snapshot)" "failed up (fault at op $k)"
done
# a clashing foreign namespace: refuse, create nothing, leave it alone
$IP netns add vlab-itvx-vm2 || fail "creating clashing decoy"
before=$(snapshot)
out=$("$VLAB" up "$file" 2>&1); rc=$?
[ $rc = 1 ] || fail "clash: exit $rc, want 1: $out"
echo "$out" | grep -q 'vlab-itvx-vm2.*not this lab' || fail "clash not explained: $out"
same_snapshot "$before" "$(snapshot)" "refused up"
$IP -n vlab-itvx-vm2 link show lo | grep -q alias && fail "decoy lo got an alias"
"$VLAB" clean >/dev/null
[ -e /run/netns/vlab-itvx-vm2 ] || fail "clean removed an unmarked namespace"
[ -e /run/netns/vlab-decoy-x ] || fail "clean removed the unmarked decoy"
$IP netns del vlab-itvx-vm2
echo ok
