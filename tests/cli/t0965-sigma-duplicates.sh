#!/usr/bin/env bash
# Sigma evidence of a record read in two exports (docs/SIGMA.md "Evidence"):
# the UAL (JSON Lines) and the Purview CSV of a simulated case hold the
# same records; `scan` counts each once and drops the other copy as a
# duplicate, and which copy is counted depends on the order of the inputs
# and on the threads. The Sigma analytic sees every copy (the duplicate
# hook) and keeps as evidence the copy first by (file, offset), so the
# findings are the same byte for byte: -j1 with the UAL first, -j1 with
# the CSV first, and -j2.
. "$(dirname "$0")/lib.sh"
need_shared
command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }
"$MH_BIN" simulate --seed 3 --audit-only --audit-records 6000 --out "$TMP/sim" --quiet
check "simulate: exit 0" [ $? -eq 0 ]
UAL=$TMP/sim/audit/m365-ual.jsonl
CSV=$TMP/sim/audit/purview-audit-search.csv
check "simulate: the UAL and the Purview CSV" [ -s "$UAL" -a -s "$CSV" ]

# A rule of records present in both exports (SharePoint page views,
# which no built-in analytic reads), with the SigmaHQ Microsoft 365 rules.
mkdir -p "$TMP/rules"
cat >"$TMP/rules/pageviewed.yml" <<'YML'
title: SharePoint page viewed (test)
id: 7c1e2d3a-4b5c-4d6e-8f70-8192a3b4c5d6
status: test
description: records in the UAL and in the Purview CSV alike
author: mailhunt tests
logsource:
    product: m365
    service: audit
detection:
    selection:
        Operation: 'PageViewed'
    condition: selection
level: low
YML
PV=7c1e2d3a-4b5c-4d6e-8f70-8192a3b4c5d6
RULES=(--rules "$TMP/rules/pageviewed.yml" --rules "$MH_SHARED/data/sigma-full/rules/cloud/m365")

# scan NAME OUT ARGS...: the findings as JSON Lines.
scan() {
	local name=$1 out=$2
	shift 2
	run_mh "$out" "$out.err" scan --no-progress -f jsonl "${RULES[@]}" "$@"
	check "$name: exit $rc" [ "$rc" -le 1 ]
	check "$name: duplicates dropped" grep -Eq ' \+ [1-9][0-9]* duplicates' "$out.err"
}

# Sigma findings only (--no-builtin: every record parsed).
scan "-j1, UAL first" "$TMP/a" --no-builtin -j1 "$UAL" "$CSV"
scan "-j1, CSV first" "$TMP/b" --no-builtin -j1 "$CSV" "$UAL"
scan "-j2" "$TMP/c" --no-builtin -j2 "$UAL" "$CSV"
scan "-j2, CSV first" "$TMP/d" --no-builtin -j2 "$CSV" "$UAL"

n=$(jq -r --arg id "$PV" 'select(.rule_id == $id) | .counts.events' "$TMP/a")
check "the page views matched ($n events)" [ "${n:-0}" -gt 0 ]
# The evidence names the UAL (first by file name) in every order: the
# CSV-first run counted the CSV's copies.
check "the page views' evidence is the UAL's" \
	sh -c '[ "$(jq -r --arg id "$1" "select(.rule_id == \$id) | .evidence[].file" "$2" | sort -u)" = "$3" ]' \
	- "$PV" "$TMP/b" "$UAL"
check "findings, not none ($(wc -l <"$TMP/a") lines)" [ -s "$TMP/a" ]
check "-j1: the same findings whichever export comes first" cmp "$TMP/a" "$TMP/b"
check "-j2: the same findings as -j1" cmp "$TMP/a" "$TMP/c"
check "-j2, CSV first: the same findings as -j1" cmp "$TMP/a" "$TMP/d"

# With the built-in analytics too (the literal prefilter on: the rules
# judge the records passed over from their raw text).
scan "built-in, -j1, UAL first" "$TMP/e" --org-domain corp.example -j1 "$UAL" "$CSV"
scan "built-in, -j1, CSV first" "$TMP/f" --org-domain corp.example -j1 "$CSV" "$UAL"
scan "built-in, -j2, CSV first" "$TMP/g" --org-domain corp.example -j2 "$CSV" "$UAL"
check "built-in: records passed over" grep -q "passed over unparsed" "$TMP/e.err"
check "built-in: the page views matched" grep -q "\"rule_id\":\"$PV\"" "$TMP/e"
check "built-in, -j1: the same findings whichever export comes first" cmp "$TMP/e" "$TMP/f"
check "built-in, -j2: the same findings as -j1" cmp "$TMP/e" "$TMP/g"
finish
