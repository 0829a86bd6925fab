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

# Header blocks around the reader's first window (64 KiB): longer ones
# need the large window, and every message must still be found, with the
# auto-forward artefact placed after the long part of the header.
for hl in 60000 65000 66000 70000 300000; do
	f=$TMP/h$hl.mbox
	{
		for k in 1 2 3; do
			printf 'From a@b Mon Jan  1 00:00:0%d 2024\n' "$k"
			printf 'From: a@corp.example\nSubject: m%d\n' "$k"
			n=0
			while [ $n -lt "$hl" ]; do
				printf 'X-Pad: %0120d\n' 0
				n=$((n + 128))
			done
			printf 'X-Forwarded-To: out%d@ext.example\n' "$k"
			printf 'Delivered-To: u@corp.example\n\nbody %d\n\n' "$k"
		done
	} >"$f"
	run_mh "$TMP/o" "$TMP/e" scan --no-progress --org-domain corp.example \
		--format jsonl "$f"
	check "header of ~$hl bytes: 3 messages" grep -q '3 records read = 3 messages' "$TMP/e"
	check "header of ~$hl bytes: 3 destinations" \
		[ "$(grep -c '"destination":"out[123]@ext.example"' "$TMP/o")" -eq 3 ]
done
finish
