#!/usr/bin/env bash
# Damaged gzip input: every byte that inflates is analysed, then the damage
# is named once (what, compressed and decompressed offset) and counted, and
# the file counts as damaged (exit 3). Trailing garbage after the last
# member is a counted warning, as gzip(1) warns of it. Also .eml/.emlx
# that start with empty lines, and emlx byte counts that cut the header.
. "$(dirname "$0")/lib.sh"
d=$TMP/in
mkdir -p "$d"

# records read = messages + skipped in a summary on stderr ($1).
reconciles() {
	local line read_n msgs skipped
	line=$(grep 'records read' "$1") || return 1
	read_n=$(echo "$line" | sed -E 's/.*: ([0-9]+) records read.*/\1/')
	msgs=$(echo "$line" | sed -E 's/.*= ([0-9]+) messages.*/\1/')
	skipped=$(echo "$line" | sed -E 's/.* \+ ([0-9]+) skipped.*/\1/')
	[ "$read_n" -eq $((msgs + skipped)) ]
}

# The Exchange inbox-rule artefact of the reviewer's case.
artefact='X-MS-Exchange-Organization-AutoForwarded: true
X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example
X-Forwarded-To: exfil@proton.example'
found() { jq -e -s 'any(.[]; .destination == "exfil@proton.example")' "$1" >/dev/null; }

# mbox of $1 messages, the artefact in message $2.
gen_mbox() {
	local i k
	for ((i = 1; i <= $1; i++)); do
		printf 'From sender%d@corp.example Mon Mar  4 10:00:00 2024\n' "$i"
		printf 'From: Sender %d <sender%d@corp.example>\nTo: alice@corp.example\n' "$i" "$i"
		printf 'Subject: msg %d\nDate: Mon, 4 Mar 2024 10:00:00 +0000\nMessage-ID: <m%d@corp.example>\n' "$i" "$i"
		[ "$i" -eq "$2" ] && printf '%s\n' "$artefact"
		printf '\n'
		for ((k = 1; k <= 20; k++)); do
			printf 'body line %d of message %d, filler %08x\n' "$k" "$i" $(((i * k * 2654435761) % 4294967296))
		done
		printf '\n'
	done
}
# cut FILE N: FILE without its last N bytes.
cut_tail() { head -c $(($(stat -c %s "$1") - $2)) "$1"; }
# flip FILE OFFSET: FILE with the byte at OFFSET (negative: from the end)
# inverted.
flip() {
	python3 -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[int(sys.argv[2])] ^= 0xff
sys.stdout.buffer.write(d)' "$1" "$2"
}

# MARK: - a single message (.eml.gz)

cat >"$d/art.eml" <<MSG
Received: from mx.corp.example by gw.corp.example; Tue, 5 Mar 2024 10:00:00 +0000
$artefact
From: Boss <boss@corp.example>
To: alice@corp.example
Subject: Q1 numbers
Date: Tue, 5 Mar 2024 10:00:00 +0000
Message-ID: <art-1@corp.example>

numbers
MSG
gzip -c "$d/art.eml" >"$TMP/art.gz"
cut_tail "$TMP/art.gz" 8 >"$d/cut.eml.gz"
zsize=$(stat -c %s "$TMP/art.gz")
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress "$d/cut.eml.gz"
check "eml.gz, trailer cut: exit 3 (damaged)" [ "$rc" -eq 3 ]
check "eml.gz, trailer cut: its message is analysed" found "$TMP/o"
check "eml.gz, trailer cut: named with both offsets" \
	grep -q "cut.eml.gz: offset $(stat -c %s "$d/art.eml"): gzip data ends inside a member at compressed offset $((zsize - 8)) (decompressed offset" "$TMP/e"
check "eml.gz, trailer cut: 1 message + 1 truncated" \
	grep -q '2 records read = 1 messages + 1 skipped (truncated 1)' "$TMP/e"
check "eml.gz, trailer cut: reported once" [ "$(grep -c 'ends inside a member' "$TMP/e")" -eq 1 ]
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress - <"$d/cut.eml.gz"
check "eml.gz on stdin, trailer cut: analysed and named" \
	sh -c "[ $rc -eq 3 ] && jq -e -s 'length > 0' '$TMP/o' >/dev/null && grep -q '<stdin>: offset [0-9]*: gzip data ends inside a member' '$TMP/e'"

flip "$TMP/art.gz" -8 >"$d/crc.eml.gz"
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress "$d/crc.eml.gz"
check "eml.gz, CRC flipped: analysed, exit 3" sh -c "[ $rc -eq 3 ] && jq -e -s 'length > 0' '$TMP/o' >/dev/null"
check "eml.gz, CRC flipped: named" \
	grep -q "crc.eml.gz: offset [0-9]*: gzip CRC mismatch in member ending at compressed offset $zsize" "$TMP/e"
flip "$TMP/art.gz" -2 >"$d/isize.eml.gz"
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress "$d/isize.eml.gz"
check "eml.gz, ISIZE flipped: named" \
	grep -q "isize.eml.gz: offset [0-9]*: gzip length (ISIZE) mismatch in member ending at compressed offset $zsize" "$TMP/e"
head -c 5 "$TMP/art.gz" >"$d/hdr.eml.gz"
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress "$d/hdr.eml.gz"
check "eml.gz, header only: named, exit 3" \
	sh -c "[ $rc -eq 3 ] && grep -q 'hdr.eml.gz: offset 0: gzip header truncated at compressed offset 5' '$TMP/e'"
check "eml.gz, header only: unreadable, not of unknown type" grep -q '(1 unreadable, 0 of unknown type)' "$TMP/e"
{ cat "$TMP/art.gz"; printf 'tar padding or junk'; } >"$d/junk.eml.gz"
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress "$d/junk.eml.gz"
check "eml.gz, trailing garbage: analysed" found "$TMP/o"
check "eml.gz, trailing garbage: warned with its offset" \
	grep -q "junk.eml.gz: offset [0-9]*: trailing garbage after the last gzip member at compressed offset $zsize ignored" "$TMP/e"
check "eml.gz, trailing garbage: counted (exit 3, malformed 1)" \
	sh -c "[ $rc -eq 3 ] && grep -q '1 messages + 1 skipped (malformed 1)' '$TMP/e'"

# MARK: - .eml / .emlx details

{ printf '\r\n\r\n'; sed 's/$/\r/' "$d/art.eml"; } >"$d/blank-crlf.eml"
{ printf '\n'; cat "$d/art.eml"; } >"$d/blank.eml"
for f in blank.eml blank-crlf.eml; do
	run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress "$d/$f"
	check "$f: empty lines before the fields skipped, artefact found" \
		sh -c "[ $rc -eq 0 ] && jq -e -s 'any(.[]; .destination == \"exfil@proton.example\")' '$TMP/o' >/dev/null"
done
# The artefact last in the header; the count 100 bytes short ends in it.
{
	grep -v '^X-' "$d/art.eml" | sed '/^$/,$d'
	printf '%s\n\n' "$artefact"
	printf 'numbers, and a body long enough for the cut\n'
} >"$TMP/last.eml"
plist='<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict><key>flags</key><integer>8590195713</integer></dict></plist>'
{ echo $(($(stat -c %s "$TMP/last.eml") - 100)); cat "$TMP/last.eml"; echo "$plist"; } >"$d/42.emlx"
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress "$d/42.emlx"
check "emlx, count too small: the header fields after the cut are read" found "$TMP/o"
check "emlx, count too small: noted with its offset" \
	grep -q '42.emlx:1: offset [0-9]*: emlx byte count [0-9]* does not end where the plist starts; message read to offset [0-9]* (the plist)' "$TMP/e"
check "emlx, count too small: counted (1 message + malformed 1)" \
	sh -c "[ $rc -eq 3 ] && grep -q '1 messages + 1 skipped (malformed 1)' '$TMP/e'"
{ stat -c %s "$TMP/last.eml"; cat "$TMP/last.eml"; echo "$plist"; } >"$d/43.emlx"
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress "$d/43.emlx"
check "emlx, right count: read, nothing noted" \
	sh -c "[ $rc -eq 0 ] && grep -q '1 records read = 1 messages + 0 skipped' '$TMP/e'"

# MARK: - mbox.gz (the reviewer's case)

gen_mbox 400 300 >"$TMP/f.mbox"
gzip -9 -c "$TMP/f.mbox" >"$TMP/f.gz"
cut_tail "$TMP/f.gz" 8 >"$d/f.mbox.gz"
fz=$(stat -c %s "$TMP/f.gz")
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress - <"$d/f.mbox.gz"
check "mbox.gz on stdin, trailer cut: named with the compressed offset" \
	grep -q "<stdin>: offset [0-9]*: gzip data ends inside a member at compressed offset $((fz - 8)) (decompressed offset" "$TMP/e"
check "mbox.gz on stdin, trailer cut: exit 3" [ "$rc" -eq 3 ]
check "mbox.gz on stdin, trailer cut: records reconcile" reconciles "$TMP/e"
check "mbox.gz on stdin, trailer cut: all 400 messages read" \
	grep -q '401 records read = 400 messages + 1 skipped (truncated 1)' "$TMP/e"
check "mbox.gz on stdin, trailer cut: message 300's finding" found "$TMP/o"
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress "$d/f.mbox.gz"
check "mbox.gz file, trailer cut: exit 3, named" \
	sh -c "[ $rc -eq 3 ] && grep -q 'f.mbox.gz: offset [0-9]*: gzip data ends inside a member at compressed offset' '$TMP/e'"
check "mbox.gz file, trailer cut: all 400 messages and the finding" \
	sh -c "grep -q '= 400 messages + 1 skipped (truncated 1)' '$TMP/e' && jq -e -s 'any(.[]; .destination == \"exfil@proton.example\")' '$TMP/o' >/dev/null"
gen_mbox 3 2 >"$TMP/s.mbox"
gzip -c "$TMP/s.mbox" >"$TMP/s.gz"
cut_tail "$TMP/s.gz" 8 >"$d/s.mbox.gz"
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress "$d/s.mbox.gz"
check "small mbox.gz, trailer cut: 3 messages, not 0" \
	grep -q '= 3 messages + 1 skipped (truncated 1)' "$TMP/e"

# Corrupt members: the real problem, not "empty file" / unknown type.
sz=$(stat -c %s "$TMP/s.gz")
flip "$TMP/s.gz" -8 >"$d/crc.mbox.gz"
flip "$TMP/s.gz" -2 >"$d/isize.mbox.gz"
flip "$TMP/s.gz" $((sz / 2)) >"$d/data.mbox.gz"
head -c 5 "$TMP/s.gz" >"$d/hdr.mbox.gz"
for f in crc isize data hdr; do
	run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress - <"$d/$f.mbox.gz"
	check "$f.mbox.gz on stdin: exit 3, named, not unknown type" \
		sh -c "[ $rc -eq 3 ] && grep -Eq '<stdin>: offset [0-9]+: (gzip CRC mismatch|gzip length \(ISIZE\) mismatch|corrupt deflate data|gzip header truncated)' '$TMP/e' && grep -q '0 of unknown type' '$TMP/e'"
	cp "$TMP/e" "$TMP/e-$f-stdin"
	run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress "$d/$f.mbox.gz"
	check "$f.mbox.gz file: named as on stdin, not 'empty file'" \
		sh -c "[ $rc -eq 3 ] && grep -Eq 'offset [0-9]+: (gzip CRC mismatch|gzip length \(ISIZE\) mismatch|corrupt deflate data|gzip header truncated)' '$TMP/e' && ! grep -q 'empty file' '$TMP/e'"
done
check "crc.mbox.gz on stdin: the CRC named" grep -q "gzip CRC mismatch in member ending at compressed offset $sz" "$TMP/e-crc-stdin"
check "hdr.mbox.gz on stdin: header named" grep -q 'offset 0: gzip header truncated at compressed offset 5' "$TMP/e-hdr-stdin"
{ cat "$TMP/s.gz"; printf 'garbage'; } >"$d/junk.mbox.gz"
before=$(cd "$d" && sha256sum ./* | sort)
run_mh "$TMP/o" "$TMP/e" scan -f jsonl --no-progress "$d/junk.mbox.gz"
check "mbox.gz, trailing garbage: the messages read" grep -q '= 3 messages' "$TMP/e"
check "mbox.gz, trailing garbage: warned and counted" \
	sh -c "[ $rc -eq 3 ] && grep -q 'trailing garbage after the last gzip member at compressed offset $sz ignored' '$TMP/e'"

check "inputs untouched" [ "$before" = "$(cd "$d" && sha256sum ./* | sort)" ]
finish
