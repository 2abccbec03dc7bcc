# The checks of the test guest's virtio words that hold for any VMM (sourced, after lib.sh, by
# test_virtio_qemu and test_virtio): the host side, the expectations and the check groups.
# shellcheck shell=bash disable=SC2034  # the variables here are used by the sourcing test
#
# The sourcing test defines how its VMM is run and given devices:
#   vm_run TIMEOUT CMDLINE VM-ARGS...  the guest's console in $TMP/out, the VMM's stderr in
#                                      $TMP/err, the exit status in $RC (0: the guest powered
#                                      off, 7: a workload failed); runs inside "${NETNS[@]}"
#   vm_disk_args IMAGE [ro]            sets the array VM_DISK: one virtio-blk disk on IMAGE
#                                      whose serial (GET_ID) is $SERIAL, read-only with ro
#   VM_RNG, VM_NO_RNG                  arrays: VM-ARGS with and without a virtio-rng device
#   VM_NET                             array: a virtio-net device on tap0 with MAC $GUEST_MAC

SECTORS=16384
SERIAL=nvtest-disk-01
GUEST_MAC=52:54:00:aa:bb:01
NS=nvtest-virtio-$$
NETNS=()
PIDS=()
CLEANUP_DIRS=()

virtio_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP" "${CLEANUP_DIRS[@]}"
}
trap virtio_cleanup EXIT

# Host-side helper: disk checksums and AF_PACKET frames (run inside the namespace).
cat >"$TMP/host.py" <<'PY'
# Host side of the virtio kvm tests: disk image checks and the test frames on a tap device
# (AF_PACKET, run inside the test's network namespace). Prints one result line per check.
import os
import socket
import sys
import time
import zlib

ETHERTYPE = 0x88B5
HOST_MAC = bytes.fromhex("020000000aa1")
SECTOR = 512


def disk_crc(path, sector):
    with open(path, "rb") as f:
        f.seek(sector * SECTOR)
        data = f.read(SECTOR)
    print("crc32 %#010x first16 %s" % (zlib.crc32(data), data[:16].hex()))


def disk_diff(path, orig):
    """Sectors that differ between two images, and the byte values they hold now."""
    a, b = open(path, "rb").read(), open(orig, "rb").read()
    for s in range(len(a) // SECTOR):
        x, y = a[s * SECTOR:(s + 1) * SECTOR], b[s * SECTOR:(s + 1) * SECTOR]
        if x != y:
            print("sector %d bytes %s" % (s, ",".join(sorted("%02x" % v for v in set(x)))))


def test_frame(seq):
    """What the guest's netsend puts after the Ethernet header (docs/testguest.md)."""
    return b"NVTG" + seq.to_bytes(4, "big") + bytes((seq + i) & 0xFF for i in range(8, 100))


def packet_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETHERTYPE))
    s.bind((iface, 0))
    return s


def recv_frame(s, deadline):
    """The next frame that came from the guest (not one we sent), or None at the deadline."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            data, addr = s.recvfrom(4096)
        except socket.timeout:
            return None
        if addr[2] != socket.PACKET_OUTGOING:
            return data


def listen(iface, n, ready, timeout):
    """Collects the guest's netsend frames and checks each one."""
    s = packet_socket(iface)
    open(ready, "w").close()
    deadline = time.monotonic() + float(timeout)
    bad = 0
    src = None
    for seq in range(int(n)):
        f = recv_frame(s, deadline)
        if f is None:
            print("listen timeout after %d frames" % seq)
            return
        src = f[6:12]
        if f[:6] != b"\xff" * 6 or f[12:14] != b"\x88\xb5" or f[14:] != test_frame(seq):
            bad += 1
            print("listen bad frame %d: %s" % (seq, f[:32].hex()))
    print("listen frames %s bad %d src %s" % (n, bad, ":".join("%02x" % b for b in src)))


def wait_for(path, marker, deadline):
    while time.monotonic() < deadline:
        with open(path, "rb") as f:
            for line in f.read().decode("ascii", "replace").splitlines():
                if line.startswith(marker):
                    return line
        time.sleep(0.05)
    return None


def host_frame(guest_mac, i):
    size = 60 + (i * 97) % 1455  # 60..1514 bytes
    head = guest_mac + HOST_MAC + ETHERTYPE.to_bytes(2, "big")
    return head + bytes((i * 7 + k) & 0xFF for k in range(size - len(head)))


def drive(iface, console, guest_mac, n, timeout):
    """netrecv then netecho: sends what the guest waits for and checks what it reports."""
    mac = bytes.fromhex(guest_mac.replace(":", ""))
    s = packet_socket(iface)
    deadline = time.monotonic() + float(timeout)
    if not wait_for(console, "net: recv ready", deadline):
        print("drive no 'net: recv ready'")
        return
    frames = [host_frame(mac, i) for i in range(int(n))]
    for f in frames:
        s.send(f)
    crc = 0
    for f in frames:
        crc = zlib.crc32(f, crc)
    print("drive expect net: recv %d frames %d bytes crc32 %#010x" %
          (len(frames), sum(map(len, frames)), crc))
    if not wait_for(console, "net: echo ready", deadline):
        print("drive no 'net: echo ready'")
        return
    ping = host_frame(mac, 12345)
    s.send(ping)
    f = recv_frame(s, deadline)
    ok = f is not None and f[:6] == ping[6:12] and f[6:12] == ping[:6] and f[12:] == ping[12:]
    print("drive echo %s" % ("ok" if ok else "bad: %s" % (f[:32].hex() if f else "none")))


def main():
    cmds = {"disk-crc": lambda a: disk_crc(a[0], int(a[1])), "disk-diff": lambda a: disk_diff(*a),
            "listen": lambda a: listen(*a), "drive": lambda a: drive(*a)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit("usage: %s %s ARGS..." % (sys.argv[0], "|".join(cmds)))
    cmds[sys.argv[1]](sys.argv[2:])
    sys.stdout.flush()


if __name__ == "__main__":
    main()
PY

host() { python3 "$TMP/host.py" "$@"; }

# expect NAME STATUS PATTERN...: the last run exited STATUS and printed every PATTERN.
expect() {
	local name=$1 status=$2 p
	shift 2
	for p in "$@"; do
		if ! grep -qE -- "$p" "$TMP/out"; then
			not_ok "$name"
			echo "# missing '$p' (status $RC):"
			diag "$TMP/out" "$TMP/err"
			return 1
		fi
	done
	if [ "$RC" -ne "$status" ]; then
		not_ok "$name"
		echo "# status $RC, expected $status:"
		diag "$TMP/out" "$TMP/err"
		return 1
	fi
	ok "$name"
}

# The guest's line for sector S must match the backing file's bytes (FILE, before writes).
expect_sector() { # NAME FILE SECTOR
	local want
	want="blk: read sector $3 $(host disk-crc "$2" "$3")"
	if grep -qxF -- "$want" "$TMP/out"; then ok "$1"; else
		not_ok "$1"
		echo "# want: $want"
		diag "$TMP/out"
	fi
}

# A fresh namespace with tap0 up; NETNS then runs commands inside it. Sets NET_SKIP to the
# reason when that cannot be done (no root, no /dev/net/tun, no ip).
netns_setup() {
	NET_SKIP=
	[ "$(id -u)" -eq 0 ] || { NET_SKIP="not root (needs ip netns and a tap)"; return 1; }
	[ -c /dev/net/tun ] || { NET_SKIP="no /dev/net/tun"; return 1; }
	command -v ip >/dev/null || { NET_SKIP="no ip command (iproute2)"; return 1; }
	if ! ip netns add "$NS" 2>"$TMP/nserr"; then
		NET_SKIP="ip netns add failed: $(head -c 200 "$TMP/nserr")"
		return 1
	fi
	NETNS=(ip netns exec "$NS")
	"${NETNS[@]}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	if ! { ip -n "$NS" tuntap add tap0 mode tap && ip -n "$NS" link set tap0 up; } 2>"$TMP/nserr"; then
		NET_SKIP="cannot create a tap in the namespace: $(head -c 200 "$TMP/nserr")"
		return 1
	fi
}

# The test disk: $TMP/disk.img of random bytes, and $TMP/orig.img, its copy before writes.
make_test_disk() {
	python3 -c "import os; open('$TMP/disk.img', 'wb').write(os.urandom($SECTORS * 512))"
	cp "$TMP/disk.img" "$TMP/orig.img"
}

vcheck_rng() {
	vm_run 60 "quiet rng" "${VM_RNG[@]}"
	expect "rng: 64 bytes from virtio-rng" 0 "^rng: 64 bytes [0-9a-f]{128}$"
	vm_run 60 "quiet rng" "${VM_NO_RNG[@]}"
	expect "rng without a device fails through debug-exit" 7 "rng: no virtio device of type 4"
}

# blk: reads against the file, a write, flush, GET_ID; then the file itself; a read past the end.
vcheck_blk() {
	local diff
	vm_disk_args "$TMP/disk.img"
	vm_run 60 "quiet blk blkread=0 blkread=$((SECTORS - 1)) blkwrite=7:0xa5 blkread=7 blkflush blkid" \
		"${VM_DISK[@]}"
	expect "blk: capacity and features" 0 "^blk: capacity $SECTORS sectors \($((SECTORS * 512)) bytes\) features 0x1[0-9a-f]{8} ro 0" \
		"^virtio: blk at 00:[0-9a-f]{2}\.0 id 1af4:1042"
	expect_sector "blkread=0 matches the backing file" "$TMP/orig.img" 0
	expect_sector "blkread of the last sector matches the backing file" "$TMP/orig.img" $((SECTORS - 1))
	expect "blkwrite and blkflush complete" 0 "^blk: write sector 7 byte 0xa5 status OK$" "^blk: flush status OK$"
	expect_sector "blkread sees the guest's own write" "$TMP/disk.img" 7
	diff=$(host disk-diff "$TMP/disk.img" "$TMP/orig.img")
	if [ "$diff" = "sector 7 bytes a5" ]; then ok "blkwrite changed exactly sector 7 of the file"; else
		not_ok "blkwrite changed exactly sector 7 of the file"; echo "# differences: $diff"; fi
	expect "blkid is the drive's serial" 0 "^blk: id \"$SERIAL\"$"
	cp "$TMP/disk.img" "$TMP/orig.img"

	vm_run 60 "quiet blkread=$SECTORS" "${VM_DISK[@]}"
	expect "blkread past the end fails with IOERR" 7 "^blk: read sector $SECTORS status IOERR$"
}

# read-only: the write must fail and the file stay as it was
vcheck_blk_ro() {
	vm_disk_args "$TMP/disk.img" ro
	vm_run 60 "quiet blk blkro" "${VM_DISK[@]}"
	expect "blkro: write to a read-only disk fails with IOERR" 0 "ro 1 blk_size" \
		"^blk: ro feature 1 write status IOERR \(expected\)$"
	if cmp -s "$TMP/disk.img" "$TMP/orig.img"; then ok "blkro left the file unchanged"; else
		not_ok "blkro left the file unchanged"; fi
	vm_disk_args "$TMP/disk.img"
	vm_run 60 "quiet blkro" "${VM_DISK[@]}"
	expect "blkro on a writable disk fails" 7 "^blk: ro feature 0 write status OK"
	cp "$TMP/disk.img" "$TMP/orig.img"
}

EVIL_KINDS="loop oob hugelen badring early reuse"

# Hostile driver: each kind, then the device must still work (or have asked for a reset).
# The console stays in $TMP/out for the caller's own checks.
vcheck_evil() {
	local k
	vm_disk_args "$TMP/disk.img"
	vm_run 120 "quiet $(for k in $EVIL_KINDS; do printf 'virtio-evil=%s ' "$k"; done)blkread=0" \
		"${VM_DISK[@]}"
	for k in $EVIL_KINDS; do
		expect "virtio-evil=$k: the device survives and works after a reset" 0 \
			"^evil: $k: after reset: ok$" "^evil: $k: pass$" && grep "^evil: $k: " "$TMP/out" | diag
	done
	expect_sector "blkread after the hostile modes matches the file" "$TMP/orig.img" 0
}

# BARs the guest assigns itself in nestvisor's window (0xc0000000-0xfc000000).
vcheck_pcireassign() {
	vm_disk_args "$TMP/disk.img"
	vm_run 60 "quiet pcireassign blk blkread=0 rng" "${VM_DISK[@]}" "${VM_RNG[@]}"
	expect "pcireassign: BARs placed in 0xc0000000-0xfc000000 work" 0 \
		"^virtio: blk at .* common 0x(c|d|e|f[0-b])[0-9a-f]{7} " \
		"^virtio: rng at .* common 0x(c|d|e|f[0-b])[0-9a-f]{7} " "^rng: 64 bytes"
	expect_sector "blkread through self-assigned BARs matches the file" "$TMP/orig.img" 0
}

# Benchmarks (on a scratch copy: seqwrite overwrites the disk)
vcheck_blkbench() {
	cp "$TMP/disk.img" "$TMP/scratch.img"
	vm_disk_args "$TMP/scratch.img"
	vm_run 120 "quiet blkbench=randread,qd=1,secs=1 blkbench=randread,qd=32,secs=1 blkbench=seqread,secs=1 blkbench=seqwrite,qd=2,secs=1" \
		"${VM_DISK[@]}"
	expect "blkbench modes print RESULT lines" 0 \
		"^RESULT blkbench-randread qd=1 secs=1 ios=[1-9][0-9]* ns=[0-9]+ iops=[1-9]" \
		"^RESULT blkbench-randread qd=32 secs=1 ios=[1-9][0-9]* ns=[0-9]+ iops=[1-9]" \
		"^RESULT blkbench-seqread qd=1 secs=1 ios=[1-9][0-9]* bytes=[0-9]+ ns=[0-9]+ mbps=[1-9]" \
		"^RESULT blkbench-seqwrite qd=2 secs=1 ios=[1-9][0-9]* bytes=[0-9]+ ns=[0-9]+ mbps=[1-9]" &&
		grep "^RESULT" "$TMP/out" | diag
	vm_run 60 "quiet blkbench=randread,qd=33,secs=1"
	expect "blkbench with qd above 32 is a usage error" 3 "bad value in 'blkbench=randread,qd=33,secs=1'"
}

VNET_CHECKS=("net: MAC and link" "netsend" "netrecv" "netecho" "netbench")

# net through tap0 in the namespace (netns_setup first): netsend to a listener, then
# netrecv and netecho driven by the host, and the tx benchmark.
vcheck_net() {
	local want
	"${NETNS[@]}" python3 "$TMP/host.py" listen tap0 20 "$TMP/listening" 90 >"$TMP/listen" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 100); do [ -e "$TMP/listening" ] && break; sleep 0.1; done
	vm_run 60 "quiet net netsend=20" "${VM_NET[@]}"
	wait "${PIDS[-1]}"
	expect "net: MAC and link status" 0 "^net: mac $GUEST_MAC link up features 0x1[0-9a-f]{8} queues" \
		"^net: sent 20 frames of 114 bytes$"
	if grep -qx "listen frames 20 bad 0 src $GUEST_MAC" "$TMP/listen"; then
		ok "netsend: 20 broadcast frames with the documented payload reach the tap"; else
		not_ok "netsend: 20 broadcast frames with the documented payload reach the tap"
		diag "$TMP/listen"; fi

	: >"$TMP/out"
	"${NETNS[@]}" python3 "$TMP/host.py" drive tap0 "$TMP/out" "$GUEST_MAC" 16 90 >"$TMP/drive" 2>&1 &
	PIDS+=($!)
	vm_run 90 "quiet netrecv=16 netecho netbench=tx,secs=1" "${VM_NET[@]}"
	wait "${PIDS[-1]}"
	want=$(sed -n 's/^drive expect //p' "$TMP/drive")
	if [ -n "$want" ] && grep -q "^$want " "$TMP/out"; then ok "netrecv: 16 frames and their CRC-32 as the host sent them"; else
		not_ok "netrecv: 16 frames and their CRC-32 as the host sent them"
		diag "$TMP/drive" "$TMP/out"; fi
	if grep -qx "drive echo ok" "$TMP/drive" && grep -q "^net: echoed " "$TMP/out"; then
		ok "netecho: the frame comes back with source and destination swapped"; else
		not_ok "netecho: the frame comes back with source and destination swapped"
		diag "$TMP/drive" "$TMP/out"; fi
	expect "netbench=tx prints a RESULT line" 0 \
		"^RESULT netbench-tx secs=1 frames=[1-9][0-9]* bytes=[0-9]+ ns=[0-9]+ fps=[1-9][0-9]* mbps=[0-9]+" &&
		grep "^RESULT" "$TMP/out" | diag
}
