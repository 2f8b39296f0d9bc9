#!/bin/bash
# TEMPORARY (helper D): proves the qemu harness runs integration tests.
set -eu
"$VLAB" --version >/dev/null 2>&1 || "$VLAB" help >/dev/null 2>&1 || true
ldd "$VLAB" | grep -q 'not found' && { echo "vlab libs missing"; exit 1; }
ip netns add qsmoke; trap 'ip netns del qsmoke' EXIT
ip -n qsmoke link add v0 type vlan id 5 link lo 2>/dev/null || true
timeout 5 sleep 0.1; seq 3 | awk '{s+=$1} END {exit s!=6}'
echo ok
