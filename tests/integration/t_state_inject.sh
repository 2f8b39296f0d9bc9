#!/bin/bash
# A topology path cannot inject lines into the state file, and a state
# file cannot make `down` delete anything: only namespaces carrying the
# lab's mark are removed. Reproduces issue 15: a lab file in a directory
# named "x<newline>netns vlab-zz-decoy<newline>netns ..<newline>" beside an
# unmarked `ip netns add vlab-zz-decoy`; then a forged "netns" line naming
# an unmarked namespace with the lab's own prefix.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
weird="$tmp/x"$'\n'"netns vlab-zz-decoy"$'\n'"netns .."$'\n'
trap '$IP netns del vlab-zz-decoy 2>/dev/null; $IP netns del vlab-itvs-zz 2>/dev/null; rm -rf "$tmp"; cleanup_labs' EXIT
mkdir "$weird" || fail "mkdir"
cp "$LABS/vswitch.ini" "$weird/lab.ini"
$IP netns add vlab-zz-decoy || fail "decoy"
before=$(ls /run/netns | sort)

"$VLAB" up "$weird/lab.ini" >/dev/null || fail "up from an odd directory"
LABS_UP+=(itvs)
grep -q '^netns vlab-zz-decoy' /run/vlab/itvs/state && fail "path injected a state line"
grep -qx 'netns \.\.' /run/vlab/itvs/state && fail "path injected 'netns ..'"
[ "$(grep -c '^file ' /run/vlab/itvs/state)" = 1 ] || fail "file line split"
"$VLAB" status itvs >/dev/null || fail "status cannot read the state"
out=$("$VLAB" down itvs 2>&1) || fail "down: $out"
echo "$out" | grep -q "removed 3 namespaces" || fail "down removed other than the lab's 3: $out"
$IP netns list | grep -q '^vlab-zz-decoy' || fail "down deleted the foreign namespace vlab-zz-decoy"
[ -d /run/netns ] || fail "/run/netns is gone"

# a forged state line naming an unmarked namespace with the lab's prefix
"$VLAB" up "$LABS/vswitch.ini" >/dev/null || fail "up"
$IP netns add vlab-itvs-zz || fail "second decoy"
echo "netns vlab-itvs-zz" >> /run/vlab/itvs/state
printf 'netns vlab-zz-decoy\n' >> /run/vlab/itvs/state
out=$("$VLAB" down itvs 2>&1) || fail "down: $out"
echo "$out" | grep -q "vlab-itvs-zz is listed in the state of lab itvs but does not carry its mark" ||
	fail "unmarked listed namespace not reported: $out"
$IP netns list | grep -q '^vlab-itvs-zz' || fail "down deleted an unmarked namespace the state listed"
$IP netns list | grep -q '^vlab-zz-decoy' || fail "down deleted vlab-zz-decoy"
"$VLAB" clean >/dev/null
$IP netns list | grep -q '^vlab-itvs-zz' || fail "clean deleted an unmarked namespace"
$IP netns del vlab-itvs-zz
$IP netns del vlab-zz-decoy
[ "$(ls /run/netns 2>/dev/null | sort)" = "$(echo "$before" | grep -v vlab-zz-decoy)" ] ||
	fail "namespaces changed: $(ls /run/netns)"
echo "state: injected path and forged lines deleted nothing foreign"
