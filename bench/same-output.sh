#!/usr/bin/env bash
# Records what `mailhunt scan` reports on every input of the CLI tests and
# on given extra inputs, with -j1 and -j2, so that a change meant to alter
# speed only can be shown to change no byte of any finding:
#
#   MAILHUNT=old/mailhunt bench/same-output.sh /tmp/before [INPUT...]
#   MAILHUNT=new/mailhunt bench/same-output.sh /tmp/after  [INPUT...]
#   diff -r /tmp/before /tmp/after && echo identical
#
# Each tests/cli/t*.sh runs with MH_BIN pointing at a wrapper: every
# `mailhunt scan` the test makes runs as the test asked, and then twice
# more on the same arguments with `--format jsonl --no-progress -o FILE`
# and -j1 / -j2 appended (later options win); stdout, stderr (elapsed
# time and throughput removed; with -j2 sorted: threads report in any
# order) and the exit status of those two runs are
# kept as DIR/<test>/<n>.j1.* and .j2.*. Scans reading standard input
# ('-') are not repeated (their input is gone). Each INPUT is scanned the
# same way into DIR/extra/<its path, '/' as '_'>.j1.* and .j2.*. Test temporary paths
# are written as TMP (and finding ids naming them are left out).
# Environment: MAILHUNT (default build/release/mailhunt), MH_SHARED
# (default ../shared).
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
out=$1; shift
MAILHUNT=$(realpath "${MAILHUNT:-build/release/mailhunt}")
[ -x "$MAILHUNT" ] || { echo "same-output: no mailhunt at '$MAILHUNT'" >&2; exit 2; }
mkdir -p "$out"
out=$(realpath "$out")

norm() { # FILE: test temp dirs and timings out
	# A test directory's random name can become a store owner's domain
	# (hence a destination and a finding id): those ids are left out.
	sed -i -E -e 's#/tmp/mh-cli\.[A-Za-z0-9]+#TMP#g' \
		-e '/mh-cli\./ s/"id":"[0-9a-f]{16}"/"id":"-"/' \
		-e 's/mh-cli\.[A-Za-z0-9]{6}/mh-cli.XXXXXX/g' \
		-e 's/ in [0-9.]+ s \([0-9]+ MB\/s\)/ in T s/' "$1"
}
export -f norm

# repeat DEST ARGS...: the two recorded runs of one scan.
repeat() {
	local dest=$1; shift
	local j
	for j in 1 2; do
		timeout 300 "$MAILHUNT" "$@" --format jsonl --no-progress \
			-o "$dest.j$j.jsonl" -j$j </dev/null 2>"$dest.j$j.err"
		echo $? >"$dest.j$j.rc"
		[ -f "$dest.j$j.jsonl" ] && norm "$dest.j$j.jsonl"
		norm "$dest.j$j.err"
		# Threads report bad input in any order.
		[ $j = 2 ] && sort -o "$dest.j$j.err" "$dest.j$j.err"
	done
}
export -f repeat

wrapper=$out/.mailhunt-wrapper
cat >"$wrapper" <<'WRAP'
#!/usr/bin/env bash
"$REC_REAL" "$@"
rc=$?
if [ "${1:-}" = scan ]; then
	stdin=0
	for a in "$@"; do [ "$a" = - ] && stdin=1; done
	if [ $stdin = 0 ]; then
		n=$(( $(cat "$REC_DIR/.n" 2>/dev/null || echo 0) + 1 ))
		echo $n >"$REC_DIR/.n"
		printf '%s\n' "${@:2}" | sed -E 's#/tmp/mh-cli\.[A-Za-z0-9]+#TMP#g' >"$REC_DIR/$n.args"
		MAILHUNT=$REC_REAL repeat "$REC_DIR/$n" "$@"
	fi
fi
exit $rc
WRAP
chmod +x "$wrapper"

export MH_SOURCE_DIR=$PWD MH_SHARED=${MH_SHARED:-$(realpath ../shared)}
export REC_REAL=$MAILHUNT MH_BIN=$wrapper MAILHUNT
for t in tests/cli/t*.sh; do
	name=$(basename "$t" .sh)
	export REC_DIR=$out/$name
	mkdir -p "$REC_DIR"
	if bash "$t" >"$REC_DIR/.log" 2>&1; then r=pass; else r="FAIL ($?)"; fi
	norm "$REC_DIR/.log"
	echo "same-output: $name $r, $(cat "$REC_DIR/.n" 2>/dev/null || echo 0) scans recorded"
	rm -f "$REC_DIR/.n"
done
for input in "$@"; do
	mkdir -p "$out/extra"
	repeat "$out/extra/$(printf '%s' "$input" | tr '/' '_')" scan "$input"
	echo "same-output: $input recorded"
done
rm -f "$wrapper"
