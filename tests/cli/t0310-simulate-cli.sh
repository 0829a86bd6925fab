#!/usr/bin/env bash
# `mailhunt simulate` on the command line: help, usage errors and their
# exit codes, refusing a non-empty directory, --force, --gzip, --scenarios,
# the stderr summary.
. "$(dirname "$0")/lib.sh"

run_mh "$TMP/o" "$TMP/e" simulate --help
check "--help: exit 0" [ "$rc" -eq 0 ]
check "--help: on stdout only" [ -s "$TMP/o" -a ! -s "$TMP/e" ]
check "--help: teaches by example" grep -q 'mailhunt scan demo' "$TMP/o"
check "--help: teaches the audit options by example" \
	sh -c "grep -q 'simulate --audit-only .*--audit-formats' '$TMP/o' && grep -q 'simulate --no-audit' '$TMP/o'"
for opt in --out --seed --format --messages --size --mailboxes --org-domain \
	   --single-mbox --gzip --scenarios --no-scenarios --force --quiet \
	   --exchange-journal --no-audit --audit-only --audit-records \
	   --audit-size --audit-formats; do
	check "--help documents $opt" grep -q -- "$opt" "$TMP/o"
done

# usage ARGS...: exit 2, a message on stderr, nothing on stdout, nothing
# written.
usage() {
	rm -rf "$TMP/u"
	run_mh "$TMP/o" "$TMP/e" simulate "$@"
	if [ "$rc" -eq 2 ] && [ -s "$TMP/e" ] && [ ! -s "$TMP/o" ] &&
	   [ ! -e "$TMP/u/ground-truth.tsv" ]; then
		ok "usage error: $*"
	else
		not_ok "usage error: $* (exit $rc)"
	fi
}
usage
usage --out "$TMP/u" --bogus
usage --out "$TMP/u" --format xml
usage --out "$TMP/u" --size 12X
usage --out "$TMP/u" --size 0
usage --out "$TMP/u" --messages -5
usage --out "$TMP/u" --messages 10 --size 1M
usage --out "$TMP/u" --mailboxes 3
usage --out "$TMP/u" --mailboxes 501 --no-scenarios
usage --out "$TMP/u" --scenarios gmail
usage --out "$TMP/u" --single-mbox --format maildir
usage --out "$TMP/u" --exchange-journal --format maildir
usage --out "$TMP/u" --exchange-journal --scenarios gmail-forwarding
usage --out "$TMP/u" --exchange-journal --mailboxes 4
usage --out "$TMP/u" --org-domain 'a/b'
usage --out "$TMP/u" extra-argument
usage --seed

run_mh "$TMP/o" "$TMP/e" simulate --out "$TMP/c" --messages 300
check "small case: exit 0" [ "$rc" -eq 0 ]
check "summary names messages and the ground truth" \
	grep -q '300 messages.*ground-truth.tsv' <(tr '\n' ' ' <"$TMP/e")
check "nothing on stdout" [ ! -s "$TMP/o" ]
check "ground truth: header + 6 findings" [ "$(wc -l <"$TMP/c/ground-truth.tsv")" -eq 7 ]

run_mh "$TMP/o" "$TMP/e" simulate --out "$TMP/c" --messages 300
check "non-empty directory: exit 2" [ "$rc" -eq 2 ]
check "non-empty directory: suggests --force" grep -q -- '--force' "$TMP/e"
run_mh "$TMP/o" "$TMP/e" simulate --out "$TMP/c" --messages 300 --force -q
check "--force: exit 0, quiet" [ "$rc" -eq 0 -a ! -s "$TMP/e" ]

: >"$TMP/file"
run_mh "$TMP/o" "$TMP/e" simulate --out "$TMP/file"
check "output is a file: exit 2" [ "$rc" -eq 2 ]

run_mh "$TMP/o" "$TMP/e" simulate --out "$TMP/gz" --format mbox --gzip \
	--messages 300 --scenarios gmail-forwarding,sieve-redirect -q
check "--gzip: exit 0" [ "$rc" -eq 0 ]
check "--gzip: journal is gzip" \
	[ "$(head -c2 "$TMP/gz/journal/outbound.mbox.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ]
check "--gzip: user mbox is gzip" gzip -t "$TMP/gz/mbox/alice@corp.example.mbox.gz"
check "--scenarios: two findings expected" \
	[ "$(cut -f2 "$TMP/gz/ground-truth.tsv" | sort | tr '\n' ' ')" = "MH-FWD-GMAIL MH-FWD-REDIRECT rule_id " ]
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$TMP/gz"
check "scan of the gzip case: exit 0" [ "$rc" -eq 0 ]
check "scan of the gzip case: the two findings" \
	[ "$(jq -r .rule_id "$TMP/o" | sort | tr '\n' ' ')" = "MH-FWD-GMAIL MH-FWD-REDIRECT " ]

run_mh "$TMP/o" "$TMP/e" simulate --out "$TMP/benign" --no-scenarios \
	--mailboxes 2 --messages 200 -q
check "--no-scenarios with 2 mailboxes: exit 0" [ "$rc" -eq 0 ]
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$TMP/benign"
# The benign activity of the audit logs holds an internal forwarding
# rule (audit-truth.tsv, MH-FWD-INT low): that one, nothing from mail.
check "benign case: exit 0" [ "$rc" -eq 0 ]
check "benign case: only the labelled benign forwards of the audit logs" \
	diff -u <(awk -F'\t' '$4 ~ /^MH-FWD-/ { print $4 "\t" $5 "\t" $6 "\t" $8 }' \
		"$TMP/benign/audit-truth.tsv" | sort) \
	<(jq -r '[.rule_id, .level, .mailbox, .destination] | @tsv' "$TMP/o" | sort)
check "benign case: nothing above low" \
	[ -z "$(jq -r 'select(.level != "low" and .level != "informational") | .id' "$TMP/o")" ]

finish
