#!/usr/bin/env bash
# The forwarding picture across the names Exchange writes for one mailbox,
# and across a rule's life (docs/AUDIT.md "Rules: forwarding from audit
# records"), on Management Activity API records shaped as Exchange writes
# them:
#  - a rule disabled (Disable-InboxRule) is removed, one level down; enabled
#    again (Enable-InboxRule) it forwards again: the level stays, and the
#    finding says when it was disabled and enabled again;
#  - a mailbox written as an alias ("alice"), a legacy DN or the GUID of an
#    object path joins the same mailbox's address (mail evidence, removals)
#    once a record has given both; a name given two addresses joins none.
. "$(dirname "$0")/lib.sh"
d=$TMP/in
mkdir -p "$d"
org=560ff3ba-f88f-4a14-81c0-e0a18911b26d
path="EURPR07A010.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/corp.onmicrosoft.com"
n=0
# cmdlet TIME OPERATION USERID OBJECTID IP PARAMS: one ExchangeAdmin record.
cmdlet() {
	n=$((n + 1))
	printf '{"CreationTime":"%s","Id":"5b0f6a5e-1c3d-4c52-9a3e-6a1e1c0d%04d","Operation":"%s","OrganizationId":"%s","RecordType":1,"ResultStatus":"True","UserKey":"10032001A1B2C3D4","UserType":0,"Version":1,"Workload":"Exchange","ClientIP":"%s:50122","ObjectId":"%s","UserId":"%s","AppId":"00000002-0000-0ff1-ce00-000000000000","ClientAppId":"","ExternalAccess":false,"OrganizationName":"corp.onmicrosoft.com","OriginatingServer":"DB9PR02MB3893 (15.20.7069.022)","Parameters":[%s],"SessionId":"6b5e010c-7d2b-4fd1-9810-4d142cbd%04d"}\n' \
		"$1" "$n" "$2" "$org" "$5" "$4" "$3" "$6" "$n"
}
p() { printf '{"Name":"%s","Value":"%s"}' "$1" "$2"; }
fwd_findings() {
	"$MH_BIN" scan -j1 --format jsonl --quiet "$@" 2>"$TMP/err" |
		jq -c 'select(.rule_id | test("^MH-FWD-(EXT|INT)$"))' >"$TMP/f"
}
one() { jq -c "select($1)" "$TMP/f"; }

# MARK: - disabled, then enabled again
{
	cmdlet 2024-03-04T09:12:40 New-InboxRule alice@corp.example "$path/alice\\\\Sync" 203.0.113.77 \
		"$(p Force False),$(p ForwardTo exfil.box@protonmail.example),$(p Name Sync)"
	cmdlet 2024-03-05T10:00:00 Disable-InboxRule alice@corp.example "$path/alice\\\\Sync" 203.0.113.77 \
		"$(p Identity 'alice\\\\Sync'),$(p Confirm False)"
} >"$d/disabled.jsonl"
cp "$d/disabled.jsonl" "$d/enabled.jsonl"
cmdlet 2024-03-07T22:41:09 Enable-InboxRule alice@corp.example "$path/alice\\\\Sync" 198.51.100.23 \
	"$(p Identity 'alice\\\\Sync')" >>"$d/enabled.jsonl"

fwd_findings "$d/disabled.jsonl"
check "disabled (Identity alice\\Sync): removed, one level down" \
	jq -e -s 'length == 1 and .[0].level == "medium" and .[0].details.removed_at == "2024-03-05T10:00:00Z"' "$TMP/f"
fwd_findings "$d/enabled.jsonl"
check "disabled then enabled again: high, not removed" \
	jq -e -s 'length == 1 and .[0].level == "high" and (.[0].details | has("removed_at") | not)' "$TMP/f"
check "disabled then enabled again: said with both times" \
	jq -e -s '.[0].details.disabled_at == "2024-03-05T10:00:00Z" and .[0].details.enabled_again_at == "2024-03-07T22:41:09Z"
		and (.[0].summary | test("disabled at 2024-03-05T10:00:00Z and enabled again at 2024-03-07T22:41:09Z: it forwards again"))' "$TMP/f"
# With --org-domain the literal prefilter passes over what no analytic
# reads: Enable-InboxRule must still be read.
fwd_findings --org-domain corp.example "$d/enabled.jsonl"
check "enabled again, with the prefilter on (--org-domain): high" \
	jq -e -s 'length == 1 and .[0].level == "high" and .[0].details.enabled_again_at != null' "$TMP/f"
# Disabled again after it was enabled: removed.
{ cat "$d/enabled.jsonl"; cmdlet 2024-03-09T08:00:00 Disable-InboxRule admin@corp.example "$path/alice\\\\Sync" 192.0.2.10 \
	"$(p Identity 'alice\\\\Sync')"; } >"$d/again.jsonl"
fwd_findings "$d/again.jsonl"
check "disabled, enabled, disabled: removed at the last" \
	jq -e -s 'length == 1 and .[0].level == "medium" and .[0].details.removed_at == "2024-03-09T08:00:00Z"' "$TMP/f"
# A failed Enable-InboxRule changes nothing.
sed 's/"Operation":"Enable-InboxRule","OrganizationId":"[^"]*","RecordType":1,"ResultStatus":"True"/"Operation":"Enable-InboxRule","OrganizationId":"x","RecordType":1,"ResultStatus":"False"/' \
	"$d/enabled.jsonl" >"$d/failed.jsonl"
fwd_findings "$d/failed.jsonl"
check "a failed Enable-InboxRule: still removed" \
	jq -e -s 'length == 1 and .[0].level == "medium" and .[0].details.removed_at != null' "$TMP/f"
rm "$d"/*.jsonl

# MARK: - other names of a mailbox
# alice's own rule teaches alias "alice" (ObjectId .../alice\Newsletters,
# UserId alice@corp.example). An administrator then sets a forward in her
# mailbox naming it "alice"; the mail shows alice's rule sending to
# x@evil.example (lib.sh exo_forwarded, with X-Forwarded-To naming the
# destination, as a journal envelope would).
exo_forwarded "$TMP/m.eml"
sed '/^X-MS-Exchange-Inbox-Rules-Loop/a X-Forwarded-To: x@evil.example' "$TMP/m.eml" >"$d/fwd.eml"
{
	cmdlet 2024-03-01T08:00:00 New-InboxRule alice@corp.example "$path/alice\\\\Newsletters" 192.0.2.14 \
		"$(p Name Newsletters),$(p From news@news.example),$(p MoveToFolder Newsletters)"
	cmdlet 2024-03-04T23:10:00 New-InboxRule admin@corp.example "$path/alice\\\\Sync" 203.0.113.77 \
		"$(p Mailbox alice),$(p Name Sync),$(p ForwardTo x@evil.example)"
} >"$d/alias.jsonl"
fwd_findings "$d/alias.jsonl" "$d/fwd.eml"
check "alias: the rule set on 'alice' and alice's mail are one finding" \
	jq -e -s 'length == 1 and .[0].mailbox == "alice@corp.example" and .[0].destination == "x@evil.example"
		and .[0].details.source == "audit+mail" and .[0].actor == "admin@corp.example"
		and .[0].counts.auto_forwarded == 1 and .[0].external == true' "$TMP/f"
check "alias: evidence of the record and of the message" \
	jq -e -s '[.[0].evidence[] | .record != null] | sort == [false, true]' "$TMP/f"
# Without the record that gives both names: two findings (as before).
sed 1d "$d/alias.jsonl" >"$d/alias-only.jsonl"
fwd_findings "$d/alias-only.jsonl" "$d/fwd.eml"
check "alias never given with its address: not joined" \
	[ "$(jq -r .mailbox "$TMP/f" | sort | tr '\n' ' ')" = "alice alice@corp.example " ]
# The same alias given two addresses: ambiguous, joined to neither.
cmdlet 2024-03-02T08:00:00 New-InboxRule alice@branch.example "$path/alice\\\\Travel" 192.0.2.15 \
	"$(p Name Travel),$(p MoveToFolder Travel)" >>"$d/alias.jsonl"
fwd_findings "$d/alias.jsonl" "$d/fwd.eml"
check "alias of two addresses: not joined" \
	[ "$(jq -r .mailbox "$TMP/f" | sort | tr '\n' ' ')" = "alice alice@corp.example " ]
rm "$d"/*.jsonl

# A legacy DN: Set-Mailbox on bob@corp.example whose ObjectId is his DN
# teaches it; the forwarding set naming the DN joins bob's mail.
dn="/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=4b2e4e1b9a8c4c0e8f1a2b3c4d5e6f70-bob"
sed -e 's/alice@corp.example/bob@corp.example/' -e 's/x@evil.example/bob.private@mailbox.example/' \
	-e 's/good-1/good-2/' "$d/fwd.eml" >"$d/fwd2.eml"
{
	cmdlet 2024-03-01T07:00:00 Set-Mailbox admin@corp.example "$dn" 192.0.2.10 \
		"$(p Identity bob@corp.example),$(p AuditEnabled True)"
	cmdlet 2024-03-04T23:20:00 Set-Mailbox admin@corp.example "$dn" 203.0.113.77 \
		"$(p Identity "$dn"),$(p ForwardingSmtpAddress smtp:bob.private@mailbox.example),$(p DeliverToMailboxAndForward True)"
} >"$d/dn.jsonl"
fwd_findings "$d/dn.jsonl" "$d/fwd2.eml"
check "legacy DN: the forwarding set on the DN and bob's mail are one finding" \
	jq -e -s 'map(select(.destination == "bob.private@mailbox.example")) | length == 1 and .[0].mailbox == "bob@corp.example"
		and .[0].details.source == "audit+mail" and .[0].counts.auto_forwarded == 1' "$TMP/f"
rm "$d"/*.jsonl

# A mailbox audit record gives MailboxOwnerUPN with MailboxGuid: a rule an
# administrator sets naming that GUID joins the owner's mail.
gu=dac2d42c-0e87-410c-a857-ded21d858cfc
sed -e 's/alice@corp.example/frank@corp.example/' -e 's/x@evil.example/frank.m@mailbox.example/' \
	-e 's/good-1/good-3/' "$d/fwd.eml" >"$d/fwd3.eml"
{
	printf '{"CreationTime":"2024-03-01T02:31:24","Id":"568a7468-1e68-4324-b413-764c5afbd6f5","Operation":"MailItemsAccessed","OrganizationId":"%s","RecordType":50,"ResultStatus":"Succeeded","UserKey":"100320D0A34B0F69","UserType":0,"Version":1,"Workload":"Exchange","UserId":"frank@corp.example","ClientIPAddress":"192.0.2.11","ClientInfoString":"Client=MSExchangeRPC","ExternalAccess":false,"InternalLogonType":0,"LogonType":0,"LogonUserSid":"S-1-5-21-3141592653-589793238-462643383-1111","MailboxGuid":"%s","MailboxOwnerSid":"S-1-5-21-3141592653-589793238-462643383-1111","MailboxOwnerUPN":"frank@corp.example","OperationProperties":[{"Name":"MailAccessType","Value":"Sync"},{"Name":"IsThrottled","Value":"False"}],"OrganizationName":"corp.onmicrosoft.com","OriginatingServer":"DB9PR02MB6675 (15.20.7440.015)","SessionId":"8d668851-a43f-43a0-9321-2743689d2935","Folders":[{"Id":"AAMkAD48f3986cd889e3ebAAA450b4642705bAAA=","Path":"\\\\Inbox"}],"OperationCount":1}\n' "$org" "$gu"
	cmdlet 2024-03-04T23:30:00 New-InboxRule admin@corp.example "$path/$gu\\\\Sync" 203.0.113.77 \
		"$(p Mailbox "$gu"),$(p Name Sync),$(p ForwardTo frank.m@mailbox.example)"
} >"$d/mguid.jsonl"
fwd_findings "$d/mguid.jsonl" "$d/fwd3.eml"
check "MailboxGuid: the rule set on the GUID and frank's mail are one finding" \
	jq -e -s 'length == 1 and .[0].mailbox == "frank@corp.example" and .[0].details.source == "audit+mail"' "$TMP/f"
# The same with the literal prefilter on (records before it, the first
# of which is always parsed; with and without --org-domain): the mailbox
# audit record reaches the forwarding picture as passed over (its
# operation is not on its list), which still learns the GUID (from the
# record's text when it was not parsed: test_rawop checks that peek).
{
	for i in 1 2; do
		printf '{"CreationTime":"2024-03-01T00:00:2%s","Id":"b985f0ae-0000-4955-8d22-00000000000%s","Operation":"FileAccessed","OrganizationId":"%s","RecordType":6,"Workload":"SharePoint","UserId":"ivan3@corp.example"}\n' "$i" "$i" "$org"
	done
	cat "$d/mguid.jsonl"
} >"$d/mguid2.jsonl"
for od in "" "--org-domain corp.example"; do
	# shellcheck disable=SC2086
	fwd_findings $od "$d/mguid2.jsonl" "$d/fwd3.eml"
	check "MailboxGuid from a record passed over${od:+ ($od)}: one finding" \
		jq -e -s 'length == 1 and .[0].mailbox == "frank@corp.example" and .[0].details.source == "audit+mail"' "$TMP/f"
	# shellcheck disable=SC2086
	"$MH_BIN" scan -j1 -f jsonl -o /dev/null $od "$d/mguid2.jsonl" "$d/fwd3.eml" 2>"$TMP/err" || true
	check "the prefilter was on${od:+ ($od)}" grep -q 'records passed over' "$TMP/err"
done
rm "$d"/*.jsonl

# A GUID in the object path (as in Sekoia's New-InboxRule sample): the
# owner made the rule; an administrator disables it by the GUID path.
g=bc1b1df3-f861-4aec-bf7c-40ce5b5566c1
{
	cmdlet 2024-03-04T09:00:00 New-InboxRule dave@corp.example "$path/$g\\\\RULE_NAME" 203.0.113.77 \
		"$(p Name RULE_NAME),$(p RedirectTo joe@example.org)"
	cmdlet 2024-03-06T09:00:00 Disable-InboxRule admin@corp.example "$path/$g\\\\RULE_NAME" 192.0.2.10 \
		"$(p Identity "$path/$g\\\\RULE_NAME")"
} >"$d/guid.jsonl"
fwd_findings "$d/guid.jsonl"
check "GUID object path: the owner's rule disabled by its GUID path is removed" \
	jq -e -s 'length == 1 and .[0].mailbox == "dave@corp.example" and .[0].details.removed_at == "2024-03-06T09:00:00Z"' "$TMP/f"
finish
