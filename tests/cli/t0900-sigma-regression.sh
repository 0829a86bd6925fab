#!/usr/bin/env bash
# SigmaHQ's regression cases (../shared/data/sigma-regression), JSON form:
# each rule alone must match at least match_count records of its case
# (SigmaHQ's own criterion). Until mailhunt reads JSON itself, jq flattens
# each record into the field convention of event/event.h and the test
# tool sigma_replay (tests/tools) feeds the events to the sigma analytic;
# the records here use the evtx_dump shape ({"Event":{"System":..}}), so
# this also checks the logsource and field tables for that shape.
. "$(dirname "$0")/lib.sh"
need_shared
command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }
R=${MH_SIGMA_REPLAY:?MH_SIGMA_REPLAY not set}
D=$MH_SHARED/data/sigma-regression
[ -f "$D/MANIFEST.tsv" ] || { echo "skip: no regression cases"; exit 77; }

flat() {
	jq -r '(paths(scalars) as $p
	        | ($p | map(select(type == "string")) | join("."))
	          + "\t" + (getpath($p) | tojson)), ""' "$1"
}

n=0
while IFS=$'\t' read -r case rid want; do
	n=$((n + 1))
	flat "$D/$case/$rid.json" >"$TMP/flat"
	"$R" "$D/$case/rule.yml" "$TMP/flat" >"$TMP/out" 2>"$TMP/err"
	got=$(grep -c "^record [0-9]*:.* $rid" "$TMP/out")
	check "$case: $got >= $want matches" [ "$got" -ge "$want" ]
	check "$case: finding names the author and links the rule" \
		grep -q "^finding $rid .*author=[^-].*link=https://github.com/SigmaHQ/sigma/blob/master/rules" "$TMP/out"
done < <(tail -n +2 "$D/MANIFEST.tsv" | awk -F'\t' '{print $1 "\t" $2 "\t" ($7 == "" ? 1 : $7)}')
check "all 56 cases ran" [ "$n" -eq 56 ]

# Negative: a process_creation rule must not fire on the file_event
# records of another case (logsource), nor on Sysmon 1 records whose
# image differs.
flat "$D/file_event_win_anydesk_artefact/0b9ad457-2554-44c1-82c2-d56a99c42377.json" >"$TMP/fe"
"$R" "$D/proc_creation_win_driverquery_usage/rule.yml" "$TMP/fe" >"$TMP/out"
check "process_creation rule silent on file_event records" \
	[ "$(grep -c ' a20def93' "$TMP/out")" -eq 0 ]
flat "$D/proc_creation_win_hh_chm_execution/68c8acb4-1b60-4890-8e82-3ddf7a6dba84.json" >"$TMP/pc"
"$R" "$D/proc_creation_win_driverquery_usage/rule.yml" "$TMP/pc" >"$TMP/out"
check "driverquery rule silent on an hh.exe process" \
	[ "$(grep -c ' a20def93' "$TMP/out")" -eq 0 ]
finish
