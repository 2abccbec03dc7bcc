# The two shell scripts bench/nested-run runs: one in the simulated host (L1-level
# workloads, then the L1 boot) and one inside L1 (L2 workloads, L2 Linux boots).
# Both run under busybox sh. They print parseable lines starting with "NVB ":
#   NVB wl LEVEL WORKLOAD RUN STATUS WALL_S RESULT <workload> key=value...
#   NVB boot VMM RUN STATUS HELLO_S EXIT_S PRE_S    ("none" when not seen; PRE_S: the
#       time before L2's kernel clock started, from its "[ uptime ] reboot: Power down")
#   NVB l1 init SECS | NVB l1 exit STATUS SECS | NVB note TEXT
# Times come from /proc/uptime (10 ms steps): busybox date has no %N.

# Shared by both: workload runs of the test guest. $1 level, $2 workload, $3 run,
# $4 guest command line. Same VM shape at both levels: 1 vCPU, 256 MiB.
_COMMON = r'''
up() { cut -d' ' -f1 /proc/uptime; }
# deadline SECS CMD...: runs CMD; after SECS kills it and stops waiting, status 124.
# A VMM can hang inside KVM_RUN under the simulated nesting (seen: an L1 soft lockup),
# where no signal reaches it, so waiting for it would end the whole session.
deadline() {
	secs=$1
	shift
	late=0
	trap 'late=1' USR1
	"$@" &
	pid=$!
	(sleep "$secs"; kill -9 "$pid"; kill -USR1 $$) >/dev/null 2>&1 &
	dog=$!
	wait "$pid"
	st=$?
	kill "$dog" 2>/dev/null
	trap '' USR1
	[ "$late" = 0 ] || { st=124; echo "NVB note abandoned after $secs s: $*"; }
	return "$st"
}
since() { awk -v s="$1" '{ printf "%.2f", $1 - s }' /proc/uptime; }
wl() {
	t0=$(up) out=/tmp/wl.$1.$2.$3
	deadline 300 nestvisor run --kernel "$TESTGUEST" --cpus 1 --memory 256 \
		--cmdline "quiet $4" </dev/null >"$out" 2>&1
	st=$?
	w=$(since "$t0")
	res=$(tr -d '\r' <"$out" | grep -m1 "^RESULT $2 ")
	echo "NVB wl $1 $2 $3 $st $w ${res:-RESULT none}"
	[ "$st" = 0 ] || tr -d '\r' <"$out" | tail -5 | sed "s/^/[$1 $2 $3] /"
}
# wl_round LEVEL RUN: one run of each workload.
wl_round() {
	[ "$CPU" = 0 ] || wl "$1" cpu "$2" "cpu=$CPU"
	[ "$PING" = 0 ] || wl "$1" pingpong "$2" "pingpong=$PING"
	[ "$MEM" = 0 ] || wl "$1" mem "$2" "mem=$MEM"
}
'''

# Inside L1 (/scripts/nested-bench). Parameters come on L1's kernel command line as
# nvb.KEY=VALUE: runs, boots, cpu, ping, mem, qcpu.
L1_SCRIPT = r'''# L1 side of bench/nested-run: the test guest workloads as L2, then Linux L2 boots
# by nestvisor and by QEMU, interleaved.
# shellcheck shell=sh
RUNS=5 BOOTS=3 CPU=0 PING=0 MEM=0 QCPU=host TESTGUEST=/guest/testguest
read -r cmdline </proc/cmdline
# shellcheck disable=SC2086 # split the command line into words
for a in $cmdline; do
	case $a in
	nvb.runs=*) RUNS=${a#*=} ;;
	nvb.boots=*) BOOTS=${a#*=} ;;
	nvb.cpu=*) CPU=${a#*=} ;;
	nvb.ping=*) PING=${a#*=} ;;
	nvb.mem=*) MEM=${a#*=} ;;
	nvb.qcpu=*) QCPU=${a#*=} ;;
	esac
done
''' + _COMMON + r'''
L2CL='console=ttyS0 quiet nv.script=hello'
# boot VMM RUN: one Linux L2 boot; stamps the hello marker and the exit.
boot() {
	vmm=$1 run=$2
	if [ "$vmm" = nestvisor ]; then
		set -- nestvisor run --kernel /guest/l2/vmlinuz --initrd /guest/l2/initrd.img \
			--cpus 1 --memory 256 --cmdline "$L2CL"
	else
		set -- qemu-system-x86_64 -accel kvm -cpu "$QCPU" -m 256 -smp 1 -nodefaults \
			-no-user-config -display none -no-reboot -serial stdio \
			-kernel /guest/l2/vmlinuz -initrd /guest/l2/initrd.img -append "$L2CL"
	fi
	echo "NVB note boot $vmm $run: $*"
	t0=$(up) hello=none pre=none
	deadline 900 boot_watch "$@" || [ $? != 124 ] || echo "NVB boot $vmm $run 124 none 900 none"
}
# boot_watch CMD...: runs the VMM; stamps L2's hello marker, its power-off and the exit.
boot_watch() {
	({ "$@" </dev/null 2>&1; echo "NVB-EXIT $?"; }) | while IFS= read -r line; do
		case $line in
		*"nestvisor-guest: hello"*) [ "$hello" != none ] || hello=$(since "$t0") ;;
		# L2's own clock at power-off: wall time minus it is what ran before the L2
		# kernel's clock started (firmware, loader, decompression).
		*"reboot: Power down"*)
			g=$(echo "$line" | sed -n 's/.*\[ *\([0-9.]*\)\] reboot: Power down.*/\1/p')
			[ -z "$g" ] || pre=$(awk -v s="$t0" -v g="$g" '{ printf "%.2f", $1 - s - g }' /proc/uptime) ;;
		NVB-EXIT*) echo "NVB boot $vmm $run ${line#NVB-EXIT } $hello $(since "$t0") $pre"; continue ;;
		esac
		echo "[$vmm $run] $line" | tr -d '\r'
	done
}

# shellcheck disable=SC1091 # in L1's /scripts
. /scripts/kvm
echo "NVB note L1 $(uname -r) cpus $(nproc) mem $(awk '/MemTotal/ { print $2 }' /proc/meminfo) KiB"
r=1
while [ "$r" -le "$RUNS" ]; do wl_round L2 "$r"; r=$((r + 1)); done
r=1
while [ "$r" -le "$BOOTS" ]; do
	if [ $((r % 2)) = 1 ]; then boot nestvisor "$r"; boot qemu "$r"
	else boot qemu "$r"; boot nestvisor "$r"; fi
	r=$((r + 1))
done
'''

# In the simulated host (/nested-host.sh): half the L1-level workload rounds, the L1
# boot (which runs L1_SCRIPT), the other half. Arguments: RUNS CPU PING MEM L1_CMDLINE.
HOST_SCRIPT = r'''# Simulated-host side of bench/nested-run.
# shellcheck shell=sh
RUNS=$1 CPU=$2 PING=$3 MEM=$4 L1CL=$5 TESTGUEST=/guest/testguest
''' + _COMMON + r'''
mem=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)
echo "NVB note simhost $(uname -r) cpus $(nproc) mem $mem KiB"
before=$(((RUNS + 1) / 2))
r=1
while [ "$r" -le "$before" ]; do wl_round L1 "$r"; r=$((r + 1)); done
t0=$(up) init=none
({ timeout 3000 nestvisor run --nested on --cpus 2 --memory 1280 --kernel /l1/vmlinuz \
	--initrd /l1/initrd.img --cmdline "$L1CL" </dev/null 2>&1; echo "NVB-EXIT $?"; }) |
	while IFS= read -r line; do
		case $line in
		*"nestvisor-l1: init"*)
			[ "$init" != none ] || { init=$(since "$t0"); echo "NVB l1 init $init"; } ;;
		NVB-EXIT*) echo "NVB l1 exit ${line#NVB-EXIT } $(since "$t0")"; continue ;;
		esac
		echo "$line" | tr -d '\r'
	done
while [ "$r" -le "$RUNS" ]; do wl_round L1 "$r"; r=$((r + 1)); done
'''
