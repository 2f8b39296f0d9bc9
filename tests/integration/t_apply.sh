#!/bin/bash
# vlab apply: a running lab becomes what its edited file says, touching only
# what changed. Untouched namespaces are the same namespaces (inode), a
# process started in one before keeps running, a ping between two untouched
# VMs loses nothing; a shaper changes in place, an address is replaced, a
# VM and a switch (with its VM) come and go; dry-run and plan --against
# print what apply then does; what cannot change in place is refused; down
# leaves nothing.
. "$(dirname "$0")/lib.sh"
lab=itap
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; "$VLAB" down $lab >/dev/null 2>&1; rm -rf "$tmp"' EXIT
before=$(snapshot)

cat > "$tmp/v1.ini" <<EOT
[lab]
name = $lab
[host hv1]
[switch vs1]
host = hv1
[switch vs2]
host = hv1
[vm a]
host = hv1
nic = eth0 vs1 10.77.0.1/24
[vm b]
host = hv1
nic = eth0 vs1 10.77.0.2/24 rate=20mbit
[vm e]
host = hv1
nic = eth0 vs1 10.77.0.5/24
[vm d]
host = hv1
nic = eth0 vs2 10.78.0.4/24
EOT
# v2: c added, b's shaper 20 -> 50 mbit, a's address .1 -> .11 and a
# route added, switch vs2 and its VM d removed
cat > "$tmp/v2.ini" <<EOT
[lab]
name = $lab
[host hv1]
[switch vs1]
host = hv1
[vm a]
host = hv1
nic = eth0 vs1 10.77.0.11/24
route = 10.99.0.0/16 via 10.77.0.2
[vm b]
host = hv1
nic = eth0 vs1 10.77.0.2/24 rate=50mbit
[vm e]
host = hv1
nic = eth0 vs1 10.77.0.5/24
[vm c]
host = hv1
nic = eth0 vs1 10.77.0.3/24
EOT
cp "$tmp/v1.ini" "$tmp/lab.ini"
"$VLAB" up "$tmp/lab.ini" >/dev/null || fail "up v1"
ino() { ns_ino "$lab" "$1"; }
ino_a=$(ino a) ino_b=$(ino b) ino_e=$(ino e) ino_hv=$(ino hv1)

# a process in a started before; a 10 ms ping train e -> b runs across the apply
"$VLAB" exec $lab a -- sleep 300 & pids+=($!)
sleeper=$!
wait_until 5 runs_prog $sleeper sleep || fail "sleep did not start in a"
pings $lab b 10.77.0.1 || fail "b does not reach a before apply"

cp "$tmp/v2.ini" "$tmp/lab.ini"
out=$("$VLAB" up "$tmp/lab.ini" 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "vlab apply" || fail "up of a changed file does not point to apply (exit $rc): $out"

dry=$("$VLAB" apply "$tmp/lab.ini" --dry-run) || fail "apply --dry-run"
against=$("$VLAB" plan "$tmp/lab.ini" --against $lab) || fail "plan --against"
[ "$dry" = "$against" ] || fail "plan --against differs from apply --dry-run"
"$VLAB" apply "$tmp/lab.ini" --dry-run --json | grep -q '"act":"create"' || fail "--json has no create op"
echo "$dry" | head -1
for want in "netns vlab-$lab-c" "qdisc eth0 tbf rate 50mbit" "^- vlab-$lab-a: addr 10.77.0.1/24" \
	"^+ vlab-$lab-a: addr 10.77.0.11/24" "^- netns vlab-$lab-d" "^- vlab-$lab-hv1: bridge vs2" \
	"^+ vlab-$lab-a: route 10.99.0.0/16"; do
	echo "$dry" | grep -q -- "$want" || fail "dry-run lacks \"$want\": $dry"
done
# nothing about b's address, a's or b's namespace, their cables
echo "$dry" | grep -Eq "netns vlab-$lab-(a|b|e) |veth (a|b|e)-eth0|addr 10.77.0.[25]/" &&
	fail "dry-run touches what did not change: $dry"

# (-w: ping waits for every reply up to 30 s; with -c alone it gives the
# last one only two round trips, and a late reply would count as lost)
in_node $lab e ping -i 0.01 -c 150 -w 30 10.77.0.2 > "$tmp/ping" 2>&1 & pids+=($!)
pinger=$!
wait_until 5 grep -q "icmp_seq=20 " "$tmp/ping" || fail "ping train did not start"
out=$("$VLAB" apply "$tmp/lab.ini") || fail "apply: $out"
echo "$out"
n_dry=$(echo "$dry" | sed -n 's/.*: \([0-9]*\) to remove, \([0-9]*\) to change, \([0-9]*\) to create.*/\1 \2 \3/p')
n_did=$(echo "$out" | sed -n 's/.*changed: \([0-9]*\) removed, \([0-9]*\) changed, \([0-9]*\) created.*/\1 \2 \3/p')
[ -n "$n_dry" ] && [ "$n_dry" = "$n_did" ] || fail "dry-run said $n_dry, apply did $n_did"
wait $pinger
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$tmp/ping")
note "ping e -> b across the apply: $got of 150 received"
[ "$got" = 150 ] || fail "the ping between untouched VMs lost packets: $(tail -2 "$tmp/ping")"

[ "$(ino a)" = "$ino_a" ] && [ "$(ino b)" = "$ino_b" ] && [ "$(ino e)" = "$ino_e" ] &&
	[ "$(ino hv1)" = "$ino_hv" ] ||
	fail "an untouched namespace was re-created"
[ "$(proc_state $sleeper)" = S ] || fail "the process started in a before apply is gone"
addrs=$(ip -n vlab-$lab-a -4 -o addr show dev eth0 | awk '{print $4}')
[ "$addrs" = 10.77.0.11/24 ] || fail "a's addresses: $addrs"
ip -n vlab-$lab-a route | grep -q "10.99.0.0/16 via 10.77.0.2" || fail "a's route missing"
tc -n vlab-$lab-b qdisc show dev eth0 | grep -q "tbf 1: root .*rate 50Mbit" || fail "b's shaper: $(tc -n vlab-$lab-b qdisc show dev eth0)"
pings $lab c 10.77.0.11 || fail "new c does not reach a at its new address"
[ -e /run/netns/vlab-$lab-d ] && fail "d's namespace is still there"
ip -n vlab-$lab-hv1 link show vs2 >/dev/null 2>&1 && fail "switch vs2 is still there"
ip -n vlab-$lab-hv1 link show d-eth0 >/dev/null 2>&1 && fail "d's port is still there"
grep -q "vlab-$lab-c" /etc/netns/vlab-$lab-c/hosts 2>/dev/null || grep -q "^10.77.0.3" /run/vlab/$lab/hosts || fail "hosts file not updated"

# applying the same file again changes nothing
out=$("$VLAB" apply "$tmp/lab.ini") || fail "second apply: $out"
echo "$out" | grep -q "nothing to change" || fail "second apply: $out"

# back to v1: c goes, d and vs2 come back, a and b stay
cp "$tmp/v1.ini" "$tmp/lab.ini"
"$VLAB" apply "$tmp/lab.ini" >/dev/null || fail "apply back to v1"
[ -e /run/netns/vlab-$lab-c ] && fail "c's namespace is still there"
pings $lab d 10.78.0.4 || fail "d is not back"
pings $lab b 10.77.0.1 || fail "b does not reach a at its old address"
[ "$(ino a)" = "$ino_a" ] || fail "a was re-created going back"
tc -n vlab-$lab-b qdisc show dev eth0 | grep -q "rate 20Mbit" || fail "b's shaper not back to 20mbit"

# refused: a node changing kind, a renamed lab; nothing changes
sed 's/^\[vm d\]/[router d]/' "$tmp/v1.ini" > "$tmp/lab.ini"
snap=$(ip -n vlab-$lab-hv1 -o link | sed 's/^[0-9]*: //; s/ .*//' | sort)
out=$("$VLAB" apply "$tmp/lab.ini" 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "changes kind" && echo "$out" | grep -q "vlab down" ||
	fail "kind change: exit $rc: $out"
sed "s/^name = $lab/name = ${lab}x/" "$tmp/v1.ini" > "$tmp/lab.ini"
out=$("$VLAB" apply "$tmp/lab.ini" 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "renamed" || fail "renamed lab: exit $rc: $out"
[ "$snap" = "$(ip -n vlab-$lab-hv1 -o link | sed 's/^[0-9]*: //; s/ .*//' | sort)" ] || fail "a refused apply changed hv1"

kill $sleeper 2>/dev/null
"$VLAB" down $lab >/dev/null || fail "down"
same_snapshot "$before" "$(snapshot)" "apply + down"
echo "apply: v1 -> v2 -> v1 in place, $got/150 pings across it"
