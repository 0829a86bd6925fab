#!/usr/bin/env bash
# Real single messages in shared/data/mail: expected verdicts from
# shared/data/README.md. Two are Gmail auto-forwarded copies, the rest
# (mailing lists, a bounce with Exchange headers, phishing) are not.
. "$(dirname "$0")/lib.sh"
need_shared
mail=$MH_SHARED/data/mail

for f in "$mail"/*.eml; do
	b=${f##*/}
	run_mh "$TMP/o" "$TMP/e" scan --format jsonl --no-color --quiet "$f"
	check "$b: exit 0" [ "$rc" -eq 0 ]
	n=$(jq -r 'select(.type == "finding" and .technique == "T1114.003") | .rule_id' "$TMP/o" | wc -l)
	case $b in
	email-upper.eml|fp-bug5882-att4299.eml)
		check "$b: flagged as auto-forwarded" [ "$n" -ge 1 ]
		check "$b: Gmail forwarding, external" \
			jq -e -s 'map(select(.rule_id == "MH-FWD-GMAIL" and .external == true)) | length >= 1' "$TMP/o"
		;;
	*)
		check "$b: no T1114.003 finding" [ "$n" -eq 0 ] ;;
	esac
done

# Who forwarded to whom comes from the artefacts themselves.
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$mail/email-upper.eml"
check "email-upper: mailbox palmer@sifive.com" \
	jq -e -s 'any(.[]; .mailbox == "palmer@sifive.com" and .destination == "palmer@dabbelt.com")' "$TMP/o"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$mail/fp-bug5882-att4299.eml"
check "fp-bug5882: forwarded to board@eurodoc.net" \
	jq -e -s 'any(.[]; .destination == "board@eurodoc.net")' "$TMP/o"
check "fp-bug5882: evidence names file, offset and header" \
	jq -e -s 'all(.[]; (.evidence | length) >= 1 and (.evidence[0].file | endswith("fp-bug5882-att4299.eml")) and (.evidence[0].header | test("^X-Forwarded")))' "$TMP/o"

# The whole folder at once: the table is golden (timings normalised).
run_mh "$TMP/o" "$TMP/e" scan --no-color --no-progress "$mail"
check "folder scan: exit 0" [ "$rc" -eq 0 ]
normalise <"$TMP/o" >"$TMP/table"
golden samples-table.out "$TMP/table"
normalise <"$TMP/e" >"$TMP/summary"
golden samples-summary.err "$TMP/summary"
check "summary reconciles: 7 records read = 7 messages + 0 skipped" \
	grep -q '7 records read = 7 messages + 0 skipped' "$TMP/e"
finish
