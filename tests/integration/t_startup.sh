#!/bin/bash
# Startup commands (run, run!, daemon): run commands write a file through
# the node's own /sys view and set a sysctl inside one namespace only; a
# daemon listens inside b and a [test] tcp check from a reaches it (the
# daemon's listener, not vlab's); status shows the daemons; down ends
# them. A failing run rolls up back (exit status and last output lines in
# the message), run! only warns, no --yes and no terminal refuses before
# changing anything (approved sets are remembered), and after kill -9 of
# an up that had started its daemons, down or clean still ends them.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
L=runst
nonce="runst-$$-$RANDOM$RANDOM"
[ -d /var/lib/vlab ] && had_dir=1 || had_dir=0
forget() { # drop this run's approvals (the file is root's, 0600), and what it made
	[ -f /var/lib/vlab/approved ] && sed -i "/$nonce/d" /var/lib/vlab/approved
	[ -s /var/lib/vlab/approved ] || rm -f /var/lib/vlab/approved
	[ $had_dir = 1 ] || rmdir /var/lib/vlab 2>/dev/null
	return 0
}
trap 'cleanup_labs; "$VLAB" down $L >/dev/null 2>&1; forget; rm -rf "$tmp"' EXIT

# a listener that stays: python3 (IPv4 only: vlab test's own listener
# cannot bind beside it), else busybox nc (the qemu guest has it)
if command -v python3 >/dev/null; then
	listen="python3 -m http.server 8080 --bind 0.0.0.0"
elif busybox nc --help 2>&1 | grep -q -- '-e PROG'; then
	listen="busybox nc -ll -p 8080 -e cat"
else
	skip "neither python3 nor busybox nc to listen with"
fi
# a's first line back from b:8080 (an HTTP status line, or the echo)
ask_b() {
	in_node $L a bash -c 'exec 3<>/dev/tcp/b/8080 && printf "GET / HTTP/1.0\r\n\r\n" >&3 && head -1 <&3'
}

lab() { # FILE, then extra lines for node a on stdin
	{
		cat <<EOT
[lab]
name = $L

[switch s1]
subnet = 10.78.0.0/24

[vm b]
nic = eth0 s1 auto
run = echo 1 > /proc/sys/net/ipv4/ip_forward
daemon = $listen

[test]
tcp = a b:8080

[vm a]
nic = eth0 s1 auto
run = true $nonce
EOT
		cat
	} >"$1"
}

before=$(snapshot)

# 1. no --yes, no terminal: refused before anything changes, the flag named
lab "$tmp/lab.ini" <<EOT
run = ls /sys/class/net > sysnet.txt
run! = echo may-fail-output; exit 3
daemon = sleep 100000
EOT
"$VLAB" check "$tmp/lab.ini" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "check"; }
grep -q "note: runs 6 commands as root" "$tmp/out" || fail "check does not say the file runs commands: $(cat "$tmp/out")"
"$VLAB" plan "$tmp/lab.ini" | grep -q "a: daemon = sleep 100000" || fail "plan does not list the daemon"
"$VLAB" up "$tmp/lab.ini" </dev/null >"$tmp/out" 2>&1; rc=$?
[ $rc = 2 ] || { cat "$tmp/out"; fail "up without --yes and without a terminal: exit $rc, want 2"; }
grep -q -- "--yes" "$tmp/out" || fail "refusal does not name --yes: $(cat "$tmp/out")"
grep -q "line .*, in a: daemon = sleep 100000" "$tmp/out" || fail "refusal does not show the commands"
same_snapshot "$before" "$(snapshot)" "a refused up"
[ -e "$tmp/sysnet.txt" ] && fail "a refused up ran a command"

# 2. --yes: run commands ran inside their nodes, run! only warned
"$VLAB" up --yes "$tmp/lab.ini" </dev/null >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "up --yes"; }
LABS_UP+=("$L")
grep -q "warning: .*lab.ini:.*\[a\] run! = echo may-fail-output; exit 3: exited with status 3" "$tmp/out" ||
	fail "run! failure not warned with its status: $(cat "$tmp/out")"
grep -q "| may-fail-output" "$tmp/out" || fail "run! warning does not quote its output"
grep -qx "eth0" "$tmp/sysnet.txt" && grep -qx "lo" "$tmp/sysnet.txt" ||
	fail "run did not see the node's /sys: $(cat "$tmp/sysnet.txt" 2>&1)"
# (bonding_masters is the bonding module's control file, present in every
# namespace's /sys/class/net once the module is loaded, as in the qemu tier)
[ "$(grep -cvx bonding_masters "$tmp/sysnet.txt")" = 2 ] ||
	fail "run saw more than the node's devices: $(cat "$tmp/sysnet.txt")"
[ "$(in_node $L b cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "sysctl not set inside b"
[ "$(in_node $L a cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || fail "b's sysctl leaked into a"
[ -f /run/vlab/$L/out/a.run.3 ] && grep -q may-fail-output /run/vlab/$L/out/a.run.3 ||
	fail "run! output not captured in /run/vlab/$L/out/a.run.3"
[ "$(stat -c %a /run/vlab/$L/out/a.run.3)" = 644 ] || fail "output file mode"

# the daemons: recorded with pid and start time, running inside their node
mapfile -t pids < <(awk '{print $4}' /run/vlab/$L/daemons)
[ ${#pids[@]} = 2 ] || fail "want 2 daemons recorded: $(cat /run/vlab/$L/daemons)"
for p in "${pids[@]}"; do
	[ "$(readlink /proc/$p/ns/net)" = "$(in_node $L a readlink /proc/self/ns/net)" ] ||
		[ "$(readlink /proc/$p/ns/net)" = "$(in_node $L b readlink /proc/self/ns/net)" ] ||
		fail "daemon $p is not inside a or b"
done
wait_until 20 listening $L b 8080 || fail "the daemon in b never listened on 8080"
"$VLAB" status $L >"$tmp/st" 2>&1
grep -q "b.1 pid ${pids[0]} running: $listen" "$tmp/st" || fail "status does not show b's daemon: $(cat "$tmp/st")"
grep -q "a.1 pid ${pids[1]} running: sleep 100000" "$tmp/st" || fail "status does not show a's daemon"
# reachable from another node: the daemon answers a, and the [test] tcp
# check passes (through the daemon's listener where vlab cannot bind beside it)
reply=$(ask_b 2>&1)
case $reply in "HTTP/1.0 200"* | "GET / HTTP/1.0"*) ;; *) fail "the daemon in b did not answer a: $reply" ;; esac
"$VLAB" test --json $L </dev/null >"$tmp/tj" 2>&1 || { cat "$tmp/tj"; fail "vlab test $L"; }
case $listen in python3*)
	grep -q "the listener already there" "$tmp/tj" || fail "tcp check did not reach the daemon: $(cat "$tmp/tj")" ;;
esac
"$VLAB" down $L >"$tmp/out" 2>&1 || fail "down"
grep -q "ended daemon b.1" "$tmp/out" || fail "down did not say it ended the daemon: $(cat "$tmp/out")"
for p in "${pids[@]}"; do is_gone "$p" || fail "daemon $p still runs after down"; done
same_snapshot "$before" "$(snapshot)" "up + down with daemons"

# 3. vlab test FILE: brings it up (commands approved: no --yes needed now,
#    no terminal), the tcp check connects to the daemon's listener
"$VLAB" test --json "$tmp/lab.ini" </dev/null >"$tmp/tj" 2>"$tmp/te" ||
	{ cat "$tmp/tj" "$tmp/te"; fail "vlab test of the lab with a daemon"; }
grep -q '"passed": 1, "failed": 0' "$tmp/tj" || fail "tcp check: $(cat "$tmp/tj")"
same_snapshot "$before" "$(snapshot)" "vlab test with daemons"

# 4. a failing run: up fails with its status and output, rolled back
lab "$tmp/bad.ini" <<EOT
run = echo boom-line-1; echo boom-line-2 >&2; exit 7
run = touch never-run
EOT
"$VLAB" up --yes "$tmp/bad.ini" </dev/null >"$tmp/out" 2>&1 && fail "up with a failing run succeeded"
grep -q "bad.ini:.*\[a\] run = echo boom.*exited with status 7" "$tmp/out" || fail "message lacks the status: $(cat "$tmp/out")"
grep -q "| boom-line-2" "$tmp/out" || fail "message lacks the output's last lines"
grep -q "rolled back, nothing left" "$tmp/out" || fail "no rollback said"
[ -e "$tmp/never-run" ] && fail "a run after the failing one ran"
same_snapshot "$before" "$(snapshot)" "a failed run"

# 5. the rollback of an up that fails after its daemons started ends them
VLAB_FAULT_AT=daemons "$VLAB" up --yes "$tmp/lab.ini" </dev/null >"$tmp/out" 2>&1 && fail "fault at daemons: up succeeded"
grep -q "ended daemon a.1" "$tmp/out" || fail "rollback did not end the daemons: $(cat "$tmp/out")"
for c in /proc/[0-9]*/cmdline; do
	[ "$(tr '\0' ' ' <"$c" 2>/dev/null)" = "sleep 100000 " ] && fail "a daemon outlived the rollback: $c"
done
same_snapshot "$before" "$(snapshot)" "rollback after daemons"

# 6. kill -9 of up once its daemons run; then down (and then clean) ends them
for finish in down clean; do
	VLAB_FAULT_AT=daemons VLAB_FAULT_MODE=stop "$VLAB" up --yes "$tmp/lab.ini" </dev/null >"$tmp/out" 2>&1 &
	up=$!
	wait_until 30 is_stopped $up || fail "up never reached the daemons phase"
	mapfile -t pids < <(awk '{print $4}' /run/vlab/$L/daemons)
	[ ${#pids[@]} = 2 ] || fail "want 2 daemons recorded before the kill"
	kill -9 $up
	wait $up 2>/dev/null
	for p in "${pids[@]}"; do is_gone "$p" && fail "daemon $p died with up (test setup)"; done
	if [ $finish = down ]; then
		"$VLAB" down $L >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "down after kill -9"; }
	else
		"$VLAB" clean >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "clean after kill -9"; }
	fi
	for p in "${pids[@]}"; do is_gone "$p" || fail "daemon $p survived kill -9 of up + $finish"; done
	same_snapshot "$before" "$(snapshot)" "kill -9 of up, then $finish"
done

# 7. apply refuses a change of the commands, clearly
"$VLAB" up --yes "$tmp/lab.ini" </dev/null >/dev/null 2>&1 || fail "up again"
sed "s/^daemon = sleep 100000/daemon = sleep 100001/" "$tmp/lab.ini" >"$tmp/lab3.ini"
mv "$tmp/lab3.ini" "$tmp/lab.ini"
"$VLAB" apply "$tmp/lab.ini" </dev/null >"$tmp/out" 2>&1 && fail "apply of changed daemons succeeded"
grep -q "node a: its startup commands .* changed" "$tmp/out" || fail "apply refusal unclear: $(cat "$tmp/out")"
"$VLAB" down $L >/dev/null 2>&1 || fail "down"
same_snapshot "$before" "$(snapshot)" "apply refused"
echo "ok: t_startup"
