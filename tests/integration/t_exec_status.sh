#!/bin/bash
# exec passes the exit code through and sees the node's /sys and hosts;
# status and ls describe the running lab.
. "$(dirname "$0")/lib.sh"
lab_up vswitch
in_node itvs a bash -c 'exit 7'; [ $? = 7 ] || fail "exit code not passed through"
in_node itvs a ls /sys/class/net | grep -qx eth0 || fail "/sys is not the node's"
in_node itvs a grep -q "10.10.0.2.*\bb\b" /etc/hosts || fail "hosts file not bound"
"$VLAB" exec itvs nosuch -- true 2>/dev/null && fail "exec into a missing node succeeded"
"$VLAB" ls | grep -q "^itvs *up" || fail "ls does not show itvs up"
st=$("$VLAB" status itvs) || fail "status"
echo "$st" | grep -q "10.10.0.1/24" || fail "status lacks a's address: $st"
js=$("$VLAB" status itvs --json) || fail "status --json"
echo "$js" | grep -q '"node":"b"' || fail "json lacks node b"
echo "$js" | grep -q '"rx_packets"' || fail "json lacks counters"
echo ok
