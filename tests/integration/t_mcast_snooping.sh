#!/bin/bash
# mcast_snooping: a switch is built with IGMP/MLD snooping off unless the
# file asks (the kernel reads back mcast_snooping 0 / 1), and only the
# snooping one learns a VM's group membership from its IGMP report.
. "$(dirname "$0")/lib.sh"
command -v bridge >/dev/null || skip "bridge (iproute2) is not installed"
before=$(snapshot)
lab_up mcast
L=itmc
snoop() { in_node $L hv $IP -d link show "$1" | grep -o 'mcast_snooping [01]'; }
q=$(snoop quiet); i=$(snoop igmp)
[ "$q" = "mcast_snooping 0" ] || fail "switch quiet (no key): '$q', want mcast_snooping 0"
[ "$i" = "mcast_snooping 1" ] || fail "switch igmp (mcast_snooping = on): '$i', want mcast_snooping 1"
mdb() { bridge -n vlab-$L-hv mdb show dev "$1" 2>/dev/null; }
# both VMs join 239.1.2.3: the kernel sends an IGMP report from each
for n in a b; do
	in_node $L $n $IP addr add 239.1.2.3/32 dev eth0 autojoin || fail "$n cannot join 239.1.2.3"
done
learned() { mdb igmp | grep -q "port b-eth0 grp 239.1.2.3"; }
wait_until 10 learned || fail "the snooping switch never learned b's group: $(mdb igmp)"
# a joined first; a bridge without snooping builds no table at all, so
# what it shows now it shows later too
mdb quiet | grep -q "239.1.2.3" && fail "switch quiet learned a group with snooping off: $(mdb quiet)"
"$VLAB" down $L >/dev/null || fail "vlab down $L"
same_snapshot "$before" "$(snapshot)" "mcast lab"
echo "ok: quiet $q, igmp $i; only igmp learned 239.1.2.3 (on b-eth0)"
