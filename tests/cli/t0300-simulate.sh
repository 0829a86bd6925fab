#!/usr/bin/env bash
# Simulated cases: the scan must report exactly the labelled scenarios of
# ground-truth.tsv (none missed, none extra), whatever the store format and
# the number of threads. The mail alone (--no-audit): the audit logs'
# findings are checked against audit-truth.tsv in t0940-audit-judge.
. "$(dirname "$0")/lib.sh"

# expected rule_id<TAB>level<TAB>mailbox<TAB>destination from ground truth
truth() {
	awk -F'\t' '!/^#/ && $1 != "scenario" && NF >= 5 { print $2 "\t" $3 "\t" $4 "\t" $5 }' \
		"$1/ground-truth.tsv" | sort
}
found() {
	jq -r 'select(.type == "finding") | [.rule_id, .level, (.mailbox // ""), (.destination // "")] | @tsv' \
		"$1" | sort
}
# the same with first and last delivery time (columns 7 and 8)
truth_times() {
	awk -F'\t' '!/^#/ && $1 != "scenario" && NF >= 8 { print $2 "\t" $4 "\t" $5 "\t" $7 "\t" $8 }' \
		"$1/ground-truth.tsv" | sort
}
found_times() {
	jq -r 'select(.type == "finding") | [.rule_id, (.mailbox // ""), (.destination // ""), .first_seen, .last_seen] | @tsv' \
		"$1" | sort
}

for fmt in mbox maildir; do
	for seed in 1 7; do
		case=$TMP/case-$fmt-$seed
		"$MH_BIN" simulate --seed $seed --format $fmt --messages 3000 \
			--no-audit --out "$case" --quiet
		check "simulate $fmt seed $seed: exit 0" [ $? -eq 0 ]
		truth "$case" >"$TMP/want"
		check "ground truth for $fmt/$seed is not empty" [ -s "$TMP/want" ]
		for j in 1 2; do
			run_mh "$TMP/o-$j" "$TMP/e" scan -j $j --format jsonl \
				--org-domain corp.example --quiet "$case"
			check "scan $fmt/$seed -j$j: exit 0" [ "$rc" -eq 0 ]
			found "$TMP/o-$j" >"$TMP/got"
			if diff -u "$TMP/want" "$TMP/got"; then
				ok "$fmt/$seed -j$j: exactly the labelled findings"
			else
				not_ok "$fmt/$seed -j$j: findings differ from ground truth"
			fi
		done
		check "$fmt/$seed: -j1 and -j2 give identical output" \
			cmp -s "$TMP/o-1" "$TMP/o-2"
		check "$fmt/$seed: first and last seen are the labelled delivery times" \
			diff -u <(truth_times "$case") <(found_times "$TMP/o-1")
	done
done

# Same seed, same bytes.
"$MH_BIN" simulate --seed 3 --format mbox --messages 500 --out "$TMP/d1" --quiet
"$MH_BIN" simulate --seed 3 --format mbox --messages 500 --out "$TMP/d2" --quiet
check "simulate is deterministic" diff -r "$TMP/d1" "$TMP/d2"

# Without --org-domain the organisation is inferred from the mailboxes.
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$TMP/case-mbox-1"
found "$TMP/o" >"$TMP/got"
check "inferred org domain gives the same verdicts" diff -u <(truth "$TMP/case-mbox-1") "$TMP/got"

# A big mbox split into chunks for the workers sees every message once.
"$MH_BIN" simulate --seed 5 --format mbox --single-mbox --size 80M \
	--no-audit --out "$TMP/big" --quiet
run_mh "$TMP/o1" "$TMP/e1" scan -j1 --format jsonl "$TMP/big"
run_mh "$TMP/o2" "$TMP/e2" scan -j2 --format jsonl "$TMP/big"
check "80 MB mbox: -j1 and -j2 give identical findings" cmp -s "$TMP/o1" "$TMP/o2"
m1=$(grep -o '= [0-9]* messages' "$TMP/e1")
m2=$(grep -o '= [0-9]* messages' "$TMP/e2")
check "80 MB mbox: same message count with chunks ($m1 / $m2)" [ "$m1" = "$m2" ]
# A file read as chunks is still one file of its own size in the totals.
f1=$(grep -o '^mailhunt: [0-9]* files.*' "$TMP/e1")
f2=$(grep -o '^mailhunt: [0-9]* files.*' "$TMP/e2")
check "80 MB mbox: same file and byte totals with chunks ($f1 / $f2)" \
	sh -c '[ -n "$1" ] && [ "$1" = "$2" ]' - "$f1" "$f2"
check "80 MB mbox: findings match ground truth" \
	diff -u <(truth "$TMP/big") <(found "$TMP/o1")

# The Exchange Online journal (--exchange-journal): large messages, one in
# ten auto-forwarded; chunked or not, exactly the labelled findings.
"$MH_BIN" simulate --exchange-journal --seed 9 --size 70M --out "$TMP/exo" --quiet
check "exchange journal: one mbox only" \
	[ "$(find "$TMP/exo" -type f | sort | tr '\n' ' ')" = "$TMP/exo/ground-truth.tsv $TMP/exo/mbox/all.mbox " ]
for j in 1 2; do
	run_mh "$TMP/x$j" "$TMP/xe$j" scan -j$j --format jsonl "$TMP/exo"
	check "exchange journal -j$j: findings match ground truth" \
		diff -u <(truth "$TMP/exo") <(found "$TMP/x$j")
done
check "exchange journal: -j1 and -j2 identical" cmp -s "$TMP/x1" "$TMP/x2"
check "exchange journal: delivery times as labelled" \
	diff -u <(truth_times "$TMP/exo") <(found_times "$TMP/x1")
finish
