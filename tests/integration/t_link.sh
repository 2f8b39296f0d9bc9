#!/bin/bash
# vlab link pulls and replugs a NIC's cable: the switch port (the cable's
# other end) goes down, the node's NIC stays up without carrier, a cannot
# reach b; up restores reach. A NIC with IPv4 and IPv6 addresses and routes
# through it (on a switch, and on a [link] whose far end goes down) has
# exactly its addresses and routes again after down+up, and reaches over
# IPv6 and through its gateways. Bad input and a held lab lock change
# nothing; down leaves nothing.
. "$(dirname "$0")/lib.sh"
before=$(snapshot)
lab_up rate
L=itrate
port() { $IP -n vlab-$L-hv -o link show a-eth0; }
nic() { $IP -n vlab-$L-a -o link show eth0; }
carrier() { port | grep -q 'LOWER_UP'; }

pings $L a 10.88.0.2 || fail "a cannot reach b before the cable is pulled"
p0=$(port) n0=$(nic)
out=$("$VLAB" link $L a:eth0 down) || fail "link down: $out"
echo "$out" | grep -q 'cable pulled: hv a-eth0 is down, eth0 has no carrier' ||
	fail "link down said: $out"
port | grep -q 'state DOWN' || fail "the switch port of a is not down with a's cable pulled: $(port)"
nic | grep -q '<NO-CARRIER,.*,UP' || fail "a's eth0 is not up without carrier: $(nic)"
$IP -n vlab-$L-a -o addr show dev eth0 | grep -q '10.88.0.1/24' || fail "a's eth0 lost its address"
pings_once $L a 10.88.0.2 && fail "a still reaches b with its cable pulled"
"$VLAB" status $L | grep -q 'link a:eth0 down' || fail "status does not show the pulled cable"
"$VLAB" status $L --json | grep -q '"links_down":\[{"node":"a","nic":"eth0"}\]' ||
	fail "status --json does not show the pulled cable"

out=$("$VLAB" link $L a:eth0 up) || fail "link up: $out"
echo "$out" | grep -q 'plugged in: hv a-eth0 is up, eth0 has carrier again' || fail "link up said: $out"
wait_until 10 carrier || fail "the switch port has no carrier after link up: $(port)"
pings $L a 10.88.0.2 || fail "a cannot reach b after link up"
[ "$(port)" = "$p0" ] && [ "$(nic)" = "$n0" ] || fail "link up did not restore the devices: $(port) / $(nic)"
"$VLAB" status $L | grep -q 'changed since up' && fail "status still shows a change after link up"

# bad input: exit code per vlab.1, nothing changed
msg=$("$VLAB" link $L a:eht0 down 2>&1); rc=$?
[ $rc = 2 ] && echo "$msg" | grep -q 'did you mean eth0' || fail "unknown NIC: rc $rc: $msg"
msg=$("$VLAB" link $L b:eth0 sideways 2>&1); rc=$?
[ $rc = 2 ] && echo "$msg" | grep -q 'say down' || fail "bad state word: rc $rc: $msg"
msg=$("$VLAB" link $L b0eth0 down 2>&1); rc=$?
[ $rc = 2 ] && echo "$msg" | grep -q 'not NODE:IF' || fail "no colon: rc $rc: $msg"
msg=$("$VLAB" link itrat a:eth0 down 2>&1); rc=$?
[ $rc = 1 ] && echo "$msg" | grep -q 'did you mean itrate' || fail "unknown lab: rc $rc: $msg"

# another command holds the lab's lock: vlab link waits, then is refused
msg=$(flock /run/vlab/$L/lock "$VLAB" link $L a:eth0 down 2>&1); rc=$?
[ $rc = 4 ] && echo "$msg" | grep -q busy || fail "link under a held lock: rc $rc: $msg"
[ "$(nic)" = "$n0" ] || fail "a refused link down changed a's eth0"

"$VLAB" link $L b:eth0 down >/dev/null || fail "link b down"
"$VLAB" down $L >/dev/null || fail "down"

# addresses (IPv4, IPv6) and routes (gateway, gateway6, a static route)
# through the NIC are exactly as before after down+up
lab_up linkgw
G=itlgw
view() { # NODE: its addresses and routes as the kernel has them
	$IP -n vlab-$G-$1 -o addr show | sed 's/ *\\.*//; s/^[0-9]*: *//' | sort
	$IP -n vlab-$G-$1 route show
	$IP -n vlab-$G-$1 -6 route show
}
lower_up() { $IP -n vlab-$G-$1 -o link show "$2" | grep -q LOWER_UP; }
pull_plug() { # NODE:IF FAR ADDR: pull the cable, plug it back; NODE and FAR as before
	local n=${1%:*} i=${1#*:} far=$2 v0 f0
	v0=$(view $n) f0=$(view $far)
	"$VLAB" link $G $1 down >/dev/null || fail "link $1 down"
	pings_once $G $n $3 && fail "$n reaches $3 with its cable pulled"
	"$VLAB" link $G $1 up >/dev/null || fail "link $1 up"
	wait_until 10 lower_up $n $i || fail "$1 has no carrier after link up"
	[ "$(view $n)" = "$v0" ] || { diff <(echo "$v0") <(view $n); fail "$n: addresses or routes differ after down+up"; }
	[ "$(view $far)" = "$f0" ] || { diff <(echo "$f0") <(view $far); fail "$far: addresses or routes differ after $n's down+up"; }
}
for n in pc1 pc3; do
	v=$(view $n)
	echo "$v" | grep -q 'inet6 fd4.::.*/64' && echo "$v" | grep -q '^default via' &&
		echo "$v" | grep -q '^default via fd4' || fail "$n lacks an IPv6 address or a gateway: $v"
done
# pc1 on a switch: its NIC keeps everything while the cable is out
"$VLAB" link $G pc1:eth0 down >/dev/null || fail "link pc1:eth0 down"
v=$(view pc1)
echo "$v" | grep -q 'inet6 fd41::10/64' && echo "$v" | grep -q '^default via 10.41.0.1' ||
	fail "pc1 lost its IPv6 address or gateway with its cable pulled: $v"
"$VLAB" link $G pc1:eth0 up >/dev/null || fail "link pc1:eth0 up"
pull_plug pc1:eth0 r1 10.42.0.10
pings $G pc1 fd41::1 || fail "pc1 cannot reach its gateway over IPv6 after down+up"
pings $G pc1 10.42.0.10 || fail "pc1 cannot reach pc2 via its gateway after down+up"
pings $G pc1 fd42::10 || fail "pc1 cannot reach pc2 via its IPv6 gateway after down+up"
# pc3 on a [link]: r1's end goes down, and gets its addresses back
pull_plug pc3:eth0 r1 10.42.0.10
pull_plug r1:eth2 pc3 10.43.0.2
pings $G pc3 fd43::1 || fail "pc3 cannot reach r1 over IPv6 after down+up"
pings $G pc3 10.42.0.10 || fail "pc3 cannot reach pc2 via its gateway after down+up"
pings $G pc3 fd42::10 || fail "pc3 cannot reach pc2 via its IPv6 gateway after down+up"
# the cable pulled at both ends, plugged back at both
v3=$(view pc3) v1=$(view r1)
"$VLAB" link $G pc3:eth0 down >/dev/null && "$VLAB" link $G r1:eth2 down >/dev/null || fail "link down at both ends"
out=$("$VLAB" link $G pc3:eth0 up) || fail "link pc3:eth0 up: $out"
echo "$out" | grep -q 'eth0 is left down' || fail "plugged at one end only, link up said: $out"
"$VLAB" status $G | grep -q 'link r1:eth2 down' || fail "status lost r1:eth2's pulled cable"
"$VLAB" link $G r1:eth2 up >/dev/null || fail "link r1:eth2 up"
wait_until 10 lower_up pc3 eth0 || fail "pc3 eth0 has no carrier after both ends are plugged in"
[ "$(view pc3)" = "$v3" ] && [ "$(view r1)" = "$v1" ] || fail "pulled at both ends: not as before"
pings $G pc3 fd42::10 || fail "pc3 cannot reach pc2 over IPv6 after both ends are back"
"$VLAB" status $G | grep -q 'changed since up' && fail "status still shows a change after link up"
"$VLAB" down $G >/dev/null || fail "down $G"
LABS_UP=()
same_snapshot "$before" "$(snapshot)" "down after link down"
echo "link: cable pulled and replugged (switch and [link]): other end down, NIC kept its addresses; IPv4/IPv6 addresses and routes as before"
