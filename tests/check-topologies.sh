#!/bin/bash
# `vlab check`, `vlab plan` and `vlab graph` must accept every bundled lab.
set -u
vlab=${1:?usage: check-topologies.sh VLAB}
pass=0 fail=0
for f in topologies/*.ini; do
	[ -e "$f" ] || continue
	ok=1
	"$vlab" check "$f" >/dev/null 2>/tmp/vlab-check.$$ || ok=0
	"$vlab" plan "$f" >/dev/null 2>>/tmp/vlab-check.$$ || ok=0
	"$vlab" plan --json "$f" >/dev/null 2>>/tmp/vlab-check.$$ || ok=0
	"$vlab" graph "$f" >/dev/null 2>>/tmp/vlab-check.$$ || ok=0
	if [ $ok = 1 ]; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: $f"; cat /tmp/vlab-check.$$; fi
done
rm -f /tmp/vlab-check.$$
echo "topologies: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
