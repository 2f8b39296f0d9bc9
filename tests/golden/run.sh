#!/bin/bash
# Golden plans: `vlab plan X.ini` must print exactly X.plan.
#   tests/golden/run.sh [VLAB]            compare (exit 1 on any difference)
#   tests/golden/run.sh [VLAB] --update   rewrite the .plan files
# A changed plan is not wrong by itself: read the diff, then --update.
set -u
here=$(cd "$(dirname "$0")" && pwd)
vlab=$here/../../build/vlab
update=0
for a in "$@"; do
	case $a in
	--update) update=1 ;;
	*) vlab=$a ;;
	esac
done
[ -x "$vlab" ] || { echo "golden: $vlab not built" >&2; exit 2; }
vlab=$(cd "$(dirname "$vlab")" && pwd)/$(basename "$vlab")

pass=0 fail=0
for ini in "$here"/*.ini; do
	name=$(basename "$ini" .ini)
	want="$here/$name.plan"
	# run from the golden dir so file names in messages stay short
	got=$(cd "$here" && "$vlab" plan "$name.ini" 2>/dev/null) || {
		# keep the diagnostics for the reader
		(cd "$here" && "$vlab" plan "$name.ini" >/dev/null)
		echo "FAIL: $name: vlab plan failed"
		fail=$((fail + 1))
		continue
	}
	if [ "$update" = 1 ]; then
		printf '%s\n' "$got" >"$want"
		echo "updated $name.plan"
		pass=$((pass + 1))
	elif [ ! -f "$want" ]; then
		echo "FAIL: $name: no $name.plan (run $0 --update)"
		fail=$((fail + 1))
	elif diff -u "$want" <(printf '%s\n' "$got") >/tmp/vlab-golden-$$.diff; then
		pass=$((pass + 1))
	else
		echo "FAIL: $name: plan differs from $name.plan:"
		cat /tmp/vlab-golden-$$.diff
		fail=$((fail + 1))
	fi
	rm -f /tmp/vlab-golden-$$.diff
done
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
