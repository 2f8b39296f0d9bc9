#!/bin/bash
# `sudo make demo`: check, plan and build the default lab, show its status
# and a ping across the VXLAN overlay, and leave it running to explore.
set -eu
vlab=${1:?usage: demo.sh VLAB FILE}
lab_file=${2:?usage: demo.sh VLAB FILE}
# bold headings on a terminal only, never with NO_COLOR (https://no-color.org):
# `sudo make demo > demo.log` gets plain text
bold= plain=
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-}" != dumb ]; then
	bold=$(printf '\033[1m') plain=$(printf '\033[0m')
fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

step "vlab check $lab_file"
"$vlab" check "$lab_file"

step "vlab plan $lab_file (first lines)"
"$vlab" plan "$lab_file" | head -n 15
echo "..."

if [ "$(id -u)" != 0 ]; then
	echo; echo "vlab up needs root: run 'sudo make demo'."; exit 1
fi

step "vlab up $lab_file"
"$vlab" up "$lab_file"

step "vlab status demo"
"$vlab" status demo

step "vm1 (on hv1) pings vm2 (on hv2) over VXLAN across the routed underlay"
"$vlab" exec demo vm1 -- ping -c 3 -W 1 10.0.0.12

step "vm1 reaches vm3 by name (/etc/netns/vlab-demo-vm1/hosts)"
"$vlab" exec demo vm1 -- ping -c 1 -W 1 vm3

cat <<EOT

The lab is running. Try:
  sudo $vlab exec demo vm2 -- ip -br addr
  sudo $vlab exec demo hv1 -- ip -d link show vx100
  sudo $vlab shell demo vm1
  $vlab graph $lab_file | dot -Tsvg > demo.svg
Tear it down (leaves nothing behind):
  sudo $vlab down demo
EOT
