# Shared by tests/integration/t_*.sh (sourced). Each test exits 0 (pass),
# 77 (skip; the reason is the last line printed) or anything else (fail).
# Only bash, iproute2 (ip), ping -W 1, coreutils, grep/sed/awk: the same
# tests run inside a minimal qemu guest. $VLAB is the binary under test.
set -u
: "${VLAB:?VLAB must name the vlab binary}"
IP=${IP:-ip}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LABS=$HERE/labs
LABS_UP=()

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }
note() { echo "# $*"; }

[ "$(id -u)" = 0 ] || skip "needs root"

# Skip unless the kernel has a feature; $1 is the CONFIG_ name vlab doctor prints.
need_feature() {
	local out
	out=$("$VLAB" doctor 2>&1) || true
	if echo "$out" | grep -q "missing .*$1"; then
		skip "kernel lacks $1"
	fi
	echo "$out" | grep -q "ok .*$1" || skip "cannot tell whether the kernel has $1"
}

# Bring a lab up from tests/integration/labs/NAME.ini; downed at exit.
lab_up() {
	local file=$LABS/$1.ini lab
	lab=$(sed -n 's/^name *= *//p' "$file" | head -1)
	"$VLAB" up "$file" || fail "vlab up $file"
	LABS_UP+=("$lab")
}

cleanup_labs() {
	local l
	for l in "${LABS_UP[@]}"; do
		"$VLAB" down "$l" >/dev/null 2>&1
	done
}
trap cleanup_labs EXIT

# A lab written by the test: $lab, a scratch directory $tmp (removed at
# exit, the lab downed then) and $before, what to compare after down.
scratch_lab() { # NAME
	lab=$1
	tmp=$(mktemp -d)
	trap '"$VLAB" down $lab >/dev/null 2>&1; rm -rf "$tmp"' EXIT
	before=$(snapshot)
}

in_node() { # LAB NODE CMD...
	local lab=$1 node=$2
	shift 2
	"$VLAB" exec "$lab" "$node" -- "$@"
}

# ping from a node, a few attempts (the first may wait for ARP/ND).
pings() { # LAB NODE ADDR [extra ping args]
	local lab=$1 node=$2 addr=$3 i
	shift 3
	for i in 1 2 3; do
		in_node "$lab" "$node" ping -c 1 -W 1 "$@" "$addr" >/dev/null 2>&1 && return 0
	done
	return 1
}

# One attempt only: for what must NOT get through.
pings_once() { # LAB NODE ADDR [extra ping args]
	local lab=$1 node=$2 addr=$3
	shift 3
	in_node "$lab" "$node" ping -c 1 -W 1 "$@" "$addr" >/dev/null 2>&1
}

# What a lab could leave behind, as text (compare before/after).
snapshot() {
	echo "== netns"; ls /run/netns 2>/dev/null | sort
	echo "== ip -all netns"; $IP -all netns exec true 2>&1 | grep -v '^$' | sort
	echo "== links"; $IP -o link 2>/dev/null | sed 's/^[0-9]*: //; s/ .*//' | sort
	echo "== mounts"; grep -E ' /run/netns/' /proc/self/mountinfo | awk '{print $5}' | sort
	echo "== /run/vlab"; ls -A /run/vlab 2>/dev/null
	echo "== /etc/netns"; ls -A /etc/netns 2>/dev/null
}

same_snapshot() { # BEFORE AFTER WHAT
	if [ "$1" != "$2" ]; then
		diff <(echo "$1") <(echo "$2")
		fail "$3 left something behind"
	fi
}

# Number of operations in a topology's plan.
plan_ops() {
	"$VLAB" plan "$1" | sed -n 's/.*, \([0-9]*\) operations.*/\1/p' | head -1
}

# Poll (never sleep-then-act) until a command succeeds; 1 after the
# deadline. The deadline is generous: it only bounds a failing test.
wait_until() { # SECONDS CMD...
	local until=$(( $(date +%s) + $1 ))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -lt $until ] || return 1
		sleep 0.02
	done
}

# Mbit/s of one TCP transfer of SECONDS from node FROM to node TO (at
# ADDR) in lab LAB, into $mb, through a one-shot iperf3 server on PORT in
# TO. Call it in the test's shell (not in $(...)), so that a fail ends the
# test with its message, and give each transfer a PORT of its own (a
# finished one-shot server may still hold its port for a moment).
iperf_mbit() { # LAB FROM TO ADDR PORT SECONDS
	local bps
	in_node "$1" "$3" iperf3 -s -1 -D -p "$5" >/dev/null 2>&1 || fail "cannot start iperf3 in $3"
	wait_until 30 listening "$1" "$3" "$5" || fail "iperf3 in $3 never listened on $5"
	bps=$(in_node "$1" "$2" iperf3 -c "$4" -p "$5" -t "$6" -J 2>/dev/null |
		sed -n 's/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' | tail -1)
	[ -n "$bps" ] || fail "no iperf3 result from $2 to $3"
	mb=$(awk -v b="$bps" 'BEGIN { printf "%.1f", b / 1e6 }')
}

# A bound a loaded machine can miss for reasons that say nothing about the
# product (iperf3 starved of CPU, vlab or the kernel stalled for a moment):
# HARD must hold in every try, SOFT in any one of up to TRIES. MEASURE TRY
# sets $measured (it may fail); HARD VALUE fails with its own message
# when broken; SOFT VALUE is a test. Sets $tries to every value seen;
# fails with them after TRIES tries. Run it in this shell, not in $(...),
# or its fail goes into the variable.
best_of() { # TRIES MEASURE HARD SOFT WHAT
	# locals named so that MEASURE's globals (n, try...) stay visible
	local bo_n=$1 bo_measure=$2 bo_hard=$3 bo_soft=$4 bo_what=$5 bo_try
	tries=""
	for ((bo_try = 1; bo_try <= bo_n; bo_try++)); do
		measured=""
		"$bo_measure" "$bo_try"
		[ -n "$measured" ] || fail "$bo_what: try $bo_try measured nothing"
		tries="$tries $measured"
		"$bo_hard" "$measured"
		"$bo_soft" "$measured" && return 0
	done
	fail "$bo_what: never, in $bo_n tries:$tries"
}

# Process state letter (R, S, T, Z...), empty when gone.
proc_state() { sed 's/^.*) //' /proc/"$1"/stat 2>/dev/null | cut -d' ' -f1; }
is_stopped() { [ "$(proc_state "$1")" = T ]; }
# Gone, or a zombie waiting for its parent (it has exited).
is_gone() { local s; s=$(proc_state "$1"); [ -z "$s" ] || [ "$s" = Z ]; }
# Process $1 runs program $2 (exec done, so it is in its namespace).
runs_prog() { [ "$(cat /proc/"$1"/comm 2>/dev/null)" = "$2" ]; }

# Something listens on TCP port $3 inside node $2 of lab $1.
listening() { # LAB NODE PORT
	local hex
	hex=$(printf ':%04X ' "$3")
	in_node "$1" "$2" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p="$hex" 'index($2 " ", p) && $4 == "0A" { f = 1 } END { exit !f }'
}

# tcpdump (stderr in file $1) has its filter attached: it said "listening on".
capturing() { grep -q "listening on" "$1" 2>/dev/null; }

# Wait until FILE holds TEXT while PID lives (deadline 10 s).
wait_text() { # FILE TEXT PID
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
# Wait until PID (a child of this shell) has exited (deadline 10 s), then
# reap it: its status; 124 (and the child killed) after the deadline.
wait_exit() { # PID
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; return; }
		sleep 0.05
	done
	kill "$1" 2>/dev/null
	return 124
}
# Inode of node NODE's namespace in lab LAB (same inode = not re-created).
ns_ino() { stat -L -c %i "/run/netns/vlab-$1-$2"; }
