#!/usr/bin/env bash
# Benchmarks `mailhunt scan` on audit logs (issue 9) against jq, in one run:
#   (a) a 1 GiB Microsoft 365 unified audit log as JSON Lines (Management
#       Activity API records from `mailhunt simulate --audit-only`: mostly
#       MailItemsAccessed, sign-ins, SharePoint and Teams noise, Exchange
#       admin changes, inbox rules, the planted scenarios):
#       jq -c 'select(.Operation=="New-InboxRule")' vs mailhunt -j1 / -jJ
#       with every analytic and the Sigma rules of RULES, -f jsonl
#   (b) the Purview audit search CSV of the same records (AuditData JSON in
#       a CSV cell): mailhunt -j1 / -jJ (jq reads no CSV; its (a) time is
#       the reference)
#   (c) peak resident memory (/usr/bin/time -v) of each command, and of
#       mailhunt on a 256 MiB log of the same mix: flat in the input size
#   (d) the findings of -j1 and -jJ, byte for byte (jsonl), and their
#       count: a speed change must change no finding
# Inputs come from `mailhunt simulate` (deterministic, seed 42) and are
# kept in bench/out/ (ignored by git) for the next run. Times are
# hyperfine medians on a warm page cache (--warmup 1).
#
#   bench/audit.sh            1 GiB and 256 MiB logs (needs ~3 GB of disk)
#   bench/audit.sh --small    64 MiB and 16 MiB: try the script
#   bench/audit.sh --gen-only only generate the inputs
# Environment: MAILHUNT (default build/release/mailhunt), OUT (bench/out),
# RUNS (5), J (2: threads of the parallel run), RULES (Sigma rules for
# --rules, default ../shared/data/sigma-full/rules/cloud; empty: none),
# MH_ARGS (more scan options, e.g. after new analytics are merged).
set -euo pipefail
cd "$(dirname "$0")/.."

MAILHUNT=${MAILHUNT:-build/release/mailhunt}
OUT=${OUT:-bench/out}
RUNS=${RUNS:-5}
J=${J:-2}
RULES=${RULES-../shared/data/sigma-full/rules/cloud}
MH_ARGS=${MH_ARGS:-}
SEED=42
MAILBOXES=200
size=1G
small=256M
gen_only=0
for arg in "$@"; do
	case $arg in
	--small) size=64M; small=16M; OUT=$OUT/small ;;
	--gen-only) gen_only=1 ;;
	-h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
	esac
done

need() {
	command -v "$1" >/dev/null 2>&1 ||
		{ echo "bench: '$1' not found (make bootstrap)" >&2; exit 2; }
}
[ -x "$MAILHUNT" ] || { echo "bench: no mailhunt at '$MAILHUNT' (make release, or set MAILHUNT)" >&2; exit 2; }
if [ $gen_only = 0 ]; then
	for t in hyperfine jq awk; do need "$t"; done
	[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (GNU time)" >&2; exit 2; }
fi
if [ -n "$RULES" ] && [ ! -e "$RULES" ]; then
	echo "bench: no Sigma rules at '$RULES' (set RULES, or RULES= for none)" >&2
	exit 2
fi
mkdir -p "$OUT"

# generate DIR PARAMS...: reuse DIR when it was made with the same
# parameters by the same simulator, else write it again.
generate() {
	local dir=$1; shift
	local want
	want="$* ($("$MAILHUNT" --version | head -1))"
	if [ -f "$dir/.params" ] && [ "$(cat "$dir/.params")" = "$want" ]; then
		echo "bench: reusing $dir ($want)"
		return
	fi
	rm -rf "$dir"
	echo "bench: mailhunt simulate $* --out $dir"
	local t0=$SECONDS
	"$MAILHUNT" simulate "$@" --out "$dir"
	echo "$want" >"$dir/.params"
	echo "bench: generated in $((SECONDS - t0)) s"
}

big_case=$OUT/ual-$size
small_case=$OUT/ual-$small
generate "$big_case" --seed $SEED --audit-only --mailboxes $MAILBOXES \
	--audit-formats ual,purview --audit-size "$size"
generate "$small_case" --seed $SEED --audit-only --mailboxes $MAILBOXES \
	--audit-formats ual --audit-size "$small"
ual=$big_case/audit/m365-ual.jsonl
csv=$big_case/audit/purview-audit-search.csv
ual_small=$small_case/audit/m365-ual.jsonl
[ $gen_only = 1 ] && { echo "bench: inputs ready in $OUT"; exit 0; }

H=(hyperfine --warmup 1 --runs "$RUNS" --style basic)
q() { printf '%q' "$1"; }
rules_opt=${RULES:+--rules $(q "$RULES")}
# scan J INPUT [OUT]: every analytic, the Sigma rules, findings as JSON
# Lines (to /dev/null unless OUT).
scan() {
	echo "$(q "$MAILHUNT") scan -j$1 --quiet --org-domain corp.example $rules_opt $MH_ARGS -f jsonl -o $(q "${3:-/dev/null}") $(q "$2")"
}
jq_cmd="jq -c 'select(.Operation==\"New-InboxRule\")' $(q "$ual") >/dev/null"

# The machine may be shared: the load is part of the result.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== (a) UAL JSON Lines $(du -h "$ual" | cut -f1)"
"${H[@]}" --export-json "$OUT/audit-ual.json" \
	-n jq "$jq_cmd" \
	-n mailhunt-j1 "$(scan 1 "$ual")" \
	-n "mailhunt-j$J" "$(scan "$J" "$ual")"

echo "== (b) Purview CSV of the same records $(du -h "$csv" | cut -f1)"
"${H[@]}" --export-json "$OUT/audit-csv.json" \
	-n mailhunt-j1 "$(scan 1 "$csv")" \
	-n "mailhunt-j$J" "$(scan "$J" "$csv")"

echo "== (c) peak RSS"
rss() {
	/usr/bin/time -v sh -c "$1" 2>&1 >/dev/null |
		awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }'
}
r_jq=$(rss "$jq_cmd")
r_1=$(rss "$(scan 1 "$ual")")
r_j=$(rss "$(scan "$J" "$ual")")
r_c1=$(rss "$(scan 1 "$csv")")
r_cj=$(rss "$(scan "$J" "$csv")")
r_s1=$(rss "$(scan 1 "$ual_small")")
r_sj=$(rss "$(scan "$J" "$ual_small")")

echo "== (d) the same findings"
same() {
	sh -c "$(scan 1 "$1" "$OUT/f1.jsonl")" || true
	sh -c "$(scan "$J" "$1" "$OUT/fj.jsonl")" || true
	if cmp -s "$OUT/f1.jsonl" "$OUT/fj.jsonl"; then
		echo "identical, $(wc -l <"$OUT/f1.jsonl") findings"
	else
		echo "DIFFERENT (-j1 $(wc -l <"$OUT/f1.jsonl"), -j$J $(wc -l <"$OUT/fj.jsonl") findings)"
	fi
}
same_ual=$(same "$ual")
same_csv=$(same "$csv")
echo "UAL: $same_ual; CSV: $same_csv"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

med() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median' "$1"; }
# CPU seconds (user + system, mean of the runs): what a shared machine's
# other load disturbs least.
cpu_of() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .user + .system' "$1"; }
s2() { awk -v a="$1" 'BEGIN { printf "%.2f", a }'; }
ms() { awk -v a="$1" 'BEGIN { printf "%.0f", a * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mbs() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.0f", b / t / 1e6 }'; }
a_jq=$(med "$OUT/audit-ual.json" jq)
a_1=$(med "$OUT/audit-ual.json" mailhunt-j1)
a_j=$(med "$OUT/audit-ual.json" "mailhunt-j$J")
c_1=$(med "$OUT/audit-csv.json" mailhunt-j1)
c_j=$(med "$OUT/audit-csv.json" "mailhunt-j$J")
u_jq=$(cpu_of "$OUT/audit-ual.json" jq)
u_1=$(cpu_of "$OUT/audit-ual.json" mailhunt-j1)
u_j=$(cpu_of "$OUT/audit-ual.json" "mailhunt-j$J")
u_c1=$(cpu_of "$OUT/audit-csv.json" mailhunt-j1)
u_cj=$(cpu_of "$OUT/audit-csv.json" "mailhunt-j$J")
ual_bytes=$(stat -c %s "$ual")
csv_bytes=$(stat -c %s "$csv")
small_bytes=$(stat -c %s "$ual_small")
nrec=$(awk -F'\t' '$1 == "audit/m365-ual.jsonl" { print $3 }' "$big_case/audit-files.tsv")
nrules=$(grep -c '"Operation":"New-InboxRule"' "$ual" || true)
# The mix: operations of the log, most common first.
mix=$(grep -o '"Operation":"[^"]*"' "$ual" | sort | uniq -c | sort -rn |
	awk -v n="$nrec" 'NR <= 6 { printf "%s%s %.1f %%", (NR > 1 ? ", " : ""), substr($2, 14, length($2) - 14), 100 * $1 / n }')
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
cat <<TABLE | tee "$OUT/audit-results.md"

$(nproc) cores ($cpu), $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, kernel $(uname -r);
$("$MAILHUNT" --version | head -1), $(jq --version), hyperfine $(hyperfine --version | cut -d' ' -f2).
Load average (1, 5, 15 min) before the runs $load_before, after $load_after.
Input: \`mailhunt simulate --seed $SEED --audit-only --mailboxes $MAILBOXES --audit-formats ual,purview --audit-size $size\`:
$nrec records, $(du -h "$ual" | cut -f1) of UAL JSON Lines ($ual_bytes bytes), $(du -h "$csv" | cut -f1) as Purview CSV ($csv_bytes bytes);
mix: $mix; $nrules New-InboxRule.
scan options: -f jsonl -o /dev/null --org-domain corp.example ${RULES:+--rules $RULES} $MH_ARGS
Medians of $RUNS runs after one warm-up (page cache warm); ratio = time / jq's time
(lower is better). Throughput: jq $(mbs "$ual_bytes" "$a_jq") MB/s; mailhunt UAL -j1 $(mbs "$ual_bytes" "$a_1") MB/s
($(ratio "$a_jq" "$a_1")x jq), -j$J $(mbs "$ual_bytes" "$a_j") MB/s (-j$J / -j1 time $(ratio "$a_j" "$a_1"));
Purview CSV -j1 $(mbs "$csv_bytes" "$c_1") MB/s, -j$J $(mbs "$csv_bytes" "$c_j") MB/s.
By CPU time (user + system): mailhunt UAL -j1 $(ratio "$u_jq" "$u_1")x jq, $(mbs "$ual_bytes" "$u_1") MB per CPU second.
Findings -j1 vs -j$J: UAL $same_ual; CSV $same_csv.

| input | command | median ms | ratio | CPU s | CPU ratio | peak RSS MiB |
|---|---|---:|---:|---:|---:|---:|
| UAL $(du -h "$ual" | cut -f1) | jq select (peer) | $(ms "$a_jq") | 1.00 | $(s2 "$u_jq") | 1.00 | $r_jq |
| | mailhunt scan -j1 | $(ms "$a_1") | $(ratio "$a_1" "$a_jq") | $(s2 "$u_1") | $(ratio "$u_1" "$u_jq") | $r_1 |
| | mailhunt scan -j$J | $(ms "$a_j") | $(ratio "$a_j" "$a_jq") | $(s2 "$u_j") | $(ratio "$u_j" "$u_jq") | $r_j |
| Purview CSV $(du -h "$csv" | cut -f1) | mailhunt scan -j1 | $(ms "$c_1") | $(ratio "$c_1" "$a_jq") | $(s2 "$u_c1") | $(ratio "$u_c1" "$u_jq") | $r_c1 |
| | mailhunt scan -j$J | $(ms "$c_j") | $(ratio "$c_j" "$a_jq") | $(s2 "$u_cj") | $(ratio "$u_cj" "$u_jq") | $r_cj |
| UAL $(du -h "$ual_small" | cut -f1) ($small_bytes bytes) | mailhunt scan -j1 | | | | | $r_s1 |
| | mailhunt scan -j$J | | | | | $r_sj |
TABLE
echo "bench: hyperfine JSON in $OUT/audit-ual.json and $OUT/audit-csv.json"
