#!/bin/bash
# After a reboot /run is empty but /etc/netns/vlab-* links survive,
# dangling. The next `up` replaces vlab's own entries (atomically) and
# works; `clean` removes those of labs that are gone. A foreign
# /etc/netns/<ns>/hosts (a regular file, or a link elsewhere) is refused
# with a clear message and nothing is created.
. "$(dirname "$0")/lib.sh"
mine() { snapshot | grep -E '^==|itvs|itrt'; }
plant() { # NS TARGET: a dangling vlab link, as a reboot leaves it
	mkdir -p /etc/netns/$1 && ln -sfn "$2" /etc/netns/$1/hosts
}
trap 'rm -rf /etc/netns/vlab-itvs-b /etc/netns/vlab-itvs-a /etc/netns/vlab-itrt-r1; cleanup_labs' EXIT
before=$(mine)

# 1. leftovers of a previous boot: up works and replaces them
plant vlab-itvs-a /run/vlab/itvs/hosts
plant vlab-itvs-hv1 /run/vlab/itvs/hosts
[ -e /run/vlab/itvs ] && fail "test setup: itvs is running"
lab_up vswitch >/dev/null
[ "$(readlink /etc/netns/vlab-itvs-a/hosts)" = /run/vlab/itvs/hosts ] || fail "link not ours"
[ -f /etc/netns/vlab-itvs-a/hosts ] || fail "link still dangling after up"
ls -A /etc/netns/vlab-itvs-a | grep -qv '^hosts$' && fail "temporary link left: $(ls -A /etc/netns/vlab-itvs-a)"
pings itvs a b || fail "a cannot ping b by name after replacing the stale link"
"$VLAB" down itvs >/dev/null || fail "down"
same_snapshot "$before" "$(mine)" "up over reboot leftovers, then down"

# 2. clean removes the dangling entries of a lab that is gone
plant vlab-itrt-r1 /run/vlab/itrt/hosts
out=$("$VLAB" clean) || fail "clean: $out"
echo "$out" | grep -q "/etc/netns/vlab-itrt-r1" || fail "clean did not list the dangling entry: $out"
[ -e /etc/netns/vlab-itrt-r1 ] && fail "clean left /etc/netns/vlab-itrt-r1"

# 3. a foreign hosts file (regular file) is refused, nothing created
mkdir -p /etc/netns/vlab-itvs-b
echo "192.0.2.1 someone-elses" > /etc/netns/vlab-itvs-b/hosts
err=$("$VLAB" up "$LABS/vswitch.ini" 2>&1 >/dev/null) && fail "up replaced a foreign hosts file"
echo "$err" | grep -q 'refusing to replace "/etc/netns/vlab-itvs-b/hosts"' || fail "unclear message: $err"
echo "$err" | grep -q "not vlab's" || fail "message does not say why: $err"
[ "$(cat /etc/netns/vlab-itvs-b/hosts)" = "192.0.2.1 someone-elses" ] || fail "foreign file changed"
ls /run/netns 2>/dev/null | grep -q '^vlab-itvs-' && fail "up left namespaces"
[ -e /run/vlab/itvs ] && fail "up left state"
# ... and a link pointing elsewhere
rm /etc/netns/vlab-itvs-b/hosts; ln -s /etc/hosts /etc/netns/vlab-itvs-b/hosts
err=$("$VLAB" up "$LABS/vswitch.ini" 2>&1 >/dev/null) && fail "up replaced a foreign link"
echo "$err" | grep -q "links elsewhere" || fail "unclear message for a foreign link: $err"
[ "$(readlink /etc/netns/vlab-itvs-b/hosts)" = /etc/hosts ] || fail "foreign link changed"
rm -rf /etc/netns/vlab-itvs-b
same_snapshot "$before" "$(mine)" "refused up"
echo "reboot leftovers: replaced vlab's dangling links, cleaned a gone lab's, refused 2 foreign"
