#!/usr/bin/env bash
# The demo case (`make demo` uses seed 1): golden table, JSONL and CSV, so
# any change in what is found or how it is written shows up in review.
. "$(dirname "$0")/lib.sh"
"$MH_BIN" simulate --seed 1 --out "$TMP/demo" --quiet
check "simulate seed 1: exit 0" [ $? -eq 0 ]
for fmt in table jsonl csv; do
	run_mh "$TMP/o" "$TMP/e" scan -j2 --format $fmt --no-color \
		--org-domain corp.example "$TMP/demo"
	check "demo $fmt: exit 0" [ "$rc" -eq 0 ]
	normalise <"$TMP/o" >"$TMP/n"
	golden demo.$fmt "$TMP/n"
done
normalise <"$TMP/e" >"$TMP/n"
golden demo-summary.err "$TMP/n"
cp "$TMP/e" "$TMP/whole"
# --min-level and --fail-on act on the same findings.
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --min-level high --quiet "$TMP/demo"
check "--min-level high keeps only high and above" \
	jq -e -s 'length > 0 and all(.[]; .level == "high" or .level == "critical")' "$TMP/o"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --fail-on high --quiet "$TMP/demo"
check "--fail-on high: exit 1" [ "$rc" -eq 1 ]
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --fail-on critical --quiet "$TMP/demo"
# The audit logs hold frank's mailbox forwarding that keeps no copy
# (DeliverToMailboxAndForward False): critical, so exit 1.
check "--fail-on critical: exit 1 (frank's forwarding keeps no copy)" [ "$rc" -eq 1 ]
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --fail-on critical --quiet $(find "$TMP/demo" -mindepth 1 -maxdepth 1 -type d ! -name audit)
check "--fail-on critical on the mail alone: exit 0 (nothing critical)" [ "$rc" -eq 0 ]
# -o writes the file, stdout stays empty.
run_mh "$TMP/o" "$TMP/e" scan --format csv -o "$TMP/out.csv" --quiet "$TMP/demo"
check "-o: stdout empty, file written" [ ! -s "$TMP/o" -a -s "$TMP/out.csv" ]
# --since after every message: nothing left, all filtered and counted.
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --since 2099-01-01 "$TMP/demo"
check "--since in the future: no findings" [ ! -s "$TMP/o" ]
check "--since: filtered messages are counted" grep -Eq 'out-of-time-range [1-9]' "$TMP/e"
# A window inside the case: every finding lies in it, fewer messages count,
# and the messages outside are skipped with their reason, not lost.
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --since 2024-03-13 \
	--until 2024-03-14T12:00:00Z "$TMP/demo"
check "window: findings remain" jq -e -s 'length > 0' "$TMP/o"
check "window: first_seen >= --since, last_seen < --until" \
	jq -e -s 'all(.[]; .first_seen >= "2024-03-13T00:00:00Z" and .last_seen < "2024-03-14T12:00:00Z")' "$TMP/o"
check "window: alice counts fewer messages than the whole case (12)" \
	jq -e -s 'any(.[]; .rule_id == "MH-FWD-EXT" and .mailbox == "alice@corp.example" and .counts.auto_forwarded > 0 and .counts.auto_forwarded < 12)' "$TMP/o"
line=$(grep 'records read =' "$TMP/e")
# Every record read is kept, out of the window or a duplicate (the
# collector's rerun day and the Purview and Sentinel copies of the UAL):
# the window changes the first two, never the records read or the
# duplicates, which the whole case counted above.
whole=$(grep 'records read =' "$TMP/whole")
check "window: records read = kept + out-of-time-range + duplicates ($line)" \
	sh -c 'echo "$1" | grep -Eq "^mailhunt: [0-9]+ records read = [1-9][0-9]* events \+ ([1-9][0-9]*) skipped \(out-of-time-range \1\) \+ [1-9][0-9]* duplicates \(the same record read before, dropped\)$"' - "$line"
n() { echo "$1" | sed -E "s/^mailhunt: ([0-9]+) records read = ([0-9]+) [a-z]+ \+ ([0-9]+) skipped.* \+ ([0-9]+) duplicates.*/\\$2/"; }
check "window: the sum holds" [ $(($(n "$line" 2) + $(n "$line" 3) + $(n "$line" 4))) -eq "$(n "$line" 1)" ]
check "window: as many records read and duplicates as the whole case ($whole)" \
	[ "$(n "$line" 1)" -eq "$(n "$whole" 1)" -a "$(n "$line" 4)" -eq "$(n "$whole" 4)" ]
check "window: fewer events than the whole case" [ "$(n "$line" 2)" -lt "$(n "$whole" 2)" ]
# A message with no date at all is kept whatever the window.
printf 'X-MS-Exchange-Organization-AutoForwarded: true\nX-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\nFrom: a@corp.example\nTo: x@evil.example\nSubject: hi\n\nbody\n' >"$TMP/undated.eml"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --since 2099-01-01 "$TMP/undated.eml"
check "undated message kept by --since" \
	jq -e -s 'length == 1 and .[0].mailbox == "alice@corp.example" and .[0].first_seen == null' "$TMP/o"
finish
