#!/usr/bin/env bash
# Every kind of skip in a JSON Lines file is counted once whatever the
# byte ranges the workers read it in (-j2): the totals, the skips by
# reason and where each skip is said to be (its offset) are those of one
# read (-j1). Ranges are forced small with MH_TEST_CHUNK (t0925) so that
# each kind of skip lies across range boundaries: runs of non-JSON lines
# (one skip per run however many lines; some longer than several ranges,
# some with blank lines and leading blanks inside), runs of blank lines
# (no skip), lines over --max-record, a byte-order mark in the middle of
# the file (its line is not JSON), one at the start of a file whose first
# lines are not JSON, and a record cut by the end of the input.
. "$(dirname "$0")/lib.sh"
d=$TMP/in
run_mh "$TMP/so" "$TMP/se" simulate --audit-only --audit-formats ual --seed 7 --out "$TMP/sim"
check "simulate: exit 0" [ "$rc" -eq 0 ]
mkdir -p "$d"
bom=$(printf '\357\273\277')
awk -v bom="$bom" '
	function junk(k, i) {
		for (i = 0; i < k; i++) {
			if (i % 7 == 3) print ""
			else if (i % 5 == 1) printf "  \t%s\r\n", "Get-Something " i
			else print "WARNING: line " i " of a console transcript, not JSON"
		}
	}
	function pad(k, s) { s = ""; while (length(s) < k) s = s "x"; return s }
	# The first line is a record (the file is JSON Lines); the first
	# thing after it is not JSON, so that runs start in the first range.
	NR == 2 { junk(3) }
	NR % 50 == 0 { junk(NR % 100 == 0 ? 250 : 31) }
	NR % 70 == 0 { for (i = 0; i < 300; i++) print (i % 3 ? "" : "   \r") }
	NR % 90 == 0 { print "{\"Operation\":\"" pad(9000) "\"}" }
	NR % 110 == 0 { printf "%s", bom }
	{ print }
	END { printf "{\"CreationTime\":\"2024-03-05T10:00:00\",\"Operation\":\"Set-Mailbox\",\"Par" }
' "$TMP/sim/audit/m365-ual.jsonl" >"$d/ual.jsonl"
# A file that starts with a byte-order mark and two long lines that are
# not JSON, then records: the run reaches past the first range.
{
	printf '%s' "$bom"
	for i in 1 2; do printf 'not json %05d: %s\n' "$i" "$(head -c 3000 /dev/zero | tr '\0' y)"; done
	head -n 60 "$TMP/sim/audit/m365-ual.jsonl"
} >"$d/bom.jsonl"
check "the input holds every kind of skip" \
	[ "$(grep -c '^WARNING' "$d/ual.jsonl")" -gt 500 ] && [ "$(grep -c xxxxxxxx "$d/ual.jsonl")" -gt 10 ] &&
	[ "$(grep -c "^$bom" "$d/ual.jsonl")" -gt 10 ]

# The skips: reason and offset (lines are not said in later ranges).
skips() {
	grep -o "^mailhunt: [^:]*: \(line [0-9]*: \)*offset [0-9]*\|^mailhunt: [^:]*:[0-9]*: offset [0-9]*" "$1" |
		sed 's/:[0-9]*: offset/: offset/' | sort
}
run_mh "$TMP/o1" "$TMP/e1" scan -j1 --no-progress --max-record 8000 -f jsonl "$d"
check "-j1: findings" [ -s "$TMP/o1" ]
skips "$TMP/e1" >"$TMP/s1"
check "-j1: the skips are said with offsets ($(wc -l <"$TMP/s1"))" [ "$(wc -l <"$TMP/s1")" -gt 40 ]
tot1=$(grep 'records read' "$TMP/e1")
check "-j1: malformed, oversized and truncated skips" \
	grep 'malformed [0-9]' <<<"$tot1" | grep 'oversized [0-9]' | grep -q 'truncated 1'

echo "# $tot1"
for chunk in 4096 5000 9973 65536; do
	MH_TEST_CHUNK=$chunk run_mh "$TMP/o2" "$TMP/e2" scan -j2 --no-progress --max-record 8000 -f jsonl "$d"
	check "-j2, ranges of $chunk bytes: the same totals and skips by reason" \
		[ "$tot1" = "$(grep 'records read' "$TMP/e2")" ]
	skips "$TMP/e2" >"$TMP/s2"
	check "-j2, ranges of $chunk bytes: each skip said once, at the same offset" \
		diff -u "$TMP/s1" "$TMP/s2"
	check "-j2, ranges of $chunk bytes: the same findings (records and lines)" \
		cmp -s "$TMP/o1" "$TMP/o2"
done
finish
