#!/usr/bin/env bash
# The literal prefilter (docs/AUDIT.md "Records passed over unparsed"):
# with or without --org-domain, Management Activity API records whose
# operation no analytic reads (and, with --rules, that no rule can match)
# are passed over unparsed. Nothing may
# change but the speed and one summary line: the findings, byte for byte,
# the records read, the duplicates dropped (a record passed over in the
# UAL and its Purview and Sentinel copies are one) and the time window's
# counts are those of the same scan with the prefilter off
# (--dump-events turns it off), on a simulated case (every export shape)
# and on the real samples.
. "$(dirname "$0")/lib.sh"
need_shared
command -v jq >/dev/null || { echo "skip: jq missing"; exit 77; }
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
# from every audit record: a record passed over still tells them (its
# UserId, MailboxOwnerUPN, OrganizationName), read from the raw text.
same "no --org-domain -j1" -j1 "$TMP/sim"
check "no --org-domain: records passed over" grep -Eq '^mailhunt: [1-9][0-9]* records passed over' "$TMP/on.err"
same "no --org-domain -j2" -j2 "$TMP/sim"
same "no --org-domain, UAL after its copies" -j1 \
	"$TMP/sim/audit/purview-audit-search.csv" "$TMP/sim/audit/m365-ual.jsonl"
same "no --org-domain, real samples" -j2 "$MH_SHARED/data/audit" "$MH_SHARED/data/m365"
# A domain of the tenant named only by a record passed over (a file read
# by bob@subsidiary.example): the rule forwarding to bob is internal
# either way (without the facts of that record it would be external).
mkdir -p "$TMP/tenant"
rec() { # id op user rest
	printf '{"CreationTime":"2024-03-01T%s","Id":"b985f0ae-0000-4955-8d22-%012d","Operation":"%s","OrganizationId":"920ef4d8","RecordType":%s,"Workload":"Exchange","UserId":"%s"%s}\n' \
		"$1" "$2" "$3" "$4" "$5" "$6"
}
{
	rec 00:00:26 1 FileAccessed 6 ivan3@corp.example ''
	rec 00:00:27 2 FileAccessed 6 bob@subsidiary.example ''
	rec 14:38:13 3 New-InboxRule 1 grace9@corp.example \
		',"ObjectId":"grace9\\Copy to bob","OrganizationName":"corp.onmicrosoft.com","Parameters":[{"Name":"Name","Value":"Copy to bob"},{"Name":"ForwardTo","Value":"bob@subsidiary.example"}]'
} >"$TMP/tenant/ual.jsonl"
same "no --org-domain, a domain named only by a record passed over" -j1 "$TMP/tenant/ual.jsonl"
check "that record passed over" grep -q '^mailhunt: 1 records passed over' "$TMP/on.err"
check "the forward is internal" grep -q '"rule_id":"MH-FWD-INT".*"destination":"bob@subsidiary.example"' "$TMP/on"

# Records an analytic reads are read from their raw text when that is
# sure (rec.h mh_rec_event_raw), else parsed: an application reading a
# mailbox, in shapes the raw path reads (escapes in keys it does not
# read, a count as text, nested values) and shapes it leaves to the
# parser (an escaped key, a key twice, an odd count, other lists): the
# same findings and totals as all parsed (broken records: test_rawrec).
mkdir -p "$TMP/raw"
mia() { # n extra count
	printf '{"CreationTime":"2024-03-01T10:%02d:00","Id":"aaaaaaaa-0000-4000-8000-%012d","Operation":"MailItemsAccessed","OrganizationId":"920ef4d8","RecordType":50,"UserType":5,"Workload":"Exchange","UserId":"11111111-2222-3333-4444-555555555555","AppId":"11111111-2222-3333-4444-555555555555","ClientIPAddress":"203.0.113.7","ClientInfoString":"Client=REST;","LogonType":0,"MailboxOwnerUPN":"ceo@corp.example","OperationProperties":[{"Name":"MailAccessType","Value":"Bind"},{"Name":"IsThrottled","Value":"False"}]%s,"OperationCount":%s}\n' \
		"$1" "$1" "$2" "$3"
}
{
	mia 1 '' 12
	mia 1 '' 12
	mia 2 ',"Folders":[{"Path":"\\Inbox","FolderItems":[{"Id":"AAMk="}]}],"Srv":"x\r\n"' 3
	mia 3 ',"Operat\u0069onX":1' 2
	mia 4 ',"UserId":"eve@corp.example"' 4
	mia 5 '' 3.5
	mia 6 '' '"7"'
	mia 7 ',"clientinfostring":"x"' 1
	mia 8 ',"ModifiedProperties":[]' 1
	mia 9 ',"X":{"a":[1,{"b":null}],"c":-2.5e3}' 2
	mia 10 ',"OperationProperties":[{"Name":"IsThrottled","Value":"True"}]' 5
	mia 12 ',"Parameters":[{"Name":"Identity","Value":"ceo"}]' 1
} >"$TMP/raw/ual.jsonl"
same "records read raw or parsed" -j1 --org-domain corp.example "$TMP/raw/ual.jsonl"
check "records read raw or parsed: the copy dropped" \
	grep -q '12 records read = 11 events + 0 skipped + 1 duplicates' "$TMP/on.err"
check "records read raw or parsed: the application's reads found" \
	grep -q '"rule_id":"MH-AUD-APPREAD"' "$TMP/on"

# With Sigma rules the prefilter stays on: a record no analytic reads is
# passed over only when no rule can match it either (the rules' atoms
# are not in its text, docs/SIGMA.md). One rule here matches records no
# built-in analytic reads (SharePoint page views): they are parsed after
# all and counted, in the UAL and in the Purview CSV alike (the copy
# Sigma names as evidence whatever the order: t0965).
mkdir -p "$TMP/rules"
cat >"$TMP/rules/pageviewed.yml" <<'YML'
title: SharePoint page viewed (test)
id: 5b0f5c55-7a1e-4c55-9a43-3f5d2d1a0c01
status: test
description: records no built-in analytic reads
author: mailhunt tests
logsource:
    product: m365
    service: audit
detection:
    selection:
        Operation: 'PageViewed'
        Workload: 'SharePoint'
    condition: selection
level: low
YML
cat >"$TMP/rules/noatoms.yml" <<'YML'
title: not a login (test)
id: 5b0f5c55-7a1e-4c55-9a43-3f5d2d1a0c02
status: test
description: a rule without literals, every record must be parsed
author: mailhunt tests
logsource:
    product: m365
    service: audit
detection:
    selection:
        Operation: 'UserLoggedIn'
    condition: not selection
level: low
YML
# A rule on records an analytic reads and the raw path takes
# (MailItemsAccessed): the Sigma gate judges them from their operation
# and workload (event/audit.h top_exact) and must let them through.
cat >"$TMP/rules/mia.yml" <<'YML'
title: mail items accessed by an application (test)
id: 5b0f5c55-7a1e-4c55-9a43-3f5d2d1a0c03
status: test
description: records read from their raw text
author: mailhunt tests
logsource:
    product: m365
    service: audit
detection:
    selection:
        Operation: 'MailItemsAccessed'
        Workload: 'Exchange'
        ClientAppId|contains: '-'
    condition: selection
level: low
YML
M365=$MH_SHARED/data/sigma-full/rules/cloud/m365
PV=5b0f5c55-7a1e-4c55-9a43-3f5d2d1a0c01
MIA=5b0f5c55-7a1e-4c55-9a43-3f5d2d1a0c03
same "--rules, mail read by applications" -j1 --org-domain corp.example --rules "$M365" \
	--rules "$TMP/rules/mia.yml" "$TMP/sim"
check "--rules: the application reads (raw path, gate) matched" \
	sh -c '[ "$(jq -r --arg id "$1" "select(.rule_id == \$id) | .counts.events" "$2")" -gt 0 ]' - "$MIA" "$TMP/on"
same "--rules" -j1 --org-domain corp.example --rules "$M365" \
	--rules "$TMP/rules/pageviewed.yml" "$TMP/sim"
check "--rules: records passed over" grep -q "passed over unparsed" "$TMP/on.err"
check "--rules: the page views were parsed and matched" \
	sh -c '[ "$(jq -r --arg id "$1" "select(.rule_id == \$id) | .counts.events" "$2")" -gt 0 ]' - "$PV" "$TMP/on"
same "--rules, no --org-domain" -j1 --rules "$M365" \
	--rules "$TMP/rules/pageviewed.yml" "$TMP/sim"
check "--rules, no --org-domain: records passed over" grep -q "passed over unparsed" "$TMP/on.err"
check "--rules, no --org-domain: the page views were parsed and matched" \
	sh -c '[ "$(jq -r --arg id "$1" "select(.rule_id == \$id) | .counts.events" "$2")" -gt 0 ]' - "$PV" "$TMP/on"
same "--rules, the Purview CSV alone" -j1 --org-domain corp.example --rules "$M365" \
	--rules "$TMP/rules/pageviewed.yml" "$TMP/sim/audit/purview-audit-search.csv"
check "--rules, Purview CSV: rows passed over" grep -q "passed over unparsed" "$TMP/on.err"
check "--rules, Purview CSV: the page views were parsed and matched" \
	sh -c '[ "$(jq -r --arg id "$1" "select(.rule_id == \$id) | .counts.events" "$2")" -gt 0 ]' - "$PV" "$TMP/on"
same "--rules, real samples" -j1 --org-domain corp.example \
	--rules "$MH_SHARED/data/sigma-full/rules/cloud" --rules "$MH_SHARED/data/sigma" \
	"$MH_SHARED/data/audit" "$MH_SHARED/data/m365"
# A rule without literals may match any record: nothing is passed over.
run_mh "$TMP/on" "$TMP/on.err" scan --no-progress -f jsonl --org-domain corp.example \
	--rules "$TMP/rules" "$TMP/sim"
check "--rules, a rule without literals: nothing passed over" \
	sh -c '! grep -q "passed over" "$1"' - "$TMP/on.err"
# Rules alone: every record is parsed (each keeps its full dedup key).
run_mh "$TMP/on" "$TMP/on.err" scan --no-progress -f jsonl --no-builtin \
	--rules "$M365" "$TMP/sim"
check "--no-builtin --rules: nothing passed over" \
	sh -c '! grep -q "passed over" "$1"' - "$TMP/on.err"
finish
