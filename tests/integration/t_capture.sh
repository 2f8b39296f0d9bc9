#!/bin/bash
# vlab capture: a pcap file tcpdump reads with vm1's ICMP echo requests;
# -w - into a pipe; a switch port; clear errors that change nothing; a
# symbolic link is not followed; `down` ends a running capture, whose file
# is complete, and leaves nothing behind.
. "$(dirname "$0")/lib.sh"
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
LAB=observecap
TMP=$(mktemp -d)
CAP_PIDS=()
finish() {
	local p
	for p in "${CAP_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	cleanup_labs
	rm -rf "$TMP"
}
trap finish EXIT

# Start a capture in the background; $! is in CAP_PIDS, its stderr in $TMP/$1.err.
start_capture() { # NAME ARGS...
	local name=$1
	shift
	"$VLAB" capture "$LAB" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	CAP_PIDS+=($!)
	wait_text "$TMP/$name.err" "capturing on" $! ||
		fail "capture $* never got ready: $(cat "$TMP/$name.err")"
}

before=$(snapshot)
lab_up capture

# 1. -c 3 -w FILE icmp on vm2:eth0 while vm1 pings it
start_capture one vm2:eth0 -c 3 -w "$TMP/one.pcap" icmp
pid=${CAP_PIDS[-1]}
in_node $LAB vm1 ping -c 3 -i 0.2 -W 1 10.66.0.2 >/dev/null || fail "vm1 cannot ping vm2"
wait_exit "$pid" || fail "capture -c 3 did not end by itself (status $?): $(cat "$TMP/one.err")"
read_back=$(tcpdump -n -r "$TMP/one.pcap" 2>/dev/null)
[ "$(echo "$read_back" | grep -c .)" = 3 ] || fail "want 3 packets in the file, got: $read_back"
echo "$read_back" | grep -q "10.66.0.1 > 10.66.0.2: ICMP echo request" ||
	fail "no ICMP echo request from vm1 in the file: $read_back"
echo "$read_back" | grep -q "10.66.0.2 > 10.66.0.1: ICMP echo reply" ||
	fail "no ICMP echo reply to vm1 in the file: $read_back"
grep -q "3 packets captured" "$TMP/one.err" || fail "no packet count: $(cat "$TMP/one.err")"
[ "$(stat -c %a "$TMP/one.pcap")" = 644 ] || fail "pcap file mode is $(stat -c %a "$TMP/one.pcap"), want 644"

# 2. -w - into a pipe (the wireshark -k -i - way)
( "$VLAB" capture $LAB vm2:eth0 -c 2 -w - icmp 2>"$TMP/pipe.err" |
	tcpdump -n -r - >"$TMP/pipe.out" 2>/dev/null ) &
CAP_PIDS+=($!)
pid=$!
wait_text "$TMP/pipe.err" "capturing on" "$pid" || fail "capture -w - never got ready: $(cat "$TMP/pipe.err")"
in_node $LAB vm1 ping -c 2 -i 0.2 -W 1 10.66.0.2 >/dev/null || fail "vm1 cannot ping vm2"
wait_exit "$pid" || fail "capture -w - | tcpdump did not end"
grep -q "10.66.0.1 > 10.66.0.2: ICMP echo request" "$TMP/pipe.out" ||
	fail "tcpdump read nothing from the pipe: $(cat "$TMP/pipe.out" "$TMP/pipe.err")"

# 3. a switch port (the bridge lives in hv's namespace), one line per packet
start_capture port vs:vm1-eth0 -c 2 icmp
pid=${CAP_PIDS[-1]}
grep -q "port of vs" "$TMP/port.err" || fail "switch port not recognised: $(cat "$TMP/port.err")"
in_node $LAB vm1 ping -c 2 -i 0.2 -W 1 10.66.0.2 >/dev/null || fail "vm1 cannot ping vm2"
wait_exit "$pid" || fail "switch port capture did not end by itself"
grep -q "IPv4 10.66.0.1 > 10.66.0.2 ICMP echo request" "$TMP/port.out" ||
	fail "no echo request seen on port vm1-eth0: $(cat "$TMP/port.out")"
# and the hypervisor's side of it by its own name; run through sudo, the
# file belongs to the user who ran it
SUDO_UID=4242 SUDO_GID=4343 "$VLAB" capture $LAB hv:vm1-eth0 -c 1 -w "$TMP/hv.pcap" icmp \
	</dev/null >/dev/null 2>"$TMP/hv.err" &
pid=$!
CAP_PIDS+=($pid)
wait_text "$TMP/hv.err" "capturing on" "$pid" || fail "hv:vm1-eth0: $(cat "$TMP/hv.err")"
in_node $LAB vm1 ping -c 1 -W 1 10.66.0.2 >/dev/null
wait_exit "$pid" || fail "hv:vm1-eth0 capture did not end"
[ "$(stat -c %u:%g "$TMP/hv.pcap")" = 4242:4343 ] ||
	fail "pcap file owned by $(stat -c %u:%g "$TMP/hv.pcap"), want SUDO_UID:SUDO_GID 4242:4343"

# 4. bad input: a clear message naming what exists, nothing written
expect_fail() { # STATUS WANTED-TEXT ARGS...
	local want=$1 text=$2 out rc
	shift 2
	out=$("$VLAB" capture "$@" 2>&1)
	rc=$?
	[ "$rc" = "$want" ] || fail "vlab capture $*: exit $rc, want $want ($out)"
	echo "$out" | grep -q -- "$text" || fail "vlab capture $*: no \"$text\" in: $out"
}
expect_fail 1 'no node or switch "vm9".*vm1' $LAB vm9:eth0 -w "$TMP/bad.pcap"
expect_fail 1 'has no interface "eht0"; did you mean "eth0"' $LAB vm1:eht0 -w "$TMP/bad.pcap"
expect_fail 1 'switch vs (in hv) has no port "vm3-eth0"' $LAB vs:vm3-eth0 -w "$TMP/bad.pcap"
expect_fail 1 'lab observecqp is not running; did you mean observecap' observecqp vm1:eth0
expect_fail 2 'filter "icmp and"' $LAB vm1:eth0 -w "$TMP/bad.pcap" icmp and
expect_fail 2 'is not NODE:IF' $LAB vm1
expect_fail 2 'unknown option "-x"' $LAB vm1:eth0 -x
[ ! -e "$TMP/bad.pcap" ] || fail "a failed capture wrote $TMP/bad.pcap"
# a symbolic link is not followed
ln -s "$TMP/target" "$TMP/link.pcap"
expect_fail 1 'symbolic link' $LAB vm1:eth0 -c 1 -w "$TMP/link.pcap"
[ ! -e "$TMP/target" ] || fail "capture followed a symbolic link"

# 5. down ends a running capture; its file is complete
start_capture long vm2:eth0 -w "$TMP/long.pcap" icmp
pid=${CAP_PIDS[-1]}
in_node $LAB vm1 ping -c 2 -i 0.2 -W 1 10.66.0.2 >/dev/null || fail "vm1 cannot ping vm2"
"$VLAB" down $LAB >"$TMP/down.out" 2>&1 || fail "vlab down: $(cat "$TMP/down.out")"
LABS_UP=()
wait_exit "$pid" || fail "down did not end the capture: $(cat "$TMP/down.out")"
grep -q "ended process" "$TMP/down.out" || fail "down did not say it ended the capture"
n=$(tcpdump -n -r "$TMP/long.pcap" 2>/dev/null | grep -c "ICMP echo")
[ "$n" = 4 ] || fail "want 4 ICMP packets in the file ended by down, got $n"

same_snapshot "$before" "$(snapshot)" "capture"
echo "capture: file, pipe, switch port, errors, down-ends-capture ok"
