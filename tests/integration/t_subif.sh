#!/bin/bash
# An 802.1Q sub-interface on a trunk reaches an access port of its VLAN.
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_VLAN_8021Q
need_feature CONFIG_BRIDGE_VLAN_FILTERING
lab_up subif
pings itsub trunky 10.60.0.2 || fail "eth0.30 cannot reach the VLAN 30 access port"
echo ok
