#!/usr/bin/env bash
# Sigma correlations over records read twice (docs/SIGMA.md
# "Correlations"): the UAL (JSON Lines) and the Purview CSV of a simulated
# case hold the same records; `scan` counts each record once and hands the
# other copy to the rules as a duplicate. A correlation counts a record
# once whichever copy matches and whichever was read first: an
# event_count, a value_count and a temporal correlation over a rule both
# copies match (PageViewed) and one only the CSV's copy matches (its
# RecordType column is a name, the UAL's a number) give the findings of
# one export read alone, byte for byte the same with either export first,
# at -j1 and -j2; a collector's rerun of the UAL adds nothing either.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }
"$MH_BIN" simulate --seed 3 --audit-only --audit-records 6000 --out "$TMP/sim" --quiet
check "simulate: exit 0" [ $? -eq 0 ]
UAL=$TMP/sim/audit/m365-ual.jsonl
CSV=$TMP/sim/audit/purview-audit-search.csv
check "simulate: the UAL and the Purview CSV" [ -s "$UAL" -a -s "$CSV" ]

cat >"$TMP/corr.yml" <<'YML'
title: page viewed (both exports)
id: 5d0c6a1e-1111-4c2d-9e3f-000000000001
name: pv_both
status: test
logsource:
    product: m365
    service: audit
detection:
    selection:
        Operation: 'PageViewed'
    condition: selection
level: low
---
title: page viewed (the CSV's copy only)
id: 5d0c6a1e-1111-4c2d-9e3f-000000000002
name: pv_csv
status: test
logsource:
    product: m365
    service: audit
detection:
    selection:
        Operation: 'PageViewed'
        RecordType: 'SharePoint'
    condition: selection
level: low
---
title: file accessed (both exports)
id: 5d0c6a1e-1111-4c2d-9e3f-000000000003
name: fa_both
status: test
logsource:
    product: m365
    service: audit
detection:
    selection:
        Operation: 'FileAccessed'
    condition: selection
level: low
---
title: many page views (both)
id: 5d0c6a1e-1111-4c2d-9e3f-000000000011
status: test
correlation:
    type: event_count
    rules:
        - pv_both
    group-by:
        - UserId
    timespan: 1d
    condition:
        gte: 3
level: medium
---
title: many page views (CSV only)
id: 5d0c6a1e-1111-4c2d-9e3f-000000000012
status: test
correlation:
    type: event_count
    rules:
        - pv_csv
    group-by:
        - UserId
    timespan: 1d
    condition:
        gte: 3
level: medium
---
title: many pages viewed (CSV only)
id: 5d0c6a1e-1111-4c2d-9e3f-000000000013
status: test
correlation:
    type: value_count
    rules:
        - pv_csv
    group-by:
        - UserId
    timespan: 1d
    condition:
        field: ObjectId
        gte: 2
level: medium
---
title: page viewed and file accessed
id: 5d0c6a1e-1111-4c2d-9e3f-000000000014
status: test
correlation:
    type: temporal
    rules:
        - pv_csv
        - fa_both
    group-by:
        - UserId
    timespan: 1h
level: medium
YML

# scan OUT ARGS...: the correlations' findings (JSON Lines).
scan() {
	local out=$1
	shift
	run_mh "$out.all" "$out.err" scan --no-progress -f jsonl --rules "$TMP/corr.yml" "$@"
	check "scan $*: exit $rc" [ "$rc" -le 1 ]
	grep '"rule_id":"5d0c6a1e-1111-4c2d-9e3f-00000000001' "$out.all" >"$out"
}
# rule count events firings: of the findings of one correlation.
totals() {
	jq -rs --arg id "5d0c6a1e-1111-4c2d-9e3f-0000000000$2" \
		'[.[] | select(.rule_id == $id)] | [length, (map(.counts.events) | add), (map(.counts.firings) | add)] | @tsv' "$1"
}
scan "$TMP/ual" --no-builtin -j1 "$UAL"
scan "$TMP/csv" --no-builtin -j1 "$CSV"
check "UAL alone: the page-view correlation fires ($(totals "$TMP/ual" 11))" [ "$(totals "$TMP/ual" 11 | cut -f1)" -gt 0 ]
check "UAL alone: the CSV-only rule does not match" [ "$(totals "$TMP/ual" 12 | cut -f1)" -eq 0 ]
check "CSV alone: the CSV-only correlations fire ($(totals "$TMP/csv" 12); $(totals "$TMP/csv" 13); $(totals "$TMP/csv" 14))" \
	[ "$(totals "$TMP/csv" 12 | cut -f1)" -gt 0 ] && [ "$(totals "$TMP/csv" 13 | cut -f1)" -gt 0 ] &&
	[ "$(totals "$TMP/csv" 14 | cut -f1)" -gt 0 ]

for b in --no-builtin --org-domain=corp.example; do
	scan "$TMP/a" $b -j1 "$UAL" "$CSV"
	check "$b: duplicates dropped" grep -Eq ' \+ [1-9][0-9]* duplicates' "$TMP/a.err"
	scan "$TMP/b" $b -j1 "$CSV" "$UAL"
	scan "$TMP/c" $b -j2 "$UAL" "$CSV"
	scan "$TMP/d" $b -j2 "$CSV" "$UAL"
	for r in 11 12 13 14; do
		want=$( [ $r = 11 ] && totals "$TMP/ual" $r || totals "$TMP/csv" $r)
		for x in a b c d; do
			check "$b, run $x: correlation $r counts each record once ($want)" \
				[ "$(totals "$TMP/$x" $r)" = "$want" ]
		done
	done
	check "$b: -j1, the same findings whichever export comes first" cmp "$TMP/a" "$TMP/b"
	check "$b: -j2, the same findings as -j1" cmp "$TMP/a" "$TMP/c"
	check "$b: -j2, CSV first, the same findings as -j1" cmp "$TMP/a" "$TMP/d"
done
# A collector's rerun (part of the same records again).
RERUN=$TMP/sim/audit/m365-ual-rerun.jsonl
scan "$TMP/e" --no-builtin -j2 "$RERUN" "$UAL"
check "a rerun's copies are counted once" [ "$(totals "$TMP/e" 11)" = "$(totals "$TMP/ual" 11)" ]
finish
