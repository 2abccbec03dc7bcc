/*
 * A Linux tap interface opened for virtio-net: frames carry a 12-byte virtio_net_hdr_v1
 * (IFF_VNET_HDR), the fd is nonblocking, and offloads follow what the guest negotiated.
 */
#ifndef NV_NET_TAP_H
#define NV_NET_TAP_H

#include <stddef.h>

#include "util/util.h"

#define TAP_NAME_MAX	16	/* IFNAMSIZ, the NUL included */
#define TAP_VNET_HDR_LEN 12	/* struct virtio_net_hdr_v1, num_buffers included */

struct tap {
	int fd;
	char name[TAP_NAME_MAX];
	unsigned offloads;	/* TUN_F_* bits the tap accepted when probed */
	bool is_tap;		/* false for a plain fd standing in for a tap (tests) */
};

/*
 * Attaches to tap NAME (an existing one from `ip tuntap add`, or a new one, which needs
 * CAP_NET_ADMIN), probes its offloads and leaves them all off. Returns 0 or -errno with one
 * line in err: no /dev/net/tun, no permission, name busy, not a tap, no vnet header support.
 * NAME "/dev/fd/N" is a tap descriptor this process was started with (attached by a jailing
 * daemon): duplicated, not opened; refused unless TUNGETIFF shows IFF_TAP|IFF_NO_PI|IFF_VNET_HDR.
 * tap->name is then the interface's own name.
 */
int tap__open(struct tap *tap, const char *name, char *err, size_t errlen) __must_check;
/*
 * Wraps fd (a socketpair end, say) as if it were a tap that accepts offloads (TUN_F_*);
 * the tap then owns fd. Every ioctl is skipped.
 */
void tap__from_fd(struct tap *tap, int fd, unsigned offloads);
/*
 * Which offloads the kernel may hand us in frames read from the tap (TUN_F_*, a subset of
 * tap->offloads; 0 turns them all off). Returns 0 or -errno.
 */
int tap__set_offload(struct tap *tap, unsigned flags) __must_check;
/* Carrier on or off as the host sees it (the guest driver's state). Returns 0 or -errno. */
int tap__set_carrier(struct tap *tap, bool on);
/* 1 if the interface is administratively up on the host, 0 if down, -errno if unknown. */
int tap__is_up(const struct tap *tap);
/* Closes the fd (the interface itself stays if it was persistent). */
void tap__close(struct tap *tap);

#endif
