#!/usr/bin/env bash
# Forwarding (T1114.003) from audit records and configuration exports: the
# verdicts of ../shared/data/audit/MANIFEST.tsv and of the m365 and gws
# rows of ../shared/data/README.md, each its own check; then a simulated
# case scanned with its mail and its audit logs: one finding per
# forwarding pair, with the rule from the audit log and the mail it sent.
. "$(dirname "$0")/lib.sh"
need_shared
A=$MH_SHARED/data/audit
D=$MH_SHARED/data

# scan FILE... -> $TMP/f (JSONL findings of the forwarding picture: the
# other audit rules, such as MH-AUD-HIDE, are t0940's)
scan() {
	"$MH_BIN" scan -j1 --format jsonl --quiet "$@" 2>"$TMP/e" |
		jq -c 'select(.type != "finding" or (.rule_id | test("^MH-(FWD|GWS)-")))' >"$TMP/f"
}
# rule<TAB>level<TAB>external<TAB>mailbox<TAB>destination of T1114.003
fwd() {
	jq -r 'select(.technique == "T1114.003") |
		[.rule_id, .level, (.external|tostring), (.mailbox // ""), (.destination // "")] | @tsv' \
		"$TMP/f" | sort
}
dests() { jq -r 'select(.technique == "T1114.003") | .destination' "$TMP/f" | sort | tr '\n' ' '; }
n_t1114003() { jq -r 'select(.technique == "T1114.003") | .id' "$TMP/f" | wc -l; }

# --- Sekoia New-InboxRule: the raw record (input.message) as one line.
jq -r '.input.message' "$A/sekoia-o365/inbox_rule.json" >"$TMP/inbox_rule.jsonl"
scan "$TMP/inbox_rule.jsonl"
check "sekoia inbox_rule (raw): ForwardTo bob@ and RedirectTo joe@example.org" \
	[ "$(dests)" = "bob@example.org joe@example.org " ]
check "sekoia inbox_rule: rule name, client IP, record 1, New-InboxRule" \
	jq -e -s 'length == 2 and all(.[]; .details.rule_name == "RULE_NAME"
		and .client_ip == "1.2.3.4" and .evidence[0].record == 1
		and .details.operation == "New-InboxRule"
		and .mechanism == "exchange-inbox-rule")' "$TMP/f"
check "sekoia inbox_rule: the hiding actions are named and raise it to critical" \
	jq -e -s 'all(.[]; .level == "critical" and (.summary | test("deletes the message, marks it read")))' "$TMP/f"
check "sekoia inbox_rule: remediation names the rule to remove" \
	jq -e -s 'all(.[]; .remediation | test("Remove-InboxRule -Mailbox .* -Identity .RULE_NAME."))' "$TMP/f"
# Sekoia's wrapper read as it is: the reader finds the record inside.
scan "$A/sekoia-o365/inbox_rule.json"
check "sekoia inbox_rule (wrapper file): the same two destinations" \
	[ "$(dests)" = "bob@example.org joe@example.org " ]
# --org-domain wins over the tenant's names.
scan --org-domain example.org "$TMP/inbox_rule.jsonl"
check "sekoia inbox_rule --org-domain example.org: internal" \
	jq -e -s 'length == 2 and all(.[]; .external == false and .rule_id == "MH-FWD-INT")' "$TMP/f"

# --- Sekoia UpdateInboxRules with a Forward action to four recipients.
jq -r '.input.message' "$A/sekoia-o365/operation_properties_01.json" >"$TMP/op01.jsonl"
scan "$TMP/op01.jsonl"
check "sekoia operation_properties_01: T1114.003 to the 4 recipients" \
	[ "$(dests)" = "asmithee@mailbox.fr john.doe@mail.fr user.name@mail.fr user@email.fr " ]
check "sekoia operation_properties_01: other domains than the owner's are external" \
	[ "$(jq -r 'select(.external == true) | .destination' "$TMP/f" | sort | tr '\n' ' ')" = "asmithee@mailbox.fr user@email.fr " ]
check "sekoia operation_properties_01: the delegate who set it is named" \
	jq -e -s 'all(.[]; .actor == "user1" and .mailbox == "owner@mail.fr")' "$TMP/f"

# --- Sekoia UpdateInboxRules with DeferAction only: a client-side rule.
jq -r '.input.message' "$A/sekoia-o365/operation_properties_03.json" >"$TMP/op03.jsonl"
scan "$TMP/op03.jsonl"
check "sekoia operation_properties_03 (DeferAction): no T1114.003" [ "$(n_t1114003)" -eq 0 ]

# --- Sekoia Google Workspace out-of-domain forwarding.
jq -r '.input.message' "$A/sekoia-gws/test_user_accounts.json" >"$TMP/gws.jsonl"
scan "$TMP/gws.jsonl"
check "sekoia gws user_accounts: T1114.003 to jane.doe@example.net, external" \
	[ "$(fwd)" = "$(printf 'MH-FWD-GMAIL\thigh\ttrue\tjohn.doe@example.com\tjane.doe@example.net')" ]

# --- Microsoft-Extractor-Suite MailboxRules.csv (Get-InboxRule snapshot).
scan "$A/invictus-mes/MailboxRules.csv"
check "MES MailboxRules: external exactly in rows 12, 48, 49, 61, 102" \
	[ "$(jq -r 'select(.external == true) | .evidence[].record' "$TMP/f" | sort -n | tr '\n' ' ')" = "12 48 49 61 102 " ]
check "MES MailboxRules: the 5 external rules' destinations" \
	[ "$(jq -r 'select(.external == true) | .destination' "$TMP/f" | sort | tr '\n' ' ')" = \
		"law1234567890@protonmail.com marydavis@gmail.com richardd16@bauscn.com sarah.r1991@gmail.com " ]
check "MES MailboxRules: the forwards inside the tenant are internal and low" \
	jq -e -s '[.[] | select(.external != true)] | length >= 15 and
		all(.[]; .external == false and .level == "low" and .rule_id == "MH-FWD-INT")' "$TMP/f"
check "MES MailboxRules: snapshots, no time, said so" \
	jq -e -s 'all(.[]; .first_seen == null and .counts.snapshots >= 1
		and (.summary | test("configured, time unknown")))' "$TMP/f"

# --- Hard negatives.
for f in sentinel-training/office_activity.csv dcsa-workshop/office_activity.csv \
	elastic-o365/test-exchange-item.log; do
	scan "$A/$f"
	check "$f: no T1114.003" [ "$(n_t1114003)" -eq 0 ]
done

# --- Panther m365: forwarding in 9 of 10 lines; 2, 7, 9 stay inside.
scan "$D/m365/microsoft_exchange_external_forwarding.tests.jsonl"
lines() { jq -r "select(.technique == \"T1114.003\" and $1) | .evidence[].line" "$TMP/f" | sort -n -u | tr '\n' ' '; }
check "panther m365: external on lines 1, 3, 4, 5, 6, 8" [ "$(lines '.external == true')" = "1 3 4 5 6 8 " ]
check "panther m365: internal (low) on lines 2, 7, 9" [ "$(lines '.external == false and .level == "low"')" = "2 7 9 " ]
check "panther m365: nothing from line 10 (a move rule)" [ "$(lines 'true' | grep -cw 10)" -eq 0 ]
check "panther m365: DeliverToMailboxAndForward False is one level up" \
	jq -e -s '[.[] | select(.evidence[0].line == 1)][0].level == "critical"' "$TMP/f"

# --- Panther gws: lines 1-2 out-of-domain forwarding to gmail.com.
scan "$D/gws/gsuite_external_forwarding.tests.jsonl"
check "panther gws external forwarding: lines 1 and 2, external" \
	[ "$(lines '.external == true')" = "1 2 " ]
# Admin routing rule created then deleted (lines 1-2): the destination
# is in the rule, not the record: MH-GWS-ROUTING, "check the rule's
# content"; removed 38 s later, so one level down. Lines 3-4 benign.
scan "$D/gws/gsuite_workspace_gmail_default_routing_rule.tests.jsonl"
check "panther gws routing rule: lines 1 and 2, MH-GWS-ROUTING" \
	[ "$(lines '.rule_id == "MH-GWS-ROUTING"')" = "1 2 " -a "$(n_t1114003)" -eq 1 ]
check "panther gws routing rule: check the content, removed" \
	jq -e '.mechanism == "gws-routing" and .details.removed_at == "2022-12-11T00:50:41Z"
		and (.summary | test("check the rule.s content"))' "$TMP/f"
scan "$D/gws/test-user-accounts.log"
check "elastic gws user_accounts: line 9 only, to user@email.com" \
	[ "$(lines 'true')" = "9 " -a "$(dests)" = "user@email.com " ]

# --- A simulated case: mail stores and audit logs of the same scenarios.
"$MH_BIN" simulate --seed 4 --format maildir --messages 1500 --out "$TMP/case" --quiet
check "simulate seed 4: exit 0" [ $? -eq 0 ]
"$MH_BIN" scan -j2 --format jsonl --org-domain corp.example --quiet "$TMP/case" >"$TMP/all"
mail_dirs=$(find "$TMP/case" -mindepth 1 -maxdepth 1 -type d ! -name audit)
# shellcheck disable=SC2086
"$MH_BIN" scan -j2 --format jsonl --org-domain corp.example --quiet $mail_dirs >"$TMP/mail"
"$MH_BIN" scan -j2 --format jsonl --org-domain corp.example --quiet "$TMP/case/audit" >"$TMP/aud"
# The pairs both truths name: set up in the audit log, mail sent through.
both=$(join -t $'\t' \
	<(awk -F'\t' 'NR > 1 && NF >= 5 { print $4 "|" $5 }' "$TMP/case/ground-truth.tsv" | sort -u) \
	<(awk -F'\t' '$4 ~ /^MH-FWD-/ { print $6 "|" $8 }' "$TMP/case/audit-truth.tsv" | sort -u))
check "simulated case: some pairs are in both the mail and the audit log" [ -n "$both" ]
for p in $both; do
	mb=${p%%|*} dst=${p#*|}
	sel="select(.technique == \"T1114.003\" and .mailbox == \"$mb\" and .destination == \"$dst\" and .rule_id != \"MH-FWD-RATIO\")"
	check "joined $mb -> $dst: one finding, source audit+mail" \
		jq -e -s "[.[] | $sel] | length == 1 and .[0].details.source == \"audit+mail\"" "$TMP/all"
	check "joined $mb -> $dst: audit record and message as evidence" \
		jq -e -s "[.[] | $sel][0].evidence | any(.record > 0) and any(.message_id != null)" "$TMP/all"
	check "joined $mb -> $dst: messages counted, the change too" \
		jq -e -s "[.[] | $sel][0].counts | .auto_forwarded > 0 and .configured >= 1" "$TMP/all"
	check "joined $mb -> $dst: mail alone: the summary of a mail-only scan (no audit record read)" \
		jq -e -s "[.[] | $sel] | length == 1 and (.[0].summary | test(\"seen only\") | not)" "$TMP/mail"
	check "joined $mb -> $dst: audit alone says no mail store was scanned" \
		jq -e -s "[.[] | $sel][0].summary | test(\"seen only in the audit log: no mail store was scanned\")" "$TMP/aud"
done
# Joined, nothing is counted twice: the same number of findings per pair.
check "simulated case: one finding per pair and rule" \
	[ "$(jq -r '[.rule_id, .mailbox, .destination] | @tsv' "$TMP/all" | sort | uniq -d | wc -l)" -eq 0 ]
# The case exports each audit record up to three ways (API JSON Lines,
# Purview CSV, Sentinel rows): a finding names each record once, by the
# copy first in file order.
check "simulated case: no audit record twice in one finding's evidence" \
	[ "$(jq -r '.id as $f | .evidence[] | select(.fields != null) | (.fields | capture("(?:^|; )Id=(?<i>[0-9a-f-]{36})").i // empty) | "\($f) \(.)"' "$TMP/all" | sort | uniq -d | wc -l)" -eq 0 ]
check "simulated case: some findings carry audit evidence" \
	[ "$(jq -r '.evidence[] | select(.fields != null) | .fields' "$TMP/all" | grep -cE '(^|; )Id=')" -gt 0 ]

finish
