#!/bin/bash
# vlab test, the kinds beyond reach/isolate/mtu/path: tcp and udp (vlab's
# own listener, IPv4 and IPv6), mac, cmd (confirmed or --yes; timeout),
# rate against a tbf limit, latency, loss; and deliberately wrong ones,
# each saying what was seen. Nothing is left behind.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'cleanup_labs; "$VLAB" down ittestk >/dev/null 2>&1; "$VLAB" down ittestkb >/dev/null 2>&1; rm -rf "$tmp"' EXIT
good=$LABS/testkinds.ini
if ! "$VLAB" check "$good" >/dev/null 2>"$tmp/err"; then
	grep -q 'unknown key' "$tmp/err" && skip "the test language does not parse tcp/udp/mac/cmd/rate/latency/loss yet"
	cat "$tmp/err"; fail "vlab check refuses $good"
fi
before=$(snapshot)

# cmd assertions run only when confirmed: no terminal and no --yes, refused
"$VLAB" test "$good" </dev/null >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 2 ] || fail "cmd without --yes and without a terminal: exit $rc, want 2"
grep -q -- '--yes' "$tmp/err" || fail "the refusal does not name --yes: $(cat "$tmp/err")"
grep -q 'test "$VLAB_NODE" = b' "$tmp/err" || fail "the command to run is not shown"
[ -s "$tmp/out" ] && fail "stdout not empty after a refusal"
same_snapshot "$before" "$(snapshot)" "refused vlab test"

"$VLAB" test --yes "$good" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/out" "$tmp/err"; fail "vlab test --yes on $good"; }
[ "$(tail -1 "$tmp/out")" = "11 passed, 0 failed, 0 skipped" ] || fail "summary '$(tail -1 "$tmp/out")'"
same_snapshot "$before" "$(snapshot)" "vlab test (kinds)"

# wrong on purpose
sed 's/^name = ittestk$/name = ittestkb/' "$good" >"$tmp/bad.ini"
cat >>"$tmp/bad.ini" <<'EOT'

[test wrong]
mac = a:eth0 02:00:00:00:62:11
cmd = b -- echo hello-from-b; exit 3
cmd = b timeout=1s -- sleep 30
rate = b a > 50mbit
latency = a b > 1s
EOT
# options after FILE, as vlab.1 writes them
"$VLAB" test "$tmp/bad.ini" --yes --json --only wrong >"$tmp/out.json" 2>"$tmp/err"; rc=$?
[ $rc = 6 ] || { cat "$tmp/out.json" "$tmp/err"; fail "wrong kinds: exit $rc, want 6"; }
seen() { # KEY N -> the seen text of the Nth result with that key
	sed 's/}, *{/}\n{/g' "$tmp/out.json" | grep "\"key\": \"$1\"" | sed -n "${2}p" |
		sed 's/.*"seen": "\([^"]*\)".*/\1/'
}
[ "$(seen mac 1)" = "a:eth0 has 02:00:00:00:62:10, not 02:00:00:00:62:11" ] || fail "mac: $(seen mac 1)"
[ "$(seen cmd 1)" = "exit status 3; output: hello-from-b" ] || fail "cmd: $(seen cmd 1)"
seen cmd 2 | grep -q '^b did not finish within 1.0 s (killed)$' || fail "cmd timeout: $(seen cmd 2)"
seen rate 1 | grep -q '^[0-9.]* Mbit/s in 1 s of bulk TCP (bound > 50.00 Mbit/s)$' || fail "rate: $(seen rate 1)"
seen latency 1 | grep -q '^median RTT [0-9.]* ms of 10 pings (bound > 1000.000 ms)$' || fail "latency: $(seen latency 1)"
grep -q '"totals": {"passed": 0, "failed": 5, "skipped": 0' "$tmp/out.json" || fail "totals: $(tail -1 "$tmp/out.json")"
same_snapshot "$before" "$(snapshot)" "vlab test (wrong kinds)"
# The node's own service answers tcp checks, whatever address it is bound
# to: a v6-only listener on [::]:8090 passes the IPv6 check as "the
# listener already there", and the IPv4 check fails (vlab must not open a
# 0.0.0.0 listener of its own beside it and pass without the service).
if command -v python3 >/dev/null; then
	sed -e 's/^name = ittestk$/name = ittestkc/' -e '/^\[test\]/,$d' "$good" >"$tmp/svc.ini"
	printf '[test]\ntcp = a b:8090\ntcp = a [fd62::20]:8090\n' >>"$tmp/svc.ini"
	"$VLAB" up "$tmp/svc.ini" >/dev/null || fail "vlab up $tmp/svc.ini"
	LABS_UP+=(ittestkc)
	ip netns exec vlab-ittestkc-b python3 -c 'import socket, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("::", 8090)); s.listen(); time.sleep(120)' &
	svc=$!
	wait_until 10 listening ittestkc b 8090 || { kill $svc; fail "the v6-only service never listened"; }
	"$VLAB" test --json "$tmp/svc.ini" >"$tmp/svc.json" 2>"$tmp/err"; rc=$?
	kill $svc; wait $svc 2>/dev/null
	res() { sed 's/}, *{/}\n{/g' "$tmp/svc.json" | grep '"key": "tcp"' | sed -n "${1}p"; }
	[ $rc = 6 ] || { cat "$tmp/svc.json" "$tmp/err"; fail "v6-only service: exit $rc, want 6 (the IPv4 check must fail)"; }
	res 1 | grep -q '"status": "fail"' || fail "IPv4 check to a v6-only service: $(res 1)"
	res 2 | grep -q '"status": "pass"' || fail "IPv6 check to the service: $(res 2)"
	res 2 | grep -q 'the listener already there' || fail "the IPv6 check did not reach the service: $(res 2)"
	"$VLAB" down ittestkc >/dev/null || fail "down ittestkc"
else
	note "python3 missing: the own-service tcp case is not run"
fi
echo ok
