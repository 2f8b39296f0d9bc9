#!/bin/bash
# vlab trace names the layer where a packet stops, read from the live
# kernel: a pulled cable (vlab link), a deleted route, an underlay link
# whose MTU is too small for --size, the overlay's FDB entries removed;
# a shaper shows on its hop. After vlab migrate, trace and graph show the
# VM on its new host. Bad input: exit codes per vlab.1. Down leaves
# nothing. (Wrong VLAN on a trunk: t_trace_vlan.sh, needs VLAN filtering.)
. "$(dirname "$0")/lib.sh"
before=$(snapshot)
lab_up trace
L=ittrace
BR=${BRIDGE:-bridge}

# trace LAB SRC DST [ARGS]: output in $out, exit code in $rc
trc() { out=$("$VLAB" trace $L "$@" 2>&1); rc=$?; }
verdict_layer() { echo "$out" | sed -n 's/.*"verdict":{"ok":false,"hop":[0-9]*,"node":"\([^"]*\)","interface":"\([^"]*\)","layer":"\([^"]*\)".*/\3 \1 \2/p'; }

# healthy: across the overlay, and routed through r onto its LAN
trc a b
[ $rc = 0 ] || fail "healthy a -> b: rc $rc: $out"
echo "$out" | grep -q '^path: a eth0 -> hv1 a-eth0 -> hv1 vs1 -> hv1 vx77 -> hv1 eth0 -> fabric hv1-eth0 -> fabric fabric -> fabric hv2-eth0 -> hv2 eth0 -> hv2 vx77 -> hv2 vs2 -> hv2 b-eth0 -> b eth0$' ||
	fail "a -> b path: $out"
echo "$out" | grep -q 'vx77 .*VNI 77 to remote VTEP 192.168.77.2' || fail "a -> b: no VTEP hop: $out"
trc a c
[ $rc = 0 ] || fail "healthy a -> c: rc $rc: $out"
echo "$out" | grep -qE '^ +[0-9]+  r +eth1 +router +route to 10.78.0.2' || fail "a -> c not routed by r: $out"
pings $L a 10.78.0.2 || fail "a cannot reach c on a healthy lab"
trc a c --probe
echo "$out" | grep -q 'probe: one 84-byte echo request answered' || fail "probe: $out"
trc a c --probe --json
echo "$out" | grep -qE '"probe":\{"answered":true,"rtt_ms":[0-9.]+,"why":null,"counters_to_hop":[0-9]+\}\}$' ||
	fail "probe --json: $out"
trc a c --json
echo "$out" | grep -q '"probe":null}$' || fail "json without --probe: $out"
trc a b --size 1500
[ $rc = 0 ] || fail "1500-byte packets a -> b: rc $rc: $out"
trc a b --json
[ $rc = 0 ] && echo "$out" | grep -q '"verdict":{"ok":true' || fail "json: rc $rc: $out"

# a pulled cable: b's switch port loses carrier
"$VLAB" link $L b:eth0 down >/dev/null || fail "link down"
trc a b --json
[ $rc = 6 ] || fail "a -> b with b's cable pulled: rc $rc: $out"
[ "$(verdict_layer)" = "link hv2 b-eth0" ] || fail "cable pulled: verdict $(verdict_layer): $out"
trc a b --probe --json
echo "$out" | grep -qE '"probe":\{"answered":false,"rtt_ms":null,.*"counters_to_hop":[0-9]+\}\}$' ||
	fail "probe --json with the cable pulled: $out"
trc b a
[ $rc = 6 ] && echo "$out" | grep -q 'layer link: b eth0 has no carrier' || fail "from b with its cable pulled: $out"
pings_once $L a 10.77.0.2 && fail "a reaches b with b's cable pulled (trace said broken)"
"$VLAB" link $L b:eth0 up >/dev/null || fail "link up"
trc a b
[ $rc = 0 ] || fail "a -> b after link up: rc $rc: $out"

# a missing route: c loses its default route
"$VLAB" exec $L c -- $IP route del default || fail "route del"
trc c a --json
[ $rc = 6 ] && [ "$(verdict_layer)" = "route c -" ] || fail "c without a default route: $(verdict_layer): $out"
echo "$out" | grep -q 'c has no route to 10.77.0.1' || fail "route: why: $out"
"$VLAB" exec $L c -- $IP route add default via 10.78.0.1 || fail "route add"
trc c a
[ $rc = 0 ] || fail "c -> a after the route is back: rc $rc: $out"

# MTU: the fabric's port to hv2 shrinks to 1500; 1500-byte packets need 1550
$IP -n vlab-$L-fabric link set hv2-eth0 mtu 1500 || fail "mtu 1500"
trc a b --size 1500 --json
[ $rc = 6 ] && [ "$(verdict_layer)" = "mtu fabric hv2-eth0" ] || fail "mtu: $(verdict_layer): $out"
echo "$out" | grep -q 'MTU 1500, smaller than the 1550-byte packet (1500 + 50 bytes of encapsulation)' ||
	fail "mtu: why: $out"
trc a b --size 1450
[ $rc = 0 ] && echo "$out" | grep -q 'path MTU 1450' || fail "1450 bytes fit: rc $rc: $out"
$IP -n vlab-$L-fabric link set hv2-eth0 mtu 1550 || fail "mtu 1550"

# a shaper on hv2's uplink shows on its hop
"$VLAB" impair $L hv2:eth0 rate=1mbit >/dev/null || fail "impair"
trc a b
[ $rc = 0 ] && echo "$out" | grep -qE 'hv2 +eth0 .*qdisc tbf rate 1mbit' || fail "shaper hop: $out"
"$VLAB" impair $L hv2:eth0 --reset >/dev/null || fail "impair --reset"

# the overlay's FDB on hv1: the default (head-end) entries and what was
# learned for b's MAC go; learning may bring b's MAC back at any moment
# (b's own multicast), so remove again until trace sees the state
fdb_broken() {
	local mac
	mac=$($IP -n vlab-$L-b -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	$BR -n vlab-$L-hv1 fdb del 00:00:00:00:00:00 dev vx77 dst 192.168.77.2 2>/dev/null
	$BR -n vlab-$L-hv1 fdb del 00:00:00:00:00:00 dev vx77 dst 192.168.77.3 2>/dev/null
	$BR -n vlab-$L-hv1 fdb del "$mac" dev vx77 2>/dev/null
	trc a b --json
	[ $rc = 6 ] && [ "$(verdict_layer)" = "fdb hv1 vx77" ]
}
wait_until 10 fdb_broken || fail "fdb removed: rc $rc, $(verdict_layer): $out"
echo "$out" | grep -q 'knows no remote VTEP to send VNI 77 to' || fail "fdb: why: $out"
$BR -n vlab-$L-hv1 fdb append 00:00:00:00:00:00 dev vx77 dst 192.168.77.2 || fail "fdb append"
$BR -n vlab-$L-hv1 fdb append 00:00:00:00:00:00 dev vx77 dst 192.168.77.3 || fail "fdb append"
trc a b
[ $rc = 0 ] || fail "a -> b with the FDB back: rc $rc: $out"

# migrate a to hv2: trace and graph show it there
"$VLAB" migrate $L a hv2 >/dev/null || fail "migrate"
trc a b
[ $rc = 0 ] || fail "a -> b after migrate: rc $rc: $out"
echo "$out" | grep -q '^path: a eth0 -> hv2 a-eth0 -> hv2 vs2 -> hv2 b-eth0 -> b eth0$' ||
	fail "after migrate a is not on hv2: $out"
g=$("$VLAB" graph $L) || fail "graph $L"
echo "$g" | awk '/subgraph "cluster_hv2"/ { in2 = 1 } in2 && /^\t}/ { in2 = 0 } in2 && /"n:a"/ { f = 1 } END { exit !f }' ||
	fail "graph $L does not draw a under hv2: $g"
echo "$g" | awk '/subgraph "cluster_hv1"/ { in1 = 1 } in1 && /^\t}/ { in1 = 0 } in1 && /"n:a"/ { f = 1 } END { exit f }' ||
	fail "graph $L still draws a under hv1"
"$VLAB" graph "$LABS/trace.ini" | awk '/subgraph "cluster_hv1"/ { i = 1 } i && /"n:a"/ { f = 1 } END { exit !f }' ||
	fail "graph FILE does not draw a under hv1 (the file's placement)"

# bad input
msg=$("$VLAB" trace $L a bb 2>&1); rc=$?
[ $rc = 2 ] && echo "$msg" | grep -q 'did you mean b?' || fail "unknown node: rc $rc: $msg"
msg=$("$VLAB" trace $L a:eht0 b 2>&1); rc=$?
[ $rc = 2 ] && echo "$msg" | grep -q 'did you mean eth0?' || fail "unknown interface: rc $rc: $msg"
msg=$("$VLAB" trace $L a b --size 12 2>&1); rc=$?
[ $rc = 2 ] || fail "bad --size: rc $rc: $msg"
msg=$("$VLAB" trace ittrac a b 2>&1); rc=$?
[ $rc = 1 ] && echo "$msg" | grep -q 'did you mean ittrace' || fail "unknown lab: rc $rc: $msg"
msg=$("$VLAB" graph ittrac 2>&1); rc=$?
[ $rc = 1 ] && echo "$msg" | grep -q 'did you mean ittrace' || fail "graph unknown lab: rc $rc: $msg"

"$VLAB" down $L >/dev/null || fail "down"
LABS_UP=()
same_snapshot "$before" "$(snapshot)" "down after trace"
echo "trace: link, route, mtu, fdb named; shaper shown; migrate seen by trace and graph"
