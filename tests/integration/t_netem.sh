#!/bin/bash
# netem delay is applied to traffic leaving the node.
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_NET_SCH_NETEM
lab_up netem
pings itne n1 10.80.0.2 || fail "n1 cannot reach n2"
rtt=$(in_node itne n1 ping -c 2 -W 1 10.80.0.2 | sed -n 's/.*time=\([0-9.]*\).*/\1/p' | tail -1)
awk -v r="$rtt" 'BEGIN { exit !(r >= 40) }' || fail "rtt $rtt ms, want >= 40 ms"
echo ok
