#!/bin/bash
# The command line's feel, without root: -q/-v before or after the command
# (and not taken from exec's command), check --json, plain output into a
# file. Run by `make check-topologies`.
set -u
vlab=${1:?usage: cli.sh VLAB}
f=topologies/demo.ini
bad=tests/bad/dup_node.ini
fails=0
no() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# -q: only errors, wherever it stands
for args in "-q check $f" "check -q $f" "check $f --quiet" "--quiet check $f"; do
	out=$("$vlab" $args 2>&1) || no "vlab $args: exit $?"
	[ -z "$out" ] || no "vlab $args printed: $out"
done
out=$("$vlab" check $f 2>&1) && [ -n "$out" ] || no "vlab check without -q says nothing"
# errors still show with -q; warnings do not
"$vlab" -q check $bad >"$tmp/out" 2>&1 && no "-q check of a bad file: exit 0"
grep -q ': error: ' "$tmp/out" || no "-q hid an error: $(cat "$tmp/out")"
grep -q ': warning: ' "$tmp/out" && no "-q left a warning: $(cat "$tmp/out")"
# -v is accepted everywhere too; the last of -q/-v wins
"$vlab" -v check $f >/dev/null 2>&1 || no "vlab -v check"
"$vlab" plan $f -v >/dev/null 2>&1 || no "vlab plan FILE -v"
out=$("$vlab" -v -q check $f 2>&1); [ -z "$out" ] || no "-v -q: not quiet: $out"
# help lists them
"$vlab" --help | grep -q -- '-q, --quiet' || no "--help does not list -q"

# check --json: parses, has its fields, exit status as without it
if command -v python3 >/dev/null; then
	"$vlab" check --json $f >"$tmp/ok.json" || no "check --json: exit $?"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["ok"] and d["lab"]=="demo" and d["counts"]["nodes"]==6))' "$tmp/ok.json" ||
		no "check --json of demo.ini: $(cat "$tmp/ok.json")"
	"$vlab" check --json $bad >"$tmp/bad.json"; [ $? = 1 ] || no "check --json of a bad file: not exit 1"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=[x for x in d["diagnostics"] if x["severity"]=="error"]; sys.exit(not (not d["ok"] and d["errors"]==1 and e[0]["line"]==7 and e[0]["section"]=="router web1"))' "$tmp/bad.json" ||
		no "check --json of $bad: $(cat "$tmp/bad.json")"
fi

# nothing but text into a file: no escape sequence, even with a TERM set
TERM=xterm "$vlab" check $bad >"$tmp/out" 2>&1
TERM=xterm "$vlab" plan $f >>"$tmp/out" 2>&1
grep -q $'\033' "$tmp/out" && no "escape sequences in a file"
# make demo into a log: its check and plan part (as root it would build the
# lab: run it as nobody, where it stops before `up`)
as_user=
[ "$(id -u)" = 0 ] && as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
if [ -n "$as_user" ] && ! { command -v setpriv >/dev/null &&
	$as_user test -r tests/demo.sh -a -x "$vlab" -a -r $f; } 2>/dev/null; then
	echo "# cli: make demo's log not tried (nobody cannot read this tree)"
else
	TERM=xterm $as_user bash tests/demo.sh "$vlab" $f >"$tmp/demo" 2>&1 </dev/null
	grep -q $'\033' "$tmp/demo" && no "tests/demo.sh (make demo) wrote escape sequences into a file"
	grep -q '== vlab check' "$tmp/demo" || no "tests/demo.sh output: $(head -3 "$tmp/demo")"
	grep -q 'vlab up needs root' "$tmp/demo" || no "tests/demo.sh went past its check and plan"
fi

echo "cli: $([ $fails = 0 ] && echo passed || echo "$fails failed")"
[ $fails = 0 ]
