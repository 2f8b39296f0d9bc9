# bash completion for vlab(1)                              -*- shell-script -*-
# Installed as share/bash-completion/completions/vlab. Lab names come from
# /run/vlab/*, node names from the lab's namespaces /run/netns/vlab-LAB-*.
# (The two directories are variables only so tests can point them elsewhere.)
_vlab_run_dir=/run/vlab
_vlab_netns_dir=/run/netns

_vlab_labs()
{
	local d
	for d in "$_vlab_run_dir"/*/; do
		[[ -d $d ]] || continue
		d=${d%/}
		printf '%s\n' "${d##*/}"
	done
}

# Nodes (and standalone switches) of lab $1: namespaces vlab-$1-NODE. A
# running lab whose name extends $1 ("dc" and "dc-2") owns its own entries.
_vlab_nodes()
{
	local lab=$1 ns node other skip
	local -a longer=()
	for other in $(_vlab_labs); do
		[[ $other == "$lab"-* ]] && longer+=("$other")
	done
	for ns in "$_vlab_netns_dir"/vlab-"$lab"-*; do
		[[ -e $ns ]] || continue
		ns=${ns##*/}
		skip=
		for other in "${longer[@]}"; do
			[[ $ns == vlab-"$other"-* ]] && skip=1 && break
		done
		[[ $skip ]] && continue
		node=${ns#vlab-"$lab"-}
		printf '%s\n' "$node"
	done
}

# Switches of lab $1, from the topology file its state records.
_vlab_switches()
{
	local f
	f=$(sed -n 's/^file //p' "$_vlab_run_dir/$1/state" 2>/dev/null | tail -1)
	[[ -r $f ]] || return
	sed -n 's/^[[:space:]]*\[switch[[:space:]]\{1,\}\([^]]*\)\].*/\1/p' "$f"
}

# Interfaces of node or switch $2 of lab $1, as NODE:IF. Reading another
# namespace needs root: without it, nothing (the NODE: part still completes).
_vlab_ifaces()
{
	local lab=$1 node=$2 ns n found=
	[[ $EUID == 0 ]] && command -v ip >/dev/null || return
	for ns in "$_vlab_netns_dir"/vlab-"$lab"-*; do
		[[ -e $ns ]] || continue
		ns=${ns##*/}
		n=${ns#vlab-"$lab"-}
		if [[ $n == "$node" ]]; then
			ip -n "$ns" -o link show 2>/dev/null
			found=1
		fi
	done | sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p' | grep -vx lo | sed "s/^/$node:/"
	# a switch: the bridge and its ports, in whichever namespace holds it
	for ns in "$_vlab_netns_dir"/vlab-"$lab"-*; do
		[[ -e $ns ]] || continue
		ns=${ns##*/}
		ip -n "$ns" -o link show dev "$node" >/dev/null 2>&1 || continue
		{ echo "0: $node:"; ip -n "$ns" -o link show master "$node" 2>/dev/null; } |
			sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p' | sed "s/^/$node:/"
	done
}

# bash splits "vm1:eth0" into vm1 : eth0 (':' is in COMP_WORDBREAKS): join
# them again into w[], with cw the index of the word being completed.
_vlab_join_colons()
{
	local k glue=
	w=() cw=0
	for ((k = 0; k <= COMP_CWORD && k < ${#COMP_WORDS[@]}; k++)); do
		if [[ ${COMP_WORDS[k]} == : || $glue ]] && ((${#w[@]})); then
			w[${#w[@]}-1]+=${COMP_WORDS[k]}
		else
			w+=("${COMP_WORDS[k]}")
		fi
		glue=
		[[ ${COMP_WORDS[k]} == : ]] && glue=1
	done
	((COMP_CWORD < ${#COMP_WORDS[@]})) || w+=("")
	cw=$((${#w[@]} - 1))
}

# NODE:IF of lab $1 for the word $2: nodes and switches first (with the
# colon, no space after), then their interfaces.
_vlab_targets()
{
	local lab=$1 cur=$2 w
	if [[ $cur == *:* ]]; then
		_vlab_words "$(_vlab_ifaces "$lab" "${cur%%:*}")" "$cur"
	else
		local -a words=()
		for w in $(_vlab_nodes "$lab") $(_vlab_switches "$lab"); do
			words+=("$w:")
		done
		_vlab_words "${words[*]}" "$cur"
		compopt -o nospace 2>/dev/null
	fi
}

# NICs of node $2 in lab $1, from the file the lab was built from (its
# state names it): `nic = NAME ...` in the node's section, `a|b = NODE NAME`
# in [link] sections. Works without root.
_vlab_nics()
{
	local lab=$1 node=$2 file
	file=$(sed -n 's/^file //p' "$_vlab_run_dir/$lab/state" 2>/dev/null | tail -1)
	file=$(printf '%b' "${file//%/\\x}")
	[[ -r $file ]] || return
	awk -v node="$node" '
		/^[ \t]*\[/ { s = $0; gsub(/[][]/, " ", s); split(s, w, " ");
			      kind = w[1]; name = w[2]; next }
		/^[ \t]*[;#]/ { next }
		{ line = $0; sub(/[;#].*/, "", line); eq = index(line, "=");
		  if (!eq) next
		  key = substr(line, 1, eq - 1); gsub(/[ \t]/, "", key)
		  n = split(substr(line, eq + 1), v, " ") }
		kind != "link" && name == node && key == "nic" && n { print v[1] }
		kind == "link" && (key == "a" || key == "b") && v[1] == node { print v[2] }
	' "$file" 2>/dev/null
}

# impair/link/fault: positional words with NODE:IF joined (bash splits
# words at ':' by default). Sets _vlab_pos (the words before the current
# one) and completes NODE:IF itself, returning 0 when it did.
_vlab_nodeif()
{
	local cur=$1 prev=$2 i w node
	_vlab_pos=()
	for ((i = 2; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == : || ${COMP_WORDS[i-1]} == : ]] && ((i > 2)) && ((${#_vlab_pos[@]})); then
			_vlab_pos[-1]+=$w
		elif [[ $w == -* ]]; then
			:
		else
			_vlab_pos+=("$w")
		fi
	done
	((${#_vlab_pos[@]} >= 1)) || return 1
	local lab=${_vlab_pos[0]}
	if [[ $prev == : && ${#_vlab_pos[@]} == 2 ]]; then
		node=${_vlab_pos[1]%:}
		_vlab_words "$(_vlab_nics "$lab" "$node")" "$cur"
		return 0
	fi
	if [[ $cur == : && ${#_vlab_pos[@]} == 2 ]]; then
		node=${_vlab_pos[1]}
		for w in $(_vlab_nics "$lab" "$node"); do COMPREPLY+=(":$w"); done
		return 0
	fi
	((${#_vlab_pos[@]} == 1)) || return 1
	if [[ $cur == *:* ]]; then
		node=${cur%%:*}
		for w in $(_vlab_nics "$lab" "$node"); do
			[[ $node:$w == "$cur"* ]] && COMPREPLY+=("$node:$w")
		done
		return 0
	fi
	[[ $cur == -* ]] && return 1
	for w in $(_vlab_nodes "$lab"); do
		[[ $w == "$cur"* ]] && [[ -n $(_vlab_nics "$lab" "$w") ]] && COMPREPLY+=("$w:")
	done
	compopt -o nospace 2>/dev/null
	return 0
}

# Topology files: *.ini and directories to descend into.
_vlab_files()
{
	local cur=$1 IFS=$'\n'
	compopt -o filenames 2>/dev/null
	COMPREPLY+=($(compgen -d -- "$cur"))
	COMPREPLY+=($(compgen -f -X '!*.ini' -- "$cur"))
}

# Words of $1 (blank or newline separated) that start with $2.
_vlab_words()
{
	local IFS=$' \t\n'
	COMPREPLY+=($(compgen -W "$1" -- "$2"))
}

_vlab()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="check plan graph up apply migrate down status ls exec shell test capture stats trace impair link fault clean doctor help"
	COMPREPLY=()

	# global -q/-v may come before the command
	local c0=1
	while ((c0 < COMP_CWORD)); do
		case ${COMP_WORDS[c0]} in
		-q | -v | --quiet | --verbose) ((c0++)) ;;
		*) break ;;
		esac
	done
	if ((COMP_CWORD == c0)); then
		_vlab_words "$commands --version --help -q --quiet -v --verbose" "$cur"
		return
	fi

	local cmd=${COMP_WORDS[c0]} i
	# positional arguments before the current word (options left out)
	local -a args=()
	for ((i = c0 + 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--svg | --junit | --only | -j | --against | --switch) ((i++)) ;;
		-*) ;;
		*) args+=("${COMP_WORDS[i]}") ;;
		esac
	done

	case $cmd in
	check)
		if [[ $cur == -* ]]; then
			_vlab_words "--json" "$cur"
		elif ((${#args[@]} == 0)); then
			_vlab_files "$cur"
		fi
		;;
	up)
		if [[ $cur == -* ]]; then
			_vlab_words "--yes" "$cur"
		elif ((${#args[@]} == 0)); then
			_vlab_files "$cur"
		fi
		;;
	plan)
		if [[ $prev == --against ]]; then
			_vlab_words "$(_vlab_labs)" "$cur"
		elif [[ $cur == -* ]]; then
			_vlab_words "--json --teardown --against" "$cur"
		elif ((${#args[@]} == 0)); then
			_vlab_files "$cur"
		fi
		;;
	graph)
		if [[ $prev == --svg ]]; then
			compopt -o filenames 2>/dev/null
			local IFS=$'\n'
			COMPREPLY=($(compgen -f -- "$cur"))
		elif [[ $cur == -* ]]; then
			_vlab_words "--svg --all" "$cur"
		elif ((${#args[@]} == 0)); then
			_vlab_words "$(_vlab_labs)" "$cur"
			_vlab_files "$cur"
		fi
		;;
	apply)
		if [[ $cur == -* ]]; then
			_vlab_words "--dry-run --json" "$cur"
		elif ((${#args[@]} == 0)); then
			_vlab_files "$cur"
		fi
		;;
	migrate)
		# vlab migrate LAB VM HOST [--switch SW] [--dry-run]
		if [[ $cur == -* ]]; then
			_vlab_words "--switch --dry-run --json" "$cur"
		elif ((${#args[@]} == 0)); then
			_vlab_words "$(_vlab_labs)" "$cur"
		elif ((${#args[@]} <= 2)) && [[ $prev != --switch ]]; then
			_vlab_words "$(_vlab_nodes "${args[0]}")" "$cur"
		fi
		;;
	down)
		if ((${#args[@]} == 0)); then
			_vlab_words "$(_vlab_labs)" "$cur"
			_vlab_files "$cur"
		fi
		;;
	status)
		if [[ $cur == -* ]]; then
			_vlab_words "--json" "$cur"
		elif ((${#args[@]} == 0)); then
			_vlab_words "$(_vlab_labs)" "$cur"
		fi
		;;
	exec)
		# vlab exec LAB NODE -- CMD [ARG...]
		local dd
		for ((dd = 2; dd < COMP_CWORD; dd++)); do
			[[ ${COMP_WORDS[dd]} == -- ]] && break
		done
		if ((dd < COMP_CWORD)); then
			if declare -F _command_offset >/dev/null; then
				_command_offset $((dd + 1))
			elif ((COMP_CWORD == dd + 1)); then
				local IFS=$'\n'
				COMPREPLY=($(compgen -c -- "$cur"))
			else
				compopt -o default 2>/dev/null
			fi
			return
		fi
		case ${#args[@]} in
		0) _vlab_words "$(_vlab_labs)" "$cur" ;;
		1) _vlab_words "$(_vlab_nodes "${args[0]}")" "$cur" ;;
		2) _vlab_words "--" "$cur" ;;
		esac
		;;
	shell)
		case ${#args[@]} in
		0) _vlab_words "$(_vlab_labs)" "$cur" ;;
		1) _vlab_words "$(_vlab_nodes "${args[0]}")" "$cur" ;;
		esac
		;;
	test)
		# vlab test FILE|LAB [--keep] [--only NAME] [-j N] [--junit OUT] [--json] [--yes]
		if [[ $prev == --junit ]]; then
			compopt -o filenames 2>/dev/null
			local IFS=$'\n'
			COMPREPLY=($(compgen -f -- "$cur"))
		elif [[ $prev == --only ]]; then
			# the [test NAME] sections of the file given (if any yet)
			[[ ${args[0]} == *.ini && -r ${args[0]} ]] &&
				_vlab_words "$(sed -n 's/^[[:blank:]]*\[test[[:blank:]]\{1,\}\([^]]*\)\].*/\1/p' "${args[0]}")" "$cur"
		elif [[ $prev == -j ]]; then
			_vlab_words "1 2 4 8 16 32" "$cur"
		elif [[ $cur == -* ]]; then
			_vlab_words "--keep --only --junit --json --yes -j" "$cur"
		elif ((${#args[@]} == 0)); then
			_vlab_words "$(_vlab_labs)" "$cur"
			_vlab_files "$cur"
		fi
		;;
	capture | stats)
		# vlab capture LAB NODE:IF [-c N] [-w FILE|-] [FILTER...]
		# vlab stats LAB [NODE[:IF]] [--json] [--watch [S]] [--count N]
		local -a w=() pa=()
		local cw c p
		_vlab_join_colons
		c=${w[cw]} p=${w[cw-1]}
		for ((i = 2; i < cw; i++)); do
			case ${w[i]} in
			-c | -w | --count) ((i++)) ;;
			--watch) [[ ${w[i+1]} == [0-9]* ]] && ((i++)) ;;
			-*) ;;
			*) pa+=("${w[i]}") ;;
			esac
		done
		if [[ $p == -w && $cmd == capture ]]; then
			compopt -o filenames 2>/dev/null
			local IFS=$'\n'
			COMPREPLY=($(compgen -f -- "$c"))
		elif [[ $p == -c || $p == --count || $p == --watch ]]; then
			:
		elif [[ $c == -* ]]; then
			[[ $cmd == capture ]] && _vlab_words "-c -w" "$c"
			[[ $cmd == stats ]] && _vlab_words "--json --watch --count" "$c"
		elif ((${#pa[@]} == 0)); then
			_vlab_words "$(_vlab_labs)" "$c"
		elif ((${#pa[@]} == 1)); then
			if [[ $cmd == stats && $c != *:* ]]; then
				_vlab_words "$(_vlab_nodes "${pa[0]}") $(_vlab_switches "${pa[0]}")" "$c"
			else
				_vlab_targets "${pa[0]}" "$c"
			fi
			# bash replaces only what follows the last ':' of the word
			[[ $c == *:* ]] && COMPREPLY=("${COMPREPLY[@]#"${c%"${c##*:}"}"}")
		elif [[ $cmd == capture ]]; then
			_vlab_words "icmp icmp6 arp tcp udp port host net and or not vlan" "$c"
		fi
		;;
	trace)
		# vlab trace LAB SRC DST [--size N] [--json] [--probe]; SRC and DST
		# are nodes or NODE:IF (DST may be an address)
		local -a w=() pa=()
		local cw c p
		_vlab_join_colons
		c=${w[cw]} p=${w[cw-1]}
		for ((i = 2; i < cw; i++)); do
			case ${w[i]} in
			--size) ((i++)) ;;
			-*) ;;
			*) pa+=("${w[i]}") ;;
			esac
		done
		if [[ $p == --size ]]; then
			_vlab_words "84 1400 1450 1500 9000" "$c"
		elif [[ $c == -* ]]; then
			_vlab_words "--size --json --probe" "$c"
		elif ((${#pa[@]} == 0)); then
			_vlab_words "$(_vlab_labs)" "$c"
		elif ((${#pa[@]} <= 2)); then
			if [[ $c == *:* ]]; then
				_vlab_words "$(_vlab_ifaces "${pa[0]}" "${c%%:*}")" "$c"
				COMPREPLY=("${COMPREPLY[@]#"${c%"${c##*:}"}"}")
			else
				_vlab_words "$(_vlab_nodes "${pa[0]}")" "$c"
			fi
		fi
		;;
	impair | link | fault)
		# vlab impair|link|fault LAB NODE:IF ...
		if _vlab_nodeif "$cur" "$prev"; then
			:
		elif ((${#_vlab_pos[@]} == 0)); then
			[[ $cur == -* ]] || _vlab_words "$(_vlab_labs)" "$cur"
		else
			local n=${#_vlab_pos[@]}
			case $cmd in
			impair)
				if [[ $cur == -* ]]; then
					_vlab_words "--show --reset --clear" "$cur"
				elif ((n >= 2)); then
					compopt -o nospace 2>/dev/null
					_vlab_words "rate= delay= jitter= loss= duplicate= corrupt= reorder= burst= limit= in out" "$cur"
				fi
				;;
			link) ((n == 2)) && _vlab_words "down up" "$cur" ;;
			fault)
				if [[ $cur == -* ]]; then
					_vlab_words "--stop" "$cur"
				elif ((n == 2)); then
					_vlab_words "flap loss delay" "$cur"
				elif ((n == 4)); then
					_vlab_words "for" "$cur"
				fi
				;;
			esac
		fi
		;;
	clean)
		_vlab_words "--all --dry-run" "$cur"
		;;
	doctor)
		if [[ $cur == -* ]]; then
			_vlab_words "--json" "$cur"
		elif ((${#args[@]} == 0)); then
			_vlab_files "$cur"
		fi
		;;
	help)
		((${#args[@]} == 0)) && _vlab_words "$commands" "$cur"
		;;
	ls) [[ $cur == -* ]] && _vlab_words "--json" "$cur" ;;
	esac
	if [[ $cur == -* && ${#COMPREPLY[@]} -eq 0 && $cmd != exec ]]; then
		_vlab_words "--help -q --quiet -v --verbose" "$cur"
	fi
}

complete -F _vlab vlab
