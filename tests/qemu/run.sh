#!/bin/bash
# Stock-kernel tier: run the integration tests inside qemu on the stock Debian
# kernel, which has what this machine's kernel lacks (802.1Q, bridge VLAN
# filtering, Geneve, netem). Steps: fetch and cache the kernel
# (fetch-kernel.sh), build and cache the initramfs (build-initramfs.sh), boot
# it with the repository shared over 9p, and let the guest (tests/qemu/init)
# run tests/qemu/t_*.sh then tests/integration/run.sh VLAB. The verdict
# comes back through isa-debug-exit; the counts from the guest's output.
# Usage: tests/qemu/run.sh VLAB   (QEMU_TIMEOUT=seconds, default 2400;
# VLAB_ONLY=t_a.sh,t_b.sh runs only those integration tests in the guest)
set -u
vlab=$(readlink -f "${1:?usage: run.sh VLAB}")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=$repo/.cache/qemu

give_up() {
	echo "qemu: $*"
	echo "qemu: 0 passed, 1 failed"
	exit 1
}

[ -x "$vlab" ] || give_up "no executable $vlab (run 'make')"
for t in qemu-system-x86_64 busybox cpio xz dpkg-deb apt-get; do
	command -v "$t" >/dev/null || give_up "$t missing (run 'sudo make deps')"
done

t_start=$EPOCHREALTIME
# Concurrent runs (two checkouts' worth of make check) share the cache.
mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9
# Holding the lock, leftovers of interrupted runs are surely stale.
rm -rf "$cache"/stage.* "$cache"/tmp.* "$cache"/*.cpio.tmp
ver=$("$here/fetch-kernel.sh" "$cache") || give_up "cannot fetch the stock kernel"
initrd=$("$here/build-initramfs.sh" "$cache" "$ver" "$vlab") ||
	give_up "cannot build the initramfs"
flock -u 9
exec 9>&-
t_boot=$EPOCHREALTIME

# The guest mounts the repository at the same path, so paths stay valid.
# A vlab binary outside the repository comes through a second share.
shares=(-virtfs "local,path=$repo,mount_tag=host0,security_model=none")
append="console=ttyS0 loglevel=5 softlockup_all_cpu_backtrace=1 panic=-1 vlab_repo=$repo vlab_bin=$vlab"
[ -n "${VLAB_ONLY:-}" ] && append="$append vlab_only=$VLAB_ONLY"
case $vlab in
"$repo"/*) ;;
*)	shares+=(-virtfs "local,path=${vlab%/*},mount_tag=host1,security_model=none")
	append="$append vlab_bindir=${vlab%/*}";;
esac

log=$(mktemp)
echo "qemu: booting linux $ver (log: .cache/qemu/last-run.log)"
# PVH boot of the uncompressed ELF kernel; q35 (microvm hangs sometimes in
# TSC calibration). Serial output streams here, \r stripped.
# The whole guest run took 900 s once on a loaded 2-core machine (a fuzz
# run beside the ASan tier): the limit, which only bounds a hung guest,
# is 2400 s (make check must still fit CI's 90 minutes).
timeout -k 10 "${QEMU_TIMEOUT:-2400}" qemu-system-x86_64 \
	-accel tcg -M q35 -smp 1 -m 1024 \
	-nodefaults -no-user-config -display none -serial stdio -no-reboot \
	-kernel "$cache/kernel-$ver/vmlinux" -initrd "$initrd" \
	-append "$append" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x01 \
	"${shares[@]}" </dev/null 2>&1 | tr -d '\r' | tee "$log"
rc=${PIPESTATUS[0]}
t_end=$EPOCHREALTIME
mv "$log" "$cache/last-run.log"
log=$cache/last-run.log

summary=$(grep -a '^integration: [0-9]* passed, [0-9]* failed' "$log" | tail -1)
hfail=$(sed -n 's/^qemu-guest: harness checks failed=\([0-9]*\).*/\1/p' "$log" | tail -1)
awk -v a="$t_start" -v b="$t_boot" -v c="$t_end" \
	'BEGIN { printf "qemu: setup %.1fs, boot to result %.1fs\n", b - a, c - b }'
case $rc in
1|3)	;;
124|137) echo "qemu: guest timed out after ${QEMU_TIMEOUT:-2400}s";;
*)	echo "qemu: guest never reported (qemu exit $rc)";;
esac
if [ -z "$summary" ] || { [ "$rc" != 1 ] && [ "$rc" != 3 ]; }; then
	echo "qemu: 0 passed, 1 failed"
	exit 1
fi
pass=$(echo "$summary" | sed 's/^integration: \([0-9]*\) passed.*/\1/')
failed=$(echo "$summary" | sed 's/.* \([0-9]*\) failed.*/\1/')
# The harness's own checks (tests/qemu/t_*.sh: a kernel without the features
# the tier exists for, broken guest tools) count as failures of their own.
failed=$((failed + ${hfail:-1}))
# Requests the kernel accepted but warned about (a wrong attribute size,
# see fix_port in src/nl_link.c) fail the tier: the guest's console shows
# warnings (loglevel=5).
nlwarn=$(grep -ac "netlink: 'vlab':" "$log")
if [ "$nlwarn" != 0 ]; then
	echo "qemu: the kernel warned about $nlwarn of vlab's netlink requests:"
	grep -a "netlink: 'vlab':" "$log" | sed 's/^\[ *[0-9.]*\] /    /' | sort | uniq -c
	failed=$((failed + 1))
fi
# The guest's own verdict wins over counts that say otherwise.
[ "$rc" = 3 ] && [ "$failed" = 0 ] && failed=1
echo "qemu: $pass passed, $failed failed"
[ "$rc" = 1 ] && [ "$failed" = 0 ]
