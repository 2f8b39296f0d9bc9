#!/bin/bash
# down with processes still inside the lab: those started through vlab exec
# are ended; others are reported (never killed) and no stale entry is left.
. "$(dirname "$0")/lib.sh"
lab_up vswitch
lab=itvs node=a other=b
"$VLAB" exec "$lab" "$node" -- sleep 300 & ours=$!
$IP netns exec "vlab-$lab-$other" sleep 300 & foreign=$!
trap 'kill $ours $foreign 2>/dev/null; cleanup_labs' EXIT
# both are inside once they run sleep (exec comes after setns)
wait_until 30 runs_prog $ours sleep || fail "vlab exec never ran sleep"
wait_until 30 runs_prog $foreign sleep || fail "ip netns exec never ran sleep"
out=$("$VLAB" down "$lab" 2>&1) || fail "down failed: $out"
echo "$out" | grep -q "ended process $ours (sleep)" || fail "down did not end vlab exec's process: $out"
echo "$out" | grep -q "process $foreign (sleep) is inside vlab-$lab-$other" ||
	fail "down did not report the foreign process: $out"
wait_until 30 is_gone $ours || fail "vlab exec's process survived down"
is_gone $foreign && fail "down killed a process it did not start"
ls /run/netns | grep -q "^vlab-$lab-" && fail "stale /run/netns entries: $(ls /run/netns)"
[ -e "/run/vlab/$lab" ] && fail "state left behind"
echo ok
