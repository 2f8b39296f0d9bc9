#!/bin/bash
# SIGINT and SIGTERM during `up` roll back like a failure.
. "$(dirname "$0")/lib.sh"
lab=vsig
f=$(mktemp --suffix=.ini); trap 'rm -f $f; $VLAB down $lab >/dev/null 2>&1' EXIT
big_lab $lab 400 > "$f"
bad=0
for sig in INT TERM INT TERM; do
	"$VLAB" up "$f" >/dev/null 2>&1 &
	pid=$!
	sleep 0.05
	kill -$sig $pid 2>/dev/null
	wait $pid; rc=$?
	left=$(leftovers $lab)
	if [ $rc = 0 ]; then
		# finished before the signal: fine, but then tear down
		"$VLAB" down $lab >/dev/null
	elif [ -n "$left" ]; then
		echo "SIG$sig: exit $rc, left behind:"; echo "$left" | head; bad=$((bad + 1))
		"$VLAB" down $lab >/dev/null 2>&1
	fi
done
[ -z "$(leftovers $lab)" ] || fail "left: $(leftovers $lab)"
[ $bad = 0 ]
