#!/usr/bin/env bash
# Benchmarks `mailhunt scan` against simple peers on the same inputs:
#   (a) a 1 GiB single mbox: mailhunt -j1 / -j2 vs rg -c '^X-MS-...:'
#   (b) a 1 GiB Exchange journal, one message in ten auto-forwarded
#       (simulate --exchange-journal): the same commands
#   (c) a Maildir of 200,000 messages: mailhunt -j1 / -j2 vs mlist | mhdr
#   (d) peak resident memory of each command (/usr/bin/time -v)
#   (e) the "looks forwarded" body test alone (bench/fwdlang_bench): MB/s
#       of mh_fwdlang_body and of the full machine it replaces, on the
#       bodies of (a) and (b)
# Inputs come from `mailhunt simulate` (deterministic, seed 42) and are
# kept in bench/out/ (ignored by git) for the next run. Times are
# hyperfine medians on a warm page cache (--warmup 1).
#
#   bench/run.sh              full size (needs ~4 GB of disk)
#   bench/run.sh --small      64 MiB mboxes, 10,000 messages: try the script
#   bench/run.sh --gen-only   only generate the inputs
# Environment: MAILHUNT (default build/release/mailhunt), FWDLANG_BENCH
# (fwdlang_bench beside it), OUT (bench/out), RUNS (5), J (2: threads of
# the parallel run).
set -euo pipefail
cd "$(dirname "$0")/.."

MAILHUNT=${MAILHUNT:-build/release/mailhunt}
FWDLANG_BENCH=${FWDLANG_BENCH:-$(dirname "$MAILHUNT")/bench/fwdlang_bench}
OUT=${OUT:-bench/out}
RUNS=${RUNS:-5}
J=${J:-2}
SEED=42
size=1G
msgs=200000
gen_only=0
for arg in "$@"; do
	case $arg in
	--small) size=64M; msgs=10000; OUT=$OUT/small ;;
	--gen-only) gen_only=1 ;;
	-h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
	esac
done

need() {
	command -v "$1" >/dev/null 2>&1 ||
		{ echo "bench: '$1' not found (make bootstrap)" >&2; exit 2; }
}
[ -x "$MAILHUNT" ] || { echo "bench: no mailhunt at '$MAILHUNT' (make release, or set MAILHUNT)" >&2; exit 2; }
[ -x "$FWDLANG_BENCH" ] || { echo "bench: no fwdlang_bench at '$FWDLANG_BENCH' (make release, or set FWDLANG_BENCH)" >&2; exit 2; }
if [ $gen_only = 0 ]; then
	for t in hyperfine rg mlist mhdr jq awk; do need "$t"; done
	[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (GNU time)" >&2; exit 2; }
fi
mkdir -p "$OUT"

# generate DIR PARAMS...: reuse DIR when it was made with the same
# parameters, else write it again.
generate() {
	local dir=$1; shift
	local want="$*"
	if [ -f "$dir/.params" ] && [ "$(cat "$dir/.params")" = "$want" ]; then
		echo "bench: reusing $dir ($want)"
		return
	fi
	rm -rf "$dir"
	echo "bench: mailhunt simulate $want --out $dir"
	local t0=$SECONDS
	"$MAILHUNT" simulate "$@" --out "$dir"
	echo "$want" >"$dir/.params"
	echo "bench: generated in $((SECONDS - t0)) s"
}

mbox_case=$OUT/mbox-$size
exo_case=$OUT/exchange-journal-$size
md_case=$OUT/maildir-$msgs
generate "$mbox_case" --seed $SEED --single-mbox --size "$size"
generate "$exo_case" --seed $SEED --exchange-journal --size "$size"
# About 14 % of a case is outbound mail kept in the gateway journal (an
# mbox beside the Maildirs): ask for more so the Maildirs hold ~$msgs.
generate "$md_case" --seed $SEED --format maildir \
	--messages "$((msgs * 116 / 100))" --mailboxes 16
mbox=$mbox_case/mbox/all.mbox
exo=$exo_case/mbox/all.mbox
md=$md_case/maildir
# mlist reads Maildir folders, not trees: every folder with a cur/.
mapfile -t folders < <(find "$md" -type d -name cur -printf '%h\n' | sort)
nmd=$(find "$md" \( -path '*/cur/*' -o -path '*/new/*' \) -type f | wc -l)
[ $gen_only = 1 ] && { echo "bench: inputs ready in $OUT"; exit 0; }

H=(hyperfine --warmup 1 --runs "$RUNS" --style basic)
q() { printf '%q' "$1"; }
scan() { echo "$(q "$MAILHUNT") scan -j$1 --quiet --format jsonl -o /dev/null $(q "$2")"; }
rg_of() { echo "rg -c '^X-MS-Exchange-Organization-AutoForwarded:' $(q "$1")"; }
rg_cmd=$(rg_of "$mbox")
rg_exo=$(rg_of "$exo")
mblaze_cmd="mlist ${folders[*]@Q} | mhdr -h X-MS-Exchange-Organization-AutoForwarded >/dev/null"

# The machine may be shared: the load is part of the result.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== (a) single mbox $(du -h "$mbox" | cut -f1)"
"${H[@]}" --export-json "$OUT/mbox.json" \
	-n rg "$rg_cmd" \
	-n mailhunt-j1 "$(scan 1 "$mbox")" \
	-n "mailhunt-j$J" "$(scan "$J" "$mbox")"

echo "== (b) Exchange journal $(du -h "$exo" | cut -f1)"
"${H[@]}" --export-json "$OUT/exchange-journal.json" \
	-n rg "$rg_exo" \
	-n mailhunt-j1 "$(scan 1 "$exo")" \
	-n "mailhunt-j$J" "$(scan "$J" "$exo")"

echo "== (c) Maildir, $nmd messages in ${#folders[@]} folders"
# mhdr exits 1 when a message lacks the field: not a failure here.
"${H[@]}" -i --export-json "$OUT/maildir.json" \
	-n mblaze "$mblaze_cmd" \
	-n mailhunt-j1 "$(scan 1 "$md")" \
	-n "mailhunt-j$J" "$(scan "$J" "$md")"

echo "== (d) peak RSS"
rss() {
	/usr/bin/time -v sh -c "$1" 2>&1 >/dev/null |
		awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }'
}
r_rg=$(rss "$rg_cmd")
r_a1=$(rss "$(scan 1 "$mbox")")
r_aj=$(rss "$(scan "$J" "$mbox")")
r_xrg=$(rss "$rg_exo")
r_x1=$(rss "$(scan 1 "$exo")")
r_xj=$(rss "$(scan "$J" "$exo")")
r_mb=$(rss "$mblaze_cmd")
r_b1=$(rss "$(scan 1 "$md")")
r_bj=$(rss "$(scan "$J" "$md")")

echo "== (e) body test"
# "mh_fwdlang_body  N bodies, X MB, K look forwarded: ... T ms, R MB/s
# (CPU time C ms, Q MB/s)": R, the wall-clock figure.
fb_a=$("$FWDLANG_BENCH" -r "$RUNS" "$mbox")
fb_b=$("$FWDLANG_BENCH" -r "$RUNS" "$exo")
printf '%s\n%s\n' "$fb_a" "$fb_b"
mbs_of() { awk -v f="$2" '$1 == f { for (i = 2; i <= NF; i++) if ($i == "MB/s") { print $(i - 1); exit } }' <<<"$1"; }
e_a=$(mbs_of "$fb_a" mh_fwdlang_body)
e_ar=$(mbs_of "$fb_a" mh_fwdlang_body_ref)
e_b=$(mbs_of "$fb_b" mh_fwdlang_body)
e_br=$(mbs_of "$fb_b" mh_fwdlang_body_ref)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
med() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median' "$1"; }
ms() { awk -v a="$1" 'BEGIN { printf "%.0f", a * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
a_rg=$(med "$OUT/mbox.json" rg)
a_1=$(med "$OUT/mbox.json" mailhunt-j1)
a_j=$(med "$OUT/mbox.json" "mailhunt-j$J")
x_rg=$(med "$OUT/exchange-journal.json" rg)
x_1=$(med "$OUT/exchange-journal.json" mailhunt-j1)
x_j=$(med "$OUT/exchange-journal.json" "mailhunt-j$J")
b_mb=$(med "$OUT/maildir.json" mblaze)
b_1=$(med "$OUT/maildir.json" mailhunt-j1)
b_j=$(med "$OUT/maildir.json" "mailhunt-j$J")

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
mbox_bytes=$(stat -c %s "$mbox")
exo_bytes=$(stat -c %s "$exo")
exo_msgs=$(grep -c '^From ' "$exo")
mbs() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.0f", b / t / 1e6 }'; }
cat <<TABLE | tee "$OUT/results.md"

$(nproc) cores ($cpu), $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, kernel $(uname -r);
$("$MAILHUNT" --version | head -1), $(rg --version | sed -n 1p), mblaze $(dpkg-query -W -f '${Version}' mblaze 2>/dev/null || echo '?'), hyperfine $(hyperfine --version | cut -d' ' -f2).
Load average (1, 5, 15 min) before the runs $load_before, after $load_after.
Medians of $RUNS runs after one warm-up (page cache warm); ratio = time / peer's
time (lower is better). mbox throughput with -j1: $(mbs "$mbox_bytes" "$a_1") MB/s,
-j$J: $(mbs "$mbox_bytes" "$a_j") MB/s; Exchange journal with -j1: $(mbs "$exo_bytes" "$x_1") MB/s,
-j$J: $(mbs "$exo_bytes" "$x_j") MB/s; Maildir with -j1: $(awk -v n="$nmd" -v t="$b_1" 'BEGIN { printf "%.0f", n / t }') messages/s.

| input | command | median ms | ratio | peak RSS MiB |
|---|---|---:|---:|---:|
| mbox $(du -h "$mbox" | cut -f1) | rg -c (peer) | $(ms "$a_rg") | 1.00 | $r_rg |
| | mailhunt scan -j1 | $(ms "$a_1") | $(ratio "$a_1" "$a_rg") | $r_a1 |
| | mailhunt scan -j$J | $(ms "$a_j") | $(ratio "$a_j" "$a_rg") | $r_aj |
| Exchange journal $(du -h "$exo" | cut -f1), $exo_msgs msgs | rg -c (peer) | $(ms "$x_rg") | 1.00 | $r_xrg |
| | mailhunt scan -j1 | $(ms "$x_1") | $(ratio "$x_1" "$x_rg") | $r_x1 |
| | mailhunt scan -j$J | $(ms "$x_j") | $(ratio "$x_j" "$x_rg") | $r_xj |
| Maildir $nmd msgs | mlist \\| mhdr (peer) | $(ms "$b_mb") | 1.00 | $r_mb |
| | mailhunt scan -j1 | $(ms "$b_1") | $(ratio "$b_1" "$b_mb") | $r_b1 |
| | mailhunt scan -j$J | $(ms "$b_j") | $(ratio "$b_j" "$b_mb") | $r_bj |

Body test alone (bench/fwdlang_bench, best of $RUNS, every body of the case,
at most 64 KiB each): (a) mh_fwdlang_body $e_a MB/s, the full machine
(mh_fwdlang_body_ref) $e_ar MB/s; (b) $e_b MB/s and $e_br MB/s.
TABLE
echo "bench: hyperfine JSON in $OUT/mbox.json, $OUT/exchange-journal.json and $OUT/maildir.json"
