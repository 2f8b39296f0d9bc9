#!/bin/bash
# Access ports in VLANs: same VLAN talks, different VLANs do not.
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_BRIDGE_VLAN_FILTERING
lab_up vlan
pings itvl red1 10.50.0.2 || fail "red1 cannot reach red2 (same VLAN)"
pings_once itvl red1 10.50.0.3 && fail "red1 reaches blue1 (other VLAN)"
echo ok
