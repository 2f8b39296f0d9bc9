#!/bin/bash
# A ring of four switches with stp = on converges: h1 reaches h2, and
# exactly one bridge port of the ring is blocking (no storm: the loop is
# cut). topologies/ring-stp.ini; forward_delay 2s, so ~4 s.
. "$(dirname "$0")/lib.sh"
file=$HERE/../../topologies/ring-stp.ini
"$VLAB" up "$file" >/dev/null || fail "vlab up ring-stp"
LABS_UP+=(ring)
ok=
for _ in $(seq 1 30); do  # poll: each try waits up to 1 s for a reply
	if in_node ring h1 ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1; then ok=1; break; fi
done
[ -n "$ok" ] || fail "h1 does not reach h2 across the STP ring within 30 tries"
port_states() {
	for s in 1 2 3 4; do $IP -n vlab-ring-s$s -d link show type veth; done |
		grep -o "bridge_slave state [a-z]*" | awk '{print $3}'
}
one_blocking() { [ "$(port_states | grep -c "^blocking$")" = 1 ]; }
# (the first reply may come while a far port is still settling: poll)
wait_until 20 one_blocking ||
	fail "expected one blocking port in the ring, got $(port_states | grep -c "^blocking$"): $(echo $(port_states))"
states=$(port_states)
note "ports: $(echo "$states" | sort | uniq -c | tr -s ' \n' ' ')"
# no storm: h2 saw a handful of packets, not a flood
rx=$(in_node ring h2 cat /sys/class/net/eth0/statistics/rx_packets)
[ "$rx" -lt 1000 ] || fail "h2 received $rx packets: a broadcast storm?"
echo ok
