# Runs inside the simulated host (busybox sh, with iproute2's ip, debugfs and e2fsck added
# by tests/simhost/test_virtio_linux): one Linux guest under nestvisor with a writable and a
# read-only virtio disk, a virtio NIC on a tap in a namespace of its own, and virtio-rng.
# The guest runs /scripts/virtio-linux; this side serves its TCP peers, then reads the disk
# image back. Prints "HOST key values" facts, "SCENARIO virtio status boot=S total=S" and
# the guest's output as "[guest] line", for the test to judge.
# Usage: sh virtio_linux.sh MAC
# shellcheck shell=sh
MAC=$1
G=/guest/virtio
NS=nvvirtio
# iproute2's ip (netns, tuntap) and not busybox's, which comes first in PATH.
IP=/usr/sbin/ip
say() { echo "HOST $*"; }
md5() { md5sum "$@" | cut -d' ' -f1; }
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v s="$1" '{ printf "%.1f", $1 - s }' /proc/uptime; }

# iproute2 keeps namespaces in /var/run/netns; the busybox root has only /run.
[ -e /var/run ] || ln -s /run /var/run
insmod /lib/modules/nv-extra/tun.ko || { say "setup insmod tun failed"; exit 3; }

# The network: a tap in a namespace of our own; the guest is 192.168.100.2.
if ! { $IP netns add $NS && $IP -n $NS link set lo up &&
	$IP -n $NS tuntap add dev tap0 mode tap &&
	$IP -n $NS addr add 192.168.100.1/24 dev tap0 && $IP -n $NS link set tap0 up; }; then
	say "setup netns/tap failed"
	exit 3
fi

# The disks: 64 MiB blank (tmpfs, sparse) and 8 MiB of random bytes read-only.
truncate -s 64M /tmp/disk.img
head -c 8388608 /dev/urandom >/tmp/ro.img
say "ro-image md5 $(md5 /tmp/ro.img) head-md5 $(head -c 65536 /tmp/ro.img | md5)"

# TCP peers inside the namespace: receive on 5001 (stdin held open on a fifo, or busybox
# nc stops reading after its stdin ends), then serve 4 MiB on 5002.
head -c 4194304 /dev/urandom >/tmp/h2g.bin
say "h2g bytes 4194304 md5 $(md5 /tmp/h2g.bin)"
mkfifo /tmp/hold
sleep 900 >/tmp/hold &
holder=$!
$IP netns exec $NS sh -c 'nc -l -p 5001 </tmp/hold >/tmp/g2h.bin; echo "HOST listener 5001 rc $?";
	nc -l -p 5002 </tmp/h2g.bin; echo "HOST listener 5002 rc $?"' >/tmp/listen.out 2>&1 &
listeners=$!

# The guest gets no kernel argument about its devices: only the console and the script.
t0=$(now) boot=none
: >/tmp/guest.out
$IP netns exec $NS timeout -s KILL 180 nestvisor run --kernel $G/vmlinuz --initrd $G/initrd.img \
	--memory 512 --cpus 2 --cmdline "console=ttyS0 quiet nv.script=virtio-linux" \
	--disk /tmp/disk.img,id=nv-disk0 --disk /tmp/ro.img,ro,id=nv-ro1 \
	--net tap=tap0,mac="$MAC" </dev/null >/tmp/guest.out 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do
	if [ "$boot" = none ] && grep -q 'nestvisor-guest: init' /tmp/guest.out; then
		boot=$(since "$t0")
	fi
	sleep 0.2
done
wait $pid
st=$?
echo "SCENARIO virtio $st boot=$boot total=$(since "$t0")"
tr -d '\r' </tmp/guest.out | sed 's/^/[guest] /'

# The peers are done (or never will be).
kill $holder 2>/dev/null
sleep 0.5
kill $listeners 2>/dev/null
cat /tmp/listen.out
say "g2h bytes $(wc -c </tmp/g2h.bin) md5 $(md5 /tmp/g2h.bin)"

# The disk as the host sees it after nestvisor has exited.
/usr/sbin/debugfs -R 'cat /f' /tmp/disk.img >/tmp/f.out 2>/tmp/debugfs.err
say "disk f bytes $(wc -c </tmp/f.out) md5 $(md5 /tmp/f.out) expected $(seq 1 100000 | md5)"
/usr/sbin/debugfs -R 'dump /big /tmp/big.out' /tmp/disk.img >>/tmp/debugfs.err 2>&1
say "disk big bytes $(wc -c </tmp/big.out 2>/dev/null || echo 0) md5 $(md5 /tmp/big.out 2>/dev/null)"
grep -v '^debugfs [0-9]' /tmp/debugfs.err | sed 's/^/HOST debugfs: /'
/usr/sbin/e2fsck -fn /tmp/disk.img >/tmp/fsck.out 2>&1
say "disk fsck rc $?"
tail -3 /tmp/fsck.out | sed 's/^/HOST fsck: /'
say "ro-image-after md5 $(md5 /tmp/ro.img)"
$IP netns del $NS
exit 0
