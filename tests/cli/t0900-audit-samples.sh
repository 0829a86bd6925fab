#!/usr/bin/env bash
# The real audit samples (../shared/data/audit, m365, gws): every JSON and
# CSV file gives the number of records its manifest says, nothing
# skipped, and the typed view (scan --dump-events) holds the facts each
# verdict rests on. The Sekoia files are parser test cases whose raw record
# is the JSON string at input.message: read as they are (the record is
# found inside) and as that string alone (extracted with jq), with the
# same result. The Sentinel export in LF and in CRLF gives the same 266
# rows, and both together are the same records: 266 read twice, 266
# dropped as duplicates.
. "$(dirname "$0")/lib.sh"
need_shared
A=$MH_SHARED/data/audit

# records FILE...: "read events skipped dups" from the summary.
records() {
	"$MH_BIN" scan -j1 --no-progress -o /dev/null "$@" 2>"$TMP/err" >/dev/null
	sed -nE 's/^mailhunt: ([0-9]+) records read = ([0-9]+) [a-z]+ \+ ([0-9]+) skipped.*/\1 \2 \3/p' "$TMP/err" |
		head -1 | tr '\n' ' '
	d=$(sed -nE 's/.* \+ ([0-9]+) duplicates.*/\1/p' "$TMP/err")
	echo "${d:-0}"
}

# Every file of the manifest that is JSON or CSV, with its count. The
# one XML file (Windows events rendered as XML, one <Event> per line) is
# for the Windows event readers, not these.
while IFS=$'\t' read -r file _ _ _ _ format n _; do
	[ "$file" = file ] && continue
	case "$format" in windows-event-xml*) continue ;; esac
	got=$(records "$A/$file")
	check "$file: $n records, all events ($got)" [ "$got" = "$n $n 0 0" ]
	case "$file" in sekoia-*)
		jq -r '.input.message' "$A/$file" >"$TMP/raw.jsonl"
		got=$(records "$TMP/raw.jsonl")
		check "$file input.message alone: $n record ($got)" [ "$got" = "$n $n 0 0" ]
		"$MH_BIN" scan -j1 --no-progress -o /dev/null --dump-events "$TMP/a" "$A/$file" 2>/dev/null
		"$MH_BIN" scan -j1 --no-progress -o /dev/null --dump-events "$TMP/b" "$TMP/raw.jsonl" 2>/dev/null
		check "$file: the same typed view either way" \
			[ "$(jq -c .audit "$TMP/a")" = "$(jq -c .audit "$TMP/b")" ]
		;;
	esac
done <"$A/MANIFEST.tsv"

# ../shared/data/README.md: the m365 and gws rows.
check "m365 Panther cases: 10" [ "$(records "$MH_SHARED/data/m365/microsoft_exchange_external_forwarding.tests.jsonl")" = "10 10 0 0" ]
check "gws external forwarding: 4" [ "$(records "$MH_SHARED/data/gws/gsuite_external_forwarding.tests.jsonl")" = "4 4 0 0" ]
check "gws default routing: 4" [ "$(records "$MH_SHARED/data/gws/gsuite_workspace_gmail_default_routing_rule.tests.jsonl")" = "4 4 0 0" ]
check "gws user accounts: 9 (one Id, nine records)" [ "$(records "$MH_SHARED/data/gws/test-user-accounts.log")" = "9 9 0 0" ]
# The drive "rename" record is in both Panther gws files: read once.
check "gws folder: the record in two files counted once" [ "$(records "$MH_SHARED/data/gws")" = "17 16 0 1" ]

# --since keeps snapshots (no time) and drops older records.
"$MH_BIN" scan -j1 --no-progress --since 2024-01-01 -o /dev/null "$A/sekoia-o365" "$A/invictus-mes" 2>"$TMP/e" >/dev/null
check "--since 2024: 3 dated records and 110 rule snapshots kept, 4 older dropped" \
	grep -q '117 records read = 113 events + 4 skipped (out-of-time-range 4)' "$TMP/e"

# Standard input and pipes, plain and gzip.
got=$(gzip -c "$A/sentinel-training/office_activity.csv" | records -)
check "Sentinel CSV gzip on standard input: 266 ($got)" [ "$got" = "266 266 0 0" ]
got=$(records <(cat "$A/elastic-o365/test-exchange-item.log"))
check "JSON Lines from a pipe: 9 ($got)" [ "$got" = "9 9 0 0" ]

# MARK: - the typed view of every verdict

dump() {
	"$MH_BIN" scan -j1 --no-progress -o /dev/null --dump-events "$TMP/d.jsonl" "$@" 2>/dev/null
}
# q FILTER: jq over the dump, one line.
q() { jq -r -s "$1" "$TMP/d.jsonl"; }
P='[.audit.params[] | "\(.name)=\(.value)"]'
PA='[.params[] | "\(.name)=\(.value)"]'

dump "$A/sekoia-o365/inbox_rule.json"
check "inbox_rule: New-InboxRule by user1 from 1.2.3.4:63070" \
	[ "$(q '.[0].audit | "\(.operation) \(.actor) \(.client_ip) \(.client_port) \(.result)"')" = "New-InboxRule user1 1.2.3.4 63070 ok" ]
check "inbox_rule: ForwardTo, RedirectTo, hiding actions" \
	[ "$(q ".[0] | $P | map(select(test(\"^(ForwardTo|RedirectTo|DeleteMessage|MarkAsRead|MoveToFolder)=\"))) | join(\";\")")" = \
	  "ForwardTo=bob@example.org;RedirectTo=joe@example.org;DeleteMessage=True;MarkAsRead=True;MoveToFolder=Historique des conversations" ]

dump "$A/sekoia-o365/operation_properties_01.json"
check "operation_properties_01: the 4 recipients inside RuleActions, delegate logon" \
	[ "$(q '.[0].audit | "\([.params[] | select(.src == "rule_action") | "\(.name)=\(.value)"] | join(";")) \(.logon_type) \(.mailbox)"')" = \
	  "ForwardTo=john.doe@mail.fr;ForwardTo=user@email.fr;ForwardTo=asmithee@mailbox.fr;ForwardTo=user.name@mail.fr 2 owner@mail.fr" ]
dump "$A/sekoia-o365/operation_properties_03.json"
check "operation_properties_03: a DeferAction rule forwards nowhere" \
	[ "$(q '[.[0].audit.params[] | select(.src == "rule_action")] | length')" = 0 ]
dump "$A/sekoia-o365/exchange_item_aggregated.json"
check "exchange_item_aggregated: owner Bind of 3 items" \
	[ "$(q '.[0].audit | "\(.operation) \(.logon_type) \(.op_count) \(.record_type)"')" = "MailItemsAccessed 0 3 50" ]
dump "$A/sekoia-m365d/test_cloud_app3.json"
check "test_cloud_app3: an application reads john.doe's inbox" \
	[ "$(q '.[0].audit | "\(.shape) \(.user_type) \(.actor_type) \(.mailbox) \(.app_id) \(.op_count)"')" = \
	  "m365-defender 5 Application john.doe@example.com 22222222-2222-2222-2222-222222222222 6" ]
check "test_cloud_app3: RawEventData's fields first, unprefixed, then the row's" \
	[ "$(q '.[0].fields | [.[0][0], (map(.[0]) | index("properties.RawEventData") != null)] | map(tostring) | join(" ")')" = "AppId true" ]
dump "$A/sekoia-gws/test_user_accounts.json"
check "test_user_accounts: Gmail forwarding out of domain" \
	[ "$(q ".[0].audit | \"\(.operation) \(.actor) \" + ($PA | join(\";\"))")" = \
	  "email_forwarding_out_of_domain john.doe@example.com email_forwarding_destination_address=jane.doe@example.net" ]
dump "$A/sekoia-gws/test_admin_data_source.json"
check "test_admin_data_source: admin content access to Gmail" \
	[ "$(q ".[0].audit | \"\(.workload) \(.operation) \" + ($PA | map(select(startswith(\"INVESTIGATION_DATA_SOURCE\"))) | join(\"\"))")" = \
	  "admin SECURITY_INVESTIGATION_CONTENT_ACCESS INVESTIGATION_DATA_SOURCE=GMAIL" ]
dump "$A/sekoia-gws/test_token_sample1.json"
check "test_token_sample1: OAuth grant, two scopes, no Gmail one" \
	[ "$(q '[.[0].audit.params[] | select(.name == "scope") | .value] | "\(length) \(map(select(test("mail"))) | length)"')" = "2 0" ]

dump "$A/sentinel-training/office_activity.csv"
check "sentinel: row 129 is the New-InboxRule 'junk' that pins" \
	[ "$(q ".[] | select(.record == 129) | .audit | \"\(.operation) \(.logon_type) \" + ($PA | map(select(test(\"^(Name|SubjectContainsWords|PinMessage)=\"))) | join(\";\"))")" = \
	  "New-InboxRule null Name=junk;SubjectContainsWords=legal;PinMessage=True" ]
check "sentinel: rows 3, 130, 159 are the owner's MailItemsAccessed" \
	[ "$(q '[.[] | select(.audit.operation == "MailItemsAccessed") | "\(.record):\(.audit.logon_type)"] | join(" ")')" = "3:0 130:0 159:0" ]
check "sentinel: rows 178-179 folder permissions by S-1-5-18" \
	[ "$(q '[.[] | select(.audit.operation == "ModifyFolderPermissions") | "\(.record):\(.audit.actor)"] | join(" ")')" = "178:S-1-5-18 179:S-1-5-18" ]
check "sentinel: every row has a time" [ "$(q '[.[] | select(.time == null)] | length')" = 0 ]
"$MH_BIN" scan -j1 --no-progress -o /dev/null --dump-events "$TMP/crlf.jsonl" "$A/dcsa-workshop/office_activity.csv" 2>/dev/null
strip() { jq -c 'del(.file, .offset, .fields)' "$1"; }
check "sentinel LF and CRLF: the same 266 typed views" \
	[ "$(strip "$TMP/d.jsonl" | sha256sum)" = "$(strip "$TMP/crlf.jsonl" | sha256sum)" ]
check "sentinel LF and CRLF together: the same records, dropped the second time" \
	[ "$(records "$A/sentinel-training/office_activity.csv" "$A/dcsa-workshop/office_activity.csv")" = "532 266 0 266" ]

dump "$A/invictus-mes/MailboxRules.csv"
fw='[.[] | select(.audit.params | any(.name | test("^(ForwardTo|RedirectTo|ForwardAsAttachmentTo)$")))]'
check "MailboxRules.csv: 110 rule snapshots, 20 forward or redirect" \
	[ "$(q "(map(select(.audit.snapshot and .audit.operation == \"Get-InboxRule\")) | length | tostring) + \" \" + ($fw | length | tostring)")" = "110 20" ]
ext=$(q "$fw | map(select([.audit.params[] | select(.name | test(\"^(ForwardTo|RedirectTo)$\")) | .value] | join(\" \") | test(\"SMTP:[^]]*@(?!bonacu\\\\.onmicrosoft\\\\.com)\"))) | map(\"\(.record):\(.audit.mailbox)\") | join(\" \")")
check "MailboxRules.csv: rows 12, 48, 49, 61, 102 go outside the tenant ($ext)" \
	[ "$ext" = "12:jacksone@bonacu.onmicrosoft.com 48:davism@bonacu.onmicrosoft.com 49:davism@bonacu.onmicrosoft.com 61:richardd16@bonacu.onmicrosoft.com 102:sarahr27@bonacu.onmicrosoft.com" ]

dump "$A/elastic-o365/test-exchange-item.log"
check "elastic-o365: 3 Create and 6 ModifyFolderPermissions by S-1-5-18" \
	[ "$(q '(group_by(.audit.operation) | map("\(.[0].audit.operation)=\(length)") | join(" ")) + " " + (map(.audit.actor) | unique | join(","))')" = "Create=3 ModifyFolderPermissions=6 S-1-5-18" ]

dump "$MH_SHARED/data/m365/microsoft_exchange_external_forwarding.tests.jsonl"
check "m365 Panther cases: 9 forward (ForwardingSmtpAddress or ForwardTo), line 10 only moves" \
	[ "$(q '[.[] | select(.audit.params | any(.name == "ForwardingSmtpAddress" or .name == "ForwardTo")) | .line] | join(",")')" = "1,2,3,4,5,6,7,8,9" ]
dump "$MH_SHARED/data/gws/gsuite_workspace_gmail_default_routing_rule.tests.jsonl"
check "gws routing: lines 1-2 change MESSAGE_SECURITY_RULE" \
	[ "$(q '[.[] | select(.audit.params | any(.value == "MESSAGE_SECURITY_RULE")) | "\(.line):\(.audit.operation)"] | join(" ")')" = "1:CREATE_GMAIL_SETTING 2:DELETE_GMAIL_SETTING" ]
dump "$MH_SHARED/data/gws/test-user-accounts.log"
check "gws user accounts: line 9 forwards" \
	[ "$(q '[.[] | select(.audit.operation == "email_forwarding_out_of_domain") | .line] | join(",")')" = 9 ]
finish
