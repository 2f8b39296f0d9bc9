#!/bin/bash
# vlab test: a passing lab exits 0 with a TAP summary; a wrong assertion
# exits 6 and is named with its line and what was seen in TAP, JUnit (read
# by an XML parser) and JSON; --keep and `vlab test LAB` leave the lab
# running; SIGINT stops, reports and tears down; nothing is left behind.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'cleanup_labs; "$VLAB" down ittest >/dev/null 2>&1; "$VLAB" down ittestbad >/dev/null 2>&1; rm -rf "$tmp"' EXIT
good=$LABS/test.ini
before=$(snapshot)

# 1. everything holds: exit 0, pure TAP on stdout, the summary line last
"$VLAB" test "$good" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/out" "$tmp/err"; fail "vlab test on a good lab exited $?"; }
head -2 "$tmp/out" | tr '\n' ' ' | grep -qx 'TAP version 14 1\.\.4 ' || fail "no TAP 14 header and plan: $(head -2 "$tmp/out")"
[ "$(tail -1 "$tmp/out")" = "4 passed, 0 failed, 0 skipped" ] || fail "summary line is '$(tail -1 "$tmp/out")'"
grep -q '^ok 2 - \[test\] path (.*test.ini:26): a b r1$' "$tmp/out" || fail "path line missing: $(cat "$tmp/out")"
grep -q '^ok 4 - \[test apart\] isolate' "$tmp/out" || fail "isolate line missing"
grep -q 'is up' "$tmp/out" && fail "up's output went to stdout"
same_snapshot "$before" "$(snapshot)" "vlab test (passing)"

# 2. deliberately wrong assertions (c has no gateway; r1 answers c on its
#    own subnet, so only one direction fails)
sed 's/^name = ittest$/name = ittestbad/' "$good" >"$tmp/bad.ini"
cat >>"$tmp/bad.ini" <<'EOT'

[test wrong]
reach = c r1:eth1
path = a b c
mtu = a b 1400
EOT
reach_line=$(grep -n '^reach = c r1:eth1' "$tmp/bad.ini" | cut -d: -f1)
"$VLAB" test --junit "$tmp/r.xml" "$tmp/bad.ini" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 6 ] || { cat "$tmp/out" "$tmp/err"; fail "a failing check should exit 6, got $rc"; }
[ "$(tail -1 "$tmp/out")" = "4 passed, 3 failed, 0 skipped" ] || fail "summary line is '$(tail -1 "$tmp/out")'"
grep -q "^not ok 5 - \[test wrong\] reach (.*bad.ini:$reach_line): c r1:eth1$" "$tmp/out" || fail "failing reach not named with its line: $(cat "$tmp/out")"
grep -q '^  message: "c -> r1:eth1 (10.61.2.1): pings sent [0-9]*, received 0' "$tmp/out" || fail "reach diagnostic does not say what was seen"
grep -q '^  message: "route from a to 10.61.2.10 goes via 10.61.1.1 (r1), not via c"' "$tmp/out" || fail "path diagnostic: $(grep -A1 'not ok 6' "$tmp/out")"
grep -q '^  message: "1400 bytes pass, but 1401 bytes with DF also reached' "$tmp/out" || fail "mtu diagnostic: $(grep -A1 'not ok 7' "$tmp/out")"
same_snapshot "$before" "$(snapshot)" "vlab test (failing)"

if command -v python3 >/dev/null; then
	python3 - "$tmp/r.xml" "$reach_line" <<'EOT' || fail "JUnit report is wrong"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites" and root.get("failures") == "3", root.attrib
suites = {s.get("name"): s for s in root.findall("testsuite")}
assert list(suites) == ["[test]", "[test apart]", "[test wrong]"], list(suites)
w = suites["[test wrong]"]
assert w.get("tests") == "3" and w.get("failures") == "3", w.attrib
case = w.findall("testcase")[0]
assert case.get("line") == sys.argv[2], case.attrib
f = case.find("failure")
assert "pings sent" in f.text and "received 0" in f.text, f.text
assert suites["[test]"].find("testcase").find("failure") is None
EOT
else
	note "no python3 here: JUnit checked by grep only"
	grep -q '<testsuite name="\[test wrong\]" tests="3" failures="3"' "$tmp/r.xml" || fail "JUnit suite"
fi

# 3. JSON
"$VLAB" test --json "$tmp/bad.ini" >"$tmp/out.json" 2>"$tmp/err"; rc=$?
[ $rc = 6 ] || fail "--json: exit $rc"
if command -v python3 >/dev/null; then
	python3 - "$tmp/out.json" "$reach_line" <<'EOT' || fail "JSON report is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["lab"] == "ittestbad" and d["totals"]["failed"] == 3 and d["totals"]["passed"] == 4, d["totals"]
bad = [r for r in d["results"] if r["status"] == "fail"]
assert bad[0]["section"] == "wrong" and bad[0]["key"] == "reach" and bad[0]["line"] == int(sys.argv[2])
assert "received 0" in bad[0]["seen"] and bad[0]["args"] == "c r1:eth1", bad[0]
EOT
else
	grep -q '"totals": {"passed": 4, "failed": 3' "$tmp/out.json" || fail "JSON totals"
fi
same_snapshot "$before" "$(snapshot)" "vlab test --json"

# 4. --keep leaves it running; `vlab test LAB` and a test of the same file
#    run in place and leave it running
"$VLAB" test --keep "$good" >/dev/null 2>&1 || fail "--keep run failed"
[ -e /run/vlab/ittest/state ] || fail "--keep did not leave the lab running"
"$VLAB" test ittest >"$tmp/out" 2>&1 || fail "vlab test LAB failed: $(cat "$tmp/out")"
[ -e /run/vlab/ittest/state ] || fail "vlab test LAB took the lab down"
"$VLAB" test --only apart "$good" >"$tmp/out" 2>/dev/null || fail "test in place failed"
[ "$(tail -1 "$tmp/out")" = "1 passed, 0 failed, 0 skipped" ] || fail "--only ran: $(tail -1 "$tmp/out")"
[ -e /run/vlab/ittest/state ] || fail "testing a running lab from its file took it down"
"$VLAB" test --only nosuch ittest >/dev/null 2>&1; [ $? = 2 ] || fail "--only with an unknown section should exit 2"
"$VLAB" down ittest >/dev/null || fail "down"
"$VLAB" test ittest >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "not running" "$tmp/err" || fail "vlab test on a stopped lab: exit $rc, $(cat "$tmp/err")"
same_snapshot "$before" "$(snapshot)" "vlab test --keep + down"

# 5. SIGINT mid-run: results so far, the rest skipped, torn down, exit 130
# one check at a time: the SIGINT lands in the 3 s of the failing reach
"$VLAB" test -j 1 "$tmp/bad.ini" >"$tmp/out" 2>"$tmp/err" &
pid=$!
# (up and four checks, one an isolate that always takes its 3 s: give a
# loaded machine time; the poll acts the moment ok 4 is written)
wait_until 60 grep -q '^ok 4 ' "$tmp/out" || fail "the run never got to its fourth check"
kill -INT $pid
wait $pid; rc=$?
[ $rc = 130 ] || fail "interrupted run exited $rc, want 130"
grep -q '# SKIP interrupted$' "$tmp/out" || fail "interrupted checks not reported as skipped: $(cat "$tmp/out")"
tail -1 "$tmp/out" | grep -qx '[0-9]* passed, [0-9]* failed, [0-9]* skipped' || fail "no summary after SIGINT"
same_snapshot "$before" "$(snapshot)" "interrupted vlab test"
echo ok
