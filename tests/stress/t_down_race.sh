#!/bin/bash
# `down` racing `up`, the moments chosen with the fault hook:
# 1. up stopped at `netns` (half its namespaces made, lab lock held):
#    `down LAB` says busy (exit 4) and deletes nothing; up then finishes
#    and the lab is complete; down leaves nothing.
# 2. down of a lab with no state directory yet takes the lab lock too:
#    down stopped at `down-lock` -> `up` says busy and creates nothing;
#    down then ends with nothing left, and up works.
. "$(dirname "$0")/lib.sh"
lab=vrace
f=$(mktemp --suffix=.ini); trap 'rm -f $f; $VLAB down $lab >/dev/null 2>&1' EXIT
rep_lab $lab > "$f"
want=$("$VLAB" plan "$f" | sed -n "1s/.*: \([0-9]*\) namespaces.*/\1/p")
ns_list() { ls /run/netns 2>/dev/null | grep -E "^vlab-$lab-" | sort; }

VLAB_FAULT_AT=netns VLAB_FAULT_MODE=stop "$VLAB" up "$f" >/dev/null 2>&1 &
pid=$!
wait_stopped $pid || { kill -9 $pid; fail "up never stopped at netns"; }
before=$(ns_list)
[ -n "$before" ] || { kill -9 $pid; fail "up stopped at netns but no namespace exists yet"; }
out=$("$VLAB" down $lab 2>&1); rc=$?
after=$(ns_list)
kill -CONT $pid
wait $pid; uprc=$?
[ $rc = 4 ] || fail "down during up: exit $rc, want 4 (busy): $out"
echo "$out" | grep -q busy || fail "down during up does not say busy: $out"
[ "$before" = "$after" ] || fail "down during up deleted namespaces: $(diff <(echo "$before") <(echo "$after"))"
[ $uprc = 0 ] || fail "up after the refused down: exit $uprc"
n=$(ns_list | wc -l)
[ "$n" = "$want" ] || fail "up finished but the lab has $n of $want namespaces"
grep -q '^status up' /run/vlab/$lab/state || fail "up finished but its state is not up"
"$VLAB" down $lab >/dev/null || fail "down after up"
[ -z "$(leftovers $lab)" ] || fail "down left: $(leftovers $lab)"

[ ! -e /run/vlab/$lab ] || fail "no lab, yet /run/vlab/$lab exists"
VLAB_FAULT_AT=down-lock VLAB_FAULT_MODE=stop "$VLAB" down $lab >/dev/null 2>&1 &
pid=$!
wait_stopped $pid || { kill -9 $pid; fail "down never stopped at down-lock"; }
out=$("$VLAB" up "$f" 2>&1); rc=$?
made=$(ns_list)
kill -CONT $pid
wait $pid; downrc=$?
[ $rc = 4 ] || { "$VLAB" down $lab >/dev/null 2>&1; fail "up during down: exit $rc, want 4 (busy): $out"; }
[ -z "$made" ] || fail "up during down created namespaces: $made"
[ $downrc = 0 ] || fail "down (no lab) exit $downrc"
[ -z "$(leftovers $lab)" ] || fail "down (no lab) left: $(leftovers $lab)"
"$VLAB" up "$f" >/dev/null || fail "up after the race"
"$VLAB" down $lab >/dev/null || fail "final down"
[ -z "$(leftovers $lab)" ] || fail "final down left: $(leftovers $lab)"
echo "down/up race: busy both ways, nothing deleted, nothing left"
