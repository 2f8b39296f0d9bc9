#!/bin/bash
# `down` after a kill -9 in the middle of `up` leaves nothing; SIGTERM
# during up rolls back by itself. VLAB_FAULT_MODE=stop makes op k stop the
# process (test-only) so the kill lands at a known point.
. "$(dirname "$0")/lib.sh"
file=$LABS/overlay.ini
n=$(plan_ops "$file")
before=$(snapshot)
wait_stopped() {
	local i
	for i in $(seq 100); do
		[ "$(awk '{print $3}' /proc/"$1"/stat 2>/dev/null)" = T ] && return 0
		sleep 0.05
	done
	return 1
}
for k in 2 $((n / 2)) "$n"; do
	VLAB_FAULT_AT=$k VLAB_FAULT_MODE=stop "$VLAB" up "$file" >/dev/null 2>&1 &
	pid=$!
	wait_stopped $pid || { kill -9 $pid; fail "up did not stop at op $k"; }
	kill -9 $pid; wait $pid 2>/dev/null
	"$VLAB" ls | grep -q itvx || fail "crashed lab not listed by ls (k=$k)"
	"$VLAB" down itvx >/dev/null || fail "down after kill -9 at op $k"
	same_snapshot "$before" "$(snapshot)" "down after kill -9 at op $k"
done
# SIGTERM: the handler rolls back
VLAB_FAULT_AT=$((n / 2)) VLAB_FAULT_MODE=stop "$VLAB" up "$file" >/dev/null 2>&1 &
pid=$!
wait_stopped $pid || { kill -9 $pid; fail "up did not stop"; }
kill -TERM $pid; kill -CONT $pid
wait $pid; rc=$?
[ $rc = 143 ] || fail "SIGTERM during up: exit $rc, want 143"
same_snapshot "$before" "$(snapshot)" "up interrupted by SIGTERM"
echo ok
