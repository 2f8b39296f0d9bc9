#!/bin/bash
# vlab impair changes a running NIC's shaping in place: a rate cap on a's
# NIC (no shaping in the file) holds a TCP transfer to it, --show reads the
# kernel's values, `in` shapes what arrives (the switch port), --reset
# restores the file (unlimited again), --clear removes b's file rate.
# netem keys: refused with the kernel's reason and nothing changed where
# netem is missing; applied (ping RTT) where it is there (qemu tier).
. "$(dirname "$0")/lib.sh"
command -v iperf3 >/dev/null || skip "iperf3 is not installed"
before=$(snapshot)
lab_up rate
L=itrate

port=5300
# Mbit/s of a 2 s TCP transfer from node $1 to node $2 at $3, into $mb
# (each on a port of its own).
mbit() { port=$((port + 1)); iperf_mbit $L "$1" "$2" "$3" $port 2; }
between() { awk -v m="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(m >= lo && m <= hi) }'; }
# Mbit/s of transfers from $1 to $2 at $3 under a shaper of $4 Mbit/s.
# The upper bound ($4 + 20%) must hold in every run; the lower one
# ($4 - 20%) is shown by any of up to three runs: on a loaded machine (the
# ASan tier beside the qemu guest) iperf3 may be starved of CPU and
# deliver less, which says nothing about the shaper (t_rate saw that).
# Sets $tries to the runs; fails with what was seen.
shaped() {
	S_FROM=$1 S_TO=$2 S_ADDR=$3 S_LIMIT=$4
	S_LO=$(awk -v l="$4" 'BEGIN { print l * 0.8 }')
	S_HI=$(awk -v l="$4" 'BEGIN { print l * 1.2 }')
	best_of 3 shaped_run shaped_cap shaped_near "$1 -> $2 under rate=${4}mbit within 20% of $4 Mbit/s"
}
shaped_run() { mbit "$S_FROM" "$S_TO" "$S_ADDR"; measured=$mb; }
shaped_cap() { between "$1" 0 "$S_HI" || fail "$S_FROM -> $S_TO ran at $1 Mbit/s under rate=${S_LIMIT}mbit: above $S_LIMIT + 20%"; }
shaped_near() { between "$1" "$S_LO" "$S_HI"; }
qdisc_a() { $IP netns exec vlab-$L-a tc qdisc show dev eth0 2>/dev/null || true; }

mbit a b 10.88.0.2; free=$mb
between "$free" 40 1e9 || fail "a -> b ran at $free Mbit/s before any impair: want > 40"

out=$("$VLAB" impair $L a:eth0 rate=10mbit) || fail "impair rate=10mbit: $out"
shaped a b 10.88.0.2 10; capped=$tries
show=$("$VLAB" impair $L a:eth0 --show) || fail "impair --show"
echo "$show" | grep -q '^a:eth0 out rate=10mbit ' || fail "--show does not read rate=10mbit back: $show"
echo "$show" | grep -q 'changed' || fail "--show does not mark the change: $show"
if command -v tc >/dev/null; then
	qdisc_a | grep -q 'tbf.*rate 10Mbit' || fail "the kernel has no 10Mbit tbf on a eth0: $(qdisc_a)"
fi
"$VLAB" status $L | grep -q 'impair a:eth0 out: rate=10mbit' || fail "status does not show the impair"
"$VLAB" status $L --json | grep -q '"direction":"out","shaping":"rate=10mbit"' ||
	fail "status --json does not show the impair"

# pings from a to b while impair runs each of CHANGES; replies resume
# after each; sets TX and RX, the counts of the whole train
ping_through() {
	local pinglog pinger n v p pingpid=
	pinglog=$(mktemp)
	in_node $L a ping -n -i 0.01 -w 120 10.88.0.2 >"$pinglog" 2>&1 &
	pinger=$!
	replies() { grep -c 'bytes from' "$pinglog"; }
	more_replies() { [ "$(replies)" -ge $(($1 + 5)) ]; }
	wait_until 10 grep -q 'bytes from' "$pinglog" || fail "ping a -> b never answered"
	for v in "$@"; do
		n=$(replies)
		"$VLAB" impair $L a:eth0 "$v" >/dev/null || fail "impair $v while pinging"
		wait_until 10 more_replies "$n" || fail "pings stopped being answered after impair $v"
	done
	for p in $($IP netns pids vlab-$L-a); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = ping ] && pingpid=$p
	done
	[ -n "$pingpid" ] || fail "the pings ended before the changes did: the test proves nothing"
	kill -INT "$pingpid"
	wait $pinger
	TX=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$pinglog")
	RX=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$pinglog")
	# lost: the sequence numbers missing below the last one answered
	# (what was still in flight when ping was stopped is not lost; on a
	# loaded machine that can be several)
	LOST=$(awk -F'icmp_seq=' '/bytes from/ { split($2, a, " "); n++; if (a[1] + 0 > m) m = a[1] + 0 }
		END { print m - n }' "$pinglog")
	rm -f "$pinglog"
	[ -n "$TX" ] && [ -n "$RX" ] || fail "no ping statistics"
}
# in place: the tbf changed on its own handle while packets flow loses
# none
ping_through rate=10mbit rate=20mbit rate=30mbit rate=10mbit
[ "$LOST" = 0 ] || fail "$LOST of $TX pings lost while impair changed the rate in place (sent $TX, answered $RX)"
# removed and made again: the kernel swaps the device's root qdisc, and
# what the NIC sends in that instant (an RCU grace period) is dropped, so
# only that the pings go on is required; the loss is reported
ping_through --clear rate=10mbit --reset
note "qdisc removed, made, removed while pinging: $LOST of $TX pings lost in the swaps"

# in: traffic arriving at a (b -> a) is shaped on the switch port
"$VLAB" impair $L a:eth0 in rate=5mbit >/dev/null || fail "impair in rate=5mbit"
"$VLAB" impair $L a:eth0 --show | grep -q '^a:eth0 in  rate=5mbit .*on hv a-eth0' ||
	fail "--show: no rate=5mbit on a's switch port: $("$VLAB" impair $L a:eth0 --show)"
shaped b a 10.88.0.1 5; inward=$tries

"$VLAB" impair $L a:eth0 --reset >/dev/null || fail "impair --reset"
"$VLAB" impair $L a:eth0 --show | grep -q '^a:eth0 out none ' || fail "--reset left shaping on a"
mbit a b 10.88.0.2; back=$mb
between "$back" 40 1e9 || fail "a -> b ran at $back Mbit/s after --reset, want > 40 again"
[ ! -e /run/vlab/$L/changes ] || fail "--reset left a change recorded: $(cat /run/vlab/$L/changes)"

# --clear removes what the file gave; --reset brings it back
"$VLAB" impair $L b:eth0 --clear >/dev/null || fail "impair --clear"
"$VLAB" impair $L b:eth0 --show | grep -q '^b:eth0 out none ' || fail "--clear left b's rate"
"$VLAB" impair $L b:eth0 --reset >/dev/null || fail "impair --reset of b"
"$VLAB" impair $L b:eth0 --show | grep -q '^b:eth0 out rate=20mbit ' || fail "--reset did not restore b's 20mbit"

# bad input: nothing changed, exit code per vlab.1
q0=$(qdisc_a)
msg=$("$VLAB" impair $L zz:eth0 rate=1mbit 2>&1); rc=$?
[ $rc = 2 ] && echo "$msg" | grep -q 'no node "zz".*its nodes: hv a b' || fail "unknown node: rc $rc: $msg"
msg=$("$VLAB" impair $L a:eth1 rate=1mbit 2>&1); rc=$?
[ $rc = 2 ] && echo "$msg" | grep -q 'did you mean eth0' || fail "unknown NIC: rc $rc: $msg"
msg=$("$VLAB" impair $L a:eth0 rate=4bit 2>&1); rc=$?
[ $rc = 2 ] && echo "$msg" | grep -q "smallest rate is 8bit" || fail "rate=4bit: rc $rc: $msg"
msg=$("$VLAB" impair $L a:eth0 loss=150% 2>&1); rc=$?
[ $rc = 2 ] && echo "$msg" | grep -q "percentage 0..100" || fail "loss=150%: rc $rc: $msg"
msg=$("$VLAB" impair nolab a:eth0 rate=1mbit 2>&1); rc=$?
[ $rc = 1 ] && echo "$msg" | grep -q "not running" || fail "unknown lab: rc $rc: $msg"
[ "$(qdisc_a)" = "$q0" ] || fail "a refused impair changed a's qdisc"

# netem: refused cleanly without it, applied with it
if "$VLAB" doctor 2>&1 | grep -q 'missing .*CONFIG_NET_SCH_NETEM'; then
	"$VLAB" impair $L a:eth0 rate=10mbit >/dev/null || fail "impair rate=10mbit (again)"
	q1=$(qdisc_a)
	msg=$("$VLAB" impair $L a:eth0 delay=20ms 2>&1); rc=$?
	[ $rc = 3 ] && echo "$msg" | grep -q CONFIG_NET_SCH_NETEM || fail "delay without netem: rc $rc: $msg"
	[ "$(qdisc_a)" = "$q1" ] || fail "a refused delay changed a's qdisc"
	"$VLAB" impair $L a:eth0 --show | grep -q '^a:eth0 out rate=10mbit ' || fail "refused delay lost the rate"
	note "netem missing: delay refused with the kernel's reason, nothing changed (qemu tier applies it)"
else
	pings $L a 10.88.0.2 || fail "a cannot reach b"
	"$VLAB" impair $L a:eth0 delay=30ms >/dev/null || fail "impair delay=30ms"
	"$VLAB" impair $L a:eth0 --show | grep -q '^a:eth0 out delay=30ms ' || fail "--show has no delay=30ms"
	rtt=$(in_node $L a ping -c 2 -W 2 10.88.0.2 | sed -n 's/.*time=\([0-9.]*\).*/\1/p' | tail -1)
	between "${rtt:-0}" 30 1e9 || fail "rtt $rtt ms after delay=30ms, want >= 30"
	"$VLAB" impair $L a:eth0 delay=none rate=10mbit >/dev/null || fail "impair delay=none"
	"$VLAB" impair $L a:eth0 --show | grep -q '^a:eth0 out rate=10mbit ' || fail "delay=none: $("$VLAB" impair $L a:eth0 --show)"
fi

"$VLAB" down $L >/dev/null || fail "down"
LABS_UP=()
same_snapshot "$before" "$(snapshot)" "down after impair"
echo "impair: a -> b $free Mbit/s free, $capped capped at 10mbit, $back after --reset; b -> a $inward at in rate=5mbit"
