#!/bin/bash
# Guest-side smoke run before the integration tests: the tools those tests
# rely on are the real ones (not busybox applets) and work, libraries and
# kernel modules included: nft with a NAT masquerade chain, tcpdump capturing
# on a veth, iperf3 across namespaces, and the vlab binary from the 9p share.
# Exit 0 when all work, 1 with a loud message otherwise.
set -u
ns=qgt$$
fail=0
tmp=$(mktemp -d)

bad() { echo "GUEST TOOL BROKEN: $*"; fail=1; }

cleanup() {
	[ -n "${srv:-}" ] && kill "$srv" 2>/dev/null
	ip netns del "${ns}a" 2>/dev/null
	ip netns del "${ns}b" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# Real tools first in PATH (busybox's differ in options and output).
for t in bash ip tc bridge ping nft iperf3 tcpdump timeout sleep grep sed awk; do
	p=$(type -P "$t") || { bad "$t not in PATH"; continue; }
	# busybox's applets live in /bbin only (last in PATH).
	[ "${p#/bbin/}" = "$p" ] || bad "$t is busybox's applet"
done

if [ -n "${VLAB:-}" ]; then
	ldd "$VLAB" | grep 'not found' && bad "vlab libraries missing"
	"$VLAB" --version >/dev/null || bad "vlab --version fails"
fi

ip netns add "${ns}a" && ip netns add "${ns}b" || { echo "FAIL: ip netns add"; exit 1; }
ip -n "${ns}a" link add va type veth peer name vb netns "${ns}b"
ip -n "${ns}a" addr add 10.98.0.1/24 dev va
ip -n "${ns}b" addr add 10.98.0.2/24 dev vb
ip -n "${ns}a" link set va up
ip -n "${ns}b" link set vb up

ip netns exec "${ns}a" nft -f - <<'EOF' || bad "nft NAT masquerade chain"
table ip qgt {
	chain post { type nat hook postrouting priority srcnat; oifname "va" masquerade; }
}
EOF
ip netns exec "${ns}a" nft list ruleset 2>/dev/null | grep -q masquerade ||
	bad "nft ruleset lacks the masquerade rule"

ip netns exec "${ns}b" tcpdump --immediate-mode -n -i vb -c 1 -w "$tmp/cap" icmp 2>"$tmp/tcpdump.err" &
cap=$!
ip netns exec "${ns}b" iperf3 -s -1 -D -I "$tmp/iperf.pid" >/dev/null 2>&1 ||
	bad "iperf3 server"
# tcpdump needs a moment to attach; keep pinging until it saw one.
for _ in $(seq 20); do
	ip netns exec "${ns}a" ping -q -W 1 -c 1 10.98.0.2 >/dev/null 2>&1
	kill -0 "$cap" 2>/dev/null || break
	sleep 0.2
done
if kill -0 "$cap" 2>/dev/null; then
	kill "$cap"; bad "tcpdump captured nothing: $(tail -2 "$tmp/tcpdump.err")"
fi
wait "$cap" 2>/dev/null
out=$(ip netns exec "${ns}a" timeout 20 iperf3 -c 10.98.0.2 -n 1M -J 2>&1) ||
	bad "iperf3 client: $(echo "$out" | tail -3)"
srv=$(cat "$tmp/iperf.pid" 2>/dev/null)

[ "$fail" = 0 ] && echo "guest tools: nft masquerade, tcpdump, iperf3, vlab: ok"
exit "$fail"
