#!/usr/bin/env bash
# "-" reads standard input once (a pipe; gzip detected): the same findings
# as the file, evidence named <stdin>; empty or unknown input is an error
# with exit 3.
. "$(dirname "$0")/lib.sh"
"$MH_BIN" simulate --seed 4 --format mbox --single-mbox --messages 400 \
	--out "$TMP/c" --quiet
mbox=$(find "$TMP/c" -name '*.mbox' | head -1)
strip() { sed 's/"path":"[^"]*"//g; s/"file":"[^"]*"//g' "$1"; }

run_mh "$TMP/o1" "$TMP/e1" scan --format jsonl "$mbox"
check "file scan has findings" [ -s "$TMP/o1" ]
"$MH_BIN" scan --format jsonl - <"$mbox" >"$TMP/o2" 2>"$TMP/e2"
check "stdin: exit 0 (got $?)" [ $? -eq 0 ]
check "stdin (redirected file): same findings" diff <(strip "$TMP/o1") <(strip "$TMP/o2")
check "stdin: evidence names <stdin>" grep -q '"file":"<stdin>"' "$TMP/o2"
m1=$(grep -o '= [0-9]* messages' "$TMP/e1")
m2=$(grep -o '= [0-9]* messages' "$TMP/e2")
check "stdin: same message count ($m1 / $m2)" [ "$m1" = "$m2" ]

cat "$mbox" | "$MH_BIN" scan --format jsonl - >"$TMP/o3" 2>"$TMP/e3"
check "pipe: same findings" diff <(strip "$TMP/o1") <(strip "$TMP/o3")
gzip -c "$mbox" | "$MH_BIN" scan --format jsonl - >"$TMP/o4" 2>"$TMP/e4"
check "gzip pipe: same findings" diff <(strip "$TMP/o1") <(strip "$TMP/o4")

# A single message on stdin is typed by content, like a file.
printf 'X-Forwarded-To: out@ext.example\nDelivered-To: u@corp.example\nFrom: a@corp.example\nSubject: s\n\nbody\n' |
	"$MH_BIN" scan --format jsonl --org-domain corp.example - >"$TMP/o5" 2>"$TMP/e5"
check "one message on stdin: found" grep -q '"destination":"out@ext.example"' "$TMP/o5"
check "one message on stdin: read as eml" grep -q 'by reader: eml 1' "$TMP/e5"

# Nothing says who forwards or where to: null in JSONL, "-" in the
# table, an empty CSV cell (docs/FORMATS.md), "unknown" in the summary.
unk='X-MS-Exchange-Organization-AutoForwarded: true\nFrom: p@partner.example\nSubject: s\n\nx\n'
printf "$unk" | "$MH_BIN" scan --format jsonl - >"$TMP/u1" 2>/dev/null
check "unknown sides: null in JSONL" \
	grep -q '"mailbox":null,"destination":null,"dest_domain":null' "$TMP/u1"
check "unknown sides: words in the summary" grep -q 'from unknown to unknown' "$TMP/u1"
printf "$unk" | "$MH_BIN" scan --no-color - >"$TMP/u2" 2>/dev/null
check "unknown sides: '-' in the table" grep -q '^  - -> -' "$TMP/u2"
printf "$unk" | "$MH_BIN" scan --format csv - >"$TMP/u3" 2>/dev/null
check "unknown sides: empty CSV cells" grep -q ',MH-FWD-EXT,.*,,,,' "$TMP/u3"

# Nothing, or not mail: said, counted, exit 3.
run_mh "$TMP/o6" "$TMP/e6" scan - </dev/null
check "empty stdin: exit 3 (got $rc)" [ "$rc" -eq 3 ]
check "empty stdin: named" grep -q '<stdin>.*empty input' "$TMP/e6"
{ printf 'PK\x03\x04\x14\x00\x00\x00\x08\x00'; head -c 3000 /dev/zero | tr '\0' '\377'; } >"$TMP/bin"
run_mh "$TMP/o7" "$TMP/e7" scan - <"$TMP/bin"
check "binary stdin: exit 3 (got $rc)" [ "$rc" -eq 3 ]
finish
