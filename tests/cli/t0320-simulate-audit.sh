#!/usr/bin/env bash
# The audit logs `mailhunt simulate` writes beside the mail: every export
# is read back by `scan` as the shape audit-files.tsv names, with the
# number of records it says; the Purview, Sentinel and rerun copies are
# the same records (dropped as duplicates); every record of
# audit-truth.tsv is in the UAL; same seed, same bytes; --audit-only,
# --no-audit, --audit-formats and --audit-size do what they say.
. "$(dirname "$0")/lib.sh"

"$MH_BIN" simulate --seed 3 --messages 300 --out "$TMP/c" --quiet
check "simulate: exit 0" [ $? -eq 0 ]
files="$TMP/c/audit-files.tsv"
check "audit-files.tsv names six exports" [ "$(tail -n +2 "$files" | wc -l)" -eq 6 ]

# Each export alone: its records, as its shape, nothing skipped.
tail -n +2 "$files" | while IFS=$'\t' read -r f shape n; do
	"$MH_BIN" scan -j1 -q --no-progress --dump-events "$TMP/ev1" -o /dev/null "$TMP/c/$f" 2>"$TMP/e1"
	got=$(jq -r '.audit.shape' "$TMP/ev1" | sort | uniq -c | awk '{ print $2 " " $1 }')
	if [ "$got" = "$shape $n" ] && ! grep -q skipped "$TMP/e1"; then
		ok "$f: $n records read as $shape"
	else
		not_ok "$f: want '$shape $n', got '$got' ($(cat "$TMP/e1"))"
	fi
done | tee "$TMP/per-file"
grep -q '^not ok' "$TMP/per-file" && fails=$((fails + 1))
passes=$((passes + $(grep -c '^ok' "$TMP/per-file")))

# All of them together: the copies are duplicates; what is left is the
# UAL (its records are unique) and the Google Workspace activities (the
# API page holds some of them again).
total=$(tail -n +2 "$files" | awk -F'\t' '{ s += $3 } END { print s }')
ual=$(awk -F'\t' '$1 == "audit/m365-ual.jsonl" { print $3 }' "$files")
gws=$(awk -F'\t' '$1 == "audit/gws-activities.jsonl" { print $3 }' "$files")
"$MH_BIN" scan -j2 --no-progress -o /dev/null "$TMP/c/audit" 2>"$TMP/e"
line=$(grep 'records read =' "$TMP/e")
check "$total records read = UAL + GWS events + the rest duplicates ($line)" \
	grep -q "^mailhunt: $total records read = $((ual + gws)) events + 0 skipped + $((total - ual - gws)) duplicates" "$TMP/e"
# The planted records: every Id of audit-truth.tsv is in the UAL, in the
# Purview CSV and (M365 ones) read back by scan with the operation named.
tail -n +2 "$TMP/c/audit-truth.tsv" | awk -F'\t' '$2 == "m365" { n = split($12, a, ","); for (i = 1; i <= n; i++) print a[i] "\t" $3 }' >"$TMP/planted"
check "audit-truth.tsv plants M365 records ($(wc -l <"$TMP/planted"))" [ "$(wc -l <"$TMP/planted")" -ge 20 ]
"$MH_BIN" scan -j1 -q --no-progress --dump-events "$TMP/evu" -o /dev/null "$TMP/c/audit/m365-ual.jsonl"
jq -r '[.audit.id, .audit.operation] | @tsv' "$TMP/evu" | sort >"$TMP/ual-ids"
check "the UAL's $ual records have $ual Ids" [ "$(cut -f1 "$TMP/ual-ids" | sort -u | wc -l)" -eq "$ual" ]
missing=$(sort "$TMP/planted" | while IFS=$'\t' read -r id ops; do
	op=$(grep -F "$id"$'\t' "$TMP/ual-ids" | cut -f2)
	case ",$ops," in *",$op,"*) ;; *) echo "$id($ops/$op)" ;; esac
done)
check "every planted M365 record is in the UAL with its operation ($missing)" [ -z "$missing" ]
missing=$(cut -f1 "$TMP/planted" | while read -r id; do
	grep -q "^$id," "$TMP/c/audit/purview-audit-search.csv" || echo "$id"
done)
check "and in the Purview CSV ($missing)" [ -z "$missing" ]
n_gws=$(awk -F'\t' 'NR > 1 && $2 == "gws"' "$TMP/c/audit-truth.tsv" | wc -l)
check "audit-truth.tsv has Google Workspace scenarios ($n_gws)" [ "$n_gws" -ge 4 ]

# Same seed, same bytes (the mail and the audit logs).
"$MH_BIN" simulate --seed 3 --messages 300 --out "$TMP/c2" --quiet
check "same seed: identical audit logs and truth" \
	diff -r "$TMP/c/audit" "$TMP/c2/audit"
check "same seed: identical audit-truth.tsv" cmp "$TMP/c/audit-truth.tsv" "$TMP/c2/audit-truth.tsv"

# --audit-only: no mail, and no mail finding expected.
run_mh "$TMP/o" "$TMP/e" simulate --seed 3 --audit-only --audit-formats ual --out "$TMP/a"
check "--audit-only: exit 0" [ "$rc" -eq 0 ]
check "--audit-only: no mail store" [ ! -e "$TMP/a/maildir" -a ! -e "$TMP/a/journal" ]
check "--audit-only: ground-truth.tsv holds its header only" [ "$(wc -l <"$TMP/a/ground-truth.tsv")" -eq 1 ]
check "--audit-only: the summary names no messages" sh -c "! grep -q ' messages (' '$TMP/e'"
check "--audit-formats ual: the UAL and its rerun only" \
	[ "$(ls "$TMP/a/audit" | tr '\n' ' ')" = "m365-ual-rerun.jsonl m365-ual.jsonl " ]
# --audit-formats gws: no Microsoft 365 record is made for nothing: the
# truth names Google Workspace activities only, every record it counts is
# in a file.
run_mh "$TMP/o" "$TMP/e" simulate --seed 3 --audit-only --audit-formats gws --audit-records 300 --out "$TMP/g"
check "--audit-formats gws: Google Workspace files only" \
	[ "$(ls "$TMP/g/audit" | tr '\n' ' ')" = "gws-activities.jsonl gws-admin-activities-page.json " ]
check "--audit-formats gws: the truth names gws activities only" \
	[ "$(tail -n +2 "$TMP/g/audit-truth.tsv" | cut -f2 | sort -u)" = gws ]
n=$(wc -l <"$TMP/g/audit/gws-activities.jsonl")
check "--audit-formats gws: '$n audit records' said, at least 300" \
	sh -c "[ $n -ge 300 ] && grep -q ': $n audit records' '$TMP/e'"
# --no-audit: the mail store as before this existed.
"$MH_BIN" simulate --seed 3 --messages 300 --no-audit --out "$TMP/n" --quiet
check "--no-audit: no audit directory, no audit truth" \
	[ ! -e "$TMP/n/audit" -a ! -e "$TMP/n/audit-truth.tsv" ]
check "--no-audit: the same mail" diff -r "$TMP/c/maildir" "$TMP/n/maildir"
# --audit-size: the UAL grows to about that size.
"$MH_BIN" simulate --seed 3 --audit-only --audit-size 4M --audit-formats ual --out "$TMP/s" --quiet
sz=$(stat -c %s "$TMP/s/audit/m365-ual.jsonl")
check "--audit-size 4M: the UAL holds 4 MiB to 4.1 MiB ($sz)" \
	[ "$sz" -ge 4194304 -a "$sz" -lt 4300000 ]
finish
