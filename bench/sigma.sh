#!/usr/bin/env bash
# Benchmarks the Sigma engine with SigmaHQ's whole rule set
# (../shared/data/sigma-full, 3,780 rules; placeholder values given so
# that every rule using `expand` loads), end to end through `mailhunt scan`:
#   (a) rule load + compile of every rule: `mailhunt rules lint`
#       (hyperfine median) and its peak RSS
#   (b) a large Windows-event JSON set (bench/gen_winevents.c, evtx_dump
#       JSON Lines, 300 MiB, deterministic), scanned with every rule:
#       events per second with one worker (-j1: per core) and with all
#       cores, peak RSS; against the same single rule run by mailhunt
#       and by jq (no Sigma engine is packaged for Debian: Chainsaw,
#       Hayabusa and Zircolite are not, so jq doing the equivalent
#       single-rule filter is the peer, and is labelled so); then
#       matching alone on one core (bench/sigma_bench.c, no JSON)
#   (c) the 1 GiB Microsoft 365 unified audit log of `mailhunt simulate
#       --audit-only --audit-size 1G` (Management Activity API JSON
#       Lines): built-in analytics only, then with all SigmaHQ rules
#       added, in the same run, all cores and one, and one with
#       --org-domain (the readers' literal prefilter on)
#
#   bench/sigma.sh            RUNS=3, 300 MiB of Windows events, 1 GiB UAL
#   bench/sigma.sh --small    30 MiB of each: try the script
# Environment: MAILHUNT (build/release/mailhunt), GEN
# (build/release/bench/gen_winevents), BENCH
# (build/release/bench/sigma_bench), RULES (../shared/data/sigma-full),
# RUNS, OUT (bench/out; the inputs are made there once and kept), J
# (workers of the all-cores runs: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
MAILHUNT=${MAILHUNT:-build/release/mailhunt}
GEN=${GEN:-build/release/bench/gen_winevents}
BENCH=${BENCH:-build/release/bench/sigma_bench}
RULES=${RULES:-../shared/data/sigma-full}
RUNS=${RUNS:-3}
OUT=${OUT:-bench/out}
J=${J:-$(nproc)}
size=300M
usize=1G
case "${1:-}" in
--small) size=30M usize=30M ;;
-h | --help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
"") ;;
*) echo "bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
for x in "$MAILHUNT" "$GEN" "$BENCH"; do
	[ -x "$x" ] || { echo "bench: no '$x' (make release)" >&2; exit 2; }
done
for t in hyperfine jq /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "bench: '$t' missing (make bootstrap)" >&2; exit 2; }
done
[ -d "$RULES" ] || { echo "bench: no rules at '$RULES'" >&2; exit 2; }
mkdir -p "$OUT"

# Values for every %placeholder% of SigmaHQ's rules-placeholder (any
# value: the rules must load; what they match is not the point here).
PH=()
for n in Administrators Admins_Workstations ApprovedUserUpn Approved_Inviters \
	DC-MACHINE-NAME DomainControllers HomeTenantID Important_AppIds \
	KNOWN_LOCATION Known_Location Legitimate_Countries Legitimate_IP_Ranges \
	ServerSystems UnApprovedDevice UnApprovedIp UnLegitCountries Workstations \
	dc_ip_addresses dc_machine_accounts domain_controller_hostnames \
	internal_domains known_cdcs legit_ips legtimate_identifiers userdomain; do
	PH+=(--placeholder "$n=bench-$n")
done

# median JSON: the median of each command of a hyperfine export.
median() { jq -r '.results[] | "\(.median)"' "$1"; }
rss() { { /usr/bin/time -v "$@" >/dev/null 2>"$OUT/time.txt" || true; } ; grep 'Maximum resident' "$OUT/time.txt" | awk '{printf "%.1f MiB", $6 / 1024}'; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== (a) load + compile: $MAILHUNT rules lint --placeholder ... $RULES"
{ "$MAILHUNT" rules lint "${PH[@]}" "$RULES" 2>&1 || true; } | tail -1
hyperfine -N --warmup 1 --runs "$((RUNS + 2))" -i --export-json "$OUT/lint.json" \
	"$MAILHUNT rules lint -q ${PH[*]} $RULES" >/dev/null 2>&1
echo "load + compile, median of $((RUNS + 2)): $(median "$OUT/lint.json") s wall"
echo "peak RSS: $(rss "$MAILHUNT" rules lint -q "${PH[@]}" "$RULES")"

W=$OUT/winevents-$size.jsonl
[ -s "$W" ] || "$GEN" --size "$size" >"$W"
n=$(wc -l <"$W")
echo "== (b) $W: $n Windows events (evtx_dump JSON Lines, $(du -m "$W" | cut -f1) MiB); load average $(cut -d' ' -f1-3 /proc/loadavg)"
ONE=$RULES/rules/windows/process_creation/proc_creation_win_whoami_parent_anomaly.yml
# The same rule as a jq filter: Sysmon 1 or Security 4688, the image or
# original name whoami.exe, the parent not a shell, nor null, '' or '-'.
cat >"$OUT/whoami.jq" <<'JQ'
.Event as $e | $e.System as $s
| select(($s.Channel == "Microsoft-Windows-Sysmon/Operational" and $s.EventID == 1)
         or ($s.Channel == "Security" and $s.EventID == 4688))
| ($e.EventData // {}) as $d
| (($d.Image // $d.NewProcessName // "") | ascii_downcase) as $img
| ($d.ParentImage // $d.ParentProcessName) as $par
| (($par // "") | ascii_downcase) as $p
| select(($img | endswith("\\whoami.exe")) or (($d.OriginalFileName // "") | ascii_downcase) == "whoami.exe")
| select([$p | endswith("\\cmd.exe", "\\powershell_ise.exe", "\\powershell.exe", "\\pwsh.exe")] | any | not)
| select($p | endswith(":\\program files\\microsoft monitoring agent\\agent\\monitoringhost.exe") | not)
| select($par != null and $p != "" and $p != "-")
| $s.EventRecordID
JQ
a=$("$MAILHUNT" scan -j1 -q --no-builtin --rules "$ONE" -f jsonl "$W" | jq -r .counts.events)
b=$(jq -r -f "$OUT/whoami.jq" "$W" | wc -l)
echo "single rule (whoami parent anomaly): mailhunt $a matches, jq $b"
"$MAILHUNT" scan -j1 --no-progress --no-builtin --rules "$RULES" "${PH[@]}" -f jsonl -o "$OUT/win-findings.jsonl" "$W" 2>&1 |
	grep -E 'records read|findings in|sigma:'
hyperfine -N --warmup 1 --runs "$RUNS" -i --export-json "$OUT/win.json" \
	-n "all rules -j1" "$MAILHUNT scan -j1 -q --no-builtin --rules $RULES ${PH[*]} -f jsonl -o /dev/null $W" \
	-n "all rules -j$J" "$MAILHUNT scan -j$J -q --no-builtin --rules $RULES ${PH[*]} -f jsonl -o /dev/null $W" \
	-n "one rule -j1" "$MAILHUNT scan -j1 -q --no-builtin --rules $ONE -f jsonl -o /dev/null $W" \
	-n "jq, the same one rule" "jq -r -f $OUT/whoami.jq $W" >/dev/null 2>&1
jq -r --argjson n "$n" '.results[] | "\(.command): median \(.median * 1000 | floor) ms, user \(.user * 1000 | floor) ms, system \(.system * 1000 | floor) ms: \($n / .median | floor) events per wall second, \($n / (.user + .system) | floor) per CPU second"' "$OUT/win.json"
echo "peak RSS, all rules -j1: $(rss "$MAILHUNT" scan -j1 -q --no-builtin --rules "$RULES" "${PH[@]}" -f jsonl -o /dev/null "$W")"
echo "peak RSS, all rules -j$J: $(rss "$MAILHUNT" scan -j"$J" -q --no-builtin --rules "$RULES" "${PH[@]}" -f jsonl -o /dev/null "$W")"

echo "== (b) matching alone, one core: $BENCH $RULES 200000"
"$BENCH" "$RULES" 200000

# (c) the audit log from `mailhunt simulate` (made once, kept in OUT).
SIM=$OUT/sim-audit-$usize
UAL=$SIM/audit/m365-ual.jsonl
if [ ! -s "$UAL" ]; then
	rm -rf "$SIM"
	"$MAILHUNT" simulate -q --audit-only --audit-size "$usize" \
		--mailboxes 200 --audit-formats ual --seed 42 --out "$SIM"
fi
echo "== (c) $UAL: $(wc -l <"$UAL") records, $(du -m "$UAL" | cut -f1) MiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$MAILHUNT" scan -j"$J" --no-progress -f jsonl -o "$OUT/ual-findings.jsonl" "$UAL" 2>&1 |
	grep -E 'records read|findings in' | sed 's/^/built-ins: /'
"$MAILHUNT" scan -j"$J" --no-progress --rules "$RULES" "${PH[@]}" -f jsonl -o "$OUT/ual-findings-rules.jsonl" "$UAL" 2>&1 |
	grep -E 'records read|findings in|sigma:' | sed 's/^/built-ins + all rules: /'
# With the tenant's domain given the readers' literal prefilter is on
# (docs/AUDIT.md): records no analytic reads, and that no rule can match,
# are passed over unparsed (docs/SIGMA.md "--rules and the audit
# prefilter").
ORG="--org-domain corp.example"
hyperfine -N --warmup 1 --runs "$RUNS" -i --export-json "$OUT/ual.json" \
	-n "built-ins -j$J" "$MAILHUNT scan -j$J -q -f jsonl -o /dev/null $UAL" \
	-n "built-ins + all rules -j$J" "$MAILHUNT scan -j$J -q --rules $RULES ${PH[*]} -f jsonl -o /dev/null $UAL" \
	-n "built-ins -j1" "$MAILHUNT scan -j1 -q -f jsonl -o /dev/null $UAL" \
	-n "built-ins + all rules -j1" "$MAILHUNT scan -j1 -q --rules $RULES ${PH[*]} -f jsonl -o /dev/null $UAL" \
	-n "built-ins $ORG -j1" "$MAILHUNT scan -j1 -q $ORG -f jsonl -o /dev/null $UAL" \
	-n "built-ins + all rules $ORG -j1" "$MAILHUNT scan -j1 -q $ORG --rules $RULES ${PH[*]} -f jsonl -o /dev/null $UAL" >/dev/null 2>&1
jq -r '.results[] | "\(.command): median \(.median * 1000 | floor) ms, user \(.user * 1000 | floor) ms, system \(.system * 1000 | floor) ms"' "$OUT/ual.json"
jq -r '"ratio all rules / built-ins, -j'"$J"': median wall \(.results[1].median / .results[0].median * 100 | floor / 100), CPU \((.results[1].user + .results[1].system) / (.results[0].user + .results[0].system) * 100 | floor / 100)"' "$OUT/ual.json"
jq -r '"ratio all rules / built-ins, -j1: median wall \(.results[3].median / .results[2].median * 100 | floor / 100), CPU \((.results[3].user + .results[3].system) / (.results[2].user + .results[2].system) * 100 | floor / 100)"' "$OUT/ual.json"
jq -r '"ratio all rules / built-ins, '"$ORG"' -j1: median wall \(.results[5].median / .results[4].median * 100 | floor / 100), CPU \((.results[5].user + .results[5].system) / (.results[4].user + .results[4].system) * 100 | floor / 100)"' "$OUT/ual.json"
echo "peak RSS, built-ins -j$J: $(rss "$MAILHUNT" scan -j"$J" -q -f jsonl -o /dev/null "$UAL")"
echo "peak RSS, built-ins + all rules -j$J: $(rss "$MAILHUNT" scan -j"$J" -q --rules "$RULES" "${PH[@]}" -f jsonl -o /dev/null "$UAL")"
echo "== done; load average $(cut -d' ' -f1-3 /proc/loadavg)"
