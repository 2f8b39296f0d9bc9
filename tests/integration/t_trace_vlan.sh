#!/bin/bash
# vlab trace on a VLAN trunk: a30 (access, VLAN 30) reaches trunky's
# eth0.30 through the trunk; with VLAN 30 removed from the trunk port,
# trace names the vlan layer at that port. Needs bridge VLAN filtering
# and 802.1Q (the qemu tier runs it).
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_BRIDGE_VLAN_FILTERING
need_feature CONFIG_VLAN_8021Q
before=$(snapshot)
lab_up trunk
L=ittr
BR=${BRIDGE:-bridge}
out=$("$VLAB" trace $L a30 trunky:eth0.30 2>&1); rc=$?
[ $rc = 0 ] || fail "a30 -> trunky eth0.30: rc $rc: $out"
echo "$out" | grep -q 'out of sw, VLAN 30 tagged' || fail "the trunk does not carry VLAN 30 tagged: $out"
echo "$out" | grep -qE 'trunky +eth0.30 +vlan +VLAN 30, tag removed' || fail "no eth0.30 hop: $out"
$BR -n vlab-$L-sw vlan del dev trunky-eth0 vid 30 || fail "bridge vlan del"
out=$("$VLAB" trace $L a30 trunky:eth0.30 --json 2>&1); rc=$?
[ $rc = 6 ] || fail "VLAN 30 off the trunk: rc $rc: $out"
echo "$out" | grep -q '"node":"sw","interface":"trunky-eth0","layer":"vlan","why":"VLAN 30 is not allowed on port trunky-eth0' ||
	fail "VLAN 30 off the trunk: $out"
pings_once $L a30 10.60.30.1 && fail "a30 reaches eth0.30 with VLAN 30 off the trunk (trace said broken)"
"$VLAB" down $L >/dev/null || fail "down"
LABS_UP=()
same_snapshot "$before" "$(snapshot)" "down after trace"
echo "trace: VLAN not allowed on a trunk named"
