#!/usr/bin/env bash
# The 26 mail-related SigmaHQ rules (../shared/data/sigma) on the audit
# samples (../shared/data/m365, gws, audit), end to end through the
# readers (`mailhunt scan --no-builtin --rules ... -f jsonl`): each fires
# on the records its logic selects and stays silent on the others. The
# readers take the records out of their test wrappers themselves
# (Panther's "log", Sekoia's "input.message"). One Exchange record is
# then rewritten (jq) into every Microsoft 365 export shape, and one
# Google Workspace activity into its Cloud Logging form: the rules fire
# on each, so the logsource and field tables hold for all of them.
. "$(dirname "$0")/lib.sh"
need_shared
command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }
D=$MH_SHARED/data
RULES=$D/sigma
FWD=c726e007-2cd0-4a55-abfb-79730fbedee5  # m365 mail forwarding activity
RULE=d3577be1-42c9-44a7-b56e-2e8de97349d3 # m365 inbox rule creation/update
GWS=2a0bb2dd-eb5f-4517-8cb9-404f8ba764a5  # gworkspace out of domain forwarding

# scan INPUT...: the 26 rules alone, findings in $TMP/out.jsonl.
scan() {
	"$MH_BIN" scan -j1 --no-progress --no-builtin --rules "$RULES" -f jsonl \
		-o "$TMP/out.jsonl" "$@" 2>"$TMP/err"
}
# records ID: the record numbers of the rule's evidence, sorted, joined.
records() {
	jq -r --arg id "$1" 'select(.rule_id == $id) | .evidence[].record' \
		"$TMP/out.jsonl" | sort -n | paste -sd, -
}
count() {
	jq -r --arg id "$1" 'select(.rule_id == $id) | .counts.events' \
		"$TMP/out.jsonl" | awk '{s += $1} END {print s + 0}'
}
fired() { jq -r .rule_id "$TMP/out.jsonl" | sort -u | paste -sd' ' -; }

# Everything at once: only these three rules fire, none is refused.
scan "$D/m365" "$D/gws" "$D/audit"
check "26 rules loaded, none refused" grep -q '26 rules loaded (26 detection.*; 0 refused' "$TMP/err"
check "every record read, none skipped" grep -Eq 'records read = [0-9]+ events \+ 0 skipped' "$TMP/err"
want=$(printf '%s\n' $FWD $RULE $GWS | sort | paste -sd' ' -)
check "only the m365 forwarding, m365 inbox rule and GWS forwarding rules fire ($(fired))" \
	[ "$(fired)" = "$want" ]

# Panther's Exchange fixtures (the record is at "log", keys in lower
# case): lines 1-9 change forwarding (Set-Mailbox ForwardingSmtpAddress,
# New-InboxRule ForwardTo), line 10 is a MoveToFolder rule; line 3 also
# deletes.
M=$D/m365/microsoft_exchange_external_forwarding.tests.jsonl
scan "$M"
check "m365 forwarding rule: the 9 forwarding changes" [ "$(count $FWD)" -eq 9 ]
"$MH_BIN" scan -j1 --no-progress --no-builtin --rules "$RULES/microsoft365_susp_email_forwarding_activity.yml" \
	-f jsonl -o "$TMP/one.jsonl" --since 2000-01-01 "$M" 2>/dev/null
check "... not line 10 (the MoveToFolder rule)" \
	[ "$(jq -r '.evidence[].record' "$TMP/one.jsonl" | grep -c '^10$')" -eq 0 ]
check "m365 inbox rule rule: lines 3 and 10 only" [ "$(records $RULE)" = "3,10" ]
# finding ID FILTER: FILTER holds for the rule's finding.
finding() {
	jq -s -e --arg id "$1" "[.[] | select(.rule_id == \$id)][0] | $2" "$TMP/out.jsonl" >/dev/null
}
check "finding counts 9 events, medium, names the rule's author" \
	finding $FWD '.counts.events == 9 and .level == "medium" and (.details.author | startswith("RedCanary Team"))'
check "evidence shows the tested fields" \
	finding $FWD '.evidence[0].fields | startswith("Operation=Set-Mailbox; Parameters=[{\"Name\": \"Identity\"")'

"$MH_BIN" scan -j1 --no-progress -o /dev/null --dump-events "$TMP/d.jsonl" "$M" 2>/dev/null
check "the Panther wrapper is opened: 10 Management Activity API records" \
	[ "$(jq -r 'select(.kind == "audit") | .audit.shape' "$TMP/d.jsonl" | sort | uniq -c | awk '{print $1, $2}')" = "10 m365-ual-api" ]

# Sekoia's Management Activity API records (in input.message).
A=$D/audit
scan "$A/sekoia-o365/inbox_rule.json"
check "New-InboxRule ForwardTo/RedirectTo: forwarding rule" [ "$(count $FWD)" -eq 1 ]
check "... with DeleteMessage/MarkAsRead: inbox rule rule" [ "$(count $RULE)" -eq 1 ]
"$MH_BIN" scan -j1 --no-progress -o /dev/null --dump-events "$TMP/d.jsonl" "$A/sekoia-o365/inbox_rule.json" 2>/dev/null
check "the Sekoia wrapper is opened: the record at input.message" \
	[ "$(jq -r '"\(.kind) \(.audit.shape) \(.audit.operation)"' "$TMP/d.jsonl")" = "audit m365-ual-api New-InboxRule" ]
scan "$A/sekoia-o365/operation_properties_01.json"
check "UpdateInboxRules forwarding to 4 recipients: forwarding rule" [ "$(count $FWD)" -eq 1 ]
# The rule searches OperationProperties for 'Recipients' anywhere (its
# own definition warns the search is greedy): the X.500 DN in this
# DeferAction rule's condition (…/cn=Recipients/…) satisfies it. Its logic
# says so; the built-in judgement (docs/FORWARDING.md) does not forward
# this record.
scan "$A/sekoia-o365/operation_properties_03.json"
check "UpdateInboxRules DeferAction: the forwarding rule's greedy 'Recipients' matches its X.500 DN" \
	[ "$(count $FWD)" -eq 1 ]
for f in sekoia-o365/exchange_item_aggregated.json sekoia-o365/exchange_event1.json \
	sekoia-o365/exchange_item_update.json sekoia-o365/exchange_item_group_7.json \
	sekoia-m365d/test_cloud_app3.json elastic-o365/test-exchange-item.log \
	sentinel-training/office_activity.csv dcsa-workshop/office_activity.csv \
	invictus-mes/MailboxRules.csv; do
	scan "$A/$f"
	check "$f: no rule fires" [ ! -s "$TMP/out.jsonl" ]
done
# The Sentinel rows include New-InboxRule 'junk' (row 129: SubjectContains-
# Words, PinMessage), which neither rule selects; read as audit, not idle.
scan "$A/sentinel-training/office_activity.csv"
check "Sentinel rows reach the m365 audit rules (2 of 26 not idle)" grep -q '; 24 idle' "$TMP/err"

# Google Workspace. The SigmaHQ rule is for the login application:
# Panther's line 2 (applicationName login) fires; line 1 (the same event
# under user_accounts) and the other applications stay silent, as do
# Elastic's and Sekoia's user_accounts and admin activities.
G=$D/gws/gsuite_external_forwarding.tests.jsonl
scan "$G"
check "gws forwarding rule: line 2 only" [ "$(records $GWS)" = "2" ]
for f in "$D/gws/test-user-accounts.log" "$D/gws/gsuite_workspace_gmail_default_routing_rule.tests.jsonl" \
	"$A/sekoia-gws/test_user_accounts.json" "$A/sekoia-gws/test_admin_data_source.json" \
	"$A/sekoia-gws/test_token_sample1.json" "$A/sekoia-gws/test_other_1.json"; do
	scan "$f"
	check "${f#"$D/"}: no rule fires" [ ! -s "$TMP/out.jsonl" ]
done
# Line 2 as a Cloud Logging entry (Workspace audit exported to GCP).
sed -n 2p "$G" | jq -c '.log | {insertId: "i2", logName: "organizations/1/logs/cloudaudit.googleapis.com%2Fdata_access",
	timestamp: "2024-03-01T10:00:00Z",
	protoPayload: {serviceName: "\(.id.applicationName).googleapis.com",
		authenticationInfo: {principalEmail: .actor.email},
		metadata: {event: [{eventType: .type, eventName: .name,
			parameter: [.parameters | to_entries[] | {name: .key, value: .value}]}]}}}' >"$TMP/cl.jsonl"
scan "$TMP/cl.jsonl"
check "the same activity as a Cloud Logging entry: gws rule fires" [ "$(count $GWS)" -eq 1 ]

# One Exchange record in every Microsoft 365 export shape (the Sekoia
# New-InboxRule with ForwardTo and DeleteMessage): both m365 rules fire.
jq -r '.input.message' "$A/sekoia-o365/inbox_rule.json" | jq -c . >"$TMP/api.jsonl"
rec=$(cat "$TMP/api.jsonl")
# Purview audit search export (CSV with AuditData, and its JSON form)
printf 'CreationDate,UserIds,Operations,AuditData\r\n2023-05-24T15:10:53.0000000Z,user1,New-InboxRule,"%s"\r\n' \
	"$(printf '%s' "$rec" | sed 's/"/""/g')" >"$TMP/purview.csv"
jq -c '{CreationDate: .CreationTime, UserIds: .UserId, Operations: .Operation, RecordType: .RecordType, AuditData: tojson}' \
	"$TMP/api.jsonl" >"$TMP/purview.jsonl"
# Defender XDR CloudAppEvents (Advanced Hunting export)
jq -c '{Timestamp: .CreationTime, ActionType: .Operation, AccountId: .UserId, RawEventData: .}' \
	"$TMP/api.jsonl" >"$TMP/defender.jsonl"
# Graph audit log query record
jq -c '{id: .Id, createdDateTime: .CreationTime, auditLogRecordType: "exchangeAdmin", operation: .Operation,
	service: "Exchange", userPrincipalName: .UserId, auditData: .}' "$TMP/api.jsonl" >"$TMP/graph.jsonl"
# Sentinel OfficeActivity (renamed keys; Parameters a JSON string)
jq -c '{TimeGenerated: .CreationTime, OfficeWorkload: .Workload, Operation: .Operation, RecordType: "ExchangeAdmin",
	OfficeId: .Id, UserId: .UserId, ClientIP: .ClientIP, ResultStatus: .ResultStatus, SourceRecordId: .Id,
	Parameters: (.Parameters | tojson), Type: "OfficeActivity"}' "$TMP/api.jsonl" >"$TMP/sentinel.jsonl"
for s in api.jsonl purview.csv purview.jsonl defender.jsonl graph.jsonl sentinel.jsonl; do
	scan "$TMP/$s"
	check "$s: forwarding and inbox rule rules fire ($(fired))" \
		[ "$(count $FWD) $(count $RULE)" = "1 1" ]
done
shapes=$(for s in purview.csv defender.jsonl graph.jsonl sentinel.jsonl; do
	"$MH_BIN" scan -j1 --no-progress -o /dev/null --dump-events - "$TMP/$s" 2>/dev/null | jq -r .audit.shape
done | paste -sd' ' -)
check "each read in its own shape ($shapes)" \
	[ "$shapes" = "m365-purview m365-defender m365-graph-audit m365-sentinel" ]
scan "$TMP"/api.jsonl "$TMP"/purview.csv "$TMP"/defender.jsonl "$TMP"/graph.jsonl
check "the same record in four shapes: one event" \
	grep -q '4 records read = 1 events + 0 skipped + 3 duplicates' "$TMP/err"
check "... one match per rule" [ "$(count $FWD) $(count $RULE)" = "1 1" ]
finish
