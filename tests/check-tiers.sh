#!/bin/bash
# The root tiers of `make check`: integration, stress and sanitize on this
# kernel, one after another, while the qemu tier runs beside them. The
# qemu guest is one TCG vCPU: it keeps one core busy for ~11 minutes and
# the host tiers mostly wait on the kernel, so side by side they take the
# time of the longer one instead of the sum (21 -> 12 minutes on 2 cores).
# The qemu tier's output is printed when it has ended, in one piece.
# Usage: tests/check-tiers.sh MAKE   (exit 0 only when every tier passed)
set -u
make=${1:-make}
cd "$(dirname "$0")/.."
log=$(mktemp /tmp/vlab-qemu-tier.XXXXXX)
$make --no-print-directory qemu >"$log" 2>&1 &
qpid=$!
trap 'kill $qpid 2>/dev/null; rm -f "$log"' EXIT
echo "check: the qemu tier runs beside the host tiers (its output follows them)"
failed=()
for tier in integration stress sanitize; do
	echo "$make $tier"
	$make --no-print-directory $tier || failed+=("$tier")
done
wait $qpid
qrc=$?
echo "$make qemu (ran beside the tiers above)"
cat "$log"
[ $qrc = 0 ] || failed+=(qemu)
if [ ${#failed[@]} -gt 0 ]; then
	echo "make check: failed: ${failed[*]}"
	exit 1
fi
