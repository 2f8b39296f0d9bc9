#!/bin/bash
# A Geneve overlay joins three hypervisors' vSwitches (a tunnel per remote).
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_GENEVE
lab_up geneve
pings itgn g1 10.70.0.2 || fail "g1 cannot reach g2 over geneve"
pings itgn g1 10.70.0.3 || fail "g1 cannot reach g3 over geneve"
pings itgn g3 10.70.0.2 || fail "g3 cannot reach g2 over geneve"
echo ok
