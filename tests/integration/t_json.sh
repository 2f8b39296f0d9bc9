#!/bin/bash
# Every --json output parses (python3 -m json.tool) and has the fields
# vlab(1) documents under JSON OUTPUT: check, plan, plan --against,
# apply --dry-run, status, ls, test, stats, trace and doctor, on a running
# lab. Keep the lists below in step with man/vlab.1 (JSON OUTPUT).
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "needs python3 to parse JSON"
before=$(snapshot)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; cleanup_labs' EXIT
file=$LABS/test.ini
L=ittest
"$VLAB" down $L >/dev/null 2>&1 # an earlier failed test's

# has FILE WHAT PATH KEY...: the object at PATH (keys joined by '.', a
# number for an array element; '' for the top) has every KEY
has() {
	local f=$1 what=$2 path=$3
	shift 3
	local lines=
	case $f in *.jsonl) lines=--json-lines ;; esac
	python3 -m json.tool $lines "$f" >/dev/null || fail "$what: not JSON: $(head -c 300 "$f")"
	python3 - "$f" "$path" "$@" <<'PY' || fail "$what"
import json, sys
f, path, keys = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(f) as fh:
    o = json.loads(fh.readline()) if f.endswith(".jsonl") else json.load(fh)
for p in [p for p in path.split(".") if p]:
    o = o[int(p)] if isinstance(o, list) else o[p]
missing = [k for k in keys if k not in o]
if missing:
    print("%s: missing %s (has %s)" % (path or "top", " ".join(missing), " ".join(sorted(o))))
    sys.exit(1)
PY
}

# without root's help: check (good and bad file), plan
"$VLAB" check --json "$file" >"$tmp/check" || fail "check --json"
has "$tmp/check" "check --json" "" file ok errors warnings diagnostics lab counts runs_commands
has "$tmp/check" "check --json counts" counts nodes switches overlays links mirrors assertions
"$VLAB" check --json "$HERE/../bad/dup_node.ini" >"$tmp/bad"; rc=$?
[ $rc = 1 ] || fail "check --json of a bad file: exit $rc, want 1"
has "$tmp/bad" "check --json diagnostics" diagnostics.0 severity file line section key message
"$VLAB" plan --json "$file" >"$tmp/plan" || fail "plan --json"
has "$tmp/plan" "plan --json" "" lab netns ops hosts teardown
has "$tmp/plan" "plan --json op" ops.0 op node ns
has "$tmp/plan" "plan --json teardown" teardown.0 op

# a running lab: test --keep leaves it up
"$VLAB" test "$file" --json --keep >"$tmp/test"; rc=$?
LABS_UP+=($L)
[ $rc = 0 ] || [ $rc = 6 ] || fail "test --json: exit $rc"
has "$tmp/test" "test --json" "" lab file results totals
has "$tmp/test" "test --json result" results.0 section key line args status seen seconds
has "$tmp/test" "test --json totals" totals passed failed skipped seconds

"$VLAB" status $L --json >"$tmp/status" || fail "status --json"
has "$tmp/status" "status --json" "" labs
has "$tmp/status" "status --json lab" labs.0 lab status file placements nodes changes daemons
has "$tmp/status" "status --json node" labs.0.nodes.0 node netns present interfaces
has "$tmp/status" "status --json interface" labs.0.nodes.0.interfaces.0 name kind state mtu mac \
	addresses rx_bytes rx_packets tx_bytes tx_packets
has "$tmp/status" "status --json changes" labs.0.changes impair links_down faults

"$VLAB" ls --json >"$tmp/ls" || fail "ls --json"
has "$tmp/ls" "ls --json" "" labs
has "$tmp/ls" "ls --json lab" labs.0 lab status nodes recorded file
python3 -c 'import json,sys; l=[x for x in json.load(open(sys.argv[1]))["labs"] if x["lab"]=="ittest"]; sys.exit(not l or l[0]["status"]!="up")' "$tmp/ls" ||
	fail "ls --json does not show $L up: $(cat "$tmp/ls")"

"$VLAB" stats $L --json >"$tmp/stats" || fail "stats --json"
has "$tmp/stats" "stats --json" "" lab interval per_second interfaces
has "$tmp/stats" "stats --json interface" interfaces.0 node netns name kind layer master state qdisc \
	rx_packets rx_bytes rx_dropped rx_errors tx_packets tx_bytes tx_dropped tx_errors \
	qdisc_drops qdisc_overlimits qdisc_requeues qdisc_backlog
"$VLAB" stats $L --json --watch 0.2 --count 2 >"$tmp/watch.jsonl" || fail "stats --json --watch"
[ "$(wc -l <"$tmp/watch.jsonl")" = 2 ] || fail "stats --json --watch --count 2: not 2 lines"
has "$tmp/watch.jsonl" "stats --json --watch" "" lab interval per_second interfaces

# a reader that goes away ends --watch (SIGPIPE is ignored under the guard)
timeout 10 "$VLAB" stats $L --json --watch 0.1 | head -c 1 >/dev/null
[ "${PIPESTATUS[0]}" = 124 ] && fail "stats --watch went on writing into a closed pipe"

"$VLAB" trace $L a b --json >"$tmp/trace" || fail "trace --json: exit $?"
has "$tmp/trace" "trace --json" "" lab src dst size hops verdict path_mtu warnings
has "$tmp/trace" "trace --json src" src node address
has "$tmp/trace" "trace --json hop" hops.0 hop node interface layer text mtu qdisc fault
has "$tmp/trace" "trace --json verdict" verdict ok hop layer why

"$VLAB" apply "$file" --dry-run --json >"$tmp/apply" || fail "apply --dry-run --json"
has "$tmp/apply" "apply --dry-run --json" "" lab remove change create refuse ops
sed 's/^mtu = a b 1500/mtu = a b 1400/; s/10.61.1.11/10.61.1.12/' "$file" >"$tmp/lab.ini"
"$VLAB" plan "$tmp/lab.ini" --against $L --json >"$tmp/against" || fail "plan --against --json"
has "$tmp/against" "plan --against --json" "" lab remove change create refuse ops
has "$tmp/against" "plan --against --json op" ops.0 act text op

"$VLAB" doctor "$file" --json >"$tmp/doctor" || fail "doctor FILE --json"
has "$tmp/doctor" "doctor --json" "" file features missing
has "$tmp/doctor" "doctor --json feature" features.0 name config ok optional

"$VLAB" down $L >/dev/null || fail "down"
LABS_UP=()
same_snapshot "$before" "$(snapshot)" "json"
echo "json: check, plan, plan --against, apply --dry-run, status, ls, test, stats, trace, doctor: documented fields present"
