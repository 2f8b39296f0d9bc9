#!/bin/bash
# 100 up/down cycles: no growth in namespaces, mounts, root devices, or
# vlab's own memory and file descriptors.
. "$(dirname "$0")/lib.sh"
lab=vcyc
f=$(mktemp --suffix=.ini); d=$(mktemp -d); trap 'rm -rf $f $d; $VLAB down $lab >/dev/null 2>&1' EXIT
rep_lab $lab > "$f"
snap() { echo "$(ls /run/netns | wc -l) $(wc -l < /proc/self/mountinfo) $(ip -o link | wc -l) $(ls /run/vlab 2>/dev/null | wc -l)"; }
s0=$(snap)
n=${CYCLES:-100}
for i in $(seq 1 "$n"); do
	/usr/bin/time -f %M -o $d/rss.$i "$VLAB" up "$f" >/dev/null || fail "cycle $i: up failed"
	"$VLAB" down $lab >/dev/null || fail "cycle $i: down failed"
done
s1=$(snap)
[ "$s0" = "$s1" ] || fail "system state grew: before [$s0] after [$s1] (netns mounts links labs)"
r1=$(cat $d/rss.1); rn=$(cat $d/rss.$n)
[ "$rn" -le $((r1 + 1024)) ] || fail "peak RSS grew from ${r1} kB to ${rn} kB"
echo "cycles: $n up/down, system [$s1] unchanged, peak RSS ${r1} -> ${rn} kB"
