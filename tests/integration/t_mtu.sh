#!/bin/bash
# MTUs are what the topology declares: lab default, switch mtu, nic mtu=.
. "$(dirname "$0")/lib.sh"
lab_up mtu
mtu_of() { in_node itmtu "$1" $IP -o link show "$2" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }
[ "$(mtu_of j1 eth0)" = 9000 ] || fail "j1 eth0 mtu $(mtu_of j1 eth0), want 9000 (switch mtu)"
[ "$(mtu_of j1 eth1)" = 1400 ] || fail "j1 eth1 mtu $(mtu_of j1 eth1), want 1400 (lab mtu)"
[ "$(mtu_of j2 eth1)" = 1300 ] || fail "j2 eth1 mtu $(mtu_of j2 eth1), want 1300 (nic mtu=)"
[ "$(in_node itmtu big $IP -o link show big | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')" = 9000 ] ||
	fail "bridge big has not mtu 9000"
a2=$(in_node itmtu j2 $IP -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1)
pings itmtu j1 "$a2" -M do -s 8972 || fail "a 9000-byte packet does not pass on big"
pings_once itmtu j1 "$a2" -M do -s 8973 && fail "a 9001-byte packet passes on big"
echo ok
