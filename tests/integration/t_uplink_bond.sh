#!/bin/bash
# vSwitch uplinks through a physical switch (topologies/uplinks.ini): VLAN
# 10 on hv1 reaches VLAN 10 on hv2 (whose uplink is an active-backup bond)
# and VLAN 20 on the same subnet does not; pulling the bond's active member
# keeps reach. Needs bridge VLAN filtering and bonding (the qemu tier).
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_BRIDGE_VLAN_FILTERING
need_feature CONFIG_BONDING
file=$HERE/../../topologies/uplinks.ini
"$VLAB" up "$file" >/dev/null || fail "vlab up uplinks"
LABS_UP+=(uplinks)
pings uplinks a1 10.0.0.2 || fail "a1 (hv1, VLAN 10) does not reach a2 (hv2, VLAN 10)"
pings uplinks a1 10.0.0.100 || fail "a1 does not reach the physical server db (VLAN 10)"
pings uplinks b1 10.0.0.12 || fail "b1 does not reach b2 (VLAN 20)"
! in_node uplinks b1 ping -c 2 -W 1 10.0.0.2 >/dev/null 2>&1 || fail "VLAN 20 (b1) reaches VLAN 10 (a2)"
in_node uplinks hv2 $IP -d link show bond0 | grep -q "bond mode active-backup" || fail "bond0 is not active-backup"
active=$(in_node uplinks hv2 cat /sys/class/net/bond0/bonding/active_slave)
note "active member before: $active"
"$VLAB" link uplinks "hv2:$active" down >/dev/null || fail "vlab link hv2:$active down"
pings uplinks a2 10.0.0.1 || fail "a2 lost a1 after pulling $active"
now=$(in_node uplinks hv2 cat /sys/class/net/bond0/bonding/active_slave)
[ "$now" != "$active" ] || fail "bond0 still uses $active"
note "active member after: $now"
"$VLAB" link uplinks "hv2:$active" up >/dev/null || fail "vlab link up"
echo ok
