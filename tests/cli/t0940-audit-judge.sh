#!/usr/bin/env bash
# The audit judgement's rules on the real samples (verdicts in
# ../shared/data/audit/MANIFEST.tsv and ../shared/data/README.md): hiding
# rules (MH-AUD-HIDE, -RULENAME, -BEC-SEQ), admin access (MH-AUD-PERM,
# -IMPERSONATION, -EDISCOVERY, -EXPORT, -ALERT, -ACTIVESYNC) and posture
# (MH-CFG-*). The hard negatives give none of these findings with a
# T1114 technique; the positives give the finding their verdict names;
# no file gives a technique its verdict does not name. The Sekoia test
# cases are read as they are (the record is found inside) and as their
# input.message string alone.
. "$(dirname "$0")/lib.sh"
need_shared
A=$MH_SHARED/data/audit
MINE='^(MH-AUD-(HIDE|RULENAME|BEC-SEQ|PERM|IMPERSONATION|EDISCOVERY|EXPORT|ALERT|ACTIVESYNC)|MH-CFG-(REMOTEDOMAIN|GMAILFWD|AUDITBYPASS))$'

# mine FILE...: this judgement's findings, one JSON object a line.
mine() {
	"$MH_BIN" scan -j1 --no-progress --quiet --format jsonl "$@" 2>/dev/null |
		jq -c --arg re "$MINE" 'select(.type == "finding" and (.rule_id | test($re)))'
}

# Every file of the manifest: the T1114 techniques of these findings are
# a subset of the verdict's, and hard negatives have none.
while IFS=$'\t' read -r file _ _ _ _ format _ _ verdict; do
	[ "$file" = file ] && continue
	case "$format" in windows-event-xml*) continue ;; esac
	want=$(printf '%s' "$verdict" | grep -oE '^T1114\.00[123]' || true)
	for input in "$A/$file" raw; do
		if [ "$input" = raw ]; then
			case "$file" in sekoia-*) ;; *) continue ;; esac
			jq -r '.input.message' "$A/$file" >"$TMP/raw.jsonl"
			input=$TMP/raw.jsonl
		fi
		got=$(mine "$input" | jq -r '.technique // empty' | grep -E '^T1114' | sort -u | tr '\n' ' ')
		if [ -z "$want" ]; then
			check "$file (${input##*/}): hard negative, no T1114 finding of these rules (got '${got}')" [ -z "$got" ]
		else
			check "$file (${input##*/}): only $want (got '${got}')" \
				[ "${got:-$want }" = "$want " ]
		fi
	done
done <"$A/MANIFEST.tsv"

# Hard negatives: no finding of these rules at all.
for f in sentinel-training/office_activity.csv dcsa-workshop/office_activity.csv \
	elastic-o365/test-exchange-item.log sekoia-o365/operation_properties_03.json; do
	n=$(mine "$A/$f" | wc -l)
	check "$f: no finding of these rules ($n)" [ "$n" -eq 0 ]
done
# The Sentinel lab's pinning rule 'junk' and the system's folder
# permissions are read (the records are there) and judged quiet.
"$MH_BIN" scan -j1 --no-progress --dump-events "$TMP/ev" -o /dev/null "$A/sentinel-training/office_activity.csv" 2>/dev/null
check "sentinel: New-InboxRule 'junk' and ModifyFolderPermissions are read" \
	[ "$(jq -r '.audit.operation' "$TMP/ev" | grep -cE '^(New-InboxRule|ModifyFolderPermissions)$')" -eq 3 ]

# Sekoia New-InboxRule: deletes, marks read, moves to the French
# Conversation History and forwards: critical hiding (T1564.008); the
# forward is the forwarding picture's finding (t0930), not a second one here.
jq -r '.input.message' "$A/sekoia-o365/inbox_rule.json" >"$TMP/rule.jsonl"
mine "$TMP/rule.jsonl" >"$TMP/rule.out"
check "sekoia inbox_rule: one finding" [ "$(wc -l <"$TMP/rule.out")" -eq 1 ]
check "sekoia inbox_rule: MH-AUD-HIDE critical T1564.008, no destination of its own" \
	[ "$(jq -r '[.rule_id,.level,.technique,(.destination // "-")]|join(" ")' "$TMP/rule.out")" = "MH-AUD-HIDE critical T1564.008 -" ]
check "sekoia inbox_rule: rule, mailbox, client IP, time" \
	[ "$(jq -r '[.details.rule_name,.mailbox,.client_ip,.first_seen]|join(" ")' "$TMP/rule.out")" = "RULE_NAME user1 1.2.3.4 2023-05-24T15:10:53Z" ]
check "sekoia inbox_rule: Historique des conversations named as Conversation History" \
	grep -q "moves to 'Historique des conversations' (Conversation History)" "$TMP/rule.out"
check "sekoia inbox_rule: evidence record 1 with its key fields" \
	[ "$(jq -r '.evidence[0] | "\(.record) \(.fields | test("MarkAsRead=True"))"' "$TMP/rule.out")" = "1 true" ]
check "sekoia inbox_rule: remediation names the mailbox and rule" \
	grep -q "Remove-InboxRule -Mailbox 'user1' -Identity 'RULE_NAME'" "$TMP/rule.out"

# Microsoft-Extractor-Suite export: row 12 deletes on invoice/payment and
# forwards to protonmail (critical); rows 48/49/61/102 forward without
# hiding (the forwarding picture's, not these rules').
mine "$A/invictus-mes/MailboxRules.csv" >"$TMP/mes.out"
check "MES row 12: MH-AUD-HIDE critical, keyed on 'invoice', record 12" \
	[ "$(jq -r 'select(.evidence[0].record == 12) | [.rule_id,.level,.mailbox,.details.rule_name]|join(" ")' "$TMP/mes.out")" = "MH-AUD-HIDE critical jacksone@bonacu.onmicrosoft.com forward" ]
check "MES row 12: the finance word" grep -q "keyed on the finance word 'invoice'" "$TMP/mes.out"
check "MES: the only critical hiding finding is row 12, and no hiding finding claims T1114" \
	[ "$(jq -r 'select(.level == "critical") | .evidence[0].record' "$TMP/mes.out" | tr '\n' ' ')$(jq -r 'select((.technique // "") | startswith("T1114")) | .id' "$TMP/mes.out")" = "12 " ]
check "MES: no hiding finding for the forward-only rows 48, 49, 61, 102" \
	[ -z "$(jq -r 'select(.evidence[0].record | IN(48, 49, 61, 102)) | .rule_id' "$TMP/mes.out")" ]
check "MES: the Dutch Junk folder 'Ongewenste e-mail' is Junk Email" \
	grep -q "moves to 'Ongewenste e-mail' (Junk Email)" "$TMP/mes.out"
check "MES: snapshots carry no time" [ -z "$(jq -r '.first_seen // empty' "$TMP/mes.out")" ]
"$MH_BIN" scan -j2 --no-progress --quiet --format jsonl "$A/invictus-mes/MailboxRules.csv" 2>/dev/null |
	jq -c --arg re "$MINE" 'select(.type == "finding" and (.rule_id | test($re)))' >"$TMP/mes2.out"
check "MES: -j2 gives the same findings as -j1" cmp -s "$TMP/mes.out" "$TMP/mes2.out"

# Panther's m365 cases: line 3 deletes and forwards (critical); line 10
# moves to a folder of the user's own: a T1564.008 note, not T1114.
P=$MH_SHARED/data/m365/microsoft_exchange_external_forwarding.tests.jsonl
mine "$P" >"$TMP/p.out"
check "m365 line 3: MH-AUD-HIDE critical" \
	[ "$(jq -r 'select(.evidence[0].record == 3) | [.rule_id,.level,.details.rule_name]|join(" ")' "$TMP/p.out")" = "MH-AUD-HIDE critical Delete and Forward Rule" ]
check "m365 line 10: MH-AUD-HIDE informational T1564.008" \
	[ "$(jq -r 'select(.evidence[0].record == 10) | [.rule_id,.level,.technique]|join(" ")' "$TMP/p.out")" = "MH-AUD-HIDE informational T1564.008" ]
check "m365: nothing else" [ "$(wc -l <"$TMP/p.out")" -eq 2 ]

# Google Workspace samples: forwarding and routing are the forwarding
# picture's; none of these rules fires.
for f in "$MH_SHARED"/data/gws/*; do
	check "gws ${f##*/}: no finding of these rules" [ -z "$(mine "$f")" ]
done

# mailhunt simulate's audit logs (UAL, its rerun, Purview, Sentinel, GWS:
# the same records in several shapes): every planted activity of these
# rules in audit-truth.tsv is found with its level, mailbox and first
# time span (a BEC sequence also spans its rule, which the truth lists
# on a line of its own); the look-alikes give nothing above
# informational.
"$MH_BIN" simulate --audit-only -o "$TMP/sim" >/dev/null 2>&1
mine "$TMP/sim/audit" >"$TMP/sim.out"
while IFS=$'\t' read -r activity _ _ expect level mailbox _ _ _ first last ids _; do
	[ "$activity" = activity ] && continue
	if [ "$expect" = - ]; then
		id1=${ids%%,*}
		n=$(jq -r --arg id "Id=$id1" 'select(.level != "informational") | .evidence[] | select(.fields | contains($id)) | .file' "$TMP/sim.out" | wc -l)
		check "simulate look-alike $activity: nothing above informational ($n)" [ "$n" -eq 0 ]
		continue
	fi
	printf '%s\n' "$expect" | grep -qE "$MINE" || continue
	[ "$mailbox" = - ] && mailbox=null
	n=$(jq -r --arg r "$expect" --arg l "$level" --arg m "$mailbox" --arg t "$first" --arg u "$last" \
		'select(.rule_id == $r and .level == $l and ((.mailbox // "null") == $m) and .first_seen <= $t and .last_seen >= $u) | .id' "$TMP/sim.out" | wc -l)
	check "simulate $activity: $expect $level $mailbox $first..$last ($n)" [ "$n" -eq 1 ]
done <"$TMP/sim/audit-truth.tsv"
n=$(jq -r 'select(.level != "informational") | .rule_id' "$TMP/sim.out" | wc -l)
want=$(awk -F'\t' -v re="$MINE" 'NR > 1 && $4 ~ re' "$TMP/sim/audit-truth.tsv" | wc -l)
check "simulate: as many findings above informational as planted ($n, $want)" [ "$n" -eq "$want" ]

# The same records in several exports (the API JSON Lines, the Purview
# CSV, the Sentinel rows): which copy a run reads first depends on the
# order of the inputs and on the threads; the findings and their evidence
# must not.
set -- "$TMP"/sim/audit/*
"$MH_BIN" scan -j1 --no-progress --quiet --format jsonl "$@" >"$TMP/fwd.out" 2>/dev/null
rev=()
for f in "$@"; do rev=("$f" "${rev[@]}"); done
"$MH_BIN" scan -j1 --no-progress --quiet --format jsonl "${rev[@]}" >"$TMP/rev.out" 2>/dev/null
check "simulate: inputs in the other order give the same findings and evidence" cmp -s "$TMP/fwd.out" "$TMP/rev.out"
"$MH_BIN" scan -j2 --no-progress --quiet --format jsonl "${rev[@]}" >"$TMP/rev2.out" 2>/dev/null
check "simulate: -j2 gives the same findings and evidence" cmp -s "$TMP/fwd.out" "$TMP/rev2.out"

# Golden: the findings on the positives, as JSON Lines.
{
	mine "$TMP/rule.jsonl"
	mine "$A/invictus-mes/MailboxRules.csv"
	mine "$P"
} | normalise >"$TMP/golden"
golden audit-judge.jsonl "$TMP/golden"

finish
