#!/bin/bash
# The overlay MTU pitfall, with packets: with mtu = ignore a full 1500-byte
# packet is lost in the 1500-byte underlay (VXLAN adds 50 bytes) while small
# ones pass; with mtu = fix the VMs get MTU 1450 and every size crosses.
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_VXLAN
"$VLAB" check "$LABS/pitfall.ini" 2>&1 | grep -q "segment MTU must be <= 1450 (it is 1500); keeping it" ||
	fail "check does not warn about the broken MTU with its numbers"
lab_up pitfall
pings itpit vm1 10.77.0.2 -s 56 || fail "broken lab: small packets do not cross either"
pings itpit vm1 10.77.0.2 -M do -s 1422 || fail "broken lab: a 1450-byte packet does not cross"
pings_once itpit vm1 10.77.0.2 -M do -s 1472 && fail "broken lab: a 1500-byte packet crossed a 1500-byte underlay"
lab_up pitfall-fixed
mtu=$(in_node itfix vm1 $IP -o link show eth0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
[ "$mtu" = 1450 ] || fail "fixed lab: vm1 eth0 has MTU $mtu, want 1450"
pings itfix vm1 10.77.0.2 -M do -s 1422 || fail "fixed lab: a 1450-byte packet does not cross"
pings itfix vm1 10.77.0.2 -s 3000 || fail "fixed lab: a large (fragmented) ping does not cross"
echo ok
