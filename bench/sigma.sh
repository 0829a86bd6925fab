#!/usr/bin/env bash
# Benchmarks the Sigma engine on SigmaHQ's whole rule set
# (../shared/data/sigma-full, 3,780 rules):
#   (a) load + compile time: `mailhunt rules lint` (hyperfine median; it
#       loads, compiles and builds the prefilter, then prints the summary)
#   (b) matching throughput on one core (events per CPU second of the
#       single-threaded matching loop, so that other load on the machine
#       does not count): bench/sigma_bench.c over
#       synthetic Windows-event-shaped events (evtx JSON field shape),
#       several runs, median; the same program prints load time, atoms,
#       evaluations per event and peak RSS
#   (c) peak resident memory of (a) (/usr/bin/time -v)
#
#   bench/sigma.sh            RUNS=5, 200,000 events per run
# Environment: MAILHUNT (build/release/mailhunt), BENCH
# (build/release/bench/sigma_bench), RULES (../shared/data/sigma-full), RUNS,
# EVENTS.
set -euo pipefail
cd "$(dirname "$0")/.."
MAILHUNT=${MAILHUNT:-build/release/mailhunt}
BENCH=${BENCH:-build/release/bench/sigma_bench}
RULES=${RULES:-../shared/data/sigma-full}
RUNS=${RUNS:-5}
EVENTS=${EVENTS:-200000}
for x in "$MAILHUNT" "$BENCH"; do
	[ -x "$x" ] || { echo "bench: no '$x' (make release)" >&2; exit 2; }
done
command -v hyperfine >/dev/null || { echo "bench: hyperfine missing (make bootstrap)" >&2; exit 2; }
[ -d "$RULES" ] || { echo "bench: no rules at '$RULES'" >&2; exit 2; }

echo "== (a) load + compile: $MAILHUNT rules lint $RULES"
hyperfine --warmup 1 --runs "$RUNS" -i "$MAILHUNT rules lint -q $RULES" 2>&1 |
	grep -E 'Time|Range'
{ "$MAILHUNT" rules lint "$RULES" || true; } | tail -1

echo "== (b) matching, one core: $BENCH $RULES $EVENTS"
for i in $(seq "$RUNS"); do
	"$BENCH" "$RULES" "$EVENTS" | tail -1
done | tee /tmp/sigma-bench.$$ |
	sed -E 's/.* ([0-9]+) events per CPU second.*/\1/' | sort -n |
	awk '{v[NR]=$1} END {print "median events per CPU second (one core): " v[int((NR+1)/2)]}'
head -1 /tmp/sigma-bench.$$
rm -f /tmp/sigma-bench.$$
"$BENCH" "$RULES" 1000 | head -1

echo "== (c) peak memory of the load"
{ /usr/bin/time -v "$MAILHUNT" rules lint -q "$RULES" 2>&1 >/dev/null || true; } |
	grep 'Maximum resident'
