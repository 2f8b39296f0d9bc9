#!/bin/bash
# The man pages cover the tool: every command `vlab help` lists has its
# entry in vlab(1), every option a command's help names is in vlab(1),
# every exit status in include/vlab/cmd.h is in its EXIT STATUS, every
# section key and NIC option the parser accepts is in vlab.ini(5), and
# every command and option is completed by both completion scripts.
# No root. Usage: tests/man.sh VLAB
set -u
vlab=${1:?usage: man.sh VLAB}
cd "$(dirname "$0")/.."
bad=0
miss() { echo "man: $*"; bad=$((bad + 1)); }
render() { nroff -man -rLL=250n "$1" 2>/dev/null | col -b; }
m1=$(render man/vlab.1) m5=$(render man/vlab.ini.5)
[ -n "$m1" ] && [ -n "$m5" ] || { echo "man: cannot render the man pages (nroff: sudo make deps installs groff-base)"; exit 1; }
bash_c=$(cat completion/vlab.bash) zsh_c=$(cat completion/_vlab)

cmds=$("$vlab" help 2>&1 | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z]*\) .*/\1/p')
[ "$(echo "$cmds" | wc -w)" -ge 15 ] || { echo "man: vlab help lists too few commands: $cmds"; exit 1; }
opts=""
for c in $cmds; do
	echo "$m1" | grep -qE "^ {7}$c( |$)" || miss "vlab.1 has no entry for command $c"
	echo "$bash_c" | grep -qw -- "$c" || miss "completion/vlab.bash does not complete command $c"
	echo "$zsh_c" | grep -qw -- "$c" || miss "completion/_vlab does not complete command $c"
	for o in $("$vlab" help "$c" 2>&1 | grep -oE '(^|[][ |,(])--?[a-zA-Z][a-zA-Z-]*' |
		   sed 's/^[][ |,(]//' | sort -u); do
		opts="$opts $c:$o"
		echo "$m1" | grep -qE -- "(^|[^a-zA-Z-])$o([^a-zA-Z-]|$)" ||
			miss "vlab.1 does not document option $o (vlab help $c)"
		case $o in --*)
			echo "$bash_c" | grep -q -- "$o" || miss "completion/vlab.bash lacks $o ($c)"
			echo "$zsh_c" | grep -q -- "$o" || miss "completion/_vlab lacks $o ($c)";;
		esac
	done
done

exit_sec=$(echo "$m1" | sed -n '/^EXIT STATUS/,/^[A-Z]/p')
for n in $(sed -n 's/^\s*VL_EXIT_[A-Z]* = \([0-9]*\),.*/\1/p' include/vlab/cmd.h); do
	echo "$exit_sec" | grep -qE "^ {7}$n( |\$)" || miss "vlab.1 EXIT STATUS lacks $n"
done

keys=$(sed -n '/^#define SHAPE_KEYS/,/^static const struct {/p' src/parse.c |
	grep -o '{"[a-z0-9_!]*", *\(true\|false\)}' | sed 's/{"\([^"]*\)".*/\1/' | sort -u)
[ "$(echo "$keys" | wc -w)" -ge 40 ] || { echo "man: found too few keys in src/parse.c"; exit 1; }
nicopts=$(sed -n '/static const char \*const opts\[\] = {"mac"/,/};/p' src/parse.c |
	grep -o '"[a-z_]*"' | tr -d '"')
[ "$(echo "$nicopts" | wc -w)" -ge 20 ] || { echo "man: found too few NIC options in src/parse.c"; exit 1; }
for k in $keys; do
	echo "$m5" | grep -qE "(^|[^a-z_])${k//!/\\!} *=" || miss "vlab.ini.5 does not document key $k"
done
echo "$m5" | grep -q "prefix in_ shape traffic arriving" || miss "vlab.ini.5 does not explain the in_ prefix"
for k in $nicopts; do
	k=${k#in_} # in_X: X and the in_ prefix, documented once
	echo "$m5" | grep -qE "(^|[^a-z_])$k(=|[^a-z_]|$)" || miss "vlab.ini.5 does not document NIC option $k"
done
n=$(( $(echo "$cmds" | wc -w) ))
if [ $bad = 0 ]; then
	echo "man: $n commands, $(echo $opts | wc -w) options, $(echo "$keys" | wc -w) keys, $(echo "$nicopts" | wc -w) NIC options documented and completed"
fi
[ $bad = 0 ]
