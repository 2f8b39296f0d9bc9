#!/bin/bash
# Port mirroring: pings between client and server also reach the monitor,
# which is not otherwise on their path (unicast after ARP).
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_NET_ACT_MIRRED
lab_up mirror
pings itmir client 10.90.0.2 || fail "client cannot reach server"
before=$(in_node itmir monitor cat /sys/class/net/eth0/statistics/rx_packets)
in_node itmir client ping -c 20 -i 0.05 -w 10 10.90.0.2 >/dev/null || fail "pings lost"
after=$(in_node itmir monitor cat /sys/class/net/eth0/statistics/rx_packets)
# 20 requests in and 20 replies out of the server's port: both directions
[ $((after - before)) -ge 40 ] || fail "monitor saw $((after - before)) packets, want >= 40"
echo ok
