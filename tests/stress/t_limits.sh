#!/bin/bash
# A lab beyond what the machine allows is refused before anything exists,
# with a message naming the limit and its value:
#  - RLIMIT_NOFILE (prlimit --nofile=64:64: the hard limit is respected);
#  - /proc/sys/user/max_net_namespaces, set low in a user namespace of our
#    own (the sysctl is per user namespace: the machine's stays untouched).
# And a lab that fits the same low limits still comes up.
. "$(dirname "$0")/lib.sh"
lab=vlim small=vlims
f=$(mktemp --suffix=.ini) fs=$(mktemp --suffix=.ini)
trap 'rm -f $f $fs; $VLAB down $lab >/dev/null 2>&1; $VLAB down $small >/dev/null 2>&1' EXIT
big_lab $lab 300 > "$f"
rep_lab $small > "$fs"
command -v prlimit >/dev/null || { echo "prlimit (util-linux) missing"; exit 77; }

out=$(prlimit --nofile=64:64 "$VLAB" up "$f" 2>&1); rc=$?
[ $rc = 1 ] || fail "up beyond RLIMIT_NOFILE: exit $rc, want 1: $out"
echo "$out" | grep -q "RLIMIT_NOFILE is 64" || fail "message does not name RLIMIT_NOFILE and its value: $out"
echo "$out" | grep -q "needs 3[0-9][0-9] open files" || fail "message does not say what is needed: $out"
[ -z "$(leftovers $lab)" ] || fail "refused up left: $(leftovers $lab)"

# a soft limit below the need but a hard one above it: raised, up works
big_lab $lab 40 > "$f"
prlimit --nofile=64:4096 "$VLAB" up "$f" >/dev/null || fail "up with a raisable soft limit failed"
"$VLAB" down $lab >/dev/null || fail "down"
big_lab $lab 300 > "$f"

# the small lab fits in 64 descriptors
prlimit --nofile=64:64 "$VLAB" up "$fs" >/dev/null || fail "a 7-namespace lab under 64 open files failed"
"$VLAB" down $small >/dev/null || fail "down of the small lab"
# one descriptor per namespace (its socket), not two: 30 namespaces need
# 62 (two each would be 92)
big_lab $lab 26 > "$f"
prlimit --nofile=64:64 "$VLAB" up "$f" >/dev/null || fail "a 30-namespace lab under 64 open files failed"
"$VLAB" down $lab >/dev/null || fail "down of the 30-namespace lab"
big_lab $lab 300 > "$f"

if unshare -U -r true 2>/dev/null; then
	out=$(unshare -U -r sh -c "echo 50 > /proc/sys/user/max_net_namespaces && exec \"$VLAB\" up \"$f\"" 2>&1); rc=$?
	[ $rc = 1 ] || fail "up beyond max_net_namespaces: exit $rc, want 1: $out"
	echo "$out" | grep -q "max_net_namespaces is 50" || fail "message does not name max_net_namespaces and its value: $out"
	[ -z "$(leftovers $lab)" ] || fail "refused up left: $(leftovers $lab)"
else
	echo "# no user namespaces here: max_net_namespaces not checked"
fi
[ -z "$(leftovers $lab)$(leftovers $small)" ] || fail "left: $(leftovers $lab)$(leftovers $small)"
echo "limits: RLIMIT_NOFILE and max_net_namespaces refused up front, nothing left"
