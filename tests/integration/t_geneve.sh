#!/bin/bash
# A Geneve overlay joins three hypervisors on three routed underlay subnets
# (a tunnel per remote VTEP); the VMs share one L2 segment, not the underlay.
. "$(dirname "$0")/lib.sh"
need_feature CONFIG_GENEVE
lab_up geneve
pings itgn hv1 192.168.73.10 || fail "underlay: hv1 cannot reach hv3 through the router"
pings itgn g1 10.70.0.2 || fail "g1 cannot reach g2 over geneve"
pings itgn g1 10.70.0.3 || fail "g1 cannot reach g3 over geneve"
pings itgn g3 10.70.0.2 || fail "g3 cannot reach g2 over geneve"
pings itgn g1 10.70.0.2 -M do -s 1472 || fail "a full 1500-byte frame does not cross (underlay MTU 1600)"
pings_once itgn g1 192.168.71.10 && fail "g1 reaches the underlay"
echo ok
