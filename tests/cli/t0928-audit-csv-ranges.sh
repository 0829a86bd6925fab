#!/usr/bin/env bash
# A Purview audit search CSV read in byte ranges by several workers (-j2)
# gives what one read (-j1) gives: the same findings byte for byte, every
# evidence item's record and line, the same totals. Ranges are forced
# small with MH_TEST_CHUNK (bytes; a knob for tests only), and the files
# are made hard to cut: AuditData cells that hold line breaks (JSON white
# space), cells that hold fake rows after a line break (one without
# quotes, one with doubled quotes, as a cell holds a row), blank lines,
# CRLF line ends, a BOM and a #TYPE line. A range started at a line break
# inside a cell would read a fake row as a record (more records read, a
# different record number after it) or lose the rest of the cell's row.
. "$(dirname "$0")/lib.sh"
d=$TMP/in
mkdir -p "$d"
for seed in 7 8; do
	run_mh "$TMP/so" "$TMP/se" simulate --audit-only --audit-formats purview --seed $seed --out "$TMP/sim$seed"
	check "simulate --seed $seed: exit 0" [ "$rc" -eq 0 ]
done
# Every 7th row a line break inside its AuditData JSON; every 11th row
# fake rows in its AssociatedAdminUnits cell; a blank line after every
# 19th row.
mangle='
{ sub(/\r$/, "") }
NR > 1 && NR % 7 == 0 {
	i = index($0, ",\"{\"\"")
	if (i) $0 = substr($0, 1, i + 2) "\n  " substr($0, i + 3)
}
NR > 1 && NR % 11 == 0 && substr($0, length($0) - 1) == ",," {
	$0 = substr($0, 1, length($0) - 1) "\"see\nFAKE-" NR ",2024-03-01T00:00:00Z,ExchangeAdmin,New-InboxRule,evil@corp.example,{}\nFAKE2-" NR ",2024,ExchangeItem,Send,evil@corp.example,\"\"{\"\"\"\"Operation\"\"\"\":\"\"\"\"New-InboxRule\"\"\"\"}\"\"\nend\","
}
{ print }
NR > 1 && NR % 19 == 0 { print "" }'
awk "$mangle" "$TMP/sim7/audit/purview-audit-search.csv" >"$d/pv.csv"
# CRLF throughout (inside cells too) and a #TYPE line after the BOM.
awk "$mangle" "$TMP/sim8/audit/purview-audit-search.csv" |
	sed -e '1s/^\xef\xbb\xbf/\xef\xbb\xbf#TYPE System.Management.Automation.PSCustomObject\n/' -e 's/$/\r/' >"$d/pv-crlf.csv"
hard() {
	[ "$(grep -c '^FAKE-' "$d/pv.csv")" -gt 10 ] && [ "$(grep -c '^FAKE2-' "$d/pv-crlf.csv")" -gt 10 ] &&
		[ "$(grep -c '^  ""' "$d/pv.csv")" -gt 10 ] && [ "$(grep -c '^$' "$d/pv.csv")" -gt 10 ] &&
		[ "$(grep -c $'\r$' "$d/pv.csv")" -eq 0 ] && [ "$(grep -c $'\r$' "$d/pv-crlf.csv")" -gt 1000 ] &&
		head -1 "$d/pv-crlf.csv" | grep -q $'^\xef\xbb\xbf#TYPE'
}
check "the files hold fake rows, cells with line breaks, blank lines; LF and CRLF" hard

evid() {
	jq -r '.evidence[] | [.file, .offset, .line, .record] | @tsv' "$1" | sort -u
}
run_mh "$TMP/o1" "$TMP/e1" scan -j1 --no-progress -f jsonl "$d"
check "-j1: exit 0" [ "$rc" -eq 0 ]
check "-j1: no fake row read" [ "$(grep -c FAKE "$TMP/o1")" -eq 0 ]
evid "$TMP/o1" >"$TMP/ev1"
n=$(wc -l <"$TMP/ev1")
both() { [ "$(cut -f1 "$TMP/ev1" | sort -u | wc -l)" -eq 2 ] && [ "$n" -gt 20 ]; }
check "-j1: evidence in both files ($n items)" both
check "-j1: every item has a record and a line" \
	[ "$(awk -F'\t' '$3 == "" || $3 == 0 || $4 == ""' "$TMP/ev1" | wc -l)" -eq 0 ]
bad=0
while IFS=$'\t' read -r f off line rec; do
	want=$(($(head -c "$off" "$f" | wc -l) + 1))
	[ "$want" -eq "$line" ] || { echo "# $f @$off: line $line, want $want"; bad=$((bad + 1)); }
done <"$TMP/ev1"
check "-j1: each line is the line of its offset" [ "$bad" -eq 0 ]
check "-j1: lines run ahead of records (cells with line breaks)" \
	[ "$(awk -F'\t' '$3 > $4 + 20' "$TMP/ev1" | wc -l)" -gt 0 ]

for chunk in 4096 9973 65536; do
	MH_TEST_CHUNK=$chunk run_mh "$TMP/o2" "$TMP/e2" scan -j2 --no-progress -f jsonl "$d"
	check "-j2, ranges of $chunk bytes: exit 0" [ "$rc" -eq 0 ]
	evid "$TMP/o2" >"$TMP/ev2"
	check "-j2, ranges of $chunk bytes: the same record and line in every evidence item" \
		diff -u "$TMP/ev1" "$TMP/ev2"
	check "-j2, ranges of $chunk bytes: the same findings" cmp -s "$TMP/o1" "$TMP/o2"
	check "-j2, ranges of $chunk bytes: the same totals" \
		[ "$(grep 'records read' "$TMP/e1")" = "$(grep 'records read' "$TMP/e2")" ]
done
# --dump-events: the events of later ranges wait until the ranges before
# them are counted (cmd/scan_dump.h) and are dumped with the record and
# line of one read: the same lines as -j1, in another order.
run_mh "$TMP/o1" "$TMP/e1" scan -j1 --no-progress --dump-events "$TMP/dump1" -o /dev/null "$d"
check "--dump-events -j1: every event with a line and record" \
	[ "$(grep -c . "$TMP/dump1")" -gt 100 ] && ! grep -q '"line":null\|"record":null' "$TMP/dump1"
MH_TEST_CHUNK=4096 run_mh "$TMP/o2" "$TMP/e2" scan -j2 --no-progress --dump-events "$TMP/dump2" -o /dev/null "$d"
check "--dump-events -j2 in ranges of 4096 bytes: the events of -j1, with their lines and records" \
	diff -u <(sort "$TMP/dump1") <(sort "$TMP/dump2")
finish
