#!/bin/bash
# Two VMs on one vSwitch reach each other, by address and by name.
. "$(dirname "$0")/lib.sh"
lab_up vswitch
pings itvs a 10.10.0.2 || fail "a cannot ping b (10.10.0.2)"
pings itvs b 10.10.0.1 || fail "b cannot ping a (10.10.0.1)"
pings itvs a b || fail "a cannot ping b by name (hosts file)"
# the switch port and the lab namespaces are marked
in_node itvs hv1 $IP link show a-eth0 | grep -q "alias vlab:itvs" || fail "port a-eth0 not marked"
in_node itvs a $IP link show lo | grep -q "alias vlab:itvs:a" || fail "lo of a not marked"
echo ok
