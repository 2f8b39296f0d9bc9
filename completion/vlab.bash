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
	local commands="check plan graph up apply migrate down status ls exec shell clean doctor help"
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
		--svg | --against | --switch) ((i++)) ;;
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
			_vlab_words "--svg" "$cur"
		elif ((${#args[@]} == 0)); then
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
