# Shared helpers for the image builders and tools/simhost (sourced by bash scripts).
# Finds the Debian kernel to use and hashes build inputs for caching.
# shellcheck shell=bash

NV_BOOT_DIR=${NV_BOOT_DIR:-/boot}
NV_MODULES_DIR=${NV_MODULES_DIR:-/lib/modules}

nv_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# The newest installed kernel version that has both modules and a bootable image.
# NV_KVER in the environment overrides it (it must still be complete).
nv_find_kver() {
	local v
	if [ -n "${NV_KVER:-}" ]; then
		if [ ! -f "$NV_BOOT_DIR/vmlinuz-$NV_KVER" ] || [ ! -f "$NV_MODULES_DIR/$NV_KVER/modules.dep" ]; then
			nv_die "NV_KVER=$NV_KVER: no $NV_BOOT_DIR/vmlinuz-$NV_KVER or $NV_MODULES_DIR/$NV_KVER/modules.dep"
		fi
		echo "$NV_KVER"
		return 0
	fi
	for v in $(find "$NV_MODULES_DIR" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -rV); do
		if [ -f "$NV_BOOT_DIR/vmlinuz-$v" ] && [ -f "$NV_MODULES_DIR/$v/modules.dep" ]; then
			echo "$v"
			return 0
		fi
	done
	nv_die "no kernel found: need $NV_MODULES_DIR/VERSION/modules.dep and $NV_BOOT_DIR/vmlinuz-VERSION (apt-get install linux-image-amd64)"
}

# Prints one sha256 covering a file's or a directory tree's contents, names, types,
# modes and symlink targets (not times or owners, which do not reach the archive).
nv_hash_path() {
	local p=$1
	if [ -d "$p" ]; then
		(
			cd "$p" || exit 1
			find . -printf '%p\t%y\t%m\t%l\n' | LC_ALL=C sort
			find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
		) | sha256sum | cut -d' ' -f1
	elif [ -e "$p" ]; then
		{ stat -L -c '%a' "$p"; sha256sum <"$p"; } | sha256sum | cut -d' ' -f1
	else
		nv_die "$p: no such file or directory"
	fi
}

# Extracts the uncompressed ELF vmlinux from bzImage $1 into $2. Booted with PVH (QEMU
# -kernel takes such an ELF) it skips the in-guest decompression, seconds under TCG.
nv_extract_vmlinux() {
	local bz=$1 out=$2 setup_sects payload_off start magic
	rd_le() { od -An -t "u$2" -j "$1" -N "$2" "$bz" | tr -d ' '; }
	[ "$(od -An -c -j 514 -N 4 "$bz" | tr -d ' ')" = HdrS ] || nv_die "$bz: not a bzImage"
	setup_sects=$(rd_le 497 1)
	[ "$setup_sects" != 0 ] || setup_sects=4
	payload_off=$(rd_le 584 4) # setup header field payload_offset (0x248)
	start=$(((setup_sects + 1) * 512 + payload_off + 1))
	magic=$(tail -c +"$start" "$bz" | head -c 4 | od -An -tx1 | tr -d ' \n')
	case $magic in
	fd377a58) tail -c +"$start" "$bz" | xz -dc --single-stream >"$out.tmp" ;;
	1f8b*) tail -c +"$start" "$bz" | gzip -dc >"$out.tmp" 2>/dev/null || true ;;
	28b52ffd) tail -c +"$start" "$bz" | zstd -dcq >"$out.tmp" 2>/dev/null || true ;;
	*) nv_die "$bz: payload compressed with an unknown method (magic $magic)" ;;
	esac
	[ "$(head -c 4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] ||
		nv_die "$bz: the extracted payload is not an ELF file"
	mv "$out.tmp" "$out"
}

# Runs "$@" while holding an exclusive lock on file $1 (created if needed), so that
# parallel builds of one output wait for each other instead of racing.
nv_with_lock() {
	local lock=$1
	shift
	mkdir -p "$(dirname "$lock")"
	(
		flock 9 || exit 1
		"$@"
	) 9>"$lock"
}

# Prints SRC:DEST lines (for build-initramfs --add) for each program and every shared
# library ldd says it loads, at the same paths, so a dynamically linked Debian tool runs
# in the busybox initramfs.
nv_program_adds() {
	local prog
	for prog in "$@"; do
		[ -x "$prog" ] || nv_die "$prog: not installed (scripts/install-deps installs it)"
		echo "$prog"
		ldd "$prog" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
	done | sort -u | sed 's/.*/&:&/'
}

# Kernel modules and programs behind build-linux-guest --tools: disk (make and mount
# ext4 on a virtio disk), net (bridges, taps, NAT and port forwarding with nftables).
NV_VIRTIO_MODULES="virtio_pci virtio_blk virtio_net virtio-rng"
NV_TOOLS_disk_MODULES="crc32c_generic ext4"
NV_TOOLS_disk_PROGRAMS="/usr/sbin/mke2fs /usr/sbin/mkfs.ext4"
NV_TOOLS_net_MODULES="crc32c_generic bridge tun veth nft_chain_nat nft_masq nft_nat nft_fib_inet nft_ct"
NV_TOOLS_net_PROGRAMS="/usr/sbin/nft"
