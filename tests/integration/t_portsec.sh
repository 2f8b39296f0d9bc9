#!/bin/bash
# Port security in the vSwitch (nftables bridge family): a strict port
# drops frames with a forged source MAC, a borrowed source IP or a forged
# ARP sender; allow/deny rules let web reach only db's 5432 (and a UDP
# range) and telnet nowhere. Every forgery is tried from eve's open port
# (security=off) too, where it must work: the control that shows the
# check can fail.
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_NF_TABLES_BRIDGE
before=$(snapshot)
lab_up portsec
db=10.61.0.2 client=10.61.0.3

# the [test] section: reach, tcp/udp allowed, isolate, dropped vs refused
"$VLAB" test --yes "$LABS/portsec.ini" >/tmp/itsec.$$ 2>&1 ||
	{ cat /tmp/itsec.$$; rm -f /tmp/itsec.$$; fail "vlab test of the running lab"; }
rm -f /tmp/itsec.$$

# the table is in the switch's namespace (hv1), nowhere else
"$VLAB" plan "$LABS/portsec.ini" | grep -q "vlab-itsec-hv1: filter bridge vlab ports: iifname mallory-eth0 goto sec-mallory-eth0" ||
	fail "plan does not show mallory's port chain"

# 1. a borrowed IP: NODE takes client's address and pings db from it
# (both forget their neighbours first, so NODE has to ARP with it too);
# PING: pings_once for what must not pass, pings (three tries: the first
# one's second includes the ARP) for a control that must
borrow() { # NODE PING
	in_node itsec "$1" ip neigh flush dev eth0
	in_node itsec db ip neigh flush dev eth0
	in_node itsec "$1" ip addr add $client/32 dev eth0 || fail "adding an address in $1"
	"$2" itsec "$1" $db -I $client; local r=$?
	in_node itsec "$1" ip addr del $client/32 dev eth0
	return $r
}
pings itsec mallory $db || fail "mallory cannot ping db with its own address"
borrow mallory pings_once && fail "mallory reached db from client's address through a strict port"
borrow eve pings || fail "control: eve could not use client's address on its open port"

# 2. ARP spoofing: NODE claims db's address towards client (its ARP
# request carries db's IP as the sender); client's neighbour entry for
# db must not turn into NODE's MAC
claims_db() { # NODE: 0 when client now maps db to NODE's MAC
	local mac
	mac=$(in_node itsec "$1" cat /sys/class/net/eth0/address)
	in_node itsec client ip neigh flush dev eth0
	in_node itsec "$1" ip addr add $db/32 dev eth0 || fail "adding db's address in $1"
	pings_once itsec "$1" $client -I $db
	in_node itsec "$1" ip addr del $db/32 dev eth0
	in_node itsec client ip neigh show $db dev eth0 | grep -qi "$mac"
}
claims_db mallory && fail "mallory poisoned client's ARP entry for db through a strict port"
claims_db eve || fail "control: eve could not poison client's ARP entry on its open port"
in_node itsec client ip neigh flush dev eth0

# 3. a forged MAC: nothing passes until mallory takes its own back
forge() { # NODE PING: 0 when db answers NODE with a forged MAC
	local mac r
	mac=$(in_node itsec "$1" cat /sys/class/net/eth0/address)
	in_node itsec "$1" ip link set eth0 address 02:00:00:00:00:99
	in_node itsec "$1" ip neigh flush dev eth0
	"$2" itsec "$1" $db; r=$?
	in_node itsec "$1" ip link set eth0 address "$mac"
	return $r
}
forge mallory pings_once && fail "mallory reached db with a forged MAC through a strict port"
forge eve pings || fail "control: eve could not use a forged MAC on its open port"
pings itsec mallory $db || fail "mallory cannot reach db after taking its MAC back"

"$VLAB" down itsec >/dev/null || fail "vlab down itsec"
LABS_UP=()
same_snapshot "$before" "$(snapshot)" "the port security lab"
echo ok
