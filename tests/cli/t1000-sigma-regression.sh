#!/usr/bin/env bash
# SigmaHQ's regression cases (../shared/data/sigma-regression), JSON form,
# end to end: `mailhunt scan --no-builtin --rules <rule> -f jsonl <case>`
# reads the records with the json reader (evtx_dump shape, objects
# concatenated), and each rule alone must match at least match_count of
# them (SigmaHQ's own criterion, the README there). The same records
# rewritten (jq) as Winlogbeat (ECS) and as Get-WinEvent | ConvertTo-Json
# must give the same number of matches: the logsource and field tables
# hold for the three JSON forms of Windows events.
. "$(dirname "$0")/lib.sh"
need_shared
command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }
D=$MH_SHARED/data/sigma-regression
[ -f "$D/MANIFEST.tsv" ] || { echo "skip: no regression cases"; exit 77; }

# matches RULE_ID RULE INPUT: events the rule matched, from its finding.
matches() {
	"$MH_BIN" scan -j1 --no-progress --no-builtin --rules "$2" -f jsonl \
		-o "$TMP/out.jsonl" "$3" 2>"$TMP/err"
	jq -r --arg id "$1" 'select(.rule_id == $id) | .counts.events' \
		"$TMP/out.jsonl" | awk '{s += $1} END {print s + 0}'
}

# The Event.System / Event.EventData of an evtx_dump record, as the two
# other exporters write them.
cat >"$TMP/ecs.jq" <<'JQ'
.Event as $e | $e.System as $s
| ($s.EventID | if type == "object" then .["#text"] else . end) as $id
| {"@timestamp": $s.TimeCreated["#attributes"].SystemTime,
   event: {code: ($id | tostring), provider: $s.Provider["#attributes"].Name},
   host: {name: $s.Computer},
   winlog: {channel: $s.Channel, event_id: ($id | tostring),
            provider_name: $s.Provider["#attributes"].Name,
            computer_name: $s.Computer, record_id: ($s.EventRecordID | tostring),
            event_data: (($e.EventData // {}) | del(.["#attributes"])
                         | map_values(tostring))}}
JQ
cat >"$TMP/ps.jq" <<'JQ'
.Event as $e | $e.System as $s
| ($s.EventID | if type == "object" then .["#text"] else . end) as $id
| [($e.EventData // {}) | to_entries[] | select(.key != "#attributes")] as $d
| {Id: $id, LogName: $s.Channel, ProviderName: $s.Provider["#attributes"].Name,
   MachineName: $s.Computer, RecordId: $s.EventRecordID,
   TimeCreated: $s.TimeCreated["#attributes"].SystemTime,
   Properties: [$d[] | {Value: (.value | tostring)}],
   Message: ("Event:\r\n" + ([$d[] | "\(.key): \(.value)"] | join("\r\n")))}
JQ

n=0
while IFS=$'\t' read -r case rid _ _ _ _ want _; do
	n=$((n + 1))
	want=${want:-1}
	json=$D/$case/$rid.json
	got=$(matches "$rid" "$D/$case/rule.yml" "$json")
	check "$case: $got >= $want matches" [ "$got" -ge "$want" ]
	check "$case: read as Windows events, rule not idle" \
		grep -q ' 0 idle' "$TMP/err"
	check "$case: finding names the author and links the rule" \
		jq -e --arg id "$rid" 'select(.rule_id == $id) | .details.author != null and
			(.details.rule_link | startswith("https://github.com/SigmaHQ/sigma/blob/master/rules"))' \
		"$TMP/out.jsonl" >/dev/null
	jq -c -f "$TMP/ecs.jq" "$json" >"$TMP/ecs.jsonl"
	ecs=$(matches "$rid" "$D/$case/rule.yml" "$TMP/ecs.jsonl")
	check "$case: Winlogbeat form, the same $got matches ($ecs)" [ "$ecs" = "$got" ]
	# Get-WinEvent gives the event data by position: the forms the tables
	# know (Sysmon through its Message, Security 4648, TaskScheduler).
	jq -c -f "$TMP/ps.jq" "$json" | jq -s . >"$TMP/ps.json"
	ps=$(matches "$rid" "$D/$case/rule.yml" "$TMP/ps.json")
	check "$case: Get-WinEvent form, the same $got matches ($ps)" [ "$ps" = "$got" ]
done < <(tail -n +2 "$D/MANIFEST.tsv" | tr '\t' '\037' |
	awk -F'\037' -v OFS='\t' '{print $1, $2, $3, $4, $5, $6, ($7 == "" ? 1 : $7), $8}')
check "all 56 cases ran" [ "$n" -eq 56 ]

# All the cases' records together: every one a Windows event of the evtx
# form; the one record two cases share is read once.
cat "$D"/*/*.json >"$TMP/all.json"
"$MH_BIN" scan -j1 --no-progress -o /dev/null --dump-events "$TMP/dump.jsonl" "$TMP/all.json" 2>"$TMP/err"
check "77 records = 76 Windows events + 1 duplicate" \
	grep -q '77 records read = 76 events + 0 skipped + 1 duplicates' "$TMP/err"
check "every event is of the evtx form with channel, id, computer, record id" \
	[ "$(jq -r 'select(.kind == "winevent" and .win.shape == "evtx-json" and .win.channel != null
		and .win.event_id != null and .win.computer != null and .win.record_id != null
		and .time != null) | .record' "$TMP/dump.jsonl" | wc -l)" -eq 76 ]

# Negatives: a process_creation rule must not fire on the file_event
# records of another case (logsource), nor on a Sysmon 1 record whose
# image differs.
DQ=$D/proc_creation_win_driverquery_usage
DQID=a20def93-0709-4eae-9bd2-31206e21e6b2
got=$(matches $DQID "$DQ/rule.yml" "$D/file_event_win_anydesk_artefact/0b9ad457-2554-44c1-82c2-d56a99c42377.json")
check "process_creation rule silent on file_event records" [ "$got" -eq 0 ]
check "... and idle: no event in its logsource" grep -q ' 1 idle' "$TMP/err"
got=$(matches $DQID "$DQ/rule.yml" "$D/proc_creation_win_hh_chm_execution/68c8acb4-1b60-4890-8e82-3ddf7a6dba84.json")
check "driverquery rule silent on an hh.exe process" [ "$got" -eq 0 ]
check "... though not idle" grep -q ' 0 idle' "$TMP/err"
finish
