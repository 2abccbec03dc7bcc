/*
 * The host's own limit for the net benchmark: writes 1514-byte frames into a tap as fast
 * as one thread can for N seconds, as a guest's transmit path would, and prints frames/s.
 * Usage: tap_flood TAPNAME SECONDS (run inside the namespace that holds the tap).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define FRAME_BYTES 1514

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_tap(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	unsigned char frame[FRAME_BYTES];
	unsigned long long frames = 0;
	double t0, t1, secs;
	int fd;

	if (argc != 3 || (secs = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: tap_flood TAPNAME SECONDS\n");
		return 2;
	}
	fd = open_tap(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "tap_flood: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* Same frame as the guest's netbench: to an unused unicast MAC, ethertype 0x88b5. */
	memset(frame, 0x5a, sizeof(frame));
	memcpy(frame, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x88\xb5", 14);
	t0 = now();
	do {
		for (int i = 0; i < 1024; i++)
			if (write(fd, frame, sizeof(frame)) == sizeof(frame))
				frames++;
		t1 = now();
	} while (t1 - t0 < secs);
	printf("RESULT tap-flood frames=%llu ns=%.0f fps=%.0f mbps=%.0f\n", frames, (t1 - t0) * 1e9,
	       frames / (t1 - t0), frames * (double)FRAME_BYTES / (t1 - t0) / 1e6);
	return 0;
}
