#!/bin/bash
# NVGRE as gretap: two VMs on different hosts share VSID 5001; the key on
# the device is the VSID shifted into the upper 24 bits (RFC 7637), and
# the segment's MTU is the underlay's 1500 minus 42 (vlab test's mtu
# assertion: 1458 passes with DF, 1459 does not). This kernel lacks gretap:
# skipped here, run in the qemu tier.
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_NET_IPGRE
before=$(snapshot)
lab_up nvgre
out=$("$VLAB" test --yes "$LABS/nvgre.ini" 2>&1) || { echo "$out"; fail "vlab test of the NVGRE lab"; }
d=$(in_node itnvgre hv1 $IP -d link show nv5001)
echo "$d" | grep -q "gretap" || fail "nv5001 is not a gretap device: $d"
# ip prints GRE keys as dotted quads: 5001 << 8 = 0x00138900 = 0.19.137.0
echo "$d" | grep -q "ikey 0.19.137.0 okey 0.19.137.0" || fail "nv5001 has not key 5001 << 8: $d"
echo "$d" | grep -q "mtu 1458" || fail "nv5001's MTU is not 1458: $d"
"$VLAB" down itnvgre >/dev/null || fail "vlab down itnvgre"
LABS_UP=()
same_snapshot "$before" "$(snapshot)" "the NVGRE lab"
echo ok
