#!/usr/bin/env bash
# The 26 mail-related SigmaHQ rules (../shared/data/sigma) on the audit
# samples: they fire where their logic says so and stay silent elsewhere.
# Until mailhunt's JSON reader lands, jq flattens each record into the
# field convention of event/event.h (key paths, composites as their JSON
# text) after taking the record out of its test wrapper (Panther's "log",
# Sekoia's "input.message"), and the test tool sigma_replay feeds them to
# the sigma analytic.
. "$(dirname "$0")/lib.sh"
need_shared
command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }
R=${MH_SIGMA_REPLAY:?MH_SIGMA_REPLAY not set}
D=$MH_SHARED/data
RULES=$D/sigma
FWD=c726e007-2cd0-4a55-abfb-79730fbedee5   # m365 email forwarding activity
RULE=d3577be1-42c9-44a7-b56e-2e8de97349d3  # m365 inbox rule creation/update
GWS=2a0bb2dd-eb5f-4517-8cb9-404f8ba764a5    # gworkspace out of domain forwarding

cat >"$TMP/flat.jq" <<'JQ'
(paths as $p | getpath($p) as $v
 | select($p | length > 0)
 | ($p | map(select(type == "string")) | join("."))
   + "\t" + (if ($v | type) == "object" or ($v | type) == "array"
             then ($v | tojson | tojson) else ($v | tojson) end)), ""
JQ

records() { grep -c "^record [0-9]*:.* $2" "$1"; }

# Panther's Exchange fixtures: 9 forwarding changes (Set-Mailbox
# ForwardingSmtpAddress, New-InboxRule ForwardTo), line 10 a MoveToFolder
# rule; line 3 also deletes.
jq -c '.log' "$D/m365/microsoft_exchange_external_forwarding.tests.jsonl" |
	jq -r -f "$TMP/flat.jq" >"$TMP/m365"
"$R" "$RULES" "$TMP/m365" >"$TMP/out" 2>"$TMP/err"
check "all 26 mail rules load" [ ! -s "$TMP/err" ]
check "forwarding rule fires on the 9 forwarding changes" [ "$(records "$TMP/out" $FWD)" -eq 9 ]
check "... not on the MoveToFolder rule (line 10)" [ "$(grep -c "^record 10:.*$FWD" "$TMP/out")" -eq 0 ]
check "inbox rule rule fires on lines 3 and 10" \
	[ "$(grep -E "^record (3|10):.*$RULE" "$TMP/out" | wc -l)" -eq 2 ]
check "... and nowhere else" [ "$(records "$TMP/out" $RULE)" -eq 2 ]
check "finding counts 9 events, names the author" \
	grep -q "^finding $FWD count=9 level=medium author=RedCanary Team" "$TMP/out"
check "evidence shows the tested fields" \
	grep -q "^finding $FWD .*fields=Operation=Set-Mailbox; Parameters=\[{\"Name\":\"Identity\"" "$TMP/out"

# Sekoia's Management Activity API records.
one() { jq -r '.input.message' "$D/audit/$1" | jq -r -f "$TMP/flat.jq" >"$TMP/one"; "$R" "$RULES" "$TMP/one" >"$TMP/out"; }
one sekoia-o365/inbox_rule.json
check "New-InboxRule ForwardTo/RedirectTo: forwarding rule" grep -q "^record 1:.*$FWD" "$TMP/out"
check "... and DeleteMessage/MarkAsRead: inbox rule rule" grep -q "^record 1:.*$RULE" "$TMP/out"
one sekoia-o365/operation_properties_01.json
check "UpdateInboxRules with a Forward action: forwarding rule" grep -q "^record 1:.*$FWD" "$TMP/out"

# Google Workspace: the SigmaHQ rule is for the login application; these
# records are user_accounts and admin activities: silent.
for f in sekoia-gws/test_user_accounts.json sekoia-gws/test_admin_data_source.json; do
	one "$f"
	check "$f: no rule fires" [ "$(grep -c '^record 1: .' "$TMP/out")" -eq 0 ]
done
jq -r -f "$TMP/flat.jq" "$D/gws/test-user-accounts.log" >"$TMP/gws"
"$R" "$RULES" "$TMP/gws" >"$TMP/out"
check "Elastic's 9 user_accounts records: no rule fires" \
	[ "$(grep -c '^record [0-9]*: .' "$TMP/out")" -eq 0 ]
check "the gworkspace rule id is the one loaded" grep -q "$GWS" "$RULES/gcp_gworkspace_out_of_domain_email_forwarding.yml"
finish
