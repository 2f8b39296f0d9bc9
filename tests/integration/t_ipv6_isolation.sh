#!/bin/bash
# A VM reaches the other VMs of its vSwitch (IPv4, IPv6 global and
# link-local) and nothing of the hypervisor holding the switch: the bridge,
# its ports and the switch side of every cable carry no address, and no
# address of hv1 (its NIC's link-local, IPv4 and IPv6 global) answers from
# behind the bridge, not even when the VM routes to it and forces the
# bridge's MAC as its neighbour. hv1's ICMP counters prove that no echo
# request reached its stack (a missing reply alone could be a return route).
. "$(dirname "$0")/lib.sh"
L=itv6
lab_up ipv6iso

# --- the switch devices carry no address ---
for d in vs1 a-eth0 b-eth0; do
	out=$(in_node $L hv1 $IP -6 addr show dev $d) || fail "hv1: no device $d"
	[ -z "$out" ] || fail "hv1: $d has IPv6 addresses: $out"
	out=$(in_node $L hv1 $IP -4 addr show dev $d)
	[ -z "$out" ] || fail "hv1: $d has IPv4 addresses: $out"
done
# the physical switch's namespace: its bridge and ports too
for d in core hv1-eth0 gw-eth0; do
	out=$(in_node $L core $IP addr show dev $d | grep inet)
	[ -z "$out" ] || fail "core: $d has addresses: $out"
done
# ...while a node's NIC on a vSwitch host keeps its link-local
lla() { # NODE DEV: its IPv6 link-local address
	in_node $L "$1" $IP -6 -o addr show dev "$2" scope link |
		awk '{print $4}' | cut -d/ -f1 | head -1
}
hv_ll=$(lla hv1 eth0)
[ -n "$hv_ll" ] || fail "hv1 eth0 has no link-local address"

# --- the VMs reach each other (the test can fail) ---
b_ll=$(lla b eth0)
[ -n "$b_ll" ] || fail "b has no link-local address"
pings $L a 10.62.0.2 || fail "a cannot ping b over IPv4"
pings $L a fd00:62::2 -6 || fail "a cannot ping b over IPv6"
pings $L a "$b_ll%eth0" -6 || fail "a cannot ping b's link-local $b_ll"

# --- nothing of hv1 answers a, and nothing reaches hv1's stack ---
echos() { # hv1's received ICMP echo requests, v4 + v6
	in_node $L hv1 cat /proc/net/snmp /proc/net/snmp6 | awk '
		/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i; h = 1 }
			   else v4 = $c }
		$1 == "Icmp6InEchos" { v6 = $2 }
		END { print v4 + v6 }'
}
# the counter works: gw's echo requests are counted
before=$(echos)
pings $L gw 192.168.61.10 || fail "gw cannot ping hv1 (control)"
pings $L gw fd00:61::10 -6 || fail "gw cannot ping hv1 over IPv6 (control)"
[ "$(echos)" -gt "$before" ] || fail "hv1's echo counters did not move (control)"

br_mac=$(in_node $L hv1 cat /sys/class/net/vs1/address)
targets=$(in_node $L hv1 $IP -o addr show | awk '$4 !~ /^(127\.|::1\/)/ {print $2, $4}')
[ -n "$targets" ] || fail "hv1 has no addresses to try"
note "hv1 addresses: $(echo $targets)"
before=$(echos)
while read -r dev cidr; do
	addr=${cidr%/*}
	case $addr in
	fe80:*) dst="$addr%eth0"; fam=-6 ;;
	*:*) dst=$addr; fam=-6; in_node $L a $IP -6 route replace "$addr/128" dev eth0 ;;
	*) dst=$addr; fam=-4; in_node $L a $IP -4 route replace "$addr/32" dev eth0 ;;
	esac
	pings_once $L a "$dst" $fam -I eth0 && fail "a reaches hv1's $addr ($dev)"
	# force the frame to the bridge's MAC: the bridge must not take it in
	in_node $L a $IP neigh replace "$addr" lladdr "$br_mac" dev eth0 nud permanent ||
		fail "a: cannot set a neighbour for $addr"
	pings_once $L a "$dst" $fam -I eth0 && fail "a reaches hv1's $addr ($dev) through the bridge MAC"
	in_node $L a $IP neigh del "$addr" dev eth0
done <<<"$targets"
after=$(echos)
[ "$after" = "$before" ] || fail "hv1 received $((after - before)) echo requests from a"
echo ok
