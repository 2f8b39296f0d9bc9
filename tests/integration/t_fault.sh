#!/bin/bash
# vlab fault: a flap that ends by itself leaves the lab exactly as before;
# fault --stop, SIGTERM and vlab down end a fault process (it is gone, the
# cable back); a flap on a NIC with IPv4 and IPv6 addresses and routes
# through it (on a switch, and on a [link]) leaves them exactly as they
# were and reach over IPv6 and through the gateways works; loss/delay faults need netem (refused without it, nothing
# started; applied and undone with it). down after all leaves nothing.
. "$(dirname "$0")/lib.sh"
before=$(snapshot)
lab_up rate
L=itrate
# what a fault may touch, as text: both ends' flags and state, qdiscs
looks() {
	$IP -n vlab-$L-a -o link show eth0 | sed 's/ qlen.*//'
	$IP -n vlab-$L-hv -o link show a-eth0 | sed 's/ qlen.*//'
	$IP netns exec vlab-$L-a tc qdisc show 2>/dev/null || true
}
no_fault() { ! "$VLAB" status $L | grep -q '\* fault'; }
pid_of() { sed -n 's/.*started (pid \([0-9]*\)).*/\1/p'; }

s0=$(looks)
# (5 s: the flap must outlast two `vlab status` calls, slow in the ASan tier)
out=$("$VLAB" fault $L a:eth0 flap 200ms for 5s) || fail "fault flap: $out"
pid=$(echo "$out" | pid_of)
[ -n "$pid" ] || fail "no pid in: $out"
"$VLAB" status $L | grep -q "fault a:eth0 flap 200ms for 5s (pid $pid" || {
	is_gone "$pid" && fail "the flap ended before status could see it"
	fail "status does not show the running fault: $("$VLAB" status $L | tail -3)"
}
"$VLAB" status $L --json | grep -q "\"fault\":\"flap 200ms for 5s\",\"pid\":$pid" ||
	fail "status --json does not show the running fault"
wait_until 30 no_fault || fail "the flap (5s) still runs after 30 s"
wait_until 5 is_gone "$pid" || fail "fault process $pid still there after it ended"
[ "$(looks)" = "$s0" ] || { diff <(echo "$s0") <(looks); fail "the flap did not leave the lab as before"; }
pings $L a 10.88.0.2 || fail "a cannot reach b after the flap"

# --stop ends an endless flap and restores the cable
out=$("$VLAB" fault $L a:eth0 flap 100ms) || fail "fault flap 100ms: $out"
pid=$(echo "$out" | pid_of)
"$VLAB" fault $L | grep -q "a:eth0 flap 100ms (pid $pid)" || fail "vlab fault LAB does not list it"
# the cable belongs to the running fault (endless: no race with its end)
msg=$("$VLAB" link $L a:eth0 up 2>&1); rc=$?
[ $rc = 1 ] && echo "$msg" | grep -q 'is running on a:eth0' || fail "link during a fault: rc $rc: $msg"
"$VLAB" fault $L --stop | grep -q 'ended, state restored' || fail "fault --stop"
is_gone "$pid" || fail "fault process $pid still there after --stop"
[ "$(looks)" = "$s0" ] || { diff <(echo "$s0") <(looks); fail "--stop did not restore the lab"; }

# SIGTERM to the process: it restores by itself
out=$("$VLAB" fault $L a:eth0 flap 100ms) || fail "fault flap 100ms: $out"
pid=$(echo "$out" | pid_of)
kill -TERM "$pid"
wait_until 10 is_gone "$pid" || fail "fault process $pid ignores SIGTERM"
wait_until 5 no_fault || fail "status shows the fault after its process ended"
[ "$(looks)" = "$s0" ] || { diff <(echo "$s0") <(looks); fail "SIGTERM did not restore the lab"; }

# bad input
msg=$("$VLAB" fault $L a:eth0 flop 1s 2>&1); rc=$?
[ $rc = 2 ] && echo "$msg" | grep -q 'did you mean flap' || fail "unknown fault: rc $rc: $msg"
msg=$("$VLAB" fault $L a:eth0 loss 5% 2>&1); rc=$?
[ $rc = 2 ] && echo "$msg" | grep -q 'for DURATION' || fail "loss without duration: rc $rc: $msg"
msg=$("$VLAB" fault $L c:eth0 flap 1s 2>&1); rc=$?
[ $rc = 2 ] && echo "$msg" | grep -q 'no node "c"' || fail "unknown node: rc $rc: $msg"

# loss: netem
if "$VLAB" doctor 2>&1 | grep -q 'missing .*CONFIG_NET_SCH_NETEM'; then
	msg=$("$VLAB" fault $L a:eth0 loss 100% for 2s 2>&1); rc=$?
	[ $rc = 3 ] && echo "$msg" | grep -q CONFIG_NET_SCH_NETEM || fail "loss without netem: rc $rc: $msg"
	no_fault || fail "a refused loss fault left a fault running"
	[ "$(looks)" = "$s0" ] || fail "a refused loss fault changed the lab"
	note "netem missing: loss fault refused with the kernel's reason (qemu tier runs it)"
else
	out=$("$VLAB" fault $L a:eth0 loss 100% for 2s) || fail "fault loss: $out"
	pid=$(echo "$out" | pid_of)
	pings_once $L a 10.88.0.2 && ! is_gone "$pid" && fail "a reaches b through 100% loss"
	wait_until 15 is_gone "$pid" || fail "the loss fault did not end"
	pings $L a 10.88.0.2 || fail "a cannot reach b after the loss fault"
	[ "$(looks)" = "$s0" ] || { diff <(echo "$s0") <(looks); fail "the loss fault did not restore"; }
fi

# clean ends the fault processes of a lab it removes: the lab made a
# leftover (an up that never finished, as its state says), a fault running
out=$("$VLAB" fault $L a:eth0 flap 100ms) || fail "fault flap 100ms: $out"
pid=$(echo "$out" | pid_of)
sed -i 's/^status up$/status building/' /run/vlab/$L/state
grep -q '^status building$' /run/vlab/$L/state || fail "could not make $L a leftover"
dry=$("$VLAB" clean --dry-run) || fail "clean --dry-run: $dry"
echo "$dry" | grep -q "would end fault process $pid (flap 100ms on a:eth0)" ||
	fail "clean --dry-run does not list the fault process: $dry"
is_gone "$pid" && fail "clean --dry-run ended the fault process"
out=$("$VLAB" clean) || fail "clean: $out"
echo "$out" | grep -q "ending fault process $pid" || fail "clean does not say it ends the fault: $out"
is_gone "$pid" || fail "fault process $pid survived vlab clean"
LABS_UP=()
ls /run/netns | grep -q "^vlab-$L-" && fail "clean left namespaces of $L: $(ls /run/netns)"
[ -e /run/vlab/$L ] && fail "clean left the state of $L"
# clean also took other labs' leftovers (earlier failed tests'), if any:
# from here on, compare with what is left
before=$(snapshot)
lab_up rate

# flaps on NICs with IPv4+IPv6 addresses, gateways and a static route
lab_up linkgw
G=itlgw
view() { # NODE: its addresses and routes as the kernel has them
	$IP -n vlab-$G-$1 -o addr show | sed 's/ *\\.*//; s/^[0-9]*: *//' | sort
	$IP -n vlab-$G-$1 route show
	$IP -n vlab-$G-$1 -6 route show
}
lower_up() { $IP -n vlab-$G-$1 -o link show "$2" | grep -q LOWER_UP; }
no_fault_g() { ! "$VLAB" status $G | grep -q '\* fault'; }
v1=$(view pc1) v3=$(view pc3) vr=$(view r1)
echo "$v3" | grep -q 'inet6 fd43::2/64' && echo "$v3" | grep -q '^default via fd43::1' ||
	fail "pc3 lacks its IPv6 address or gateway to begin with: $v3"
"$VLAB" fault $G pc1:eth0 flap 200ms for 1s >/dev/null || fail "fault flap pc1"
"$VLAB" fault $G pc3:eth0 flap 200ms for 1s >/dev/null || fail "fault flap pc3"
"$VLAB" fault $G r1:eth2 flap 300ms for 1s >/dev/null || fail "fault flap r1:eth2"
wait_until 15 no_fault_g || fail "the flaps (1s) still run after 15 s"
for n in pc1:eth0 pc3:eth0 r1:eth2; do
	wait_until 10 lower_up ${n%:*} ${n#*:} || fail "$n has no carrier after the flap"
done
[ "$(view pc1)" = "$v1" ] || { diff <(echo "$v1") <(view pc1); fail "pc1: not as before after its flap"; }
[ "$(view pc3)" = "$v3" ] || { diff <(echo "$v3") <(view pc3); fail "pc3: not as before after the flaps"; }
[ "$(view r1)" = "$vr" ] || { diff <(echo "$vr") <(view r1); fail "r1: not as before after the flaps"; }
pings $G pc1 fd42::10 || fail "pc1 cannot reach pc2 via its IPv6 gateway after the flap"
pings $G pc1 10.42.0.10 || fail "pc1 cannot reach pc2 via its gateway after the flap"
pings $G pc3 fd42::10 || fail "pc3 cannot reach pc2 via its IPv6 gateway after the flap"
pings $G pc3 10.42.0.10 || fail "pc3 cannot reach pc2 via its gateway after the flap"
"$VLAB" down $G >/dev/null || fail "down $G"

# down ends a running fault process; a fault process holds the lab's lock
# for each change it makes, and down waits such a hold out (it said "busy"
# when it met one): here the lock is held until down has run for a second
out=$("$VLAB" fault $L a:eth0 flap 100ms) || fail "fault flap 100ms: $out"
pid=$(echo "$out" | pid_of)
tmp=$(mktemp -d); mkfifo "$tmp/go"
flock /run/vlab/$L/lock "$BASH" -c "echo held > $tmp/held; read x < $tmp/go" &
holder=$!
wait_until 10 test -s "$tmp/held" || fail "lock holder did not start"
"$VLAB" down $L >"$tmp/down" 2>&1 &
dpid=$!
wait_until 2 is_gone $dpid  # a down that does not wait ends here
gone_early=no; is_gone $dpid && gone_early=yes
[ -e /run/netns/vlab-$L-a ] || fail "down removed the lab while another command held its lock"
echo go > "$tmp/go"; wait $holder
wait $dpid; rc=$?
[ $gone_early = no ] && [ $rc = 0 ] || fail "down under a short-held lock: exit $rc: $(cat "$tmp/down")"
rm -rf "$tmp"
LABS_UP=()
is_gone "$pid" || fail "fault process $pid survived vlab down"
same_snapshot "$before" "$(snapshot)" "down with a running fault"
echo "fault: flap ended by itself and restored; --stop, SIGTERM, clean and down end the process; down waits out a held lock"
