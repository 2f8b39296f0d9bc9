#!/bin/bash
# Build (or reuse) the initramfs for the qemu tier and print its path.
# Contents: busybox (applets in /bbin, last in PATH), the host's real tools
# (iproute2, bash, ping, iperf3, tcpdump, nft, coreutils...) with their
# libraries, the libraries the vlab binary needs, and the kernel modules the
# labs need with their dependencies. The vlab binary and the tests themselves
# come over 9p at boot, so editing them never rebuilds this image.
# The image is rebuilt only when its key changes: kernel version, this script,
# tests/qemu/init, and name/size/mtime of every host file copied in.
# Usage: build-initramfs.sh CACHE_DIR KERNEL_VERSION VLAB_BINARY
set -eu
cache=$(readlink -f "${1:?usage: build-initramfs.sh CACHE_DIR VERSION VLAB}")
ver=${2:?}
vlab=${3:?}
here=$(cd "$(dirname "$0")" && pwd)
kdir=$cache/kernel-$ver
moddir=$kdir/lib/modules/$ver
out=$cache/initramfs-$ver.cpio

log() { echo "qemu: $*" >&2; }

# Loaded at boot, in this order (modprobe resolves dependencies). crc32c
# first: libcrc32c (nf_tables, nf_conntrack) wants it but only as a softdep,
# which busybox modprobe ignores.
BOOT_MODULES="virtio_pci 9pnet_virtio 9p crc32c_generic
	veth bridge 8021q vxlan geneve macvlan vrf
	sch_netem sch_tbf sch_htb sch_ingress cls_u32 act_mirred
	nf_tables nft_masq nft_nat nft_chain_nat ip_gre nft_meta_bridge"
# Loaded by init with parameters: no default dummy0, ifb0, ifb1, bond0.
PARAM_MODULES="dummy ifb bonding"
# Shipped but not loaded: the kernel autoloads them on first use through
# /sbin/modprobe (busybox), so a test needing them costs nothing to others.
EXTRA_MODULES="sch_prio cls_flower cls_matchall act_gact act_vlan tun
	nft_ct nft_reject_inet nft_fib_inet nft_fib_ipv4 nft_fib_ipv6
	nf_conntrack_netlink macvtap ipvlan"

# Tools the guest needs; the first group is mandatory.
REQUIRED_TOOLS="bash ip tc bridge ping nft iperf3 tcpdump timeout sleep"
OPTIONAL_TOOLS="ss nc grep sed awk mawk find xargs ps pgrep pkill kill sysctl
	mount umount nsenter unshare setsid flock diff cmp jq ethtool getent
	hostname ldd"

# --- collect the file list ------------------------------------------------
files=()	# host paths (dereferenced when copied)
links=()	# "linkpath target" pairs to create in the image

add_file() { files+=("$1"); }

# A host executable: copy its real file, and keep the name it is found under
# (e.g. /usr/sbin/ip -> /usr/bin/ip, /usr/bin/awk -> mawk).
add_tool() {
	local p real
	p=$(command -v "$1" 2>/dev/null) || return 1
	[ "${p#/}" != "$p" ] || return 1	# builtins and functions
	real=$(readlink -f "$p")
	add_file "$real"
	[ "$p" = "$real" ] || links+=("$p $real")
}

for t in $REQUIRED_TOOLS; do
	add_tool "$t" || { log "missing required tool: $t (run 'make deps')"; exit 1; }
done
for t in $OPTIONAL_TOOLS; do add_tool "$t" || true; done
# All of coreutils: tests use whatever they like, and busybox's applets
# differ in options and output.
for p in $(dpkg -L coreutils 2>/dev/null | grep -E '^/(usr/)?s?bin/.'); do
	[ -f "$p" ] && add_tool "$p"
done
for p in /usr/libexec/coreutils/libstdbuf.so /etc/iproute2 \
	/usr/lib/x86_64-linux-gnu/tc /etc/protocols /etc/services; do
	[ -e "$p" ] && add_file "$p"
done
# Shared libraries of every executable, plus the vlab binary's own (libnl,
# libmnl, libinih, libnftnl), so it runs from the 9p share as is. ldd of a
# library lists the library's dependencies but not itself: add both.
# The project's libraries by name too, so the image does not depend on what
# the current vlab build happens to link (it is rebuilt when they change).
projlibs=$(ldconfig -p | awk '$4 ~ /^\/.*\/(libnl-3|libnl-route-3|libnl-genl-3|libmnl|libinih|libnftnl)\.so\.[0-9]+$/ &&
	/x86-64/ { print $4 }')
exes=()
for f in "${files[@]}" "$vlab" "$(command -v busybox)" $projlibs; do
	[ -f "$f" ] && [ -x "$f" ] && exes+=("$f")
done
libs=$(ldd "${exes[@]}" 2>/dev/null | grep -o '=> /[^ ]*\|^\s/[^ ]*' |
	grep -o '/[^ ]*' | sort -u)
for l in $libs $projlibs; do add_file "$l"; done

# Module closure through the full tree's modules.dep.
mods=$(cd "$moddir" && for m in $BOOT_MODULES $PARAM_MODULES $EXTRA_MODULES; do
	line=$(grep -E "/$m\.ko:" modules.dep) ||
		{ echo "MISSING:$m"; continue; }
	echo "$line" | tr -d ':' | tr ' ' '\n'
done | sort -u)
case $mods in *MISSING:*)
	# shellcheck disable=SC2046 # one word per module
	log "kernel $ver lacks modules:" $(echo "$mods" | sed -n 's/^MISSING://p')
	mods=$(echo "$mods" | grep -v '^MISSING:');;
esac

# --- cache key --------------------------------------------------------------
key=$( {
	echo "$ver"
	cat "$0" "$here/init"
	busybox_path=$(command -v busybox)
	for f in "${files[@]}" "$busybox_path"; do
		find "$f" -printf '%p %s %T@\n' 2>/dev/null
	done
	printf '%s\n' "${links[@]}" $mods
} | sha256sum | cut -c1-16)
if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
	echo "$out"
	exit 0
fi

# --- build ------------------------------------------------------------------
log "building initramfs for $ver"
stage=$cache/stage.$$
rm -rf "$stage"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{usr/bin,usr/sbin,usr/lib,usr/lib64,bbin,proc,sys,dev,run,tmp,etc/netns,root,var,mnt}
# Debian's merged-/usr layout, so "#!/bin/bash" and /sbin/ip resolve.
ln -s usr/bin "$stage/bin"
ln -s usr/sbin "$stage/sbin"
ln -s usr/lib "$stage/lib"
ln -s usr/lib64 "$stage/lib64"
ln -s ../run "$stage/var/run"
ln -s ../tmp "$stage/var/tmp"

# Copy under the real directory: /lib/x86_64-linux-gnu/libc.so.6 lands in
# usr/lib/..., keeping the requested file name (sonames are symlinks).
for f in "${files[@]}"; do
	d=$(readlink -f "$(dirname "$f")")
	mkdir -p "$stage$d"
	cp -rL "$f" "$stage$d/"
done
for l in "${links[@]}"; do
	set -- $l
	d=$(readlink -f "$(dirname "$1")")
	[ -e "$stage$d/${1##*/}" ] || ln -s "$2" "$stage$d/${1##*/}"
done

# /bin/sh is bash, as `vlab test` cmd assertions and scripts expect a shell
# that runs the real tools (busybox sh would prefer its own applets).
[ -e "$stage/usr/bin/sh" ] || ln -s bash "$stage/usr/bin/sh"

# busybox last in PATH: only what the host tools do not provide.
cp "$(command -v busybox)" "$stage/bbin/busybox"
for a in $("$stage/bbin/busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$stage/bbin/$a"
done
# The kernel autoloads modules through /sbin/modprobe.
for a in modprobe lsmod insmod rmmod; do
	ln -s /bbin/busybox "$stage/usr/sbin/$a"
done

mkdir -p "$stage/lib/modules/$ver"
for m in $mods; do
	mkdir -p "$stage/lib/modules/$ver/${m%/*}"
	cp "$moddir/$m" "$stage/lib/modules/$ver/$m"
done
cp "$moddir/modules.builtin" "$moddir/modules.order" "$stage/lib/modules/$ver/"
busybox depmod -b "$stage" "$ver"
echo "$BOOT_MODULES" | tr -s ' \t\n' ' ' >"$stage/etc/vlab-modules"

cat >"$stage/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
tcpdump:x:100:100::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$stage/etc/group" <<'EOF'
root:x:0:
tcpdump:x:100:
nogroup:x:65534:
EOF
cat >"$stage/etc/hosts" <<'EOF'
127.0.0.1	localhost vlab-qemu
::1	localhost ip6-localhost ip6-loopback
EOF
echo 'hosts: files' >"$stage/etc/nsswitch.conf"
: >"$stage/etc/resolv.conf"
echo vlab-qemu >"$stage/etc/hostname"
install -m 755 "$here/init" "$stage/init"

# Uncompressed: unpacking is cheap, decompressing under TCG is not.
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"
echo "$key" >"$out.key"
log "initramfs: $(du -h "$out" | cut -f1), $(echo "$mods" | wc -w) modules"
echo "$out"
