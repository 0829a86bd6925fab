#!/usr/bin/env bash
# Attacker-controlled header text is data: no raw control characters on the
# terminal table, no formula injection in CSV, valid JSON in JSONL.
. "$(dirname "$0")/lib.sh"
d=$TMP/in
mkdir -p "$d"
esc=$(printf '\033')
bel=$(printf '\007')
{
	printf 'Received: from a by b; Tue, 5 Mar 2024 10:00:00 +0000\n'
	printf 'X-Forwarded-To: "=HYPERLINK(\\"http://evil\\")"@evil.example (%s[2J%s]0;pwned%s \xe2\x80\xae)\n' "$esc" "$esc" "$bel"
	printf 'X-Forwarded-For: victim@corp.example "=HYPERLINK(\\"http://evil\\")"@evil.example\n'
	printf 'From: =?utf-8?q?=1B[31mred?= <a@corp.example>\n'
	printf 'Subject: =cmd|'"'"' /C calc'"'"'!A0\n'
	printf 'Date: Tue, 5 Mar 2024 10:00:00 +0000\n'
	printf 'Message-ID: <%s[2Jid@x>\n\nbody\n' "$esc"
} >"$d/hostile.eml"

run_mh "$TMP/o" "$TMP/e" scan --color "$d"
check "table: a finding is shown" grep -q 'T1114.003' "$TMP/o"
# Colour codes we emit are ESC[...m; nothing else may carry ESC or BEL.
check "table: no raw ESC except SGR colour codes" \
	sh -c "! sed 's/$esc\[[0-9;]*m//g' '$TMP/o' | grep -q '[$esc$bel]'"
check "table: hostile bytes shown escaped" grep -q '\\x1b\|\\u001b\|\\e' "$TMP/o"
check "table: bidi override shown escaped" sh -c "! grep -q \"$(printf '\xe2\x80\xae')\" '$TMP/o'"

run_mh "$TMP/o" "$TMP/e" scan --format csv "$d"
check "csv: exit 0" [ "$rc" -eq 0 ]
check "csv: no cell starts with =HYPERLINK" \
	sh -c "! grep -Eq '(^|,)\"?=HYPERLINK' '$TMP/o'"
check "csv: no raw ESC" sh -c "! grep -q '$esc' '$TMP/o'"

run_mh "$TMP/o" "$TMP/e" scan --format jsonl "$d"
check "jsonl: every line is valid JSON" jq -e . "$TMP/o"
check "jsonl: escapes keep the data" jq -e -s 'any(.[]; (.evidence[0].header // "") | test("\u001b"))' "$TMP/o"
check "jsonl: no raw ESC byte" sh -c "! grep -q '$esc' '$TMP/o'"
finish
