#!/usr/bin/env bash
# The literal prefilter (docs/AUDIT.md "Records passed over unparsed"):
# with --org-domain and without --rules, Management Activity API records
# whose operation no analytic reads are passed over unparsed. Nothing may
# change but the speed and one summary line: the findings, byte for byte,
# the records read, the duplicates dropped (a record passed over in the
# UAL and its Purview and Sentinel copies are one) and the time window's
# counts are those of the same scan with the prefilter off
# (--dump-events turns it off), on a simulated case (every export shape)
# and on the real samples.
. "$(dirname "$0")/lib.sh"
need_shared
"$MH_BIN" simulate --seed 3 --audit-only --audit-records 6000 --out "$TMP/sim" --quiet
check "simulate: exit 0" [ $? -eq 0 ]

# same NAME ARGS...: the scan with the prefilter on and off.
same() {
	local name=$1
	shift
	run_mh "$TMP/on" "$TMP/on.err" scan --no-progress -f jsonl "$@"
	check "$name: prefilter on: exit $rc" [ "$rc" -le 1 ]
	run_mh "$TMP/off" "$TMP/off.err" scan --no-progress -f jsonl --dump-events /dev/null "$@"
	check "$name: prefilter off: exit $rc" [ "$rc" -le 1 ]
	check "$name: the same findings ($(wc -l <"$TMP/on") lines)" cmp -s "$TMP/on" "$TMP/off"
	check "$name: findings, not none" [ -s "$TMP/on" ]
	local a b
	a=$(grep 'records read =' "$TMP/on.err")
	b=$(grep 'records read =' "$TMP/off.err")
	check "$name: the same totals ($a)" [ -n "$a" -a "$a" = "$b" ]
	a=$(grep -E '^mailhunt: (events|by reader|audit by source):' "$TMP/on.err")
	b=$(grep -E '^mailhunt: (events|by reader|audit by source):' "$TMP/off.err")
	check "$name: the same events, readers and sources" [ -n "$a" -a "$a" = "$b" ]
	check "$name: prefilter off: nothing passed over" \
		sh -c '! grep -q "passed over" "$1"' - "$TMP/off.err"
}

same "simulated -j1" -j1 --org-domain corp.example "$TMP/sim"
line=$(grep 'passed over unparsed' "$TMP/on.err")
check "simulated: records passed over ($line)" \
	sh -c 'echo "$1" | grep -Eq "^mailhunt: [1-9][0-9]* records passed over unparsed: no analytic reads their operation \(duplicates included\)$"' - "$line"
check "simulated: duplicates dropped" grep -Eq ' \+ [1-9][0-9]* duplicates' "$TMP/on.err"
same "simulated -j2" -j2 --org-domain corp.example "$TMP/sim"
# The UAL alone, then its copies first: whichever copy comes first.
same "UAL after its copies" -j1 --org-domain corp.example \
	"$TMP/sim/audit/purview-audit-search.csv" "$TMP/sim/audit/m365-ual.jsonl"
same "time window" -j2 --org-domain corp.example --since 2024-03-12 --until 2024-03-14 "$TMP/sim"
check "time window: records out of it counted" grep -q 'out-of-time-range' "$TMP/on.err"
same "real samples" -j2 --org-domain corp.example "$MH_SHARED/data/audit" \
	"$MH_SHARED/data/m365"

# Without --org-domain the forwarding picture learns the tenant's domains
# from every audit record: nothing is passed over.
run_mh "$TMP/on" "$TMP/on.err" scan --no-progress -f jsonl "$TMP/sim"
check "no --org-domain: nothing passed over" sh -c '! grep -q "passed over" "$1"' - "$TMP/on.err"
# Sigma rules may read any record: nothing is passed over.
run_mh "$TMP/on" "$TMP/on.err" scan --no-progress -f jsonl --org-domain corp.example \
	--rules "$MH_SHARED/data/sigma-full/rules/cloud/m365" "$TMP/sim"
check "--rules: nothing passed over" sh -c '! grep -q "passed over" "$1"' - "$TMP/on.err"
finish
