#!/usr/bin/env bash
# Bad input: each gets a clear message with file and position, is counted,
# and the scan goes on with the rest (the good file's finding survives).
. "$(dirname "$0")/lib.sh"
d=$TMP/in
mkdir -p "$d"

# One good, auto-forwarded message to prove the run goes on.
exo_forwarded "$d/good.eml"
# Truncated mbox: the last message ends inside its header block.
printf 'From a@b Mon Jan  1 00:00:00 2024\nFrom: a@b\nSubject: one\n\nbody\n\nFrom a@b Mon Jan  1 00:00:01 2024\nFrom: a@b\nSubject: tw' >"$d/trunc.mbox"
# A 10 MB header line.
{ printf 'From: a@b\nX-Big: '; head -c 10485760 /dev/zero | tr '\0' 'a'; printf '\nSubject: big\n\nbody\n'; } >"$d/huge.eml"
# NUL bytes and invalid UTF-8 in headers (tolerated: parsed, not skipped).
printf 'From: a@b\nSubject: caf\xe9 \x00 \xff\xfe =?utf-8?B?broken?=\nX-Forwarded-To: \x00\n\nbody\n' >"$d/nul.eml"
# An mbox with no From_ line at the start (not an mbox: read as one message).
printf 'Subject: no from line\nFrom: c@d\n\nFrom here on it is body.\n' >"$d/nofrom.mbox"
# A binary file named .eml: a PNG (its signature and IHDR chunk put NUL
# bytes in the first KiB, as real images do), then opaque bytes. Fixed
# bytes, not random ones: 1.8 % of random KiBs hold no NUL at all.
{ printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00'; head -c 4096 /dev/zero | tr '\0' '\252'; } >"$d/binary.eml"
# A dangling symlink in a Maildir (unreadable entry).
mkdir -p "$d/Maildir/cur" "$d/Maildir/new" "$d/Maildir/tmp"
cp "$d/good.eml" "$d/Maildir/cur/1700000000.1.host:2,S"
ln -s /nonexistent/file "$d/Maildir/new/1700000001.2.host"
# gzip is read transparently.
gzip -c "$d/good.eml" >"$d/good-copy.eml.gz"

before=$(cd "$d" && find . -type f -exec sha256sum {} + | sort)
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --no-progress "$d"
check "bad input: exit 3 (some input unreadable)" [ "$rc" -eq 3 ]
check "the good message still yields its finding" \
	jq -e -s 'any(.[]; .rule_id == "MH-FWD-EXT" and .mailbox == "alice@corp.example")' "$TMP/o"
check "gzip copy read: evidence from good-copy.eml.gz" grep -q 'good-copy.eml.gz' "$TMP/o"
check "truncated mbox: named with offset" grep -Eq 'trunc\.mbox.*offset [0-9]+' "$TMP/e"
check "10 MB header: named with offset" grep -Eq 'huge\.eml.*offset [0-9]+' "$TMP/e"
check "binary .eml: named" grep -q 'binary\.eml' "$TMP/e"
check "dangling symlink: named" grep -q '1700000001.2.host' "$TMP/e"
check "summary counts truncated" grep -Eq 'truncated [1-9]' "$TMP/e"
check "summary counts oversized" grep -Eq 'oversized [1-9]' "$TMP/e"
check "summary counts binary" grep -Eq 'binary [1-9]' "$TMP/e"
line=$(grep 'records read' "$TMP/e")
read_n=$(echo "$line" | sed -E 's/.*: ([0-9]+) records read.*/\1/')
msgs=$(echo "$line" | sed -E 's/.*= ([0-9]+) messages.*/\1/')
skipped=$(echo "$line" | sed -E 's/.* \+ ([0-9]+) skipped.*/\1/')
check "records reconcile ($line)" [ "$read_n" -eq $((msgs + skipped)) ]
check "diagnostics carry no raw control characters" \
	sh -c "! LC_ALL=C grep -q \"\$(printf '[\\001-\\010\\016-\\037]')\" '$TMP/e'"
# Inputs are never modified.
after=$(cd "$d" && find . -type f -exec sha256sum {} + | sort)
check "inputs unchanged (read-only)" [ "$before" = "$after" ]

# Not files among the messages: a FIFO (it would block a reader waiting
# for a writer), a symbolic link to a FIFO, a directory. Said, counted, no
# hang; the real message is still read.
f=$TMP/fifo
mkdir -p "$f/Maildir/cur" "$f/Maildir/new" "$f/Maildir/tmp" "$f/Maildir/new/adir"
cp "$d/good.eml" "$f/Maildir/cur/1.h:2,S"
mkfifo "$f/Maildir/cur/2.h:2,S" "$TMP/lonely-fifo"
ln -s "$TMP/lonely-fifo" "$f/Maildir/new/3.h"
timeout 60 "$MH_BIN" scan --format jsonl --no-progress "$f" >"$TMP/fo" 2>"$TMP/fe"
rc=$?
check "FIFOs in a Maildir: no hang, exit 3 (got $rc)" [ "$rc" -eq 3 ]
check "FIFO in cur/: named" grep -q '2.h:2,S: offset 0: not a regular file' "$TMP/fe"
check "directory in new/: named" grep -q 'adir: offset 0: not a regular file' "$TMP/fe"
check "FIFO behind a link: read as empty, counted" grep -q '3.h:1: offset 0: no header field' "$TMP/fe"
check "FIFOs in a Maildir: the message is still read" grep -q '"mailbox":"alice@corp.example"' "$TMP/fo"
finish
