#!/bin/bash
# [lab] external: a node's link into the machine's own namespace, with
# forwarding and masquerade there. It changes the machine's namespace, so
# it runs ONLY in the qemu tier (whose guest is thrown away): on any other
# machine it skips. The guest has no real network; a namespace this test
# makes (vlabtest-out, 203.0.113.80, no route back into the lab) stands
# for it, so a reply proves both masquerades; nothing leaves the guest.
. "$(dirname "$0")/lib.sh"
[ "$(hostname)" = vlab-qemu ] ||
	skip "external access changes this machine's own namespace: runs only in the qemu tier (make qemu)"
need_feature CONFIG_NFT_MASQ
out=vlabtest-out
trap 'cleanup_labs; $IP netns del $out 2>/dev/null; $IP link del vlt-out 2>/dev/null' EXIT
fwd0=$(cat /proc/sys/net/ipv4/ip_forward)

# the stand-in for the machine's network
$IP netns add $out
$IP link add vlt-out type veth peer name eth0 netns $out
$IP addr add 203.0.113.1/24 dev vlt-out
$IP link set vlt-out up
$IP -n $out addr add 203.0.113.80/24 dev eth0
$IP -n $out link set eth0 up
before=$(snapshot)

# no --yes, no terminal: refused, nothing made
"$VLAB" up "$LABS/external.ini" </dev/null >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "up of a file with external, no --yes, no terminal: exit $rc, want 2"
same_snapshot "$before" "$(snapshot)" "a refused up"
"$VLAB" plan "$LABS/external.ini" | grep -q "changes THIS MACHINE's own network namespace" ||
	fail "vlab plan does not say external touches the machine"

"$VLAB" up --yes "$LABS/external.ini" >/dev/null || fail "vlab up --yes"
LABS_UP+=(itext)
$IP -d link show vl-itext 2>/dev/null | grep -q "alias vlab:itext" || fail "vl-itext is not marked vlab:itext"
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "ip_forward is not on"
pings itext gw 203.0.113.80 || fail "gw cannot reach the machine's network"
pings itext pc 203.0.113.80 || fail "pc cannot reach the machine's network through gw"
if command -v nft >/dev/null; then
	nft list table ip vlab_ext_itext >/dev/null 2>&1 || fail "no table ip vlab_ext_itext"
fi

"$VLAB" down itext >/dev/null || fail "vlab down itext"
LABS_UP=()
$IP link show vl-itext >/dev/null 2>&1 && fail "vl-itext is still there after down"
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$fwd0" ] || fail "ip_forward not restored to $fwd0"
if command -v nft >/dev/null; then
	nft list table ip vlab_ext_itext >/dev/null 2>&1 && fail "table ip vlab_ext_itext left behind"
fi
same_snapshot "$before" "$(snapshot)" "the external lab"
echo ok
