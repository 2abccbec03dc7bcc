# Runs inside the simulated host (busybox sh), from tests/simhost/test_daemon_nested: the
# daemon creates an instance of debian-12-nested with nesting on whose L1 boots the test guest
# as L2; then the organization's policy forbids nesting and the same request is refused.
# Prints "PLAN N", one "CHECK ok|fail DESCRIPTION" per check, "TIME what S" and diagnostics.
# shellcheck shell=sh
export NESTVISOR_SOCKET=/tmp/nv.sock
STATE=/tmp/state
# The L1 image's /scripts/l2-testguest: load KVM, run the test guest as L2 with --nested on.
L1_CMDLINE="console=ttyS0 quiet nv.script=l2-testguest"
CREATE="--project p --machine-type custom-2-1280 --image debian-12-nested"
CONSTRAINT=constraints/compute.disableNestedVirtualization
echo "PLAN 24"

now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v s="$1" '{ printf "%.1f", $1 - s }' /proc/uptime; }
T0=$(now)

check() { # DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@"; then echo "CHECK ok $d"; else echo "CHECK fail $d"; fi
}
# nv ARGS...: nestvisor's output in $OUT, its status in $RC.
nv() {
	OUT=$(nestvisor "$@" 2>&1)
	RC=$?
}
says() { printf '%s\n' "$OUT" | grep -qF -- "$1"; }
says_re() { printf '%s\n' "$OUT" | grep -qE -- "$1"; }
rc_is() { [ "$RC" = "$1" ] || { echo "# exit $RC: $OUT"; return 1; }; }
# json_field NAME KEY: a string or boolean field of the instance's JSON (the first match).
json_field() {
	nestvisor instances describe "$1" --project p --format json 2>/dev/null |
		sed -n "s/^ *\"$2\": \"*\([^\",]*\)\"*,*\$/\1/p" | head -1
}
serial() { nestvisor instances get-serial-port-output "$1" --project p 2>/dev/null | tr -d '\r'; }
# wait_serial NAME TEXT SECONDS: polls the instance's console through the daemon; gives up
# early once the instance is gone or TERMINATED (nothing more will come).
wait_serial() {
	n=0
	while [ "$n" -lt "$3" ]; do
		serial "$1" | grep -qF -- "$2" && return 0
		case $(json_field "$1" status) in
		'' | TERMINATED) serial "$1" | grep -qF -- "$2"; return ;;
		esac
		sleep 1
		n=$((n + 1))
	done
	return 1
}
wait_status() { # NAME STATUS SECONDS
	n=0
	while [ "$n" -lt "$3" ]; do
		[ "$(json_field "$1" status)" = "$2" ] && return 0
		sleep 1
		n=$((n + 1))
	done
	echo "# $1 is $(json_field "$1" status): $(json_field "$1" statusMessage)"
	return 1
}

# The simulated host's bare devtmpfs has no /dev/fd: the jailed VMMs' passed /dev/kvm
# (--kvm-fd 3) must work without it.
nestvisor daemon --state-dir $STATE --socket $NESTVISOR_SOCKET --catalog-dir /catalog \
	--stop-timeout-ms 2000 2>/tmp/daemon.log &
DPID=$!
up() {
	for _ in $(seq 50); do
		nestvisor machine-types list >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
check "the daemon starts in the simulated host" up
nv organizations create o1 && nv projects create p --organization o1
check "organization o1 and project p" rc_is 0
nv images list --project p
check "the catalogue offers debian-12-nested (the L1 image, KVM modules inside)" \
	says_re "^debian-12-nested .* public +yes"

# --- nesting on: the L1 boots and runs an L2 ---
t=$(now)
# shellcheck disable=SC2086 # CREATE holds several words
nv instances create vm-nested $CREATE --enable-nested-virtualization \
	--metadata "kernel-cmdline=$L1_CMDLINE"
echo "TIME create-nested $(since "$t")"
check "create with --enable-nested-virtualization is accepted (exit 0)" rc_is 0
check "the instance is RUNNING" test "$(json_field vm-nested status)" = RUNNING
check "its enableNestedVirtualization is true" \
	test "$(json_field vm-nested enableNestedVirtualization)" = true
# The policy changes while the nested instance runs: it governs requests, not running machines.
nv policy set compute.disableNestedVirtualization true --organization o1
check "policy set compute.disableNestedVirtualization true on the organization" rc_is 0
nv policy describe compute.disableNestedVirtualization --project p --effective
check "the project's effective policy is enforced, from organizations/o1" \
	says "effective: enforced (from organizations/o1)"

# --- nesting refused by the policy ---
# shellcheck disable=SC2086
nv instances create vm-refused $CREATE --enable-nested-virtualization \
	--metadata "kernel-cmdline=$L1_CMDLINE"
check "the same create with the policy set is refused (exit 1)" rc_is 1
check "the refusal names the constraint" says "$CONSTRAINT violated for project 'p'"
check "and where it was set" says "disabled by the policy set on organization 'o1'"
echo "# refusal: $OUT"
nv instances describe vm-refused --project p
check "nothing was stored for the refused instance" says "instance 'vm-refused' was not found"

# --- the running L1 carries on ---
t=$(now)
check "L1's console: svm in /proc/cpuinfo" wait_serial vm-nested "nestvisor-l1: cpu flag svm" 150
check "L1's console: kvm_amd loads" wait_serial vm-nested "nestvisor-l1: modprobe kvm_amd ok" 30
check "L1's console: /dev/kvm present" wait_serial vm-nested "nestvisor-l1: /dev/kvm present" 30
echo "TIME l1-kvm $(since "$T0")"
check "L1's console: the L2 test guest's marker" \
	wait_serial vm-nested "nestvisor-testguest: hello" 90
check "L1's console: the L2 sees svm (nesting passed down)" wait_serial vm-nested "svm: yes" 30
check "L1's console: the L2 ended as asked (status 11)" \
	wait_serial vm-nested "nestvisor-l1: L2 exited 11" 60
echo "TIME l2-done-after-policy-set $(since "$t")"
check "L1 powered off; the instance is TERMINATED" wait_status vm-nested TERMINATED 60
echo "# vm-nested: $(json_field vm-nested statusMessage)"
nv instances start vm-nested --project p
refused_by_policy() { rc_is 1 && says "$CONSTRAINT violated"; }
check "starting the nested instance again is refused by the policy now" refused_by_policy

# --- nesting off is still accepted, and its L1 gets no svm ---
# shellcheck disable=SC2086
nv instances create vm-plain $CREATE --metadata "kernel-cmdline=console=ttyS0 quiet nv.script=kvm"
check "the same instance without nesting is accepted despite the policy (exit 0)" rc_is 0
plain_running() {
	[ "$(json_field vm-plain status)" = RUNNING ] &&
		[ "$(json_field vm-plain enableNestedVirtualization)" = false ]
}
check "and RUNNING, with enableNestedVirtualization false" plain_running
t=$(now)
check "its L1 sees neither svm nor vmx" wait_serial vm-plain "nestvisor-l1: cpu flag none" 150
check "and has no /dev/kvm" wait_serial vm-plain "nestvisor-l1: /dev/kvm missing" 30
echo "TIME l1-plain $(since "$t")"
# The consoles before the deletes remove them, for whoever reads a failure.
serial vm-nested | sed 's/^/[serial] /'
serial vm-plain | sed 's/^/[serial-plain] /'
# Each VMM's own log: a crashed L1's registers are there.
for log in "$STATE"/instances/*/vmm.log; do
	[ -f "$log" ] && sed "s|^|[vmm $(basename "$(dirname "$log")")] |" "$log"
done
nv instances delete vm-plain --project p
nv instances delete vm-nested --project p
kill "$DPID"
wait "$DPID"
echo "TIME total $(since "$T0")"
sed 's/^/[daemon] /' /tmp/daemon.log
