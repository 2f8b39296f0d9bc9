#!/bin/bash
# A router masquerades its LAN out of its outside NIC (nftables).
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_NFT_MASQ
lab_up nat
pings itnat pc 203.0.113.80 || fail "pc cannot reach web through the NAT"
echo ok
