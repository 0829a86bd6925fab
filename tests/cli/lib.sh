# Shared helpers for the end-to-end CLI tests (sourced by tests/cli/t*.sh).
# CTest sets MH_BIN (the mailhunt binary), MH_SOURCE_DIR and MH_SHARED.
set -u
MH_BIN=${MH_BIN:?MH_BIN not set}
MH_SOURCE_DIR=${MH_SOURCE_DIR:?MH_SOURCE_DIR not set}
MH_SHARED=${MH_SHARED:-$MH_SOURCE_DIR/../shared}
GOLDEN=$MH_SOURCE_DIR/tests/golden
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mh-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0
passes=0

ok() { passes=$((passes + 1)); echo "ok - $*"; }
not_ok() { fails=$((fails + 1)); echo "not ok - $*"; }

# check DESC CMD...: passes when CMD succeeds.
check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# run_mh OUT ERR ARGS...: runs mailhunt, sets $rc.
run_mh() {
	local out=$1 err=$2; shift 2
	"$MH_BIN" "$@" >"$out" 2>"$err"
	rc=$?
}

need_shared() {
	if [ ! -d "$MH_SHARED/data" ]; then
		echo "skip: shared data not found at $MH_SHARED"
		exit 77
	fi
}

# Removes run-dependent text (elapsed time, throughput, temp paths).
normalise() {
	sed -e "s#$TMP#TMP#g" -e "s#$MH_SHARED#SHARED#g" \
	    -e 's/ in [0-9.]* s ([0-9]* MB\/s)/ in T s/'
}

# golden NAME FILE: compares FILE with tests/golden/NAME; with
# MH_UPDATE_GOLDEN=1 rewrites the golden file instead (review the diff!).
golden() {
	local name=$1 file=$2
	if [ "${MH_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$file" "$GOLDEN/$name"
		ok "golden $name (updated)"
		return
	fi
	if diff -u "$GOLDEN/$name" "$file"; then
		ok "golden $name"
	else
		not_ok "golden $name differs (scripts/update-golden.sh to review)"
	fi
}

# exo_forwarded FILE: writes a message an Exchange inbox rule of
# alice@corp.example auto-forwarded (MH-FWD-EXT, destination unknown:
# medium), which also looks forwarded.
exo_forwarded() {
	cat >"$1" <<'MSG'
Received: from mx.corp.example by gw.corp.example; Tue, 5 Mar 2024 10:00:00 +0000
X-MS-Exchange-Organization-AutoForwarded: true
X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example
From: Boss <boss@corp.example>
To: x@evil.example
Subject: FW: Q1 numbers
Date: Tue, 5 Mar 2024 10:00:00 +0000
Message-ID: <good-1@corp.example>

-----Original Message-----
numbers
MSG
}

finish() {
	echo "$passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}
