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
	local commands="check plan graph up down status ls exec shell impair link fault clean doctor help"
	COMPREPLY=()

	if ((COMP_CWORD == 1)); then
		_vlab_words "$commands --version --help" "$cur"
		return
	fi

	local cmd=${COMP_WORDS[1]} i
	# positional arguments before the current word (options left out)
	local -a args=()
	for ((i = 2; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--svg) ((i++)) ;;
		-*) ;;
		*) args+=("${COMP_WORDS[i]}") ;;
		esac
	done

	case $cmd in
	check)
		if [[ $cur == -* ]]; then
			_vlab_words "-q --quiet" "$cur"
		elif ((${#args[@]} == 0)); then
			_vlab_files "$cur"
		fi
		;;
	up)
		((${#args[@]} == 0)) && _vlab_files "$cur"
		;;
	plan)
		if [[ $cur == -* ]]; then
			_vlab_words "--json --teardown" "$cur"
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
			_vlab_words "--svg" "$cur"
		elif ((${#args[@]} == 0)); then
			_vlab_files "$cur"
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
		((${#args[@]} == 0)) && _vlab_files "$cur"
		;;
	help)
		((${#args[@]} == 0)) && _vlab_words "$commands" "$cur"
		;;
	ls) ;;
	esac
	if [[ $cur == -* && ${#COMPREPLY[@]} -eq 0 && $cmd != exec ]]; then
		_vlab_words "--help" "$cur"
	fi
}

complete -F _vlab vlab
