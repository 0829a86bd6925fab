#!/usr/bin/env bash
# -jN must read exactly what -j1 reads, also where an mbox of 64 MiB or
# more is cut into chunks (cmd_scan.c, CHUNK_MIN):
#  1. a Content-Length mbox (mboxcl) whose bodies hold unescaped From_
#     lines after empty lines, followed by fake auto-forwarding headers:
#     one message each, no finding, with -j1 and with -j2;
#  2. a Netscape-style mbox whose From_ lines follow body text with no
#     empty line (only a header field after them marks them).
. "$(dirname "$0")/lib.sh"

# cl FILE N: N mboxcl messages of ~10 KB whose body plants a fake message.
cl() {
	LC_ALL=C awk -v n="$2" 'BEGIN {
		body = "Hello,\n\nFrom mallory@evil.example Mon Jan  1 00:00:00 2024\n"
		body = body "From: alice@corp.example\nTo: drop@evil.example\n"
		body = body "X-MS-Exchange-Organization-AutoForwarded: true\n"
		body = body "X-Forwarded-To: drop@evil.example\n"
		body = body "Subject: planted\n\n"
		for (k = 0; k < 150; k++)
			body = body sprintf("line %04d of a body that is long enough to matter\n", k)
		len = length(body)
		for (i = 0; i < n; i++) {
			printf "From bob@corp.example Mon Jan  1 00:%02d:%02d 2024\n", (i / 60) % 60, i % 60
			printf "From: bob@corp.example\nTo: carol@corp.example\n"
			printf "Subject: report %d\nContent-Length: %d\n\n%s\n", i, len, body
		}
	}' >"$1"
}

# noblank FILE N: separators right after body text, before a header.
noblank() {
	LC_ALL=C awk -v n="$2" 'BEGIN {
		pad = ""
		for (k = 0; k < 150; k++)
			pad = pad sprintf("line %04d of a body that is long enough to matter\n", k)
		for (i = 0; i < n; i++) {
			printf "From - Mon Jan  1 00:%02d:%02d 2024\n", (i / 60) % 60, i % 60
			printf "From: bob@corp.example\nSubject: m%d\n\n%s", i, pad
		}
	}' >"$1"
}

totals() {
	grep -E 'files \(|records read|findings in' "$1" | sed -e 's/ in [0-9.]* s ([0-9]* MB\/s)//'
}

cl "$TMP/cl.mbox" 9500
size=$(stat -c %s "$TMP/cl.mbox")
check "mboxcl input is at least 70 MiB ($size bytes)" [ "$size" -ge $((70 << 20)) ]
for j in 1 2; do
	run_mh "$TMP/o$j" "$TMP/e$j" scan -j $j --no-progress --format jsonl \
		--org-domain corp.example "$TMP/cl.mbox"
	check "mboxcl -j$j: exit 0" [ "$rc" -eq 0 ]
	check "mboxcl -j$j: 9500 messages, nothing skipped" \
		grep -q '9500 records read = 9500 messages + 0 skipped' "$TMP/e$j"
	check "mboxcl -j$j: no finding" [ ! -s "$TMP/o$j" ]
	totals "$TMP/e$j" >"$TMP/t$j"
done
check "mboxcl: -j1 and -j2 give identical JSONL" cmp -s "$TMP/o1" "$TMP/o2"
check "mboxcl: -j1 and -j2 give identical totals" cmp -s "$TMP/t1" "$TMP/t2"
mib=$(awk -v s="$size" 'BEGIN { printf "%.1f MiB", s / 1048576 }')
check "mboxcl -j2: byte total is the file size ($mib)" grep -q ", $mib\$" "$TMP/e2"

noblank "$TMP/nb.mbox" 9000
size=$(stat -c %s "$TMP/nb.mbox")
check "no-blank input is at least 64 MiB ($size bytes)" [ "$size" -ge $((64 << 20)) ]
for j in 1 2; do
	run_mh "$TMP/o$j" "$TMP/e$j" scan -j $j --no-progress --format jsonl \
		"$TMP/nb.mbox"
	check "no-blank -j$j: 9000 messages" \
		grep -q '9000 records read = 9000 messages + 0 skipped' "$TMP/e$j"
	totals "$TMP/e$j" >"$TMP/t$j"
done
check "no-blank: -j1 and -j2 give identical JSONL" cmp -s "$TMP/o1" "$TMP/o2"
check "no-blank: -j1 and -j2 give identical totals" cmp -s "$TMP/t1" "$TMP/t2"
finish
