#!/usr/bin/env bash
# A JSON Lines file read in byte ranges by several workers (-j2) numbers
# every finding's evidence (record, line) as one read (-j1) does: each
# range counts its records and lines, and after the merge the evidence of
# later ranges is moved on by the counts of the ranges before it
# (cmd/scan_ranges.h). Ranges are forced small with MH_TEST_CHUNK (bytes;
# a knob for tests only): the same bytes split at many places, including
# inside blank lines, CRLF line ends, lines that hold an array of records
# (one line, several record numbers) and malformed lines (a record number
# each, no event). The line is also checked against the bytes: the line
# that holds the evidence's offset. --dump-events writes the same lines
# at -j2 as at -j1.
. "$(dirname "$0")/lib.sh"
d=$TMP/in
run_mh "$TMP/so" "$TMP/se" simulate --audit-only --audit-formats ual,gws --seed 7 --out "$TMP/sim"
check "simulate: exit 0" [ "$rc" -eq 0 ]
mkdir -p "$d"
# Every 41st line two records on one line as an array; a blank line (some
# with CR) after every 13th; a malformed line after every 97th.
awk 'NR % 41 == 0 { printf "[%s,", $0; getline; printf "%s]\n", $0; next }
	{ print }
	NR % 13 == 0 { print (NR % 2 ? "" : "  \r") }
	NR % 97 == 0 { print "{\"Operation\": broken" }' \
	"$TMP/sim/audit/m365-ual.jsonl" >"$d/ual.jsonl"
# CRLF line ends throughout.
sed 's/$/\r/' "$TMP/sim/audit/gws-activities.jsonl" >"$d/gws.jsonl"
check "the UAL file holds arrays, blanks and bad lines" \
	[ "$(grep -c '^\[' "$d/ual.jsonl")" -gt 10 ] && [ "$(grep -c broken "$d/ual.jsonl")" -gt 5 ]

# The evidence of every finding: file, offset, line, record.
evid() {
	jq -r '.evidence[] | [.file, .offset, .line, .record] | @tsv' "$1" | sort -u
}
run_mh "$TMP/o1" "$TMP/e1" scan -j1 --no-progress -f jsonl "$d"
check "-j1: findings" [ -s "$TMP/o1" ]
evid "$TMP/o1" >"$TMP/ev1"
n=$(wc -l <"$TMP/ev1")
check "-j1: evidence in both files ($n items)" \
	[ "$(cut -f1 "$TMP/ev1" | sort -u | wc -l)" -eq 2 ] && [ "$n" -gt 20 ]
check "-j1: every item has a record and a line" \
	[ "$(awk -F'\t' '$3 == "" || $3 == 0 || $4 == ""' "$TMP/ev1" | wc -l)" -eq 0 ]
# The line is the one the offset is on (counted here from the bytes).
bad=0
while IFS=$'\t' read -r f off line rec; do
	want=$(($(head -c "$off" "$f" | wc -l) + 1))
	[ "$want" -eq "$line" ] || { echo "# $f @$off: line $line, want $want"; bad=$((bad + 1)); }
done <"$TMP/ev1"
check "-j1: each line is the line of its offset" [ "$bad" -eq 0 ]

for chunk in 4096 9973 65536; do
	MH_TEST_CHUNK=$chunk run_mh "$TMP/o2" "$TMP/e2" scan -j2 --no-progress -f jsonl "$d"
	check "-j2, ranges of $chunk bytes: exit as -j1" [ "$rc" -eq "$(MH_TEST_CHUNK= "$MH_BIN" scan -q -j1 -o /dev/null "$d" 2>/dev/null; echo $?)" ]
	evid "$TMP/o2" >"$TMP/ev2"
	check "-j2, ranges of $chunk bytes: the same record and line in every evidence item" \
		diff -u "$TMP/ev1" "$TMP/ev2"
	check "-j2, ranges of $chunk bytes: the same findings" cmp -s "$TMP/o1" "$TMP/o2"
	check "-j2, ranges of $chunk bytes: the same totals" \
		[ "$(grep 'records read' "$TMP/e1")" = "$(grep 'records read' "$TMP/e2")" ]
done
# --dump-events: the events of later ranges wait until the ranges before
# them are counted (cmd/scan_dump.h), and are dumped with the record and
# line of one read: the same lines as -j1, whatever the order.
run_mh "$TMP/o1" "$TMP/e1" scan -j1 --no-progress --dump-events "$TMP/dump1" -o /dev/null "$d"
rc1=$rc
check "--dump-events -j1: every event with a line and record" \
	[ "$(grep -c . "$TMP/dump1")" -gt 1000 ] && ! grep -q '"line":null\|"record":null' "$TMP/dump1"
for chunk in 4096 65536; do
	MH_TEST_CHUNK=$chunk run_mh "$TMP/o2" "$TMP/e2" scan -j2 --no-progress --dump-events "$TMP/dump2" -o /dev/null "$d"
	check "--dump-events -j2, ranges of $chunk bytes: exit as -j1 ($rc1)" [ "$rc" -eq "$rc1" ]
	check "--dump-events -j2, ranges of $chunk bytes: the events of -j1, with their lines and records" \
		diff -u <(sort "$TMP/dump1") <(sort "$TMP/dump2")
done
finish
