#!/bin/bash
# up twice with the same file is a no-op that says so; with changed
# content it refuses.
. "$(dirname "$0")/lib.sh"
lab_up vswitch
before=$(snapshot)
out=$("$VLAB" up "$LABS/vswitch.ini" 2>&1) || fail "second up failed: $out"
echo "$out" | grep -q "already up" || fail "second up did not say so: $out"
same_snapshot "$before" "$(snapshot)" "second up"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; cleanup_labs' EXIT
sed 's/^\[vm b\]/[vm c]/' "$LABS/vswitch.ini" > "$tmp/changed.ini"
out=$("$VLAB" up "$tmp/changed.ini" 2>&1); rc=$?
[ $rc = 1 ] || fail "changed content: exit $rc, want 1: $out"
echo "$out" | grep -q "vlab down" || fail "refusal does not say what to do: $out"
same_snapshot "$before" "$(snapshot)" "refused up"
echo ok
