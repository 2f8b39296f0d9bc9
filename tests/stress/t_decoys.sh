#!/bin/bash
# Objects with the names vlab would use but not marked as vlab's: `up`
# refuses before changing anything; `down` and `clean` never remove them.
. "$(dirname "$0")/lib.sh"
lab=vdec
f=$(mktemp --suffix=.ini)
cleanup() {
	rm -f "$f"; "$VLAB" down $lab >/dev/null 2>&1
	ip netns del vlab-$lab-a 2>/dev/null; ip netns del vlab-zz-decoy 2>/dev/null
	ip link del vlab-decoy0 2>/dev/null; rm -f /run/netns/vlab-zz-stale /run/netns/vlab-$lab-b
}
trap cleanup EXIT
rep_lab $lab > "$f"
ip netns add vlab-$lab-a                  # clashes with VM a
ip -n vlab-$lab-a link add br0 type bridge
ip netns add vlab-zz-decoy                # looks like another lab's, unmarked
ip link add vlab-decoy0 type veth peer name vlab-decoy1
ip link set vlab-decoy0 alias "not-vlab"
touch /run/netns/vlab-zz-stale             # a stale entry someone else made
before=$(ip -o link show | wc -l)
err=$("$VLAB" up "$f" 2>&1 >/dev/null) && fail "up succeeded over a foreign namespace"
echo "$err" | grep -q "vlab-$lab-a" || fail "error does not name the clashing namespace: $err"
[ "$(ls /run/netns | grep -c "^vlab-$lab-")" = 1 ] || fail "up created namespaces before refusing"
[ -e /run/vlab/$lab ] && fail "up left state behind"
"$VLAB" down $lab >/dev/null 2>&1
"$VLAB" clean >/dev/null 2>&1
ip netns list | grep -q "^vlab-$lab-a" || fail "down/clean removed the foreign namespace"
ip -n vlab-$lab-a link show br0 >/dev/null || fail "foreign bridge in the namespace is gone"
ip netns list | grep -q '^vlab-zz-decoy' || fail "clean removed an unmarked vlab-* namespace"
[ -e /run/netns/vlab-zz-stale ] || fail "clean removed a foreign /run/netns entry"
ip link show vlab-decoy0 >/dev/null || fail "a root-namespace device was removed"
[ "$(ip -o link show | wc -l)" = "$before" ] || fail "root namespace devices changed"
# An entry an `up` reserved and died before mounting carries the mark as
# an xattr: down removes it; the unmarked stale entry stays.
if command -v python3 >/dev/null; then
	touch /run/netns/vlab-$lab-b
	python3 -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.vlab", b"vlab:'$lab':b")' \
		/run/netns/vlab-$lab-b || fail "setxattr"
	"$VLAB" down $lab >/dev/null 2>&1
	[ -e /run/netns/vlab-$lab-b ] && fail "down left a reservation marked as the lab's"
	[ -e /run/netns/vlab-zz-stale ] || fail "down removed an unmarked stale entry"
	ip netns list | grep -q "^vlab-$lab-a" || fail "down removed the foreign namespace"
fi
echo "decoys: 4 foreign objects survived up/down/clean; a marked reservation was removed"
