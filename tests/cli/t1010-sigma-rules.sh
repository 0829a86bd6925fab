#!/usr/bin/env bash
# mailhunt rules lint/list/show and scan --rules: the whole SigmaHQ set
# loads or is refused for a reason the specification leaves no choice
# about, bad rules are refused with file, line and reason while the
# others load, and scan counts loaded, refused and idle rules.
. "$(dirname "$0")/lib.sh"
need_shared
BAD=$MH_SOURCE_DIR/tests/data/sigma-bad
FULL=$MH_SHARED/data/sigma-full
MAIL=$MH_SHARED/data/sigma

# The whole SigmaHQ rule set (3,780 files).
run_mh "$TMP/out" "$TMP/err" rules lint "$FULL"
check "lint sigma-full exits 3 (some refused)" [ "$rc" -eq 3 ]
check "3755 of 3780 rules load" \
	grep -q '^sigma: 3755 rules loaded (3755 detection, 0 correlation, 0 filter) from 3780 files' "$TMP/out"
check "25 refused, all for a placeholder without a value" \
	grep -q '; 25 refused: 25 placeholder without a value;' "$TMP/out"
check "every refusal names file, line and reason" \
	[ "$(grep -c "^mailhunt: $FULL/.*\.yml:[0-9]*:[0-9]*: placeholder '%.*%' has no value" "$TMP/out")" -eq 25 ]
check "no refusal of another kind" \
	[ "$(grep -c '^mailhunt: ' "$TMP/out")" -eq 25 ]
check "the refused are the rules using expand" \
	[ "$(grep '^mailhunt: ' "$TMP/out" | cut -d: -f2 | sort -u | xargs grep -l '|expand' | wc -l)" -eq 25 ]

# With values for every placeholder, everything loads.
ph=()
for n in $(grep -rhoE "%[A-Za-z0-9_-]+%" $(grep -rl '|expand' "$FULL") | sort -u | tr -d %); do
	ph+=(--placeholder "$n=x")
done
run_mh "$TMP/out" "$TMP/err" rules lint "${ph[@]}" "$FULL"
check "with placeholders all 3780 load" [ "$rc" -eq 0 ]
check "summary says 3780 loaded, 0 refused" \
	grep -q '^sigma: 3780 rules loaded .*; 0 refused;' "$TMP/out"

# The 26 mail-related rules.
run_mh "$TMP/out" "$TMP/err" rules lint "$MAIL"
check "the 26 mail rules all load" [ "$rc" -eq 0 ]
check "26 loaded" grep -q '^sigma: 26 rules loaded' "$TMP/out"

# Bad rules: each refused with file, line and reason; the good one loads.
head -c 10485760 /dev/zero | tr '\0' '#' >"$TMP/huge.yml"
cp "$BAD"/*.yml "$TMP/"
run_mh "$TMP/out" "$TMP/err" rules lint "$TMP"
check "lint of bad rules exits 3" [ "$rc" -eq 3 ]
for want in \
	'yaml_syntax.yml:6:12: YAML syntax error' \
	"unknown_modifier.yml:7:9: unknown modifier 'endswithh'" \
	"missing_selection.yml:8:16: condition names 'filter', which is not a search identifier" \
	'regex_syntax.yml:7:25: regular expression does not compile: missing closing parenthesis' \
	'regex_backref.yml:7:25: regular expression uses a back-reference, which can backtrack without bound' \
	'deep_condition.yml:7:80: condition: nested too deeply' \
	'huge.yml: file of 10485760 bytes is over the 4 MiB limit'; do
	check "refused: $want" grep -qF "$want" "$TMP/out"
done
check "the good rule still loads" grep -q '^sigma: 1 rules loaded' "$TMP/out"

# list and show
run_mh "$TMP/out" "$TMP/err" rules list "$BAD/good.yml"
check "list shows the rule" grep -q '^11111111-2222-3333-4444-555555555555  high .*windows/process_creation/ good one' "$TMP/out"
run_mh "$TMP/out" "$TMP/err" rules show 0b9ad457-2554-44c1-82c2-d56a99c42377 "$FULL/rules/windows/file/file_event"
check "show exits 0" [ "$rc" -eq 0 ]
check "show names the author" grep -q '^author: *frack113' "$TMP/out"
check "show links the rule" grep -q '^link: *https://github.com/SigmaHQ/sigma/blob/master/rules/windows/file/file_event/file_event_win_anydesk_artefact.yml' "$TMP/out"
run_mh "$TMP/out" "$TMP/err" rules list
check "list without PATH names the built-in analytics" grep -q '^built-in  forwarding' "$TMP/out"
run_mh "$TMP/out" "$TMP/err" rules lint
check "lint without PATH is a usage error" [ "$rc" -eq 2 ]
run_mh "$TMP/out" "$TMP/err" rules frob x
check "an unknown subcommand is a usage error" [ "$rc" -eq 2 ]
run_mh "$TMP/out" "$TMP/err" rules show no-such-id "$BAD/good.yml"
check "show of an unknown id exits 2" [ "$rc" -eq 2 ]

# scan --rules: counts in the summary; idle rules (no Windows events in a
# mail store); bad rules do not stop the scan.
mkdir -p "$TMP/mail"
exo_forwarded "$TMP/mail/m.eml"
run_mh "$TMP/out" "$TMP/err" scan --no-progress --rules "$TMP" --rules "$MAIL" "$TMP/mail"
check "scan with rules runs" [ "$rc" -eq 0 ]
check "scan summary counts loaded, refused and idle" \
	grep -q '^mailhunt: sigma: 27 rules loaded .*; 7 refused: .*; 27 idle (their logsource matched no event)' "$TMP/err"
check "scan lists each refusal" grep -q 'unknown_modifier.yml:7: rule refused: unknown modifier' "$TMP/err"
check "built-in finding still there" grep -q 'MH-FWD' "$TMP/out"
run_mh "$TMP/out" "$TMP/err" scan --no-progress --no-builtin --rules "$MAIL" "$TMP/mail"
check "--no-builtin: no built-in finding" [ "$(grep -c 'MH-FWD' "$TMP/out")" -eq 0 ]
run_mh "$TMP/out" "$TMP/err" scan --no-progress --no-builtin "$TMP/mail"
check "--no-builtin without --rules is a usage error" [ "$rc" -eq 2 ]
run_mh "$TMP/out" "$TMP/err" scan --no-progress --tags attack.t1566 "$TMP/mail"
check "--tags filters built-in findings" [ "$(grep -c 'MH-FWD' "$TMP/out")" -eq 0 ]
run_mh "$TMP/out" "$TMP/err" scan --no-progress --tags attack.t1114 "$TMP/mail"
check "--tags attack.t1114 keeps T1114.003" grep -q 'MH-FWD' "$TMP/out"
finish
