#!/bin/bash
# The teaching labs whose lesson needs runtime steps a [test] section alone
# cannot express (t_topologies.sh runs every lab's plain `vlab test`):
#  - mobility.ini: its [test] passes, `vlab migrate` moves app to hv2, the
#    same [test] passes again with app really on hv2;
#  - find-the-fault.ini: the two faults its header tells the student to
#    inject make `vlab test` fail on the right check and show up in
#    `vlab stats` on the right interface, and `vlab trace` names the layer
#    (the pulled cable's switch port; the shaper on hv2's uplink); the fix
#    makes it pass again.
# Nothing is left behind.
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_VXLAN
tops=$(cd "$HERE/../../topologies" && pwd)
tmp=$(mktemp -d)
labs=(mobility)
trap 'for l in "${labs[@]}"; do "$VLAB" down $l >/dev/null 2>&1; done; rm -rf "$tmp"' EXIT
before=$(snapshot)

# ---- mobility: [test] before and after vlab migrate ----
"$VLAB" up "$tops/mobility.ini" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "up mobility"; }
ip -n vlab-mobility-hv1 link show app-eth0 >/dev/null 2>&1 || fail "app's port is not on hv1 after up"
"$VLAB" test --yes mobility >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "mobility: test before the move"; }
note "mobility before: $(tail -1 "$tmp/out")"
"$VLAB" migrate mobility app hv2 >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "migrate app hv2"; }
ip -n vlab-mobility-hv2 -d link show app-eth0 | grep -q "master vs2" || fail "app's port is not on vs2 after migrate"
ip -n vlab-mobility-hv1 link show app-eth0 >/dev/null 2>&1 && fail "app's port is still on hv1"
"$VLAB" test --yes mobility >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "mobility: test after the move"; }
note "mobility after migrate: $(tail -1 "$tmp/out")"
grep -q "^not ok" "$tmp/out" && fail "a check failed after the move"
"$VLAB" down mobility >/dev/null || fail "down mobility"
same_snapshot "$before" "$(snapshot)" "mobility + migrate + down"
echo "ok: mobility passes its [test] before and after vlab migrate"

# ---- find-the-fault: break it as the header says, find it, fix it ----
labs+=(ftf)
f=$tops/find-the-fault.ini
# line numbers of the checks, read from the file (the header may grow)
ln_of() { grep -n "^$1\$" "$f" | cut -d: -f1; }
l_reach=$(ln_of "reach = shop office web db")
l_tcp=$(ln_of "tcp = shop web:80")
l_rw=$(ln_of "rate = web shop > 8mbit")
l_rd=$(ln_of "rate = db office > 8mbit")
l_ro=$(ln_of "rate = office shop > 8mbit")
[ -n "$l_reach" ] && [ -n "$l_tcp" ] && [ -n "$l_rw" ] && [ -n "$l_rd" ] && [ -n "$l_ro" ] ||
	fail "find-the-fault.ini: the checks this test looks for have changed"
ok_line() { grep -q "^ok [0-9]* - \[test\] [a-z]* ([^)]*:$1)" "$tmp/out"; }
bad_line() { grep -q "^not ok [0-9]* - \[test\] [a-z]* ([^)]*:$1)" "$tmp/out"; }
# stats --json: one interface's FIELD (node, name)
stat_of() { # NODE NAME FIELD
	"$VLAB" stats ftf --json | tr '{' '\n' | grep "\"node\":\"$1\",\"netns\":\"[^\"]*\",\"name\":\"$2\"" |
		sed -n "s/.*\"$3\":\"\{0,1\}\([^,\"]*\).*/\1/p" | head -1
}

"$VLAB" up "$f" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "up find-the-fault"; }
"$VLAB" test --yes ftf >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "find-the-fault: healthy lab fails its test"; }
note "find-the-fault healthy: $(tail -1 "$tmp/out")"
"$VLAB" trace ftf shop web >"$tmp/trace" 2>&1 || { cat "$tmp/trace"; fail "find-the-fault: trace shop web on the healthy lab"; }

# fault A: a pulled cable on web
"$VLAB" link ftf web:eth0 down >/dev/null || fail "link web:eth0 down"
"$VLAB" test --yes ftf >"$tmp/out" 2>&1 && { cat "$tmp/out"; fail "fault A: test passed with web's cable pulled"; }
bad_line "$l_reach" && bad_line "$l_tcp" && bad_line "$l_rw" || { cat "$tmp/out"; fail "fault A: reach/tcp/rate to web did not fail"; }
grep "^not ok" "$tmp/out" | grep -q -- "-> web\|web ->\|web:80\|web shop\|web db" || fail "fault A: the failures do not name web"
ok_line "$l_rd" && ok_line "$l_ro" || { cat "$tmp/out"; fail "fault A: checks without web failed too"; }
st=$(stat_of hv2 web-eth0 state)
[ -n "$st" ] && [ "$st" != up ] || fail "fault A: stats shows web's switch port hv2:web-eth0 as '$st', not down"
out=$("$VLAB" trace ftf shop web --json 2>&1); rc=$?
[ $rc = 6 ] && echo "$out" | grep -q '"node":"hv2","interface":"web-eth0","layer":"link"' ||
	fail "fault A: trace shop web (rc $rc) does not name the link at hv2 web-eth0: $out"
note "fault A (link down): reach, tcp and rate to web fail; stats: hv2:web-eth0 $st; trace: link at hv2 web-eth0"
"$VLAB" link ftf web:eth0 up >/dev/null || fail "link web:eth0 up"
"$VLAB" test --yes ftf >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "fault A fixed: test fails"; }

# fault B: the hypervisor's physical NIC throttled (loss without errors)
q0=$(stat_of hv2 eth0 qdisc_drops)
"$VLAB" impair ftf hv2:eth0 rate=1mbit >/dev/null || fail "impair hv2:eth0 rate=1mbit"
"$VLAB" test --yes ftf >"$tmp/out" 2>&1 && { cat "$tmp/out"; fail "fault B: test passed with hv2:eth0 at 1mbit"; }
bad_line "$l_rw" && bad_line "$l_rd" || { cat "$tmp/out"; fail "fault B: the cross-host rate checks did not fail"; }
ok_line "$l_reach" && ok_line "$l_tcp" && ok_line "$l_ro" || { cat "$tmp/out"; fail "fault B: reach, tcp or the same-host rate failed"; }
"$VLAB" stats ftf --json >"$tmp/stats" || fail "stats --json"
q1=$(stat_of hv2 eth0 qdisc_drops)
e1=$(stat_of hv2 eth0 tx_errors)
[ "${q1:-0}" -gt "${q0:-0}" ] || fail "fault B: no qdisc drops on hv2:eth0 ($q0 -> $q1)"
[ "$e1" = 0 ] || fail "fault B: hv2:eth0 shows interface errors ($e1): should be qdisc drops only"
top=$(tr '{' '\n' <"$tmp/stats" | grep '"qdisc_drops"' |
	sed 's/.*"node":"\([^"]*\)".*"name":"\([^"]*\)".*"qdisc_drops":\([0-9]*\).*/\3 \1:\2/' | sort -rn | head -1)
[ "${top#* }" = hv2:eth0 ] || fail "fault B: the interface with most qdisc drops is '$top', not hv2:eth0"
"$VLAB" stats ftf | grep -q '^! hv2:eth0 ' || fail "fault B: the stats table does not mark hv2:eth0 first"
out=$("$VLAB" trace ftf web shop 2>&1); rc=$?
[ $rc = 0 ] && echo "$out" | grep -qE '^ +[0-9]+  hv2 +eth0 .*qdisc tbf rate 1mbit, [0-9]+ drops' &&
	echo "$out" | grep -q '^warning: the shaper (tbf rate 1mbit) on hv2 eth0 has dropped' ||
	fail "fault B: trace web shop (rc $rc) does not show the shaper on hv2 eth0: $out"
note "fault B (impair rate=1mbit): cross-host rate checks fail; stats: hv2:eth0 qdisc drops $q0 -> $q1, tx errors $e1; trace: shaper on hv2 eth0"
"$VLAB" impair ftf hv2:eth0 --reset >/dev/null || fail "impair --reset"
"$VLAB" test --yes ftf >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "fault B fixed: test fails"; }
note "find-the-fault fixed: $(tail -1 "$tmp/out")"
"$VLAB" down ftf >/dev/null || fail "down ftf"
same_snapshot "$before" "$(snapshot)" "find-the-fault + faults + down"
echo "ok: find-the-fault: each fault fails the right checks, shows in stats and trace; fixed, it passes"
