#!/usr/bin/env bash
# The forwarding judgement against hostile or unrelated input
# (docs/FORWARDING.md): no header makes an external destination internal,
# "external" is not claimed when nothing is known about the organisation,
# quoted local parts are destinations, the time of a message is its
# delivery time, Exchange journal reports are looked inside, the ratio
# finding says what the mechanism the artefacts name means, and a bulk
# sender's re-send marker is no redirect (issue 8).
. "$(dirname "$0")/lib.sh"

d=$TMP/case
mkdir -p "$d"

# 1. alice's inbox rule forwards to a Gmail account: high.
cat >"$d/1.eml" <<'EOF'
X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example
X-Forwarded-To: alice.exfil@gmail.com
From: bob@partner.example
To: alice@corp.example
Subject: invoice
Date: Mon, 4 Mar 2024 10:00:00 +0000
Message-ID: <1@partner.example>

hello
EOF
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$d/1.eml"
check "alone: alice -> gmail is external/high" \
	jq -e -s 'any(.[]; .mailbox == "alice@corp.example" and .destination == "alice.exfil@gmail.com" and .external == true and .level == "high")' "$TMP/o"
# An inbound message naming gmail.com as a forwarding mailbox must not
# make gmail.com internal.
cat >"$d/2.eml" <<'EOF'
X-Forwarded-For: attacker@gmail.com carol@corp.example
From: attacker@gmail.com
To: carol@corp.example
Subject: hi
Date: Mon, 4 Mar 2024 11:00:00 +0000
Message-ID: <2@gmail.com>

hi
EOF
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$d"
check "with a hostile message: alice -> gmail still external/high" \
	jq -e -s 'any(.[]; .mailbox == "alice@corp.example" and .destination == "alice.exfil@gmail.com" and .external == true and .level == "high" and .rule_id == "MH-FWD-EXT")' "$TMP/o"
run_mh "$TMP/o" "$TMP/e" scan --quiet --fail-on high "$d"
check "with a hostile message: --fail-on high exits 1" [ "$rc" -eq 1 ]
# Many messages naming the attacker's own domain as a forwarding mailbox.
for i in 1 2 3 4 5 6; do
	printf 'X-Forwarded-For: x%s@evil.example carol@corp.example\nSubject: hi\n\nhi\n' "$i" >"$d/h$i.eml"
done
printf 'X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\nX-Forwarded-To: drop@evil.example\nSubject: x\n\nx\n' >"$d/3.eml"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$d"
check "evil.example named by 6 messages: alice -> evil still external/high" \
	jq -e -s 'any(.[]; .mailbox == "alice@corp.example" and .destination == "drop@evil.example" and .external == true and .level == "high")' "$TMP/o"

# 2. Nothing known about the organisation: external is undecided.
mkdir -p "$TMP/excl"
printf 'X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\nDelivered-To: alice@corp.example\nSubject: hi\nDate: Mon, 4 Mar 2024 10:00:00 +0000\n\nbody\n' >"$TMP/excl/08.eml"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$TMP/excl/08.eml"
check "org unknown: external null, not high" \
	jq -e -s 'length == 1 and .[0].external == null and .[0].level == "medium" and .[0].destination == "alice@corp.example"' "$TMP/o"
run_mh "$TMP/o" "$TMP/e" scan --format csv --quiet "$TMP/excl/08.eml"
check "org unknown: CSV external cell empty" \
	sh -c "tail -n 1 '$TMP/o' | grep -q ',alice@corp.example,corp.example,,'"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet --org-domain corp.example "$TMP/excl/08.eml"
check "org given: internal" \
	jq -e -s 'length == 1 and .[0].external == false and .[0].level == "low"' "$TMP/o"
{ echo 'From x@partner.example Mon Mar  4 10:00:00 2024'; cat "$TMP/excl/08.eml"; } >"$TMP/excl/alice@corp.example.mbox"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$TMP/excl/alice@corp.example.mbox"
check "destination = the store owner, mailbox unknown: undecided, not high" \
	jq -e -s 'length == 1 and .[0].external == null and .[0].level == "medium"' "$TMP/o"

# A file name inside the scanned tree is no proof that the destination's
# domain is the organisation's: next to alice's inbox (two Gmail forwards
# to exfil@evil.example), an mbox named x@evil.example.mbox must not make
# the forwarding internal.
mkdir -p "$TMP/own/home/alice"
for i in 1 2; do
	printf 'From bob@partner.example Mon Mar  4 10:00:0%s 2024\nX-Forwarded-To: exfil@evil.example\nX-Forwarded-For: alice@corp.example exfil@evil.example\nFrom: bob@partner.example\nTo: alice@corp.example\nSubject: hi %s\n\nhi\n\n' "$i" "$i"
done >"$TMP/own/home/alice/inbox.mbox"
printf 'From x@evil.example Mon Mar  4 10:00:00 2024\nSubject: hi\n\nhi\n' >"$TMP/own/home/alice/x@evil.example.mbox"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl "$TMP/own"
check "store owner x@evil.example: alice -> exfil still external/high" \
	jq -e -s 'length == 1 and .[0].destination == "exfil@evil.example" and .[0].external == true and .[0].level == "high"' "$TMP/o"
check "store owner x@evil.example: evil.example not an org domain" \
	sh -c "grep 'org domains:' '$TMP/e' | grep -qv evil.example"

# 3. Quoted local parts are valid destinations (RFC 5322).
mkdir -p "$TMP/q"
printf 'X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\nX-Forwarded-To: "john smith"@evil.example\nSubject: x\n\nx\n' >"$TMP/q/1.eml"
printf 'X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\nX-Forwarded-To: "a,b"@evil.example\nSubject: x\n\nx\n' >"$TMP/q/2.eml"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$TMP/q"
check "quoted local parts: two high findings with their destinations" \
	jq -e -s 'length == 2 and all(.[]; .level == "high" and .external == true) and any(.[]; .destination == "\"john smith\"@evil.example") and any(.[]; .destination == "\"a,b\"@evil.example")' "$TMP/o"
run_mh "$TMP/o" "$TMP/e" scan --format csv --quiet "$TMP/q/2.eml"
check "quoted local part: CSV cell quoted, quotes doubled" \
	grep -q ',"""a,b""@evil.example",evil.example,true,' "$TMP/o"

# 4. The time of a message is its delivery time: the From_ line, else the
# top-most Received, else Date (written by the sender).
cat >"$TMP/future.mbox" <<'EOF'
From alice@corp.example Mon Mar  4 10:00:00 2024
X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example
X-Forwarded-To: drop@evil.example
Received: from a by b; Mon, 4 Mar 2024 09:59:58 +0000
Date: Mon, 1 Jan 2035 00:00:00 +0000
Subject: x

x
EOF
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet --since 2024-03-01 --until 2024-04-01 "$TMP/future.mbox"
check "From_ date, not a Date in 2035: inside --since/--until, first_seen 2024-03-04" \
	jq -e -s 'length == 1 and .[0].first_seen == "2024-03-04T10:00:00Z" and .[0].evidence[0].ts == "2024-03-04T10:00:00Z"' "$TMP/o"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet --since 2034-01-01 "$TMP/future.mbox"
check "From_ date: --since 2034 skips it" [ ! -s "$TMP/o" ]
sed '1d' "$TMP/future.mbox" >"$TMP/future.eml"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet --since 2024-03-01 --until 2024-04-01 "$TMP/future.eml"
check "no From_: the top-most Received date" \
	jq -e -s 'length == 1 and .[0].first_seen == "2024-03-04T09:59:58Z"' "$TMP/o"
grep -v '^Received' "$TMP/future.eml" >"$TMP/future2.eml"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$TMP/future2.eml"
check "no From_, no Received: Date, the last resort" \
	jq -e -s 'length == 1 and .[0].first_seen == "2035-01-01T00:00:00Z"' "$TMP/o"

# 5. Exchange envelope journal reports: the attached message is analysed,
# the envelope names the destination, the evidence names the report.
cat >"$TMP/journal.mbox" <<'EOF'
From journal@corp.example Mon Mar  4 10:00:05 2024
X-MS-Journal-Report:
From: Microsoft Exchange Server <postmaster@corp.example>
To: journal@corp.example
Subject: invoice
Date: Mon, 4 Mar 2024 10:00:05 +0000
Message-ID: <jr1@corp.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=us-ascii

Sender: alice@corp.example
Subject: invoice
Message-Id: <inner1@corp.example>
To: drop@evil.example

--b1
Content-Type: message/rfc822

Received: from EX1.corp.example by EX2.corp.example; Mon, 4 Mar 2024 10:00:01 +0000
X-MS-Exchange-Organization-AutoForwarded: true
X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example
X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent
From: Alice <alice@corp.example>
To: bob@partner.example
Subject: invoice
Message-ID: <inner1@corp.example>

body
--b1--

From journal@corp.example Mon Mar  4 11:00:05 2024
X-MS-Journal-Report:
From: Microsoft Exchange Server <postmaster@corp.example>
To: journal@corp.example
Subject: q2
Message-ID: <jr2@corp.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b2"

--b2
Content-Type: text/plain; charset=us-ascii

Sender: x@partner.example
Subject: q2
Message-Id: <inner2@partner.example>
To: "b keller"@freemail.example, Forwarded: bob@corp.example

--b2
Content-Type: message/rfc822

X-MS-Exchange-Organization-AutoForwarded: true
From: x@partner.example
To: bob@corp.example
Subject: q2
Message-ID: <inner2@partner.example>

body
--b2--
EOF
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet --org-domain corp.example "$TMP/journal.mbox"
check "journal: inbox rule inside the report, envelope destination, evidence = report" \
	jq -e -s 'any(.[]; .rule_id == "MH-FWD-EXT" and .level == "high" and .mailbox == "alice@corp.example" and .destination == "drop@evil.example" and (.evidence[0].file | endswith("journal.mbox")) and .evidence[0].offset == 0 and .evidence[0].header == "X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example")' "$TMP/o"
check "journal: Forwarded: annotation names the mailbox" \
	jq -e -s 'any(.[]; .mailbox == "bob@corp.example" and .destination == "\"b keller\"@freemail.example" and .evidence[0].offset > 0)' "$TMP/o"

# A sender-written X-MS-Journal-Report hides nothing: the message's own
# artefacts are analysed whatever else it holds.
cat >"$TMP/forged.eml" <<'EOF'
X-Forwarded-To: exfil@evil.example
X-Forwarded-For: alice@corp.example exfil@evil.example
From: bob@partner.example
To: alice@corp.example
Subject: hi
X-MS-Journal-Report:
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

hello
--b
Content-Type: message/rfc822

From: x@y.example
Subject: inner

inner
--b--
EOF
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$TMP/forged.eml"
check "forged X-MS-Journal-Report: Gmail forwarding still high" \
	jq -e -s 'length == 1 and .[0].rule_id == "MH-FWD-GMAIL" and .[0].level == "high" and .[0].destination == "exfil@evil.example"' "$TMP/o"

# Journal reports in the shapes that were missed without a word.
jr_head() { # $1: boundary
	printf 'From journal@corp.example Mon Mar  4 10:00:05 2024\nX-MS-Journal-Report:\nFrom: Microsoft Exchange Server <postmaster@corp.example>\nTo: journal@corp.example\nSubject: r\nMessage-ID: <jr@corp.example>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="%s"\n\n--%s\nContent-Type: text/plain; charset=us-ascii\n\nSender: alice@corp.example\nSubject: r\nMessage-Id: <orig@corp.example>\n' "$1" "$1"
}
inner_rule='X-MS-Exchange-Organization-AutoForwarded: true
X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example
From: Alice <alice@corp.example>
To: bob@partner.example
Subject: r
Message-ID: <orig@corp.example>

body'
# (a) 1,500 envelope lines push the original past the 64 KiB body prefix.
{
	jr_head b1
	for i in $(seq -w 0 1499); do echo "To: user$i@corp.example, Expanded: allstaff@corp.example"; done
	printf '\n--b1\nContent-Type: message/rfc822\n\n%s\n--b1--\n\n' "$inner_rule"
} >"$TMP/jbig.mbox"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet --org-domain corp.example "$TMP/jbig.mbox"
check "journal: original beyond the body prefix is said (MH-FWD-JOURNAL)" \
	jq -e -s 'length == 1 and .[0].rule_id == "MH-FWD-JOURNAL" and .[0].level == "informational" and .[0].counts.beyond_prefix == 1 and .[0].evidence[0].offset == 0 and .[0].evidence[0].message_id == "orig@corp.example"' "$TMP/o"
# ... and a larger --body-prefix reads it.
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet --org-domain corp.example --body-prefix 1M "$TMP/jbig.mbox"
check "journal: --body-prefix 1M analyses the original" \
	jq -e -s 'length > 0 and all(.[]; .rule_id == "MH-FWD-INT" and .mailbox == "alice@corp.example" and (.destination | startswith("user")))' "$TMP/o"
# (b) the part's Content-Type folded; (c) a base64 original; (d) the
# envelope's Forwarded: note alone.
{
	jr_head b2
	printf 'To: drop@evil.example\n\n--b2\nContent-Type:\n message/rfc822\n\n%s\n--b2--\n\n' "$inner_rule"
	jr_head b3
	printf 'To: drop2@evil.example\n\n--b3\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n%s\n--b3--\n\n' "$(printf '%s' "$inner_rule" | base64 -w 76)"
	jr_head b4
	printf 'To: bob@partner.example\nTo: exfil@evil.example, Forwarded: carol@corp.example\n\n--b4\nContent-Type: message/rfc822\n\nFrom: bob@partner.example\nTo: carol@corp.example\nSubject: r\nMessage-ID: <orig4@partner.example>\n\nbody\n--b4--\n'
} >"$TMP/jshapes.mbox"
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet --org-domain corp.example "$TMP/jshapes.mbox"
check "journal: folded part Content-Type is analysed" \
	jq -e -s 'any(.[]; .rule_id == "MH-FWD-EXT" and .mailbox == "alice@corp.example" and .destination == "drop@evil.example" and .level == "high")' "$TMP/o"
check "journal: base64 original is said, not silently skipped" \
	jq -e -s 'any(.[]; .rule_id == "MH-FWD-JOURNAL" and .counts.encoded == 1 and .counts.journal_reports == 1)' "$TMP/o"
check "journal: envelope Forwarded: note is mailbox forwarding" \
	jq -e -s 'any(.[]; .rule_id == "MH-FWD-EXT" and .mailbox == "carol@corp.example" and .destination == "exfil@evil.example" and .mechanism == "exchange-mailbox-forwarding" and .level == "high" and .evidence[0].header == "To: exfil@evil.example, Forwarded: carol@corp.example" and .evidence[0].message_id == "orig4@partner.example")' "$TMP/o"
# As an .eml (the reader knows its lines): the evidence line is the
# envelope line's.
awk '/^From journal/{n++} n==3' "$TMP/jshapes.mbox" | tail -n +2 >"$TMP/j4.eml"
line=$(grep -n '^To: exfil@evil.example, Forwarded' "$TMP/j4.eml" | cut -d: -f1)
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet --org-domain corp.example "$TMP/j4.eml"
check "journal: envelope Forwarded: evidence names its line ($line)" \
	jq -e -s --argjson line "$line" 'length == 1 and .[0].evidence[0].line == $line' "$TMP/o"

# 6. Issue 8: an inbox rule of carol sends ten copies to her colleague
# dave, none looking forwarded (a redirect rule). Internal: MH-FWD-INT low
# and MH-FWD-RATIO low, which names the redirect inbox rule (not admin
# forwarding) and points its remediation at the inbox rules.
mkdir -p "$TMP/redir"
for i in 0 1 2 3 4 5 6 7 8 9; do
	cat >"$TMP/redir/$i.eml" <<EOF
Delivered-To: dave@corp.example
Received: from EX01.corp.example by EX02.corp.example; Tue, 5 Mar 2024 1$i:00:00 +0000
X-MS-Exchange-Organization-AutoForwarded: true
X-MS-Exchange-Inbox-Rules-Loop: carol@corp.example
X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent
From: p$i@partner.example
To: carol@corp.example
Subject: Offer $i
Date: Tue, 5 Mar 2024 1$i:00:00 +0000
Message-ID: <offer$i@partner.example>

Our offer.
EOF
done
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet --org-domain corp.example "$TMP/redir"
check "redirect rule to a colleague: MH-FWD-INT low" \
	jq -e -s 'any(.[]; .rule_id == "MH-FWD-INT" and .level == "low" and .counts.auto_forwarded == 10 and .counts.looks_forwarded == 0)' "$TMP/o"
check "redirect rule to a colleague: MH-FWD-RATIO low, internal, inbox rule" \
	jq -e -s 'any(.[]; .rule_id == "MH-FWD-RATIO" and .level == "low" and .external == false and .mechanism == "exchange-inbox-rule" and (.summary | contains("redirect inbox rule")) and (.summary | contains("administrator") | not) and (.remediation | contains("Get-InboxRule")))' "$TMP/o"
# Without --org-domain the colleague's domain is inferred: the same.
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$TMP/redir"
check "redirect rule to a colleague, org inferred: ratio low" \
	jq -e -s 'any(.[]; .rule_id == "MH-FWD-RATIO" and .level == "low")' "$TMP/o"

# 7. Issue 8: a forum notification through a bulk-mail server stamps
# Resent-Sender with its own envelope sender (List-Unsubscribe, no
# List-Id): not a redirect. A Dovecot Sieve redirect beside it still is.
mkdir -p "$TMP/bulk"
cat >"$TMP/bulk/forum.eml" <<'EOF'
Return-Path: <bounce-8f3a-forum@bulk.mailer.example>
Received: from out.bulk.mailer.example by mx.corp.example; Wed, 6 Mar 2024 10:00:00 +0000
Resent-Sender: bounce-8f3a-forum@bulk.mailer.example
Resent-Date: Wed, 6 Mar 2024 10:00:00 +0000
Auto-Submitted: auto-generated
List-Unsubscribe: <https://forum.example/unsubscribe/8f3a>, <mailto:unsub-8f3a@bulk.mailer.example>
From: Forum <noreply@forum.example>
To: ana@corp.example
Subject: New reply in your topic
Date: Wed, 6 Mar 2024 09:59:00 +0000
Message-ID: <n8f3a@forum.example>

Someone replied.
EOF
cat >"$TMP/bulk/sieve.eml" <<'EOF'
Delivered-To: heidi@home-isp.example
Received: from mail.corp.example by mx-out.corp.example; Wed, 6 Mar 2024 11:00:00 +0000
X-Sieve: Pigeonhole Sieve 0.5.21
X-Sieve-Redirected-From: heidi@corp.example
Delivered-To: heidi@corp.example
From: s@partner.example
To: heidi@corp.example
Subject: x
Date: Wed, 6 Mar 2024 10:59:00 +0000
Message-ID: <s1@partner.example>

x
EOF
run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet "$TMP/bulk"
check "bulk Resent-Sender: no finding; Sieve redirect: MH-FWD-REDIRECT" \
	jq -e -s 'length == 1 and .[0].rule_id == "MH-FWD-REDIRECT" and .[0].mechanism == "sieve-redirect" and .[0].mailbox == "heidi@corp.example" and .[0].destination == "heidi@home-isp.example"' "$TMP/o"

# The real corpus: mcgrof's Gmail forward stays external/high when an
# unrelated gmail.com forwarding mailbox is scanned along with it.
if [ -d "$MH_SHARED/data/mail-corpus" ]; then
	for set in "corpus" "corpus+mail"; do
		args=("$MH_SHARED/data/mail-corpus")
		[ "$set" = "corpus+mail" ] && args+=("$MH_SHARED/data/mail")
		run_mh "$TMP/o" "$TMP/e" scan --format jsonl --quiet --no-progress "${args[@]}"
		check "$set: mcgrof -> gmail external/high" \
			jq -e -s 'any(.[]; .mailbox == "mcgrof@do-not-panic.com" and .destination == "mcgrof@gmail.com" and .external == true and .level == "high")' "$TMP/o"
		check "$set: every finding decided" \
			jq -e -s 'all(.[]; .external != null)' "$TMP/o"
	done
else
	echo "skip: shared data not found at $MH_SHARED (corpus checks)"
fi
finish
