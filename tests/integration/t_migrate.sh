#!/bin/bash
# vlab migrate: a VM moves from hv1 to hv2 over a VXLAN overlay while a VM
# on hv3 pings it every 10 ms. Its namespace (inode), a process in it, its
# MAC and address stay; its port leaves hv1's vSwitch for hv2's; hv3's VTEP
# learns the new location; the gap is measured and printed (packets lost
# out of the train). Refusals: a host with no switch on the segment, a
# node that is not a VM. `apply` of the unchanged file moves it back.
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_VXLAN
lab=itmg
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; "$VLAB" down $lab >/dev/null 2>&1; rm -rf "$tmp"' EXIT
before=$(snapshot)
cat > "$tmp/lab.ini" <<EOT
[lab]
name = $lab
[switch under]
subnet = 192.168.61.0/24
[host hv1..4]
nic = eth0 under 192.168.61.\$i/24
[switch vs1..4]
host = hv\$i
mtu = 1450
[overlay ten]
type = vxlan
vni = 61
switches = vs1 vs2 vs3
[vm a]
host = hv1
nic = eth0 vs1 10.61.0.1/24
[vm c]
host = hv3
nic = eth0 vs3 10.61.0.3/24
EOT
"$VLAB" up "$tmp/lab.ini" >/dev/null || fail "up"
ino=$(ns_ino "$lab" a)
mac=$(ip -n vlab-$lab-a -o link show eth0 | sed 's/.*link\/ether \([0-9a-f:]*\).*/\1/')
"$VLAB" exec $lab a -- sleep 300 & pids+=($!)
sleeper=$!
wait_until 5 runs_prog $sleeper sleep || fail "sleep did not start in a"
pings $lab c 10.61.0.1 || fail "c does not reach a before the move"

out=$("$VLAB" migrate $lab a hv4 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "no switch on the segment" || fail "hv4 (vs4 not in the overlay): exit $rc: $out"
out=$("$VLAB" migrate $lab hv1 hv2 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "not a VM" || fail "moving a host: exit $rc: $out"
out=$("$VLAB" migrate $lab zz hv2 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "not a VM of lab $lab" || fail "unknown VM: exit $rc: $out"
out=$("$VLAB" migrate $lab a hv2 --switch vs4 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "no switch vs4 on host hv2" || fail "--switch elsewhere: exit $rc: $out"
ip -n vlab-$lab-hv1 link show a-eth0 >/dev/null 2>&1 || fail "a refused migrate moved a"
dry=$("$VLAB" migrate $lab a hv2 --dry-run) || fail "migrate --dry-run"
echo "$dry" | grep -q "^- vlab-$lab-hv1: veth a-eth0" && echo "$dry" | grep -q "^+ vlab-$lab-hv2: veth a-eth0 .*master vs2" ||
	fail "dry-run: $dry"

# The gap a 10 ms ping train from c (hv3) sees while a moves to hv2. Under
# emulation (the qemu tier) everything is ~20x slower. A loaded machine
# (the ASan tier beside the qemu guest) can stall vlab or the kernel for a
# while, which says nothing about migrate: the bound is shown by any of up
# to three moves (a goes back to hv1 between them). -w: ping waits for
# every reply (with -c alone a late last one would count as lost).
n=400
max=30; [ "$(hostname)" = vlab-qemu ] && max=150
move_a() { # TRY: sets $measured, the packets lost while a moves to hv2
	local got
	if [ "$1" -gt 1 ]; then
		out=$("$VLAB" migrate $lab a hv1) || fail "migrating a back to hv1 for another try: $out"
		pings $lab c 10.61.0.1 || fail "c does not reach a back on hv1"
	fi
	in_node $lab c ping -i 0.01 -c $n -w 60 10.61.0.1 > "$tmp/ping" 2>&1 & pids+=($!)
	pinger=$!
	wait_until 5 grep -q "icmp_seq=20 " "$tmp/ping" || fail "ping train did not start"
	out=$("$VLAB" migrate $lab a hv2) || fail "migrate: $out"
	echo "$out"
	wait $pinger
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$tmp/ping")
	measured=$((n - got))
	note "migration gap: $measured of $n packets lost (10 ms ping train from c on hv3), about $((measured * 10)) ms"
}
short_gap() { [ "$1" -le $max ]; }
best_of 3 move_a true short_gap "a gap of at most $max packets lost while a moves"

[ "$(ns_ino "$lab" a)" = "$ino" ] || fail "a's namespace was re-created"
[ "$(proc_state $sleeper)" = S ] || fail "the process in a did not survive the move"
mac2=$(ip -n vlab-$lab-a -o link show eth0 | sed 's/.*link\/ether \([0-9a-f:]*\).*/\1/')
[ "$mac2" = "$mac" ] || fail "MAC changed: $mac -> $mac2"
[ "$(ip -n vlab-$lab-a -4 -o addr show dev eth0 | awk '{print $4}')" = 10.61.0.1/24 ] || fail "address changed"
ip -n vlab-$lab-hv2 -d link show a-eth0 | grep -q "master vs2" || fail "a's port is not on vs2"
ip -n vlab-$lab-hv1 link show a-eth0 >/dev/null 2>&1 && fail "a's port is still on hv1"
grep -q "^place a%20eth0%20vs2" /run/vlab/$lab/state || fail "placement not recorded"
"$VLAB" status $lab | grep -q "migrated: a eth0 now on switch vs2" || fail "status does not show the new placement"
# hv3's VTEP sends a's frames to hv2 now (learnt entry, when there is one)
ent=$(bridge -n vlab-$lab-hv3 fdb show dev vx61 2>/dev/null | grep "^$mac .*dst" || true)
[ -z "$ent" ] || echo "$ent" | grep -q "dst 192.168.61.2" || fail "hv3's FDB still points elsewhere: $ent"
pings $lab c 10.61.0.1 || fail "c does not reach a after the move"

# the unchanged file puts a back on hv1
out=$("$VLAB" apply "$tmp/lab.ini") || fail "apply back: $out"
echo "$out" | grep -q "apply moves it back" || fail "apply did not say it moves a back: $out"
ip -n vlab-$lab-hv1 link show a-eth0 >/dev/null 2>&1 || fail "a's port is not back on hv1"
grep -q "^place" /run/vlab/$lab/state && fail "placement still recorded"
pings $lab c 10.61.0.1 || fail "c does not reach a after moving back"
[ "$(ns_ino "$lab" a)" = "$ino" ] || fail "a's namespace was re-created moving back"

kill $sleeper 2>/dev/null
"$VLAB" down $lab >/dev/null || fail "down"
same_snapshot "$before" "$(snapshot)" "migrate + down"
echo "migrate: packets lost per move:$tries of $n (10 ms train), identity kept"
