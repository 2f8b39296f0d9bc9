#!/bin/bash
# Fail every operation of an apply in turn (VLAB_FAULT_AT=k counts the
# difference's operations), and each apply phase (apply-lock, apply-ops,
# apply-state): each failed apply exits 3, names the injected fault, and
# leaves the lab exactly as it was (the kernel view of every namespace is
# compared) or as the file says, recorded so that the next apply and down
# work; the same for migrate, and for SIGINT/TERM/HUP half-way. Then
# kill -9 at every phase (VLAB_FAULT_MODE=stop): the next apply finishes
# the job, and down after a killed apply leaves nothing.
. "$(dirname "$0")/lib.sh"
lab=vapf
dir=$(mktemp -d); trap 'rm -rf $dir; $VLAB down $lab >/dev/null 2>&1' EXIT
rep_lab $lab > "$dir/v1.ini"
# v2: d added on hv2, b's shaper changed, a's address changed, c and its
# link to r removed, hv3 joins the overlay
sed -e 's/10.77.0.1\/24/10.77.0.11\/24/' -e 's/rate=50mbit/rate=20mbit/' \
    -e '/^\[vm c\]/,$d' "$dir/v1.ini" > "$dir/v2.ini"
cat >> "$dir/v2.ini" <<EOT
[host hv3]
nic = eth0 tor 192.168.50.3/24
[switch vs3]
host = hv3
[vm d]
host = hv2
nic = eth0 vs2 10.77.0.4/24
EOT
sed -i 's/^switches = vs1 vs2$/switches = vs1 vs2 vs3/' "$dir/v2.ini"

# The lab as the kernel has it, without ifindexes and random port MACs.
view() {
	local ns
	for ns in $(ls /run/netns | grep "^vlab-$lab-" | sort); do
		echo "== $ns"
		ip -n "$ns" -o link 2>/dev/null | sed -E 's/^[0-9]+: //; s/@[a-z0-9]+:/:/; s/ state [A-Z]+//; s/ qlen [0-9]+//; s/link\/ether [0-9a-f:]+ brd [0-9a-f:]+//; s/ link-netns.*//; s/\\.*//; s/ +$//' | sort
		ip -n "$ns" -o addr | awk '{print $2, $3, $4}' | grep -v fe80 | sort
		ip -n "$ns" route | sort
		tc -n "$ns" qdisc | grep -v noqueue | sed 's/ refcnt [0-9]*//' | sort
		bridge -n "$ns" fdb show 2>/dev/null | grep "^00:00:00:00:00:00" | sort
	done
}

cp "$dir/v1.ini" "$dir/lab.ini"
"$VLAB" up "$dir/lab.ini" >/dev/null || fail "up v1"
old=$(view)
cp "$dir/v2.ini" "$dir/lab.ini"
n=$("$VLAB" apply "$dir/lab.ini" --dry-run | sed -n '1s/.*: \([0-9]*\) to remove, \([0-9]*\) to change, \([0-9]*\) to create.*/\1 \2 \3/p' | awk '{print $1 + $2 + $3}')
[ "${n:-0}" -gt 10 ] || fail "the difference has only ${n:-0} operations"
"$VLAB" apply "$dir/lab.ini" >/dev/null || fail "apply v2"
new=$(view)
[ "$old" != "$new" ] || fail "v1 and v2 look the same"
cp "$dir/v1.ini" "$dir/lab.ini"
"$VLAB" apply "$dir/lab.ini" >/dev/null || fail "apply back to v1"
[ "$(view)" = "$old" ] || { diff <(echo "$old") <(view); fail "v1 -> v2 -> v1 is not v1"; }

bad=0 as_old=0 as_new=0
# the lab must be old or new, and its record must match what it is
check() { # WHAT
	local v; v=$(view)
	if [ "$v" = "$old" ]; then
		as_old=$((as_old + 1))
		cp "$dir/v1.ini" "$dir/lab.ini"
	elif [ "$v" = "$new" ]; then
		as_new=$((as_new + 1))
		cp "$dir/v2.ini" "$dir/lab.ini"
	else
		echo "$1: the lab is neither old nor new:"; diff <(echo "$old") <(echo "$v") | head -20
		bad=$((bad + 1)); return
	fi
	local out; out=$("$VLAB" apply "$dir/lab.ini" 2>&1)
	echo "$out" | grep -q "nothing to change" || { echo "$1: record does not match the lab: $out"; bad=$((bad + 1)); }
	cp "$dir/v1.ini" "$dir/lab.ini"
	"$VLAB" apply "$dir/lab.ini" >/dev/null 2>&1 || { echo "$1: apply back to v1 failed"; bad=$((bad + 1)); }
}

for at in $(seq 1 "$n") apply-lock apply-ops apply-state; do
	cp "$dir/v2.ini" "$dir/lab.ini"
	err=$(VLAB_FAULT_AT=$at "$VLAB" apply "$dir/lab.ini" 2>&1 >/dev/null); rc=$?
	[ $rc = 3 ] || { echo "at $at: exit $rc, want 3: $err"; bad=$((bad + 1)); }
	echo "$err" | grep -q "injected" || { echo "at $at: error does not name the fault: $err"; bad=$((bad + 1)); }
	check "at $at"
done
echo "fault in each of $n operations and 3 phases: $as_old left as it was, $as_new as the file says, $bad problems"

# migrate a (hv1 -> hv2 over the overlay) fails at each of its operations
# and phases: the lab stays as it was; then it moves, and apply moves it back
cp "$dir/v1.ini" "$dir/lab.ini"
m=$("$VLAB" migrate $lab a hv2 --dry-run | sed -n '1s/.*: \([0-9]*\) to remove, \([0-9]*\) to change, \([0-9]*\) to create.*/\1 \2 \3/p' | awk '{print $1 + $2 + $3}')
[ "${m:-0}" -ge 3 ] || fail "migrate's difference has only ${m:-0} operations"
for at in $(seq 1 "$m") apply-lock apply-ops apply-state; do
	err=$(VLAB_FAULT_AT=$at "$VLAB" migrate $lab a hv2 2>&1 >/dev/null); rc=$?
	[ $rc = 3 ] || { echo "migrate at $at: exit $rc, want 3: $err"; bad=$((bad + 1)); }
	[ "$(view)" = "$old" ] || { echo "migrate at $at: the lab changed"; diff <(echo "$old") <(view) | head; bad=$((bad + 1)); }
	grep -q "^place" /run/vlab/$lab/state && { echo "migrate at $at: a placement was recorded"; bad=$((bad + 1)); }
done
"$VLAB" migrate $lab a hv2 >/dev/null || fail "migrate after the faults"
"$VLAB" apply "$dir/lab.ini" >/dev/null || fail "apply moving a back"
[ "$(view)" = "$old" ] || { echo "a moved back, but the lab is not as before"; bad=$((bad + 1)); }
echo "migrate: $m ops + 3 phases failed in turn"

# SIGINT/SIGTERM/SIGHUP half-way: exit 128+signal, the lab as it was
for sig in INT TERM HUP; do
	cp "$dir/v2.ini" "$dir/lab.ini"
	VLAB_FAULT_AT=apply-ops VLAB_FAULT_MODE=stop "$VLAB" apply "$dir/lab.ini" >/dev/null 2>&1 &
	pid=$!
	wait_stopped $pid 30 || { echo "SIG$sig: apply never stopped"; bad=$((bad + 1)); }
	kill -$sig $pid; kill -CONT $pid
	wait $pid; rc=$?
	[ $rc = "$(sig_rc $sig)" ] || { echo "SIG$sig: exit $rc, want $(sig_rc $sig)"; bad=$((bad + 1)); }
	check "SIG$sig"
done

# kill -9 at each phase and a few operations; the next apply finishes
kills=0
for at in apply-lock apply-ops apply-state 1 $((n / 2)) "$n"; do
	cp "$dir/v2.ini" "$dir/lab.ini"
	VLAB_FAULT_AT=$at VLAB_FAULT_MODE=stop "$VLAB" apply "$dir/lab.ini" >/dev/null 2>&1 &
	pid=$!
	if wait_stopped $pid 30; then kill -9 $pid; else echo "at $at: apply never stopped"; bad=$((bad + 1)); kill -9 $pid 2>/dev/null; fi
	wait $pid 2>/dev/null
	kills=$((kills + 1))
	out=$("$VLAB" apply "$dir/lab.ini" 2>&1) || { echo "kill at $at: the next apply failed: $out"; bad=$((bad + 1)); }
	[ "$(view)" = "$new" ] || { echo "kill at $at: next apply did not reach v2"; diff <(echo "$new") <(view) | head; bad=$((bad + 1)); }
	cp "$dir/v1.ini" "$dir/lab.ini"
	"$VLAB" apply "$dir/lab.ini" >/dev/null 2>&1 || { echo "kill at $at: apply back failed"; bad=$((bad + 1)); }
done
# killed mid-apply, then down: nothing left
cp "$dir/v2.ini" "$dir/lab.ini"
VLAB_FAULT_AT=apply-ops VLAB_FAULT_MODE=stop "$VLAB" apply "$dir/lab.ini" >/dev/null 2>&1 &
pid=$!
wait_stopped $pid 30 && kill -9 $pid
wait $pid 2>/dev/null
"$VLAB" down $lab >/dev/null || fail "down after a killed apply failed"
left=$(leftovers $lab)
[ -z "$left" ] || fail "down after a killed apply left: $left"
echo "apply faults: $n ops + 3 phases + 3 signals ($as_old old, $as_new new), migrate $m ops + 3 phases, $kills kill -9 recovered, $bad problems"
[ $bad = 0 ]
