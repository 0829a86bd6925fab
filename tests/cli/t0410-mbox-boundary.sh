#!/usr/bin/env bash
# Regression: a From_ line that straddles the end of the 64 KiB body prefix
# must still start a new message (it was merged into the previous one).
. "$(dirname "$0")/lib.sh"
for len in 65500 65525 65529 65530 65531 65534 65535 65536 65537 65540; do
	f=$TMP/b$len.mbox
	{
		printf 'From a@b Mon Jan  1 00:00:00 2024\nFrom: a@b\nSubject: one\n\n'
		head -c "$len" /dev/zero | tr '\0' 'x'
		printf '\n\nFrom a@b Mon Jan  1 00:00:01 2024\nFrom: a@b\nSubject: two\n\nbody\n'
	} >"$f"
	run_mh "$TMP/o" "$TMP/e" scan --no-progress "$f"
	check "body of $len bytes: 2 messages" grep -q '2 records read = 2 messages' "$TMP/e"
done
finish
