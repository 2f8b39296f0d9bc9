#!/bin/bash
# `down` leaves nothing: namespaces, links, mounts, /run/vlab, /etc/netns.
. "$(dirname "$0")/lib.sh"
before=$(snapshot)
"$VLAB" up "$LABS/overlay.ini" >/dev/null || fail "up"
[ "$(snapshot)" != "$before" ] || fail "up changed nothing?"
"$VLAB" down itvx || fail "down"
same_snapshot "$before" "$(snapshot)" "down"
# down again: nothing there, says so, exit 0
out=$("$VLAB" down itvx) || fail "second down failed"
echo "$out" | grep -q "nothing" || fail "second down did not say there was nothing: $out"
# down by file works too (and without a state)
"$VLAB" up "$LABS/vswitch.ini" >/dev/null || fail "up vswitch"
"$VLAB" down "$LABS/vswitch.ini" >/dev/null || fail "down by file"
same_snapshot "$before" "$(snapshot)" "down FILE"
echo ok
