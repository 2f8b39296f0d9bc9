#!/bin/bash
# vlab link pulls and replugs a NIC's cable: the node's end goes down, the
# switch port (its peer) loses carrier, a cannot reach b; up restores
# reach. Bad input and a held lab lock change nothing; down leaves nothing.
. "$(dirname "$0")/lib.sh"
before=$(snapshot)
lab_up rate
L=itrate
port() { $IP -n vlab-$L-hv -o link show a-eth0; }
nic() { $IP -n vlab-$L-a -o link show eth0; }
no_carrier() { port | grep -q 'NO-CARRIER'; }
carrier() { port | grep -q 'LOWER_UP'; }

pings $L a 10.88.0.2 || fail "a cannot reach b before the cable is pulled"
p0=$(port) n0=$(nic)
out=$("$VLAB" link $L a:eth0 down) || fail "link down: $out"
echo "$out" | grep -q 'cable pulled' || fail "link down said: $out"
no_carrier || fail "the switch port of a has carrier with a's cable pulled: $(port)"
nic | grep -q 'state DOWN' || fail "a's eth0 is not down: $(nic)"
pings_once $L a 10.88.0.2 && fail "a still reaches b with its cable pulled"
"$VLAB" status $L | grep -q 'link a:eth0 down' || fail "status does not show the pulled cable"
"$VLAB" status $L --json | grep -q '"links_down":\[{"node":"a","nic":"eth0"}\]' ||
	fail "status --json does not show the pulled cable"

out=$("$VLAB" link $L a:eth0 up) || fail "link up: $out"
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
LABS_UP=()
same_snapshot "$before" "$(snapshot)" "down after link down"
echo "link: cable pulled and replugged, peer lost and regained carrier"
