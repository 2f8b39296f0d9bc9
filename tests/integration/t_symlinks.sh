#!/bin/bash
# Files vlab writes as root are never written through a planted symlink:
# the lab directory, the state, lock and hosts files, and the /etc/netns
# directory of a node. Nothing outside is touched, the message says what
# is wrong. Files get their documented modes whatever the umask.
. "$(dirname "$0")/lib.sh"
out=$(mktemp -d)     # "outside": must stay exactly as it is
echo precious > "$out/victim"
mkdir "$out/dir"
echo "lab other" > "$out/dir/state"
had_run=0; [ -d /run/vlab ] && had_run=1
reset() {
	rm -f /run/vlab/itvs 2>/dev/null; rm -rf /run/vlab/itvs /etc/netns/vlab-itvs-a
	[ $had_run = 1 ] || rmdir /run/vlab 2>/dev/null
	true
}
trap 'reset; rm -rf "$out"; cleanup_labs' EXIT
outside() { (cd "$out" && find . -printf '%p %y %m %s\n' | sort; cat victim dir/state); }
orig=$(outside)
up() { "$VLAB" up "$LABS/vswitch.ini" 2>&1 >/dev/null; }
no_lab() { ! ls /run/netns 2>/dev/null | grep -q '^vlab-itvs-' || fail "$1: namespaces left"; }

# the lab directory is a symlink to a directory outside
mkdir -p /run/vlab && ln -s "$out/dir" /run/vlab/itvs
err=$(up) && fail "up wrote through /run/vlab/itvs -> $out/dir"
echo "$err" | grep -q "/run/vlab/itvs is a symbolic link" || fail "unclear message: $err"
err=$("$VLAB" down itvs 2>&1); "$VLAB" clean >/dev/null 2>&1
[ "$(outside)" = "$orig" ] || fail "something outside changed (lab dir link)"
[ -L /run/vlab/itvs ] || fail "down/clean removed the planted link instead of leaving it"
no_lab "lab dir link"; reset

# the state file is a symlink to a file outside
mkdir -p /run/vlab/itvs && ln -s "$out/victim" /run/vlab/itvs/state
err=$(up) && fail "up wrote the state through a symlink"
echo "$err" | grep -q "/run/vlab/itvs/state is a symbolic link" || fail "unclear message: $err"
[ "$(outside)" = "$orig" ] || fail "something outside changed (state link)"
no_lab "state link"; reset

# the lock is a symlink
mkdir -p /run/vlab/itvs && ln -s "$out/victim" /run/vlab/itvs/lock
err=$(up) && fail "up opened the lock through a symlink"
echo "$err" | grep -q "/run/vlab/itvs/lock is a symbolic link" || fail "unclear message: $err"
[ "$(outside)" = "$orig" ] || fail "something outside changed (lock link)"
no_lab "lock link"; reset

# the hosts file's temporary name is a symlink: refused, rolled back
mkdir -p /run/vlab/itvs && ln -s "$out/victim" /run/vlab/itvs/hosts.tmp
err=$(up) && fail "up wrote hosts through a symlink"
echo "$err" | grep -q "hosts.tmp is a symbolic link" || fail "unclear message: $err"
[ "$(outside)" = "$orig" ] || fail "something outside changed (hosts.tmp link)"
no_lab "hosts.tmp link"; reset

# a node's /etc/netns directory is a symlink to a directory outside
mkdir -p /etc/netns && ln -s "$out/dir" /etc/netns/vlab-itvs-a
err=$(up) && fail "up linked hosts inside $out/dir"
echo "$err" | grep -q 'opening directory of "/etc/netns/vlab-itvs-a/hosts"' || fail "unclear message: $err"
[ "$(outside)" = "$orig" ] || fail "something outside changed (/etc/netns link)"
no_lab "/etc/netns link"; rm -f /etc/netns/vlab-itvs-a; reset

# documented modes, whatever the umask
(umask 077; "$VLAB" up "$LABS/vswitch.ini" >/dev/null) || fail "up"
LABS_UP+=(itvs)
modes=$(stat -c '%n %a' /run/vlab/itvs /run/vlab/itvs/state /run/vlab/itvs/lock /run/vlab/itvs/hosts /etc/netns/vlab-itvs-a)
want="/run/vlab/itvs 755
/run/vlab/itvs/state 644
/run/vlab/itvs/lock 600
/run/vlab/itvs/hosts 644
/etc/netns/vlab-itvs-a 755"
[ "$modes" = "$want" ] || fail "modes: $modes"
"$VLAB" down itvs >/dev/null || fail "down"
echo "symlinks: 5 planted links refused, nothing outside touched; modes 755/644/600/644/755"
