#!/bin/bash
# ipv6 = on, dad = off (the defaults) without an accept_dad write in every
# namespace (an O(N^2) /proc/sys walk in big labs, issue 13): every node
# device with addresses has addr_gen_mode none and vlab's own link-local,
# fe80::EUI-64 of its MAC, added without DAD. So when `up` returns each NIC
# has exactly that one link-local, usable (not tentative), and the
# neighbour answers on it; the namespace's accept_dad is untouched; a
# [link] end whose cable came back (`vlab link`) has it again, and so does
# a VM added by `vlab apply`; a sub-interface has its parent's. Where
# vSwitches are, IPv6 is off on the ports and on on the host's NIC. With
# dad = on the kernel makes them (addrgenmode eui64).
. "$(dirname "$0")/lib.sh"
scratch_lab itll6
cat > "$tmp/a.ini" <<EOT
[lab]
name = $lab
[switch core]
[host hv1]
nic = eth0 core 192.168.74.10/24 fd75::10/64
[host hv2]
nic = eth0 core 192.168.74.11/24 fd75::11/64 mac=02:42:43:44:45:46
[switch vs1]
host = hv1
[vm a]
host = hv1
nic = eth0 vs1 10.74.0.1/24 fd74::1/64 mac=02:11:22:33:44:55
[vm b]
host = hv1
nic = eth0 vs1 10.74.0.2/24 fd74::2/64 mac=02:01:5e:10:20:07
[link ab]
a = a eth1 10.75.0.1/30 mac=02:aa:bb:cc:dd:01
b = b eth1 10.75.0.2/30 mac=02:aa:bb:cc:dd:02
EOT
"$VLAB" up "$tmp/a.ini" >/dev/null || fail "vlab up"

# fe80::EUI-64 (RFC 4291 2.5.1) of MAC, as ip prints it (no zero group in
# the MACs below, so no :: compression but the first)
eui() {
	local m0 m1 m2 m3 m4 m5
	IFS=: read -r m0 m1 m2 m3 m4 m5 <<< "$1"
	printf 'fe80::%x:%x:%x:%x\n' $(( (0x$m0 ^ 2) << 8 | 0x$m1 )) $(( 0x$m2 << 8 | 0xff )) \
		$(( 0xfe00 | 0x$m3 )) $(( 0x$m4 << 8 | 0x$m5 ))
}
# NODE DEV MAC: the one link-local, not tentative, kernel's own off
has_ll() {
	local out want
	want=$(eui "$3")
	out=$(in_node $lab "$1" $IP -6 -o addr show dev "$2" scope link) || fail "$1: ip -6 addr"
	[ "$(echo "$out" | grep -c inet6)" = 1 ] || fail "$1 $2: not one link-local: $out"
	echo "$out" | grep -q " $want/64 " || fail "$1 $2: link-local is not $want: $out"
	echo "$out" | grep -q tentative && fail "$1 $2: link-local still tentative: $out"
	in_node $lab "$1" $IP -d link show dev "$2" | grep -q "addrgenmode none" ||
		fail "$1 $2: the kernel makes its own link-local (addrgenmode not none)"
	return 0
}
[ "$(eui 02:11:22:33:44:55)" = fe80::11:22ff:fe33:4455 ] || fail "eui() is wrong: $(eui 02:11:22:33:44:55)"
has_ll a eth0 02:11:22:33:44:55
has_ll b eth0 02:01:5e:10:20:07
has_ll a eth1 02:aa:bb:cc:dd:01
has_ll b eth1 02:aa:bb:cc:dd:02
# the hypervisors' own NICs too (a host is a node); IPv6 is off by default
# where vSwitches are (ports below IPv6: no address, no route each) and on
# again on the host's NIC
mac=$(in_node $lab hv1 cat /sys/class/net/eth0/address)
has_ll hv1 eth0 "$mac"
has_ll hv2 eth0 02:42:43:44:45:46
[ "$(in_node $lab hv1 cat /proc/sys/net/ipv6/conf/a-eth0/disable_ipv6)" = 1 ] ||
	fail "hv1: IPv6 is on on the vSwitch port a-eth0"
[ -z "$(in_node $lab hv1 $IP -6 route show table all dev a-eth0)" ] ||
	fail "hv1: the vSwitch port a-eth0 has IPv6 routes: $(in_node $lab hv1 $IP -6 route show table all dev a-eth0)"
in_node $lab hv1 ping -6 -c 1 -W 5 "$(eui 02:42:43:44:45:46)%eth0" >/dev/null ||
	fail "hv1 cannot ping hv2's link-local"
pings $lab hv1 fd75::11 -6 || fail "hv1 cannot ping hv2's global IPv6 address"
for n in a b hv1; do
	[ "$(in_node $lab $n cat /proc/sys/net/ipv6/conf/default/accept_dad)" = 1 ] ||
		fail "$n: accept_dad was written (vlab's link-locals should have made it needless)"
done
# usable at once: one ping each, on the link-locals and the global
in_node $lab a ping -6 -c 1 -W 5 "$(eui 02:01:5e:10:20:07)%eth0" >/dev/null ||
	fail "a cannot ping b's link-local over the switch"
in_node $lab b ping -6 -c 1 -W 5 "$(eui 02:aa:bb:cc:dd:01)%eth1" >/dev/null ||
	fail "b cannot ping a's link-local over the [link]"
pings $lab a fd74::2 -6 || fail "a cannot ping b's global IPv6 address"

# pull the [link] cable at a's end: b's eth1 goes down and the kernel drops
# its IPv6 addresses; plugged back, vlab puts the link-local back
"$VLAB" link $lab a:eth1 down >/dev/null || fail "vlab link down"
[ -z "$(in_node $lab b $IP -6 -o addr show dev eth1)" ] ||
	fail "b eth1 down kept IPv6 addresses (the test cannot see the restore)"
"$VLAB" link $lab a:eth1 up >/dev/null || fail "vlab link up"
has_ll b eth1 02:aa:bb:cc:dd:02
in_node $lab a ping -6 -c 1 -W 5 "$(eui 02:aa:bb:cc:dd:02)%eth1" >/dev/null ||
	fail "a cannot ping b's link-local after the cable came back"

# apply: a new VM, and a new cable into a namespace that was there
cp "$tmp/a.ini" "$tmp/b.ini"
printf '[vm c]\nhost = hv1\nnic = eth0 vs1 10.74.0.3/24 mac=02:12:34:56:78:9a\n[link ac]\na = a eth2 10.76.0.1/30 mac=02:ac:00:00:00:01\nb = c eth1 10.76.0.2/30 mac=02:ac:00:00:00:02\n' >> "$tmp/b.ini"
"$VLAB" apply "$tmp/b.ini" >/dev/null || fail "vlab apply"
has_ll c eth0 02:12:34:56:78:9a
has_ll a eth2 02:ac:00:00:00:01
has_ll c eth1 02:ac:00:00:00:02
"$VLAB" down $lab >/dev/null || fail "vlab down"

# dad = on: the kernel's own link-locals (eui64), with DAD
sed 's/^name = .*/&\ndad = on/' "$tmp/a.ini" > "$tmp/d.ini"
"$VLAB" up "$tmp/d.ini" >/dev/null || fail "vlab up (dad = on)"
in_node $lab a $IP -d link show dev eth0 | grep -q "addrgenmode eui64" ||
	fail "dad = on: a eth0 is not left to the kernel"
wait_until 30 sh -c "$VLAB exec $lab a -- $IP -6 -o addr show dev eth0 scope link | grep -v tentative | grep -q ' $(eui 02:11:22:33:44:55)/64 '" ||
	fail "dad = on: a eth0 has no usable kernel link-local"
"$VLAB" down $lab >/dev/null || fail "vlab down (dad = on)"

# a sub-interface's link-local is its parent's (802.1Q: the qemu tier)
out=$("$VLAB" doctor 2>&1) || true
if ! echo "$out" | grep -q "ok .*CONFIG_VLAN_8021Q"; then
	same_snapshot "$before" "$(snapshot)" "after down"
	skip "kernel lacks CONFIG_VLAN_8021Q (all but the sub-interface part passed)"
fi
printf '[lab]\nname = %s\n[switch s]\n[vm t]\nnic = eth0 s 10.77.0.1/24 mac=02:77:00:00:00:01\nsub = eth0.7 10.78.0.1/24\n' $lab > "$tmp/s.ini"
"$VLAB" up "$tmp/s.ini" >/dev/null || fail "vlab up (sub-interface)"
has_ll t eth0 02:77:00:00:00:01
has_ll t eth0.7 02:77:00:00:00:01
"$VLAB" down $lab >/dev/null || fail "vlab down (sub-interface)"
same_snapshot "$before" "$(snapshot)" "after down"
echo ok
