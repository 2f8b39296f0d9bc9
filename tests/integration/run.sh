#!/bin/bash
# Root tests: build real labs, prove them with packets, tear down, prove
# nothing is left (VLAB_ONLY=t_x.sh,... runs only those). Each DIR/t_*.sh is one test: exit 0 pass, 77 skip (last
# line says why), anything else fail. Default DIR: tests/integration.
set -u
vlab=$(readlink -f "${1:?usage: run.sh VLAB [DIR]}")
cd "$(dirname "$0")/../.."
dir=${2:-tests/integration}
name=$(basename "$dir")
if [ "$(id -u)" != 0 ]; then
	echo "$name: SKIP (needs root: run 'sudo make check')"
	exit 0
fi
pass=0 fail=0 skip=0
# VLAB_ONLY=t_a.sh,t_b.sh: only those tests of DIR (a developer's rerun)
tests=("$dir"/t_*.sh)
if [ -n "${VLAB_ONLY:-}" ]; then
	IFS=, read -ra only <<< "$VLAB_ONLY"
	tests=("${only[@]/#/$dir/}")
fi
for t in "${tests[@]}"; do
	if [ ! -e "$t" ]; then
		[ -z "${VLAB_ONLY:-}" ] && continue
		fail=$((fail + 1)); echo "FAIL: $t: no such test"; continue
	fi
	start=$(date +%s%N)
	out=$(VLAB="$vlab" timeout -k 5 "${VLAB_TEST_TIMEOUT:-300}" bash "$t" 2>&1 </dev/null); rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	case $rc in
	0) pass=$((pass + 1)); echo "PASS: $t (${ms} ms)${out:+: $(echo "$out" | tail -1)}";;
	77) skip=$((skip + 1)); echo "SKIP: $t: $(echo "$out" | tail -1)";;
	*) fail=$((fail + 1)); echo "FAIL: $t (exit $rc, ${ms} ms)"; echo "$out" | tail -40 | sed 's/^/    /';;
	esac
done
echo "$name: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
