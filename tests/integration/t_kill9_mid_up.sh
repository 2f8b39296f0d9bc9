#!/bin/bash
# `down` after a kill -9 in the middle of `up` leaves nothing; SIGTERM
# during up rolls back by itself. The fault hook chooses the moment:
# VLAB_FAULT_AT=k (the k-th operation) or a phase name, with
# VLAB_FAULT_MODE=stop, makes vlab stop itself there (test-only).
. "$(dirname "$0")/lib.sh"
file=$LABS/overlay.ini
n=$(plan_ops "$file")
before=$(snapshot)
# start a stopped up; its pid in $pid
stopped_up() { # WHERE
	VLAB_FAULT_AT=$1 VLAB_FAULT_MODE=stop "$VLAB" up "$file" >/dev/null 2>&1 &
	pid=$!
	wait_until 60 is_stopped $pid || { kill -9 $pid; fail "up did not stop at $1"; }
}
for at in 2 $((n / 2)) "$n" lock preflight netns devices state; do
	stopped_up $at
	kill -9 $pid; wait $pid 2>/dev/null
	case $at in
	lock|preflight) ;; # no state file yet: only its directory and lock
	*) "$VLAB" ls | grep -q itvx || fail "crashed lab not listed by ls (at $at)";;
	esac
	"$VLAB" down itvx >/dev/null || fail "down after kill -9 at $at"
	same_snapshot "$before" "$(snapshot)" "down after kill -9 at $at"
done
# SIGTERM: the handler rolls back
stopped_up $((n / 2))
kill -TERM $pid; kill -CONT $pid
wait $pid; rc=$?
[ $rc = 143 ] || fail "SIGTERM during up: exit $rc, want 143"
same_snapshot "$before" "$(snapshot)" "up interrupted by SIGTERM"
echo ok
