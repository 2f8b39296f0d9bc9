#!/bin/bash
# ipv6 = off, done through netlink (addr_gen_mode none on every device, ::1
# removed from lo) instead of a disable_ipv6 write in every namespace: no
# node has any IPv6 address (lo included), no IPv6 packet leaves any node
# (no link-local, no DAD, no MLD, no router solicitation), IPv4 works, a
# VM added by `vlab apply` gets the same treatment. disable_ipv6 stays 0:
# the per-namespace /proc/sys writes are what made big labs superlinear
# (see src/exec.c v6off_sysctl).
. "$(dirname "$0")/lib.sh"
scratch_lab it6off
cat > "$tmp/a.ini" <<EOT
[lab]
name = $lab
ipv6 = off
[switch core]
[host hv1]
nic = eth0 core 192.168.71.10/24
[host gw]
nic = eth0 core 192.168.71.1/24
[switch vs1]
host = hv1
[vm a]
host = hv1
nic = eth0 vs1 10.71.0.1/24
[vm b]
host = hv1
nic = eth0 vs1 10.71.0.2/24
[link ab]
a = a eth1 10.72.0.1/30
b = b eth1 10.72.0.2/30
EOT
"$VLAB" up "$tmp/a.ini" >/dev/null || fail "vlab up"
nodes="a b hv1 gw core"

no_ipv6() { # NODE: no IPv6 address at all, and IPv6 not forced off by sysctl
	local out
	out=$(in_node $lab "$1" $IP -6 addr show) || fail "$1: ip -6 addr"
	[ -z "$out" ] || fail "$1 has IPv6 addresses: $out"
}
for n in $nodes; do no_ipv6 $n; done
[ "$(in_node $lab a cat /proc/sys/net/ipv6/conf/all/disable_ipv6)" = 0 ] ||
	fail "a: disable_ipv6 was written (the netlink way should have run)"

pings $lab a 10.71.0.2 || fail "a cannot ping b over IPv4"
pings $lab a 10.72.0.2 || fail "a cannot ping b over the link"
pings $lab gw 192.168.71.10 || fail "gw cannot ping hv1"
# all-nodes multicast: nobody can answer without an address
pings_once $lab a ff02::1%eth0 -6 && fail "someone answered a's IPv6 all-nodes ping"

out6() { # NODE: IPv6 packets it sent
	in_node $lab "$1" awk '$1 == "Ip6OutRequests" || $1 == "Icmp6OutMsgs" { s += $2 } END { print s + 0 }' /proc/net/snmp6
}
for n in $nodes; do
	[ "$(out6 $n)" = 0 ] || fail "$n sent IPv6 packets: $(in_node $lab $n grep -E 'Out(Requests|Msgs)' /proc/net/snmp6)"
done

# the test can fail: an address added by hand shows (after the counters:
# joining its solicited-node group sends MLD reports)
in_node $lab a $IP -6 addr add fd00:71::1/64 dev eth0 nodad || fail "a: adding an IPv6 address"
[ -n "$(in_node $lab a $IP -6 addr show dev eth0)" ] || fail "a: the IPv6 address added does not show"
in_node $lab a $IP -6 addr del fd00:71::1/64 dev eth0

# apply: a VM added later has no IPv6 either
cp "$tmp/a.ini" "$tmp/b.ini"
# (and a new cable into a, a namespace that was there: its lo says "no IPv6")
printf '[vm c]\nhost = hv1\nnic = eth0 vs1 10.71.0.3/24\n[link ac]\na = a eth2 10.73.0.1/30\nb = c eth1 10.73.0.2/30\n' >> "$tmp/b.ini"
"$VLAB" apply "$tmp/b.ini" >/dev/null || fail "vlab apply"
in_node $lab a $IP link show dev eth2 >/dev/null || fail "apply did not add a's eth2"
no_ipv6 c
no_ipv6 a
no_ipv6 hv1
pings $lab c 10.71.0.1 || fail "c cannot ping a"
pings $lab c 10.73.0.1 || fail "c cannot ping a over the new link"
[ "$(out6 c)" = 0 ] || fail "c sent IPv6 packets"

"$VLAB" down $lab >/dev/null || fail "vlab down"
same_snapshot "$before" "$(snapshot)" "after down"
echo ok
