#!/bin/bash
# rate=20mbit on b's NIC: a TCP transfer from b stays within 10% of 20 Mbit/s,
# while the other direction is not held to it.
. "$(dirname "$0")/lib.sh"
command -v iperf3 >/dev/null || skip "iperf3 is not installed"
lab_up rate
# The shaper never lets more than 22 Mbit/s through (every run must hold
# that); that it lets 18 through is shown by any one run reaching it: on a
# loaded machine (the ASan tier beside the qemu guest) iperf3 itself may
# be starved for a while and deliver less (17.6 once), which says nothing
# about the shaper. Up to three runs, each with its own server and port.
b_to_a() { iperf_mbit itrate b a 10.88.0.1 $((5200 + $1)) 3; measured=$mb; } # TRY
at_most_22() { awk -v m="$1" 'BEGIN { exit !(m <= 22) }' || fail "b -> a ran at $1 Mbit/s, above 20 + 10%"; }
at_least_18() { awk -v m="$1" 'BEGIN { exit !(m >= 18) }'; }
best_of 3 b_to_a at_most_22 at_least_18 "b -> a within 10% of 20 Mbit/s"
runs=$tries
iperf_mbit itrate a b 10.88.0.2 5210 2
awk -v m="$mb" 'BEGIN { exit !(m > 40) }' ||
	fail "a -> b ran at $mb Mbit/s: the unshaped direction is limited too"
echo "rate: b -> a$runs Mbit/s (limit 20)"
