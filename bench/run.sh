#!/bin/bash
# make bench: build and tear down generated labs (10 hosts, one vSwitch
# each, `ipv6 = off`) with vlab, and print a table:
#   up / down     on a quiet kernel (after the previous lab's namespaces are
#                 really gone: the kernel destroys them asynchronously)
#   b2b up / down the same lab again right after that down (a CI job that
#                 cycles labs); down includes waiting for the kernel
#   ms/VM, peak RSS of `vlab up` (getrusage ru_maxrss via /usr/bin/time)
# then, in the same run, 200 hosts on one switch against the iproute2 shell
# script a user would write (../shared/bench from the project root) and,
# with BENCH_PEERS=1, Mininet 2.3 (`mn --switch lxbr`, Debian package
# mininet, installed then). Needs root. Leaves nothing behind.
#
#   BENCH_SIZES="10 100 1000"   sizes (default 10 100 1000 5000 10000: about
#                               10 minutes here, most of it the 10,000)
#   BENCH_REPEAT=3              runs per size; the table shows medians
#   BENCH_PEERS=1               also Mininet (apt-get install mininet)
#   VLAB_BASELINE=FILE          the iproute2 script, if not found
#   VLAB_BENCH_APPLY=0          skip the apply timing on dc-1000
#   BENCH_IPV6=on               the generated labs with IPv6 (the language's
#                               default; every VM NIC then has vlab's own
#                               link-local, see vlab.ini(5) dad)
set -eu
vlab=$(readlink -f "${1:?usage: bench/run.sh VLAB [N...]}")
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sizes=${*:-${BENCH_SIZES:-10 100 1000 5000 10000}}
repeat=${BENCH_REPEAT:-3}
[ "$(id -u)" = 0 ] || { echo "bench: needs root (sudo make bench)"; exit 1; }
# vlab keeps one descriptor per namespace open and raises the soft limit
# only up to the hard one (the admin's): the bench is that admin
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# where even root cannot raise it (a container), the biggest lab that fits
# stands in for a size beyond it (vlab needs 1 per namespace + 32)
fit=$(ulimit -n)
if [ "$fit" != unlimited ]; then
	fit=$(( (fit - 32 - 10) / 100 * 100 ))
	s2=""
	for n in $sizes; do
		if [ "$n" -gt "$fit" ]; then
			echo "bench: $n VMs need $((n + 10 + 32)) open files, the limit is $(ulimit -n) (hard): measuring $fit instead"
			n=$fit
		fi
		s2="$s2 $n"
	done
	sizes=$s2
fi
tmp=$(mktemp -d)
trap '"$vlab" down bench >/dev/null 2>&1 || true; "$vlab" down benchpeer >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

# The iproute2 script: given, or ../shared/bench beside the project root
# (where the project's shared notes live), searched upwards.
baseline=${VLAB_BASELINE:-}
if [ -z "$baseline" ]; then
	d=$root
	while [ "$d" != / ]; do
		d=$(dirname "$d")
		if [ -f "$d/shared/bench/iproute2-baseline.sh" ]; then
			baseline=$d/shared/bench/iproute2-baseline.sh
			break
		fi
	done
fi

gen_lab() { # N
	cat <<EOT
[lab]
name = bench
ipv6 = ${BENCH_IPV6:-off}
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
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The kernel's count of network namespaces (struct net objects): freed
# only once cleanup_net is done with them. A quiet kernel is one where it
# is back where it was before (slack for other tools' namespaces).
nets() { awk '$1 == "net_namespace" { print $2 }' /proc/slabinfo 2>/dev/null; }
nets0=$(nets)
quiet() {
	local i=0
	[ -n "$nets0" ] || { sleep 5; return; }
	while [ "$(nets)" -gt $((nets0 + 16)) ] && [ $i -lt 6000 ]; do
		sleep 0.02
		i=$((i + 1))
	done
}
load() { cut -d' ' -f1 /proc/loadavg; }

printf 'vlab bench: %s, %s CPUs, load %s at start; generated labs: ipv6 = %s\n' "$(uname -r)" "$(nproc)" "$(load)" "${BENCH_IPV6:-off}"
printf '%-6s %8s %8s %8s %8s %7s %8s %6s\n' N up down "b2b up" "b2b down" ms/VM "peak RSS" load
for n in $sizes; do
	gen_lab "$n" > "$tmp/bench$n.ini"
	ups="" downs="" bups="" bdowns="" rsss="" loads=""
	for r in $(seq 1 "$repeat"); do
		quiet
		t0=$(now)
		/usr/bin/time -f %M -o "$tmp/rss" "$vlab" up "$tmp/bench$n.ini" > /dev/null
		t1=$(now)
		"$vlab" down bench > /dev/null
		t2=$(now)
		"$vlab" up "$tmp/bench$n.ini" > /dev/null
		t3=$(now)
		"$vlab" down bench > /dev/null
		t4=$(now)
		ups="$ups $(secs "$t0" "$t1")" downs="$downs $(secs "$t1" "$t2")"
		bups="$bups $(secs "$t2" "$t3")" bdowns="$bdowns $(secs "$t3" "$t4")"
		rsss="$rsss $(tail -1 "$tmp/rss")" loads="$loads $(load)"
	done
	up=$(echo "$ups" | median) down=$(echo "$downs" | median)
	bup=$(echo "$bups" | median) bdown=$(echo "$bdowns" | median)
	rss=$(echo "$rsss" | median) ld=$(echo "$loads" | median)
	awk -v n="$n" -v up="$up" -v down="$down" -v bup="$bup" -v bdown="$bdown" -v rss="$rss" -v ld="$ld" 'BEGIN {
		printf "%-6d %7.3fs %7.3fs %7.3fs %7.3fs %7.2f %6.1fMB %6s\n",
			n, up, down, bup, bdown, (up > bup ? up : bup) * 1000 / n, rss / 1024, ld }'
	[ "$repeat" -gt 1 ] && printf '       runs: up%s | down%s | b2b up%s | b2b down%s\n' "$ups" "$downs" "$bups" "$bdowns"
done
echo "(medians of $repeat; ms/VM from the slower of up and b2b up; load = 1-minute load average)"
left=$(ip netns list | grep -c '^vlab-bench-' || true)
[ "$left" = 0 ] || { echo "bench: $left namespaces left behind"; exit 1; }

# ---- 200 hosts on one switch: vlab, the iproute2 script, Mininet ----
peer_n=200
cat > "$tmp/peer.ini" <<EOT
[lab]
name = benchpeer
ipv6 = off
[switch s1]
subnet = 10.0.0.0/16
[vm h1..$peer_n]
nic = eth0 s1 auto
EOT
quiet
t0=$(now)
"$vlab" up "$tmp/peer.ini" > /dev/null
t1=$(now)
"$vlab" down benchpeer > /dev/null
t2=$(now)
vl_total=$(secs "$t0" "$t2")
printf '\n%d hosts on one switch, build + teardown, in this run:\n' "$peer_n"
printf '  vlab             %7.3f s  (up %s s, down %s s)\n' "$vl_total" "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")"
if [ -n "$baseline" ] && [ -f "$baseline" ]; then
	quiet
	line=$(bash "$baseline" "$peer_n")
	# `ip netns del` returns before the kernel destroys anything; vlab's
	# down includes that (it waits): the kernel's share after the
	# script is shown beside it
	t0=$(now)
	quiet
	skern=$(secs "$t0" "$(now)")
	sup=$(echo "$line" | sed -n 's/.* up \([0-9.]*\) s.*/\1/p')
	sdown=$(echo "$line" | sed -n 's/.* down \([0-9.]*\) s.*/\1/p')
	awk -v su="$sup" -v sd="$sdown" -v sk="$skern" -v v="$vl_total" 'BEGIN {
		printf "  iproute2 script %7.3f s  (up %s s, down %s s, then the kernel %s s): vlab %.0fx faster (%.0fx counting the kernel after the script)\n",
			su + sd, su, sd, sk, (su + sd) / v, (su + sd + sk) / v }'
else
	echo "  iproute2 script: not found (looked for shared/bench/iproute2-baseline.sh above $root; set VLAB_BASELINE=FILE)"
fi
if [ "${BENCH_PEERS:-0}" = 1 ]; then
	if ! command -v mn > /dev/null || ! command -v brctl > /dev/null; then
		echo "  installing mininet and bridge-utils (BENCH_PEERS=1)..."
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mininet bridge-utils > "$tmp/apt.log" 2>&1 ||
			{ echo "  mininet: apt-get install failed:"; tail -3 "$tmp/apt.log"; }
	fi
	if command -v mn > /dev/null; then
		quiet
		# Mininet runs in a network and mount namespace of its own with a
		# private /tmp: its clean-up (`mn -c`) removes /tmp/*.log and
		# /tmp/*.out and deletes links by name pattern, which on the
		# user's machine would take files and devices that are not its own
		# (it took this bench's own logs once). Its output goes to
		# $tmp/mn.log through a descriptor opened out here, with the
		# times, taken inside around the build alone, on the last line.
		unshare -m -n --propagation private sh -c '
			mount -t tmpfs mn-tmp /tmp || exit 1
			ip link set lo up
			a=$(date +%s%N)
			mn --switch lxbr --controller none --topo "single,$1" --test none 2>&1
			b=$(date +%s%N)
			mn -c > /dev/null 2>&1
			echo "vlab-bench-times $a $b"' sh "$peer_n" > "$tmp/mn.log" 2>&1 ||
			echo "  mininet: could not run in a namespace of its own: $(tail -1 "$tmp/mn.log")"
		read -r t0 t1 <<< "$(sed -n 's/^vlab-bench-times //p' "$tmp/mn.log")"
		# (mn exits 0 even when the lxbr switch could not be made)
		if grep -qiE 'traceback|exception|not found|cannot' "$tmp/mn.log"; then
			echo "  mininet: failed:"; grep -iE 'traceback|exception|not found|cannot' "$tmp/mn.log" | head -3
		else
			awk -v m="$(secs "${t0:-0}" "${t1:-0}")" -v v="$vl_total" 'BEGIN {
				printf "  mininet 2.3      %7.3f s  (mn --switch lxbr --controller none --topo single,N --test none): vlab %.0fx faster\n", m, m / v }'
		fi
	fi
else
	echo "  mininet: not measured (BENCH_PEERS=1 installs and measures it)"
fi
left=$(ip netns list | grep -c '^vlab-benchpeer-' || true)
[ "$left" = 0 ] || { echo "bench: $left namespaces left behind"; exit 1; }

# vlab apply on the running 1000-VM lab (topologies/dc-1000.ini): one VM
# added, its shaper set, then removed again; each is one apply, timed from
# the command's start to its exit (parse + validate + plan of both files,
# difference, kernel operations, state). VLAB_BENCH_APPLY=0 skips it.
if [ "${VLAB_BENCH_APPLY:-1}" != 0 ]; then
	dc=$root/topologies/dc-1000.ini
	cp "$dc" "$tmp/dc.ini"
	quiet
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
	printf '\napply on the running 1000-VM lab (up took %s s): add one VM %s ms, set its shaper %s ms, remove it %s ms\n' \
		"$(secs "$t0" "$t1")" "$add" "$shape" "$del"
	left=$(ip netns list | grep -c '^vlab-dc1000-' || true)
	[ "$left" = 0 ] || { echo "bench: $left namespaces left behind"; exit 1; }
fi
