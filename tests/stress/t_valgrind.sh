#!/bin/bash
# vlab under valgrind: check, plan, up, status, exec, down of a lab with
# every object kind this kernel builds; no memory error, no definite leak.
. "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 77; }
lab=vgrind
f=$(mktemp --suffix=.ini); log=$(mktemp); trap 'rm -f $f $log; $VLAB down $lab >/dev/null 2>&1' EXIT
rep_lab $lab > "$f"
vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--track-fds=no "$VLAB" "$@" >/dev/null 2>>"$log"; }
for cmd in "check $f" "plan $f" "plan --json $f" "graph $f" "up $f" "status $lab" \
	"status $lab --json" "ls" "down $lab"; do
	vg $cmd; rc=$?
	[ $rc = 99 ] && { cat "$log"; fail "valgrind found errors in: vlab $cmd"; }
	[ $rc = 0 ] || { cat "$log"; fail "vlab $cmd exited $rc under valgrind"; }
done
[ -z "$(leftovers $lab)" ] || fail "left: $(leftovers $lab)"
echo "valgrind: 9 commands clean"
