#!/bin/bash
# vlab capture on a VTEP (HOST:vx<vni>: the frames after decapsulation) and
# on the hypervisor's underlay NIC (the same ping inside VXLAN, decoded by
# the one-line summary).
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_VXLAN
LAB=observevx
TMP=$(mktemp -d)
PIDS=()
finish() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	cleanup_labs
	rm -rf "$TMP"
}
trap finish EXIT
capture() { # NAME TARGET FILTER...: text mode, 1 packet, in the background
	local name=$1
	shift
	"$VLAB" capture $LAB "$1" -c 1 "${@:2}" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	PIDS+=($!)
	wait_text "$TMP/$name.err" "capturing on" $! || fail "capture $1: $(cat "$TMP/$name.err")"
}

before=$(snapshot)
"$VLAB" up "$LABS/capture-vx.ini" >/dev/null || fail "vlab up capture-vx.ini"
LABS_UP+=($LAB)
pings $LAB vm1 10.20.0.2 || fail "vm1 cannot reach vm2 over the overlay"
vtep=$("$VLAB" exec $LAB hv1 -- ip -o link show type vxlan | sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p' | head -1)
[ -n "$vtep" ] || fail "hv1 has no VXLAN device"

capture vtep "hv1:$vtep" 'icmp[icmptype] = icmp-echo'
# only vm1's echo request inside VXLAN: UDP 8 + VXLAN 8 + inner Ethernet 14
# bytes, then the inner IPv4 header (20): ethertype at udp[28], protocol at
# udp[39], ICMP type at udp[50]. The bridge's IGMP reports are encapsulated
# too and were caught first now and then (under ASan).
capture uplink hv1:eth0 'udp port 4789 and udp[28:2] = 0x0800 and udp[39] = 1 and udp[50] = 8'
in_node $LAB vm1 ping -c 1 -W 5 10.20.0.2 >/dev/null || fail "vm1 cannot reach vm2 (first contact: ARP over VXLAN, up to 5 s)"
for p in "${PIDS[@]}"; do wait_exit "$p" || fail "a capture did not end after one packet"; done
PIDS=()
grep -q "IPv4 10.20.0.1 > 10.20.0.2 ICMP echo request" "$TMP/vtep.out" ||
	fail "the VTEP did not show vm1's echo request: $(cat "$TMP/vtep.out" "$TMP/vtep.err")"
grep -q "IPv4 192.168.1.10 > 192.168.2.10 UDP [0-9]* > 4789 .* VXLAN vni 4242: .* IPv4 10.20.0.1 > 10.20.0.2 ICMP echo request" \
	"$TMP/uplink.out" || fail "the uplink did not show the encapsulated request: $(cat "$TMP/uplink.out")"
"$VLAB" down $LAB >/dev/null || fail "vlab down"
LABS_UP=()
same_snapshot "$before" "$(snapshot)" "capture on a VTEP"
echo "capture: VTEP $vtep and underlay (VXLAN vni 4242 decoded) ok"
