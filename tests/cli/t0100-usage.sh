#!/usr/bin/env bash
# Usage, help and exit codes of the front end.
. "$(dirname "$0")/lib.sh"

run_mh "$TMP/o" "$TMP/e" --version
check "--version exits 0" [ "$rc" -eq 0 ]
check "--version prints the version" grep -q '^mailhunt [0-9]' "$TMP/o"

run_mh "$TMP/o" "$TMP/e" --help
check "--help exits 0 on stdout" [ "$rc" -eq 0 -a -s "$TMP/o" ]
check "--help lists scan and simulate" grep -q 'simulate' "$TMP/o"

run_mh "$TMP/o" "$TMP/e" scan --help
check "scan --help exits 0" [ "$rc" -eq 0 ]
for opt in --format --output --org-domain --min-level --fail-on --since \
	   --until --jobs --no-color --quiet examples: 'exit codes' \
	   --rules --no-builtin --tags --placeholder; do
	check "scan --help documents $opt" grep -q -- "$opt" "$TMP/o"
done

run_mh "$TMP/o" "$TMP/e" rules --help
check "rules --help exits 0 with examples" grep -q 'mailhunt rules lint' "$TMP/o"
run_mh "$TMP/o" "$TMP/e" --help
check "--help teaches --rules and rules lint" \
	grep -q -- '--rules' "$TMP/o"

run_mh "$TMP/o" "$TMP/e" simulate --help
check "simulate --help exits 0" [ "$rc" -eq 0 -a -s "$TMP/o" ]

run_mh "$TMP/o" "$TMP/e"
check "no command: exit 2" [ "$rc" -eq 2 ]
run_mh "$TMP/o" "$TMP/e" frobnicate
check "unknown command: exit 2" [ "$rc" -eq 2 ]
check "unknown command: says so" grep -q "'frobnicate' is not a command" "$TMP/e"
run_mh "$TMP/o" "$TMP/e" scan
check "scan without input: exit 2" [ "$rc" -eq 2 ]
run_mh "$TMP/o" "$TMP/e" scan --bogus x
check "unknown option: exit 2" [ "$rc" -eq 2 ]
check "unknown option: named" grep -q "'--bogus'" "$TMP/e"
run_mh "$TMP/o" "$TMP/e" scan --min-level severe x
check "bad level: exit 2" [ "$rc" -eq 2 ]
run_mh "$TMP/o" "$TMP/e" scan --format xml x
check "bad format: exit 2" [ "$rc" -eq 2 ]
run_mh "$TMP/o" "$TMP/e" scan --since 2024-13-01 x
check "bad date: exit 2" [ "$rc" -eq 2 ]
run_mh "$TMP/o" "$TMP/e" scan -j 0 x
check "bad job count: exit 2" [ "$rc" -eq 2 ]
for d in 2024-02-30 2023-02-29 2024-03-01x 2024-03-01T25:00 2024-3-1 \
	 2024-03-01T12:00+1; do
	run_mh "$TMP/o" "$TMP/e" scan --since "$d" x
	check "bad date '$d': exit 2" [ "$rc" -eq 2 ]
done
run_mh "$TMP/o" "$TMP/e" scan --max-header -5 x
check "negative --max-header: exit 2" [ "$rc" -eq 2 ]
for d in . '*.corp.example' corp -corp.example corp-.example a..b 'corp example.com'; do
	run_mh "$TMP/o" "$TMP/e" scan --org-domain "$d" x
	check "bad --org-domain '$d': exit 2" [ "$rc" -eq 2 ]
done
check "usage errors leave stdout empty" [ ! -s "$TMP/o" ]

run_mh "$TMP/o" "$TMP/e" scan --no-color "$TMP/does-not-exist"
check "missing input: exit 3" [ "$rc" -eq 3 ]
check "missing input: names the file" grep -q "does-not-exist" "$TMP/e"
check "missing input: the table does not claim a clean result" \
	grep -q '^no findings, and no message could be read: nothing was checked' "$TMP/o"

# --org-domain: upper case, a leading '@' and a trailing dot are accepted.
mkdir -p "$TMP/w"
printf 'X-MS-Exchange-Organization-AutoForwarded: true\nX-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\nX-Forwarded-To: bob@Sub.Corp.Example\nFrom: a@corp.example\nDate: Fri, 01 Mar 2024 12:30:00 +0000\nSubject: hi\n\nbody\n' >"$TMP/w/int.eml"
for d in CORP.example. @corp.example; do
	run_mh "$TMP/o" "$TMP/e" scan -f jsonl --org-domain "$d" "$TMP/w/int.eml"
	check "--org-domain '$d': subdomain destination internal" \
		jq -e -s 'length == 1 and .[0].rule_id == "MH-FWD-INT" and .[0].external == false' "$TMP/o"
done

# Dates: leap days, zones. A message at 12:30Z is inside --since 13:00+01:00
# (12:00Z) and outside --since 13:00Z.
mkdir -p "$TMP/w"
printf 'X-MS-Exchange-Organization-AutoForwarded: true\nX-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\nX-Forwarded-To: x@evil.example\nFrom: a@corp.example\nDate: Fri, 01 Mar 2024 12:30:00 +0000\nSubject: hi\n\nbody\n' >"$TMP/w/m.eml"
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --since 2024-02-29 "$TMP/w/m.eml"
check "--since 2024-02-29 (leap day) accepted" [ "$rc" -eq 0 -a -s "$TMP/o" ]
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --since 2024-03-01T13:00+01:00 "$TMP/w/m.eml"
check "--since with +01:00 is 12:00Z: message kept" [ "$rc" -eq 0 -a -s "$TMP/o" ]
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --since 2024-03-01T13:00Z "$TMP/w/m.eml"
check "--since 13:00Z: message filtered" grep -q 'out-of-time-range 1' "$TMP/e"

# --fail-on judges every finding, also those --min-level keeps off the
# output, and says so; the table does not claim there are none.
run_mh "$TMP/o" "$TMP/e" scan --min-level critical --fail-on low "$TMP/w/m.eml"
check "--fail-on low, --min-level critical: exit 1" [ "$rc" -eq 1 ]
check "hidden findings said on stderr" grep -q '1 finding at or above --fail-on low hidden by --min-level critical' "$TMP/e"
check "table: lower findings not shown, not 'no findings: no sign'" \
	grep -q '^no findings at or above --min-level; 1 lower finding not shown$' "$TMP/o"

# -o never overwrites an input or writes into an input directory.
cp "$TMP/w/m.eml" "$TMP/w/copy.eml"
sum=$(sha256sum <"$TMP/w/copy.eml")
run_mh "$TMP/o" "$TMP/e" scan -f jsonl -o "$TMP/w/copy.eml" "$TMP/w/copy.eml"
check "-o an input: exit 2" [ "$rc" -eq 2 ]
check "-o an input: said" grep -q 'refusing to overwrite evidence' "$TMP/e"
check "-o an input: the input is unchanged" [ "$(sha256sum <"$TMP/w/copy.eml")" = "$sum" ]
run_mh "$TMP/o" "$TMP/e" scan -f jsonl -o "$TMP/w/out.jsonl" "$TMP/w"
check "-o inside an input directory: exit 2" [ "$rc" -eq 2 ]
check "-o inside an input directory: nothing written" [ ! -e "$TMP/w/out.jsonl" ]
run_mh "$TMP/o" "$TMP/e" scan -f jsonl -o - "$TMP/w/m.eml"
check "-o - is standard output" jq -e -s 'length == 1' "$TMP/o"

# Output that cannot be written is an internal error (exit 4), said on
# stderr, in every format; under ASan this also checks nothing leaks on
# that path.
"$MH_BIN" simulate --seed 2 --format mbox --messages 300 --out "$TMP/full" --quiet
for fmt in table jsonl csv; do
	run_mh "$TMP/o" "$TMP/e" scan --quiet --format $fmt -o /dev/full "$TMP/full"
	check "$fmt to a full disk: exit 4 (got $rc)" [ "$rc" -eq 4 ]
	check "$fmt to a full disk: says so" grep -q 'cannot write output' "$TMP/e"
done

finish
