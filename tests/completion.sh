#!/bin/bash
# Completion completes what a user types: commands, options, topology
# files, running labs (from the state directory) and their nodes (from
# their namespaces), switches (from the lab's file). Runs the bash
# completion function on fake state and namespace directories (no root,
# no lab); the zsh one is checked for syntax. Usage: tests/completion.sh
set -u
cd "$(dirname "$0")/.."
bad=0
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
mkdir -p "$t/run/dc" "$t/run/dc-2" "$t/netns"
for n in dc-hv1 dc-vm1 dc-vm2 dc-2-hv9 other-x; do : > "$t/netns/vlab-$n"; done
printf '[lab]\nname = dc\n[switch tor]\n[switch vs1]\nhost = hv1\n[vm vm1]\nhost = hv1\nnic = eth0 vs1 10.0.0.1/24\nnic = eth1 vs1\n[vm vm2]\nhost = hv1\n' > "$t/dc.ini"
printf 'status up\nfile %s\n' "$t/dc.ini" > "$t/run/dc/state"

. completion/vlab.bash
_vlab_run_dir=$t/run _vlab_netns_dir=$t/netns
# comp 'WORDS...' WANT...: complete the last word; every WANT is offered
# (WANT prefixed with ! must not be)
comp() {
	local line=$1; shift
	read -ra COMP_WORDS <<< "$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_vlab vlab "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	local got=" ${COMPREPLY[*]} " w
	for w in "$@"; do
		if [[ $w == !* ]]; then
			[[ $got != *" ${w#!} "* ]] || { echo "completion: '$line' offers ${w#!}: [$got]"; bad=$((bad + 1)); }
		else
			[[ $got == *" $w "* ]] || { echo "completion: '$line' lacks $w: [$got]"; bad=$((bad + 1)); }
		fi
	done
}
comp "vlab " exec trace down up test
comp "vlab -q e" exec
comp "vlab down " dc dc-2
comp "vlab down dc-" dc-2 '!dc'
comp "vlab exec dc " hv1 vm1 vm2 '!2-hv9' '!hv9' '!x'
comp "vlab exec dc-2 " hv9 '!hv1'
comp "vlab shell dc v" vm1 vm2 '!hv1'
comp "vlab trace dc vm1 " vm2 hv1
comp "vlab capture dc " vm1: tor: vs1:
comp "vlab trace dc vm1 vm2 --" --json --probe --size
comp "vlab test --" --junit --json --only --keep --yes
comp "vlab status " dc dc-2
comp "vlab up topologies/vsw" topologies/vswitch.ini
comp "vlab fault dc " vm1: '!vm2:'
comp "vlab impair dc vm1:e" vm1:eth0 vm1:eth1
comp "vlab link dc vm1:eth0 " up down
if command -v zsh >/dev/null; then
	zsh -n completion/_vlab || { echo "completion: completion/_vlab: zsh syntax error"; bad=$((bad + 1)); }
	zshnote="zsh: syntax checked"
else
	zshnote="zsh: SKIP (zsh not installed: sudo make deps)"
fi
[ $bad = 0 ] && echo "completion: bash completes commands, options, files, labs, nodes, switches; $zshnote"
[ $bad = 0 ]
