#!/bin/bash
# A router masquerades its LAN out of its outside NIC (nftables): the
# outside host sees the router's outside address, never the LAN's.
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_NFT_MASQ
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
lab_up nat
cap=$(mktemp) err=$(mktemp); trap 'rm -f $cap $err; cleanup_labs' EXIT
in_node itnat web timeout 60 tcpdump -i eth0 -n -l -c 1 'icmp[icmptype] == icmp-echo' >"$cap" 2>"$err" &
tpid=$!
wait_until 30 capturing "$err" || { kill $tpid; fail "tcpdump never started: $(cat "$err")"; }
pings itnat pc 203.0.113.80 || fail "pc cannot reach web through the NAT"
wait $tpid
grep -q "IP 203.0.113.2 > 203.0.113.80: ICMP echo request" "$cap" ||
	fail "web did not see the router's address: $(cat "$cap")"
grep -q "192.168.90" "$cap" && fail "web saw a LAN address: $(cat "$cap")"
echo ok
