#!/bin/bash
# clean finds a lab's leftovers by marks alone (state gone) and leaves
# unmarked namespaces alone.
. "$(dirname "$0")/lib.sh"
$IP netns add vlab-decoy-y || fail "decoy"
trap '$IP netns del vlab-decoy-y 2>/dev/null; cleanup_labs' EXIT
before=$(snapshot)
"$VLAB" up "$LABS/router.ini" >/dev/null || fail "up"
rm -rf /run/vlab/itrt
out=$("$VLAB" clean --dry-run) || fail "clean --dry-run"
echo "$out" | grep -q "would remove namespace vlab-itrt-r1" || fail "dry run: $out"
[ -e /run/netns/vlab-itrt-r1 ] || fail "dry run removed something"
"$VLAB" clean >/dev/null || fail "clean"
[ -e /run/netns/vlab-decoy-y ] || fail "clean removed an unmarked namespace"
same_snapshot "$before" "$(snapshot)" "clean"
echo ok
