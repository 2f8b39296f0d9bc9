#!/bin/bash
# Fetch the stock Debian kernel for the qemu tier into a cache directory and
# print its version. Never installs anything: the .deb is only downloaded and
# unpacked. Layout of CACHE/kernel-VERSION/ once complete (stamp "ok"):
#   vmlinux                   uncompressed ELF kernel (boots through PVH)
#   lib/modules/VERSION/...   modules, with busybox depmod's modules.dep
# Usage: fetch-kernel.sh CACHE_DIR
set -eu
cache=${1:?usage: fetch-kernel.sh CACHE_DIR}
mkdir -p "$cache"
cache=$(readlink -f "$cache")

log() { echo "qemu: $*" >&2; }

# The package linux-image-amd64 depends on; its version drifts with security
# updates, so resolve it each run (local apt metadata only, no network).
resolve() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1
}

pkg=$(resolve || true)
if [ -z "$pkg" ]; then
	log "apt metadata has no linux-image-amd64; running apt-get update"
	apt-get update -q >&2 || true
	pkg=$(resolve || true)
fi
if [ -z "$pkg" ]; then
	# Offline and no metadata: fall back to the newest kernel already cached.
	last=$(ls -d "$cache"/kernel-*/ok 2>/dev/null | sort -V | tail -1)
	[ -n "$last" ] || { log "cannot resolve linux-image-amd64"; exit 1; }
	dir=${last%/ok}
	echo "${dir##*/kernel-}"
	exit 0
fi
ver=${pkg#linux-image-}
dir=$cache/kernel-$ver
if [ -e "$dir/ok" ]; then
	echo "$ver"
	exit 0
fi

log "fetching $pkg (first run; cached afterwards)"
work=$cache/tmp.$$
rm -rf "$work" "$dir"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
# apt-get download drops privileges to _apt, which must be able to write here.
chmod 777 "$work"
if ! (cd "$work" && apt-get download -q "$pkg" >&2); then
	# Stale metadata: the security archive keeps only the newest ABI, whose
	# package name may differ from the one resolved above.
	log "download failed; running apt-get update and retrying"
	apt-get update -q >&2
	pkg=$(resolve)
	[ -n "$pkg" ] || { log "cannot resolve linux-image-amd64"; exit 1; }
	ver=${pkg#linux-image-}
	dir=$cache/kernel-$ver
	if [ -e "$dir/ok" ]; then
		echo "$ver"
		exit 0
	fi
	rm -rf "$dir"
	(cd "$work" && apt-get download -q "$pkg" >&2)
fi
deb=$(ls "$work"/*.deb)
dpkg-deb -x "$deb" "$work/root"

# vmlinuz is a bzImage; its payload is an xz stream. The uncompressed ELF
# boots directly through the PVH entry point, skipping firmware and
# decompression. xz exits non-zero over the trailing data after the stream.
vmlinuz=$work/root/boot/vmlinuz-$ver
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -1 | cut -d: -f1)
[ -n "$off" ] || { log "no xz payload in $vmlinuz"; exit 1; }
tail -c +"$((off + 1))" "$vmlinuz" | xz -dcq >"$work/vmlinux" 2>/dev/null || true
[ "$(head -c 4 "$work/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] ||
	{ log "payload of $vmlinuz is not an ELF kernel"; exit 1; }

mkdir -p "$dir/lib/modules"
mv "$work/root/lib/modules/$ver" "$dir/lib/modules/"
mv "$work/vmlinux" "$dir/vmlinux"
cp "$work/root/boot/config-$ver" "$dir/config"
# Keep only module families a lab can need (networking, virtio, 9p and their
# helpers): 420 MB of cache becomes about 120 MB.
k=$dir/lib/modules/$ver/kernel
prune() {	# DIR KEEP...
	local d=$1; shift
	local args=() n
	for n; do args+=(! -name "$n"); done
	find "$d" -mindepth 1 -maxdepth 1 "${args[@]}" -exec rm -rf {} +
}
prune "$k" net lib crypto arch drivers fs
prune "$k/fs" 9p netfs fscache
prune "$k/drivers" net virtio
find "$k/drivers/net" -mindepth 1 -maxdepth 1 -type d ! -name vxlan \
	! -name ipvlan ! -name bonding ! -name team ! -name wireguard -exec rm -rf {} +
# The .deb ships no modules.dep.
busybox depmod -b "$dir" "$ver"
touch "$dir/ok"
# Older kernels are dead weight once a newer one is ready.
for old in "$cache"/kernel-*; do
	[ "$old" = "$dir" ] || rm -rf "$old"
done
echo "$ver"
