#!/bin/bash
# VM to VM across hypervisors: their NICs are on two physical switches
# joined by a router; VXLAN carries the vSwitch segment over that underlay.
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_VXLAN
lab_up overlay
pings itvx hv1 192.168.2.10 || fail "underlay: hv1 cannot reach hv2 through the router"
pings itvx vm1 10.20.0.2 || fail "overlay: vm1 cannot reach vm2"
pings itvx vm2 10.20.0.1 || fail "overlay: vm2 cannot reach vm1"
# the overlay segment carries 1450-byte frames (MTU lowered to fit)
pings itvx vm1 10.20.0.2 -M do -s 1422 || fail "a full 1450-byte packet does not cross"
# the VMs do not see the underlay
pings_once itvx vm1 192.168.1.10 && fail "vm1 reaches the underlay"
echo ok
