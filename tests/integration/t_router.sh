#!/bin/bash
# A router forwards between two subnets; hosts use it as gateway.
. "$(dirname "$0")/lib.sh"
lab_up router
[ "$(in_node itrt r1 cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "r1 does not forward"
[ "$(in_node itrt pc1 cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || fail "pc1 forwards"
pings itrt pc1 10.32.0.10 || fail "pc1 cannot reach pc2 through r1"
pings itrt pc2 10.31.0.10 || fail "pc2 cannot reach pc1 through r1"
in_node itrt pc1 $IP route show default | grep -q "via 10.31.0.1" || fail "pc1 has no default route via r1"
# one hop: the reply's TTL is one less than a direct neighbour's
ttl=$(in_node itrt pc1 ping -c 1 -W 5 10.32.0.10 | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')
[ "$ttl" = 63 ] || fail "expected ttl 63 through one router, got '$ttl'"
echo ok
