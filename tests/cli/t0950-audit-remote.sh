#!/usr/bin/env bash
# Remote mail collection (T1114.002) from the real audit samples
# (../shared/data/audit MANIFEST.tsv, ../shared/data/m365 and gws): every
# file gives the T1114.002 findings its verdict says and no other, read
# as it is and (Sekoia test cases) as the raw record at input.message
# alone; the two positives name what their verdict names. Then a
# simulated case: every planted remote-collection activity of
# audit-truth.tsv is found, and the findings are the same with -j1 and
# -j2.
. "$(dirname "$0")/lib.sh"
need_shared
A=$MH_SHARED/data/audit

# rules FILE...: the rule ids of the T1114.002 findings, sorted, one line.
rules() {
	"$MH_BIN" scan -j1 --no-progress --format jsonl "$@" 2>/dev/null |
		jq -r 'select(.technique == "T1114.002") | .rule_id' | sort | tr '\n' ' ' | sed 's/ $//'
}

while IFS=$'\t' read -r file _ _ _ _ format _ _ verdict; do
	[ "$file" = file ] && continue
	case "$format" in windows-event-xml*) continue ;; esac
	case "$verdict" in
	T1114.002*) want=yes ;;
	*) want= ;;
	esac
	got=$(rules "$A/$file")
	if [ -n "$want" ]; then
		check "$file: T1114.002 ($got)" [ -n "$got" ]
	else
		check "$file: no T1114.002 (${got:-none})" [ -z "$got" ]
	fi
	case "$file" in sekoia-*)
		jq -r '.input.message' "$A/$file" >"$TMP/raw.jsonl"
		check "$file input.message alone: the same (${got:-none})" \
			[ "$(rules "$TMP/raw.jsonl")" = "$got" ]
		;;
	esac
done <"$A/MANIFEST.tsv"

for f in m365/microsoft_exchange_external_forwarding.tests.jsonl \
	gws/gsuite_external_forwarding.tests.jsonl \
	gws/gsuite_workspace_gmail_default_routing_rule.tests.jsonl \
	gws/test-user-accounts.log; do
	got=$(rules "$MH_SHARED/data/$f")
	check "$f: no T1114.002 (${got:-none})" [ -z "$got" ]
done

# The two positives, field by field.
one() {
	"$MH_BIN" scan -j1 --no-progress --format jsonl "$1" 2>/dev/null |
		jq -r "select(.technique == \"T1114.002\") | $2"
}
got=$(one "$A/sekoia-m365d/test_cloud_app3.json" \
	'"\(.rule_id) \(.level) \(.mailbox) \(.app) \(.client_ip) \(.counts.items) \(.evidence[0].record) \(.evidence[0].line)"')
check "test_cloud_app3: app 2222... read 6 items of john.doe's mailbox ($got)" \
	[ "$got" = "MH-AUD-APPREAD medium john.doe@example.com 22222222-2222-2222-2222-222222222222 fe80:11:2233:4455:6677:8899:aabb:ccdd 6 1 1" ]
got=$(one "$A/sekoia-gws/test_admin_data_source.json" \
	'"\(.rule_id) \(.level) \(.mailbox) \(.actor) \(.details.justifications)"')
check "test_admin_data_source: admin john.doe viewed jane.doe's Gmail, justification shown ($got)" \
	[ "$got" = "MH-GWS-ADMINACCESS medium jane.doe@example.net john.doe@example.com https://test.atlassian.net/jira/servicedesk/projects/ALRT/queues/custom/125/ALRT-1" ]
got=$(one "$A/sekoia-m365d/test_cloud_app3.json" '.remediation')
check "test_cloud_app3: a remediation that changes nothing" \
	grep -q 'mailhunt changes nothing' <<<"$got"

# A simulated case: the planted activities of these rules, and -j.
"$MH_BIN" simulate --seed 1 --audit-only --out "$TMP/sim" >/dev/null 2>&1
S=$TMP/sim/audit
check "simulate wrote the UAL and GWS logs" [ -s "$S/m365-ual.jsonl" ] && [ -s "$S/gws-activities.jsonl" ]
# The rerun, Purview and Sentinel files hold the same records again: which
# copy of a record read twice is kept depends on the reader's timing, so
# the -j comparison reads each record once.
for j in 1 2; do
	"$MH_BIN" scan -j$j --no-progress --format jsonl "$S/m365-ual.jsonl" "$S/gws-activities.jsonl" 2>/dev/null |
		jq -c 'select(.technique == "T1114.002")' >"$TMP/j$j.jsonl"
done
check "simulate: T1114.002 findings found" [ -s "$TMP/j1.jsonl" ]
check "simulate: the same findings with -j1 and -j2" cmp -s "$TMP/j1.jsonl" "$TMP/j2.jsonl"
awk -F'\t' 'NR > 1 && $4 ~ /^MH-(AUD-(APPREAD|VOLUME|OTHERMBX|LOGIN|SEARCH|HARDDELETE|CONSENT)|GWS-(TAKEOUT|ADMINACCESS))$/ {print $4 "\t" $5 "\t" $6 "\t" $7}' \
	"$TMP/sim/audit-truth.tsv" >"$TMP/truth.tsv"
check "simulate: planted activities of these rules ($(wc -l <"$TMP/truth.tsv"))" [ "$(wc -l <"$TMP/truth.tsv")" -ge 8 ]
while IFS=$'\t' read -r rule level mbx by; do
	# found: a finding of that rule at that level whose mailbox list
	# holds the mailbox (when the truth names one) and whose actor (or
	# mailbox, for the owner's own searches) holds who did it
	n=$(jq -r --arg r "$rule" --arg l "$level" --arg m "$mbx" --arg b "$by" \
		'select(.rule_id == $r and .level == $l
		        and ($m == "-" or ((.mailbox // "") | contains($m)))
		        and ($b == "-" or ((.actor // "") | contains($b))))
		 | .id' "$TMP/j1.jsonl" | wc -l)
	check "simulate: $rule $level mailbox $mbx by $by found" [ "$n" -ge 1 ]
done <"$TMP/truth.tsv"
finish
