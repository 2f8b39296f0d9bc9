#!/bin/bash
# make bench: build and tear down generated labs of 10, 100 and 1000 VMs
# (spread over 10 hosts, one vSwitch each) with vlab, and in the same run the
# iproute2 shell script a user would write (../shared/bench). Prints seconds,
# ms per VM, vlab's peak RSS and the ratios. Needs root. Leaves nothing.
set -eu
vlab=$(readlink -f "${1:?usage: bench/run.sh VLAB [N...]}")
shift
sizes=${*:-10 100 1000}
here=$(cd "$(dirname "$0")" && pwd)
baseline=${VLAB_BASELINE:-$here/../../shared/bench/iproute2-baseline.sh}
[ "$(id -u)" = 0 ] || { echo "bench: needs root (sudo make bench)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gen_lab() { # N
	cat <<EOT
[lab]
name = bench
[host hv1..10]
[switch vs1..10]
host = hv\$i
subnet = 10.\$i.0.0/16
[vm vm1..$1]
host = hv1..10
nic = eth0 vs\$h auto
EOT
}

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

printf '%-6s %9s %9s %9s %10s %12s %12s %9s %9s\n' N "vlab up" "vlab down" "ms/VM" "peak RSS" "script up" "script down" "up x" "down x"
for n in $sizes; do
	gen_lab "$n" > "$tmp/bench$n.ini"
	t0=$(now)
	/usr/bin/time -f %M -o "$tmp/rss" "$vlab" up "$tmp/bench$n.ini" > /dev/null
	t1=$(now)
	"$vlab" down bench > /dev/null
	t2=$(now)
	up=$(secs "$t0" "$t1"); down=$(secs "$t1" "$t2")
	rss=$(tail -1 "$tmp/rss")
	if [ -x "$baseline" ] || [ -f "$baseline" ]; then
		line=$(bash "$baseline" "$n")
		sup=$(echo "$line" | sed -n 's/.* up \([0-9.]*\) s.*/\1/p')
		sdown=$(echo "$line" | sed -n 's/.* down \([0-9.]*\) s.*/\1/p')
	else
		sup=nan sdown=nan
	fi
	awk -v n="$n" -v up="$up" -v down="$down" -v rss="$rss" -v sup="$sup" -v sdown="$sdown" 'BEGIN {
		printf "%-6d %8.3fs %8.3fs %9.2f %8.1fMB %11.3fs %11.3fs %8.1fx %8.1fx\n",
			n, up, down, up * 1000 / n, rss / 1024, sup, sdown,
			(up > 0 ? sup / up : 0), (down > 0 ? sdown / down : 0) }'
done
left=$(ip netns list | grep -c '^vlab-bench-' || true)
[ "$left" = 0 ] || { echo "bench: $left namespaces left behind"; exit 1; }

# vlab apply on the running 1000-VM lab (topologies/dc-1000.ini): one VM
# added, its shaper set, then removed again; each is one apply, timed from
# the command's start to its exit (parse + validate + plan of both files,
# difference, kernel operations, state). VLAB_BENCH_APPLY=0 skips it.
if [ "${VLAB_BENCH_APPLY:-1}" != 0 ]; then
	dc=$here/../topologies/dc-1000.ini
	cp "$dc" "$tmp/dc.ini"
	t0=$(now)
	"$vlab" up "$tmp/dc.ini" > /dev/null
	t1=$(now)
	apply_ms() { # prints ms of one `vlab apply` of $tmp/dc.ini
		local a b
		a=$(now)
		"$vlab" apply "$tmp/dc.ini" > /dev/null || { echo "bench: apply failed" >&2; return 1; }
		b=$(now)
		awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'
	}
	printf '[vm extra]\nhost = hv1\nnic = eth0 vs1 auto\n' >> "$tmp/dc.ini"
	add=$(apply_ms)
	sed -i 's/^nic = eth0 vs1 auto$/nic = eth0 vs1 auto rate=10mbit/' "$tmp/dc.ini"
	shape=$(apply_ms)
	cp "$dc" "$tmp/dc.ini"
	del=$(apply_ms)
	"$vlab" down dc1000 > /dev/null
	printf 'apply on the running 1000-VM lab (up took %s s): add one VM %s ms, set its shaper %s ms, remove it %s ms\n' \
		"$(secs "$t0" "$t1")" "$add" "$shape" "$del"
	left=$(ip netns list | grep -c '^vlab-dc1000-' || true)
	[ "$left" = 0 ] || { echo "bench: $left namespaces left behind"; exit 1; }
fi
