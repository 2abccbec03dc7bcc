# TAP helpers for the shell-driven test tiers (kvm, simhost). Source it, call the helpers,
# end with tap_done. Each test prints "ok N - name", "not ok N - name" or "... # SKIP why".
# shellcheck shell=bash

TAP_N=0
TAP_FAILED=0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# NV_BUILD: the build under test (build-san for `make test SAN=1`, see tests/run-tests).
NV_BUILD=${NV_BUILD:-build}
NESTVISOR="$ROOT/$NV_BUILD/nestvisor"
TESTGUEST="$ROOT/$NV_BUILD/testguest"
# In the ASan build, LeakSanitizer cannot check the VMM at exit: it must stop the world with
# clone and ptrace, which the VMM's seccomp filters forbid (and strace, used here, excludes).
# Leaks are checked by the unit tier and the fuzzers instead.
case $NV_BUILD in
*san*) export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" ;;
esac
TMP=$(mktemp -d /tmp/nestvisor-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $1"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
diag() { sed 's/^/# /' "$@"; }

# check NAME CONDITION-COMMAND...: ok if the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# True when the build under test has ASan and UBSan (`make test SAN=1`): tests that cannot
# mean anything there (RSS numbers, runs of QEMU alone) SKIP saying so.
is_san_build() {
	case $NV_BUILD in
	*san*) return 0 ;;
	esac
	return 1
}

# Why the local /dev/kvm cannot be used, or nothing when it can.
kvm_unusable_reason() {
	[ -e /dev/kvm ] || { echo "no /dev/kvm on this machine"; return; }
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "/dev/kvm is not accessible to $(id -un)"; return; }
}

# simhost_crashed RC LOG: the simulated host itself stopped in the middle of its command
# (exit 125 and its console's "without reporting a status"), or froze (one of its CPUs
# silent for minutes, caught by tools/simhost/console's heartbeat): a fault of the kernel
# QEMU TCG runs or of TCG itself, one level below every VMM of ours (docs/nested.md).
simhost_crashed() { [ "$1" = 125 ] && grep -qE 'without reporting a status|simulated host froze' "$2"; }
# simhost_lost RC LOG: crashed so, or frozen until its timeout (124: its console silent,
# seen twice on 2026-11-27). Either gets the session once more (simhost_crash_shown).
simhost_lost() { simhost_crashed "$1" "$2" || [ "$1" = 124 ]; }

# simhost_crash_shown LOG NAME: shows the end of such a session and keeps it as
# build/test-logs/NAME-crashed.log; the caller then runs the session once more.
simhost_crash_shown() {
	echo "# the simulated host itself crashed or froze (no status from its command); its last lines:"
	tail -15 "$1" | sed 's/^/#   /'
	session_kept "$1" "$2-crashed"
}

# session_kept LOG NAME: keeps a failed session's log as build/test-logs/NAME.log before
# the caller runs the session once more.
session_kept() {
	mkdir -p "$ROOT/build/test-logs"
	cp "$1" "$ROOT/build/test-logs/$2.log"
	echo "# running the session once more"
}

# Runs nestvisor with a timeout; stdout+stderr in $TMP/out, status in $RC.
run_nv() {
	local t=$1
	shift
	timeout -k 5 "$t" "$NESTVISOR" run "$@" >"$TMP/out" 2>&1 </dev/null
	RC=$?
}
