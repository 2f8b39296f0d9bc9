#!/bin/bash
# Signals during `up` and `down`, at moments chosen exactly and at random.
#
# 1. Every named phase (VLAB_FAULT_AT=PHASE VLAB_FAULT_MODE=stop makes vlab
#    stop itself there) x SIGINT/TERM/HUP/KILL: `up` exits 128+sig and
#    leaves nothing (after KILL, `vlab down LAB` leaves nothing); `down`
#    finishes its teardown and exits 128+sig. The next up/down works.
# 2. Each phase without the stop mode fails like an operation: exit 3.
# 3. A 300-VM lab, SIGINT/TERM/HUP 1..200 ms into `up`, 30 runs from a
#    seeded RANDOM (SIG_SEED=N to replay): here random timing is the point,
#    every moment must be safe. Afterwards nothing is left, or (exit 0) the
#    lab is completely up, and `down` then leaves nothing.
. "$(dirname "$0")/lib.sh"
lab=vsig big=vsigb
f=$(mktemp --suffix=.ini) fb=$(mktemp --suffix=.ini)
trap 'rm -f $f $fb; $VLAB down $lab >/dev/null 2>&1; $VLAB down $big >/dev/null 2>&1' EXIT
rep_lab $lab > "$f"
big_lab $big 300 > "$fb"
bad=0 cases=0
problem() { echo "$*"; bad=$((bad + 1)); }

# A stopped vlab (pid $1) gets signal $2, then SIGCONT; its exit status in $rc.
deliver() {
	kill -"$2" "$1" 2>/dev/null
	kill -CONT "$1" 2>/dev/null
	wait "$1" 2>/dev/null; rc=$?
}

# Up and down once, plainly: the machine is usable again.
up_down_ok() { # WHAT
	"$VLAB" up "$f" >/dev/null 2>&1 || { problem "$1: the next up failed"; return; }
	"$VLAB" down $lab >/dev/null 2>&1 || problem "$1: the next down failed"
	left=$(leftovers $lab)
	[ -z "$left" ] || { problem "$1: the next down left:"; echo "$left"; "$VLAB" down $lab >/dev/null 2>&1; }
}

# Stop `vlab CMD` (up or down) at PHASE through the fault hook, deliver SIG
# there, and check the exit status, what is left and that the lab still
# comes up and goes down.
signal_at() { # CMD PHASE SIG
	local cmd=$1 phase=$2 sig=$3 pid what="$1 at $2, SIG$3"
	if [ "$cmd" = down ]; then
		"$VLAB" up "$f" >/dev/null 2>&1 || { problem "$what: up failed"; return; }
		VLAB_FAULT_AT=$phase VLAB_FAULT_MODE=stop "$VLAB" down $lab >/dev/null 2>&1 &
	else
		VLAB_FAULT_AT=$phase VLAB_FAULT_MODE=stop "$VLAB" up "$f" >/dev/null 2>&1 &
	fi
	pid=$!
	if ! wait_stopped $pid; then
		kill -9 $pid 2>/dev/null; wait $pid
		problem "$what: vlab never stopped at the phase"; "$VLAB" down $lab >/dev/null 2>&1
		return
	fi
	deliver $pid $sig
	[ "$rc" = "$(sig_rc $sig)" ] || problem "$what: exit $rc, want $(sig_rc $sig)"
	if [ $sig = KILL ]; then
		"$VLAB" down $lab >/dev/null 2>&1 || problem "$what: down after it failed"
	fi
	left=$(leftovers $lab)
	[ -z "$left" ] || { problem "$what: left behind:"; echo "$left" | head; "$VLAB" down $lab >/dev/null 2>&1; }
	up_down_ok "$what"
	cases=$((cases + 1))
}

for phase in lock preflight netns devices state; do
	for sig in INT TERM HUP KILL; do signal_at up $phase $sig; done
done
for phase in down-lock down-teardown down-state; do
	for sig in INT TERM HUP KILL; do signal_at down $phase $sig; done
done

# Without the stop mode a phase fails like an operation (exit 3).
for phase in lock preflight netns devices state; do
	err=$(VLAB_FAULT_AT=$phase "$VLAB" up "$f" 2>&1 >/dev/null); rc=$?
	[ $rc = 3 ] || problem "up failing at $phase: exit $rc, want 3: $err"
	echo "$err" | grep -q "injected" || problem "up failing at $phase: not named: $err"
	left=$(leftovers $lab)
	[ -z "$left" ] || { problem "up failing at $phase: left:"; echo "$left" | head; "$VLAB" down $lab >/dev/null 2>&1; }
done
for phase in down-lock down-teardown down-state; do
	"$VLAB" up "$f" >/dev/null 2>&1 || { problem "up before down failing at $phase"; continue; }
	VLAB_FAULT_AT=$phase "$VLAB" down $lab >/dev/null 2>&1; rc=$?
	[ $rc = 3 ] || problem "down failing at $phase: exit $rc, want 3"
	"$VLAB" down $lab >/dev/null 2>&1 || problem "down after a down failing at $phase"
	left=$(leftovers $lab)
	[ -z "$left" ] || { problem "down failing at $phase, then down: left:"; echo "$left" | head; }
done

# The property: any moment of a 300-VM up is safe.
seed=${SIG_SEED:-15}
RANDOM=$seed
runs=${SIG_RUNS:-30} full=0 sigs=(INT TERM HUP)
want_ns=$("$VLAB" plan "$fb" | sed -n "1s/.*: \([0-9]*\) namespaces.*/\1/p")
for r in $(seq 1 "$runs"); do
	sig=${sigs[RANDOM % 3]}
	ms=$(( RANDOM % 200 + 1 ))
	"$VLAB" up "$fb" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '0.%03d' $ms)"
	kill -$sig $pid 2>/dev/null
	wait $pid; rc=$?
	what="random run $r (seed $seed): SIG$sig at $ms ms"
	if [ $rc = 0 ]; then
		# it was past its commit point: the lab must be complete
		full=$((full + 1))
		n=$(lab_ns_count $big)
		[ "$n" = $want_ns ] || problem "$what: exit 0 but $n of $want_ns namespaces"
		grep -q '^status up' /run/vlab/$big/state 2>/dev/null || problem "$what: exit 0 but state not up"
		"$VLAB" down $big >/dev/null 2>&1 || problem "$what: down failed"
	elif [ $rc != "$(sig_rc $sig)" ]; then
		problem "$what: exit $rc, want $(sig_rc $sig) or 0"
	fi
	left=$(leftovers $big)
	[ -z "$left" ] || { problem "$what: exit $rc, left behind:"; echo "$left" | head; "$VLAB" down $big >/dev/null 2>&1; }
done
"$VLAB" up "$fb" >/dev/null 2>&1 || problem "up of $big after the random runs failed"
"$VLAB" down $big >/dev/null 2>&1
[ -z "$(leftovers $big)" ] || problem "final down of $big left: $(leftovers $big)"

echo "signals: $cases phase x signal cases, $runs random runs (seed $seed, $full finished first), $bad problems"
[ $bad = 0 ]
