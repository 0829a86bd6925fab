#!/usr/bin/env bash
# Terminal behaviour, under a real pseudo-terminal (script(1), util-linux):
# the progress bar appears on stderr only when stderr is a TTY and not
# asked away; colour appears in the table only when stdout is a TTY and
# neither --no-color nor NO_COLOR says otherwise.
. "$(dirname "$0")/lib.sh"
command -v script >/dev/null || { echo "not ok - script(1) missing (bsdutils)"; exit 1; }
esc=$(printf '\033')

exo_forwarded "$TMP/fw.eml"

# on_tty OUT CMD: runs the shell command CMD with a pseudo-terminal as its
# standard output and error; what the terminal showed goes to OUT.
on_tty() {
	local out=$1; shift
	script -qec "$*" /dev/null </dev/null >"$out" 2>&1
}

# Standard input held open for a second keeps the scan running for several
# of the bar's 200 ms ticks, whatever the build's speed.
slow="(cat '$TMP/fw.eml'; sleep 1.2)"
bar='\[[#.]{40}\] +[0-9]+%'

on_tty "$TMP/p1" "$slow | '$MH_BIN' scan -f jsonl -o '$TMP/o1' -"
check "TTY stderr: progress bar drawn" grep -aEq "$bar" "$TMP/p1"
check "TTY stderr: bar reaches 100% of 1 input" grep -aq '100% 0 MB, 1 of 1 inputs' "$TMP/p1"
check "TTY stderr: bar cleared before the summary" \
	grep -aq "$esc\[Kmailhunt: 1 files" "$TMP/p1"
check "TTY stderr: findings still written to -o" \
	jq -e -s 'length == 1 and .[0].rule_id == "MH-FWD-EXT"' "$TMP/o1"

on_tty "$TMP/p2" "$slow | '$MH_BIN' scan --no-progress -f jsonl -o '$TMP/o2' -"
check "--no-progress: no bar" sh -c "! grep -aEq '$bar' '$TMP/p2'"
check "--no-progress: summary still shown" grep -aq 'records read' "$TMP/p2"

on_tty "$TMP/p3" "$slow | '$MH_BIN' scan -q -f jsonl -o '$TMP/o3' -"
check "--quiet: neither bar nor summary" sh -c "! grep -aEq '$bar|records read' '$TMP/p3'"

# stderr a file, not a terminal: no bar.
(cat "$TMP/fw.eml"; sleep 1.2) | "$MH_BIN" scan -f jsonl -o "$TMP/o4" - 2>"$TMP/e4"
check "stderr not a TTY: no bar" sh -c "! grep -aEq '$bar' '$TMP/e4'"
check "stderr not a TTY: no escape sequences" sh -c "! grep -aq '$esc' '$TMP/e4'"

# Colour in the table.
on_tty "$TMP/c1" "'$MH_BIN' scan --no-progress '$TMP/fw.eml'"
check "TTY stdout: level in colour" grep -aq "$esc\[33m\[medium\]" "$TMP/c1"
on_tty "$TMP/c2" "'$MH_BIN' scan --no-progress --no-color '$TMP/fw.eml'"
check "--no-color: no escape sequences" sh -c "! grep -aq '$esc' '$TMP/c2'"
check "--no-color: the finding is shown" grep -aq '^\[medium\]' "$TMP/c2"
on_tty "$TMP/c3" "NO_COLOR=1 '$MH_BIN' scan --no-progress '$TMP/fw.eml'"
check "NO_COLOR: no escape sequences" sh -c "! grep -aq '$esc' '$TMP/c3'"
run_mh "$TMP/c4" "$TMP/e" scan --no-progress "$TMP/fw.eml"
check "stdout not a TTY: no colour" sh -c "! grep -aq '$esc' '$TMP/c4'"
run_mh "$TMP/c5" "$TMP/e" scan --no-progress --color "$TMP/fw.eml"
check "--color forces colour into a file" grep -aq "$esc\[33m" "$TMP/c5"
finish
