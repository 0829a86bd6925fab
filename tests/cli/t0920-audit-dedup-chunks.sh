#!/usr/bin/env bash
# Overlapping exports: the same audit record read from two files, or twice
# in one, is one event; the summary says how many were dropped; records
# read = events + skipped + duplicates; -j2 gives what -j1 gives. Records
# that only share an Id (vendor fixtures reuse one) are not the same
# record; configuration snapshots have no Id and are never dropped. A JSON
# Lines file of 64 MiB or more is read by two workers in byte ranges
# (cmd_scan.c CHUNK_MIN) with exactly the records of one read.
. "$(dirname "$0")/lib.sh"
d=$TMP/in
mkdir -p "$d"

# gen FIRST LAST [PAD]: records FIRST..LAST, one per line, each with PAD
# bytes of filler (MailItemsAccessed records are large).
gen() {
	LC_ALL=C awk -v a="$1" -v b="$2" -v pad="${3:-0}" 'BEGIN {
		f = ""
		for (k = 0; k < pad; k++)
			f = f sprintf("%c", 97 + k % 26)
		for (i = a; i <= b; i++)
			printf "{\"Folders\":\"%s\",\"CreationTime\":\"2024-03-01T%02d:%02d:%02d\",\"Id\":\"r-%06d\",\"Operation\":\"%s\",\"RecordType\":%d,\"UserId\":\"u%d@corp.example\",\"Workload\":\"Exchange\",\"ClientIP\":\"10.0.%d.%d:443\",\"OperationProperties\":[{\"Name\":\"MailAccessType\",\"Value\":\"Bind\"}]}\n", f, (i / 3600) % 24, (i / 60) % 60, i % 60, i, (i % 97 ? "MailItemsAccessed" : "New-InboxRule"), (i % 97 ? 50 : 1), i % 50, (i / 256) % 256, i % 256
	}'
}

# Two time windows of one export that overlap by 200 records; the second
# has one record twice.
gen 1 600 >"$d/window1.jsonl"
{ gen 401 1000; gen 700 700; } >"$d/window2.jsonl"
# The same records as a top-level array (another collector's format).
{ printf '['; gen 901 1000 | paste -sd, -; printf ']\n'; } >"$d/blob.json"

summary() { grep 'records read' "$1"; }
for j in 1 2; do
	run_mh "$TMP/o$j" "$TMP/e$j" scan -j$j --no-progress --dump-events "$TMP/ev$j" -o /dev/null "$d"
	check "-j$j: exit 0" [ "$rc" -eq 0 ]
	check "-j$j: 1000 records once, 301 duplicates ($(summary "$TMP/e$j"))" \
		grep -q '1301 records read = 1000 events + 0 skipped + 301 duplicates' "$TMP/e$j"
	check "-j$j: every Id once" [ "$(jq -r .audit.id "$TMP/ev$j" | sort -u | wc -l)" -eq 1000 ]
done
check "-j1 and -j2: the same events" \
	[ "$(jq -r .audit.id "$TMP/ev1" | sort | sha256sum)" = "$(jq -r .audit.id "$TMP/ev2" | sort | sha256sum)" ]

# One file given twice (by two paths) is read once by the walker, not
# counted as duplicate records.
run_mh "$TMP/o" "$TMP/e" scan -j1 --no-progress -o /dev/null "$d/window1.jsonl" "$d/../in/window1.jsonl"
check "a file named twice: read once" grep -q '600 records read = 600 events + 0 skipped$' "$TMP/e"

# Same Id, different records (as in vendor test fixtures): both kept.
printf '%s\n' \
	'{"Id":"111-22-33","CreationTime":"2022-12-12 22:19:00","Operation":"Set-Mailbox","RecordType":1,"UserId":"a@x.example","Parameters":[{"Name":"ForwardingSmtpAddress","Value":"smtp:one@y.example"}]}' \
	'{"Id":"111-22-33","CreationTime":"2022-12-12 22:19:00","Operation":"Set-Mailbox","RecordType":1,"UserId":"a@x.example","Parameters":[{"Name":"ForwardingSmtpAddress","Value":"smtp:two@y.example"}]}' \
	>"$TMP/fixture.jsonl"
run_mh "$TMP/o" "$TMP/e" scan -j1 --no-progress -o /dev/null "$TMP/fixture.jsonl"
check "one Id, two different records: both read" grep -q '2 records read = 2 events + 0 skipped$' "$TMP/e"

# The same record as Management Activity API JSON and inside a Purview
# CSV's AuditData: one record.
rec='{"CreationTime":"2024-03-01T10:00:03","Id":"x-1","Operation":"Set-Mailbox","RecordType":1,"UserId":"admin@corp.example","Workload":"Exchange","Parameters":[{"Name":"Identity","Value":"alice@corp.example"},{"Name":"ForwardingSmtpAddress","Value":"smtp:out@evil.example"}]}'
printf '%s\n' "$rec" >"$TMP/api.jsonl"
printf 'CreationDate,UserIds,Operations,AuditData\r\n2024-03-01T10:00:03.0000000Z,admin@corp.example,Set-Mailbox,"%s"\r\n' \
	"$(printf '%s' "$rec" | sed 's/"/""/g')" >"$TMP/purview.csv"
run_mh "$TMP/o" "$TMP/e" scan -j1 --no-progress -o /dev/null "$TMP/api.jsonl" "$TMP/purview.csv"
check "API JSON and Purview CSV of one record: one event" \
	grep -q '2 records read = 1 events + 0 skipped + 1 duplicates' "$TMP/e"

# Snapshots have no Id: the same rule listed twice is two observations.
printf '"UserName","RuleName","RuleIdentity","ForwardTo"\n"a@x.example","fw","1","b@evil.example"\n"a@x.example","fw","1","b@evil.example"\n' >"$TMP/rules.csv"
run_mh "$TMP/o" "$TMP/e" scan -j1 --no-progress -o /dev/null "$TMP/rules.csv" "$TMP/rules.csv"
cp "$TMP/rules.csv" "$TMP/rules2.csv"
run_mh "$TMP/o" "$TMP/e" scan -j1 --no-progress -o /dev/null "$TMP/rules.csv" "$TMP/rules2.csv"
check "snapshots are never dropped" grep -q '4 records read = 4 events + 0 skipped$' "$TMP/e"

# MARK: - byte ranges

big=$TMP/big.jsonl
gen 1 70000 750 >"$big" # about 70 MB, over CHUNK_MIN
size=$(stat -c %s "$big")
check "the file is over 64 MiB ($size)" [ "$size" -ge $((64 << 20)) ]
for j in 1 2; do
	run_mh "$TMP/bo$j" "$TMP/be$j" scan -j$j --no-progress --dump-events "$TMP/bev$j" -o /dev/null "$big"
	check "-j$j: 70000 records ($(summary "$TMP/be$j"))" grep -q '70000 records read = 70000 events + 0 skipped$' "$TMP/be$j"
done
# The offset and Id of each event (grep: jq takes many seconds here).
key() {
	grep -o '"offset":[0-9]*\|"id":"r-[0-9]*"' "$1" | paste - - | sort
}
check "ranges meet exactly: the same records at the same offsets" \
	[ "$(key "$TMP/bev1" | sha256sum)" = "$(key "$TMP/bev2" | sha256sum)" ]
check "-j1 numbers every line" [ "$(grep -c '"line":null' "$TMP/bev1")" -eq 0 ]
# Ranges after the first are numbered once the ranges before them are
# counted (cmd/scan_dump.h): the same lines and records as -j1.
check "-j2: every event numbered as at -j1" \
	[ "$(grep -o '"offset":[0-9]*,"line":[0-9a-z]*,"record":[0-9a-z]*' "$TMP/bev1" | sort | sha256sum)" = \
	"$(grep -o '"offset":[0-9]*,"line":[0-9a-z]*,"record":[0-9a-z]*' "$TMP/bev2" | sort | sha256sum)" ]
# The same bytes compressed: one worker, the same records.
gzip -c "$big" >"$TMP/big.jsonl.gz"
run_mh "$TMP/o" "$TMP/e" scan -j2 --no-progress -o /dev/null "$TMP/big.jsonl.gz"
check "gzip: read whole, the same records" grep -q '70000 records read = 70000 events + 0 skipped$' "$TMP/e"
finish
