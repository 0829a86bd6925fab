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
	   --until --jobs --no-color --quiet examples: 'exit codes'; do
	check "scan --help documents $opt" grep -q -- "$opt" "$TMP/o"
done

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
check "usage errors leave stdout empty" [ ! -s "$TMP/o" ]

run_mh "$TMP/o" "$TMP/e" scan --no-color "$TMP/does-not-exist"
check "missing input: exit 3" [ "$rc" -eq 3 ]
check "missing input: names the file" grep -q "does-not-exist" "$TMP/e"

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
