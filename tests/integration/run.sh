#!/bin/bash
# Root integration tests: build real labs, prove them with packets, tear
# down, prove nothing is left. Each tests/integration/t_*.sh is one test.
set -u
vlab=$(readlink -f "${1:?usage: run.sh VLAB}")
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then
	echo "integration: SKIP (needs root: run 'sudo make check')"
	exit 0
fi
pass=0 fail=0 skip=0
for t in tests/integration/t_*.sh; do
	[ -e "$t" ] || continue
	out=$(VLAB="$vlab" bash "$t" 2>&1); rc=$?
	case $rc in
	0) pass=$((pass + 1)); echo "PASS: $t";;
	77) skip=$((skip + 1)); echo "SKIP: $t: $(echo "$out" | tail -1)";;
	*) fail=$((fail + 1)); echo "FAIL: $t"; echo "$out" | sed 's/^/    /';;
	esac
done
echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
