#!/bin/bash
# One trunk port carries two VLANs to tagged sub-interfaces; access ports
# reach only their own VLAN, even with addresses in another VLAN's subnet.
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_VLAN_8021Q
need_feature CONFIG_BRIDGE_VLAN_FILTERING
lab_up trunk
pings ittr trunky 10.60.30.2 || fail "eth0.30 cannot reach a30 (VLAN 30)"
pings ittr trunky 10.60.40.2 || fail "eth0.40 cannot reach a40 (VLAN 40)"
pings ittr a30 10.60.30.1 || fail "a30 cannot reach trunky's eth0.30"
pings_once ittr x40 10.60.30.1 && fail "x40 (VLAN 40) reaches VLAN 30's sub-interface"
pings_once ittr x40 10.60.30.2 && fail "x40 (VLAN 40) reaches a30 (VLAN 30)"
echo ok
