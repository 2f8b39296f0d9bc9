#!/bin/bash
# clean removes leftovers only: beside a healthy running lab, a lab whose
# state was lost and a lab whose `up` was killed -9 half way are removed,
# the healthy one keeps working. --dry-run prints the same list as the
# real run. A lab another command holds the lock of is skipped. --all
# removes every lab. Unmarked vlab-* namespaces are never touched.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
$IP netns add vlab-decoy-y || fail "decoy"
trap '$IP netns del vlab-decoy-y 2>/dev/null; exec 9>&-; rm -rf "$tmp"; cleanup_labs' EXIT
# other labs on the machine are not this test's business: compare ours
mine() { snapshot | grep -E '^==|itvs|itrt|itvx|decoy'; }
for l in itvs itrt itvx; do "$VLAB" down $l >/dev/null 2>&1; done # an earlier failed test's
before=$(mine)

# what clean printed, the verb made neutral: dry run and real run compare
neutral() { sed -E 's/would remove|removing|removed/REMOVE/'; }

lab_up vswitch                                  # itvs: healthy, must survive
"$VLAB" up "$LABS/router.ini" >/dev/null || fail "up router"
LABS_UP+=(itrt)
rm -rf /run/vlab/itrt                           # itrt: state lost
file=$LABS/overlay.ini                          # itvx: up killed -9 half way
k=$(( $(plan_ops "$file") / 2 ))
VLAB_FAULT_AT=$k VLAB_FAULT_MODE=stop "$VLAB" up "$file" >/dev/null 2>&1 &
pid=$!
LABS_UP+=(itvx)
wait_until 10 is_stopped $pid || { kill -9 $pid; fail "up did not stop at op $k"; }
kill -9 $pid; wait $pid 2>/dev/null
grep -q '^status building' /run/vlab/itvx/state || fail "no half-made state for itvx"

dry=$("$VLAB" clean --dry-run) || fail "clean --dry-run: $dry"
[ -e /run/netns/vlab-itrt-r1 ] || fail "dry run removed something"
real=$("$VLAB" clean) || fail "clean: $real"
if [ "$(echo "$dry" | neutral)" != "$(echo "$real" | neutral)" ]; then
	diff <(echo "$dry" | neutral) <(echo "$real" | neutral)
	fail "dry run and real run listed different things"
fi
echo "$real" | neutral | grep -q "REMOVE namespace vlab-itrt-r1" || fail "itrt not listed: $real"
echo "$real" | neutral | grep -q "REMOVE namespace vlab-itvx-" || fail "itvx not listed: $real"
echo "$real" | grep -q "vlab-itvs-" && fail "healthy lab listed: $real"
echo "$real" | grep -q "keeping lab itvs" || fail "healthy lab not reported as kept: $real"
ls /run/netns | grep -qE '^vlab-(itrt|itvx)-' && fail "crashed labs' namespaces left: $(ls /run/netns)"
ls /etc/netns 2>/dev/null | grep -qE '^vlab-(itrt|itvx)-' && fail "crashed labs' /etc/netns left"
[ -e /run/vlab/itvx ] && fail "crashed lab's state left"
[ -e /run/netns/vlab-decoy-y ] || fail "clean removed an unmarked namespace"
pings itvs a b || fail "healthy lab itvs no longer pings after clean"

# --all takes every lab on the machine: never a user's or another test's
others=$(ls /run/vlab 2>/dev/null | grep -vxE 'itvs|itrt|itvx')
if [ -n "$others" ]; then
	"$VLAB" down itvs >/dev/null || fail "down itvs"
	same_snapshot "$before" "$(mine)" "clean"
	echo "clean: healthy lab kept beside 2 crashed ones, dry run == real run" \
		"(--all not tried: other labs are running: $(echo $others))"
	exit 0
fi

# a busy lab is skipped: hold its lock until we say so (a fifo, not a sleep)
mkfifo "$tmp/go"
flock /run/vlab/itvs/lock "$BASH" -c "echo held > $tmp/held; read x < $tmp/go" &
holder=$!
wait_until 10 test -s "$tmp/held" || fail "lock holder did not start"
out=$("$VLAB" clean --all); rc=$?
echo ok > "$tmp/go"; wait $holder
[ $rc = 4 ] || fail "clean --all with a busy lab: exit $rc, want 4 (busy): $out"
echo "$out" | grep -q "lab itvs is busy" || fail "busy lab not reported: $out"
[ -e /run/netns/vlab-itvs-a ] || fail "busy lab was touched"

# --all removes the healthy lab too
out=$("$VLAB" clean --all) || fail "clean --all: $out"
echo "$out" | grep -q "lab itvs (--all)" || fail "--all did not take itvs: $out"
[ -e /run/netns/vlab-decoy-y ] || fail "clean --all removed an unmarked namespace"
same_snapshot "$before" "$(mine)" "clean"
echo "clean: healthy lab kept beside 2 crashed ones, dry run == real run, busy lab skipped"
