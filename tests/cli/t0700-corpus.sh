#!/usr/bin/env bash
# The real mail corpus (2,603 files): no false positives. Only files whose
# AUTOFORWARDED.tsv assessment is "auto-forwarded" may be reported, and each
# of those must be. Every record is accounted for.
. "$(dirname "$0")/lib.sh"
need_shared
corpus=$MH_SHARED/data/mail-corpus

run_mh "$TMP/o" "$TMP/e" scan --format jsonl --no-progress "$corpus"
check "corpus scan finishes (exit 0 or 3)" [ "$rc" -eq 0 -o "$rc" -eq 3 ]
jq -r '.evidence[].file' "$TMP/o" | sed "s#^$corpus/##" | sort -u >"$TMP/flagged"
awk -F'\t' 'NR > 1 && $5 ~ /^auto-forwarded/ { print $1 }' \
	"$corpus/AUTOFORWARDED.tsv" | sort -u >"$TMP/expected"
extra=$(comm -23 "$TMP/flagged" "$TMP/expected")
missed=$(comm -13 "$TMP/flagged" "$TMP/expected")
check "no false positives (extra: ${extra:-none})" [ -z "$extra" ]
check "no misses (missed: ${missed:-none})" [ -z "$missed" ]
check "linux-pwm hard negatives not reported" \
	sh -c "! grep -q 'pi-linux-pwm' '$TMP/flagged'"

# Totals reconcile: records read = messages + skipped.
line=$(grep 'records read' "$TMP/e")
read_n=$(echo "$line" | sed -E 's/.*: ([0-9]+) records read.*/\1/')
msgs=$(echo "$line" | sed -E 's/.*= ([0-9]+) messages.*/\1/')
skipped=$(echo "$line" | sed -E 's/.* \+ ([0-9]+) skipped.*/\1/')
check "records reconcile ($line)" [ "$read_n" -eq $((msgs + skipped)) ]
# 2,577 eml + 19 emlx files + the messages of 7 mboxes (29+3+2+5+4+3+1).
check "every file accounted for: $read_n >= 2643" [ "$read_n" -ge 2643 ]
finish
