# Shared by the stress tests: sourced, not run. $VLAB is the binary.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Print every object of lab $1 still on the machine (nothing = clean).
leftovers() {
	local lab=$1
	ls /run/netns 2>/dev/null | grep -E "^vlab-$lab-" | sed 's/^/netns: /'
	grep -E " /run/netns/vlab-$lab-" /proc/self/mountinfo | awk '{print "mount: " $5}'
	[ -e "/run/vlab/$lab" ] && echo "state: /run/vlab/$lab"
	ls -d /etc/netns/vlab-"$lab"-* 2>/dev/null | sed 's/^/etc: /'
	ip -o link show | grep -F "vlab:$lab" | sed 's/^/root device: /'
	true
}

# Fail the test with a message.
fail() { echo "FAIL: $*"; exit 1; }

# A lab with hosts, a physical switch, vSwitches, VMs, a router, a link
# and an overlay: every kind of object this kernel can build.
rep_lab() { # NAME
	cat <<EOT
[lab]
name = $1
[switch tor]
mtu = 1600
[host hv1]
nic = eth0 tor 192.168.50.1/24
[host hv2]
nic = eth0 tor 192.168.50.2/24
[switch vs1]
host = hv1
[switch vs2]
host = hv2
[overlay ov]
type = vxlan
vni = 77
switches = vs1 vs2
[vm a]
host = hv1
nic = eth0 vs1 10.77.0.1/24
gateway = 10.77.0.254
[vm b]
host = hv2
nic = eth0 vs2 10.77.0.2/24 rate=50mbit
[router r]
host = hv1
nic = eth0 vs1 10.77.0.254/24
[vm c]
[link rc]
a = r eth1 10.78.0.1/30
b = c eth0 10.78.0.2/30
EOT
}

# A lab of N VMs on 4 hosts: big enough that `up` takes a while.
big_lab() { # NAME N
	cat <<EOT
[lab]
name = $1
[host hv1..4]
[switch vs1..4]
host = hv\$i
subnet = 10.9\$i.0.0/16
[vm v1..$2]
host = hv1..4
nic = eth0 vs\$h auto
EOT
}

# Wait (polling, with a deadline) until process $1 is stopped (state T):
# it reached its VLAB_FAULT_AT phase with VLAB_FAULT_MODE=stop.
# 1 when it exited or the deadline passed.
wait_stopped() { # PID [SECONDS]
	local pid=$1 until=$(( $(date +%s) + ${2:-60} )) st
	while [ "$(date +%s)" -le $until ]; do
		st=$(sed 's/^.*) //' /proc/"$pid"/stat 2>/dev/null | cut -d' ' -f1)
		[ "$st" = T ] && return 0
		[ -z "$st" ] || [ "$st" = Z ] && return 1
		sleep 0.01
	done
	return 1
}

# Exit status a signal gives: INT 130, HUP 129, TERM 143, KILL 137.
sig_rc() { echo $(( 128 + $(kill -l "$1") )); }

# Namespaces of lab $1 that exist now.
lab_ns_count() { ls /run/netns 2>/dev/null | grep -cE "^vlab-$1-"; }
