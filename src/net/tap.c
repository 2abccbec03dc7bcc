/*
 * Tap back-end for virtio-net: attach to /dev/net/tun with a virtio-net header on every frame,
 * probe which offloads the kernel accepts, and report/steer the link state.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/tap.h"
#include "util/log.h"

#define TUN_PATH "/dev/net/tun"

static int open_tun(const char *name, char *err, size_t errlen)
{
	int fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return set_err(err, errlen, errno, "tap %s: %s is missing (load the tun module: modprobe tun)",
			       name, TUN_PATH);
	case EACCES:
	case EPERM:
		return set_err(err, errlen, errno, "tap %s: no permission to open %s", name, TUN_PATH);
	default:
		return set_err(err, errlen, errno, "tap %s: open %s: %s", name, TUN_PATH, strerror(errno));
	}
}

static int set_iff(int fd, struct tap *tap, const char *name, char *err, size_t errlen)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) == 0) {
		snprintf(tap->name, sizeof(tap->name), "%s", ifr.ifr_name);
		return 0;
	}
	switch (errno) {
	case EPERM:
	case EACCES:
		return set_err(err, errlen, errno,
			       "tap %s: not allowed to attach (run as root, or create it for your user: ip tuntap add dev %s mode tap user $USER)",
			       name, name);
	case EBUSY:
		return set_err(err, errlen, errno, "tap %s: busy (another process has it open)", name);
	case EINVAL:
		return set_err(err, errlen, errno,
			       "tap %s: an interface of that name exists but is not a single-queue tap", name);
	default:
		return set_err(err, errlen, errno, "tap %s: TUNSETIFF: %s", name, strerror(errno));
	}
}

static int check_vnet_hdr(int fd, const char *name, char *err, size_t errlen)
{
	unsigned features = 0;
	int len = TAP_VNET_HDR_LEN;

	if (ioctl(fd, TUNGETFEATURES, &features) < 0)
		return set_err(err, errlen, errno, "tap %s: TUNGETFEATURES: %s", name, strerror(errno));
	if (!(features & IFF_VNET_HDR))
		return set_err(err, errlen, EOPNOTSUPP, "tap %s: the kernel's tun lacks IFF_VNET_HDR", name);
	if (ioctl(fd, TUNSETVNETHDRSZ, &len) < 0)
		return set_err(err, errlen, errno, "tap %s: TUNSETVNETHDRSZ %d: %s", name, len,
			       strerror(errno));
	return 0;
}

/*
 * "/dev/fd/N": a tap some other process (a jailing daemon) attached with TUNSETIFF and passed
 * to us. It is duplicated, never reopened; TUNGETIFF says whether it is an attached tap with
 * the vnet header, and gives its interface name.
 */
static int adopt_fd(int passed, struct tap *tap, const char *name, char *err, size_t errlen)
{
	int fd = dup_passed_fd(passed), fl;
	struct ifreq ifr;

	if (fd < 0)
		return set_err(err, errlen, -fd, "tap %s: %s", name, passed_fd_strerror(fd));
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		close(fd);
		return set_err(err, errlen, errno == EBADFD ? EINVAL : errno,
			       "tap %s: not an attached tun/tap descriptor (TUNGETIFF: %s)", name,
			       strerror(errno));
	}
	if ((ifr.ifr_flags & (IFF_TAP | IFF_TUN | IFF_NO_PI | IFF_VNET_HDR)) !=
	    (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)) {
		close(fd);
		return set_err(err, errlen, EINVAL, "tap %s: interface %.16s is not a tap attached "
			       "with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR", name, ifr.ifr_name);
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		close(fd);
		return set_err(err, errlen, errno, "tap %s: O_NONBLOCK: %s", name, strerror(errno));
	}
	snprintf(tap->name, sizeof(tap->name), "%.*s", (int)sizeof(tap->name) - 1, ifr.ifr_name);
	return fd;
}

/* TUNSETOFFLOAD refuses bits it does not know, so try the richest set first. */
static unsigned probe_offloads(int fd)
{
	static const unsigned sets[] = {
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_UFO,
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
		TUN_F_CSUM,
	};

	for (unsigned i = 0; i < ARRAY_SIZE(sets); i++) {
		if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)sets[i]) == 0)
			return sets[i];
	}
	return 0;
}

/* The vnet header length, the offloads probed and left off: the tap is ready (owns fd). */
static int finish(struct tap *tap, int fd, const char *name, char *err, size_t errlen)
{
	int ret = check_vnet_hdr(fd, name, err, errlen);

	if (ret) {
		close(fd);
		return ret;
	}
	tap->offloads = probe_offloads(fd);
	if (ioctl(fd, TUNSETOFFLOAD, 0UL) < 0)
		pr_warn("tap %s: cannot turn offloads off: %s", name, strerror(errno));
	tap->fd = fd;
	tap->is_tap = true;
	return 0;
}

static int open_passed(struct tap *tap, int passed, const char *name, char *err, size_t errlen)
{
	int fd = adopt_fd(passed, tap, name, err, errlen);

	return fd < 0 ? fd : finish(tap, fd, name, err, errlen);
}

int tap__open(struct tap *tap, const char *name, char *err, size_t errlen)
{
	int fd, ret;

	int passed = path_passed_fd(name);

	memset(tap, 0, sizeof(*tap));
	tap->fd = -1;
	if (passed >= 0)
		return open_passed(tap, passed, name, err, errlen);
	if (!name[0] || strlen(name) >= TAP_NAME_MAX)
		return set_err(err, errlen, EINVAL, "tap '%s': the name must be 1 to %d characters",
			       name, TAP_NAME_MAX - 1);
	fd = open_tun(name, err, errlen);
	if (fd < 0)
		return fd;
	ret = set_iff(fd, tap, name, err, errlen);
	if (ret)
		goto close_fd;
	return finish(tap, fd, name, err, errlen);
close_fd:
	close(fd);
	return ret;
}

void tap__from_fd(struct tap *tap, int fd, unsigned offloads)
{
	memset(tap, 0, sizeof(*tap));
	tap->fd = fd;
	tap->offloads = offloads;
	snprintf(tap->name, sizeof(tap->name), "fd%d", fd);
}

int tap__set_offload(struct tap *tap, unsigned flags)
{
	if (flags & ~tap->offloads)
		return -EINVAL;
	if (!tap->is_tap)
		return 0;
	if (ioctl(tap->fd, TUNSETOFFLOAD, (unsigned long)flags) < 0)
		return -errno;
	return 0;
}

int tap__set_carrier(struct tap *tap, bool on)
{
	int val = on;

	if (!tap->is_tap)
		return 0;
	if (ioctl(tap->fd, TUNSETCARRIER, &val) < 0)
		return -errno;
	return 0;
}

int tap__is_up(const struct tap *tap)
{
	struct ifreq ifr;
	int sock, ret;

	if (!tap->is_tap)
		return 1;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap->name);
	ret = ioctl(sock, SIOCGIFFLAGS, &ifr) < 0 ? -errno : !!(ifr.ifr_flags & IFF_UP);
	close(sock);
	return ret;
}

void tap__close(struct tap *tap)
{
	if (tap->fd >= 0)
		close(tap->fd);
	tap->fd = -1;
}
