/*
 * Test guest: the `rng` word: 64 bytes from a virtio-rng device (virtio 1.x, 5.4), one
 * device-writable buffer at a time on its single queue, printed as hex.
 */
#include "virtio.h"

#define RNG_BYTES	64
#define RNG_TIMEOUT_US	5000000ULL
#define RNG_QUEUE_MAX	8

static struct vdev rng = { .name = "rng" };

/* Fills buf[0..RNG_BYTES); the device may return fewer bytes than asked each time. */
static int rng_fill(u8 *dma, u8 *buf)
{
	struct vbuf b;
	u32 got = 0, len;
	unsigned tries;

	for (tries = 0; got < RNG_BYTES && tries < 64; tries++) {
		b = (struct vbuf){ dma, RNG_BYTES - got, 1 };
		if (virtq__submit_wait(&rng.vq[0], &b, 1, &len, RNG_TIMEOUT_US)) {
			printf("rng: no buffer returned within %llu s (status %#x)\n",
			       RNG_TIMEOUT_US / 1000000, virtio__status(&rng));
			return -1;
		}
		if (len > RNG_BYTES - got) {
			printf("rng: device claims %u bytes written into %u\n", len, RNG_BYTES - got);
			return -1;
		}
		memcpy(buf + got, dma, len);
		got += len;
	}
	if (got < RNG_BYTES) {
		printf("rng: only %u of %u bytes after %u requests\n", got, RNG_BYTES, tries);
		return -1;
	}
	return 0;
}

int vrng__run(void)
{
	static u8 *dma;
	u8 buf[RNG_BYTES], any = 0;
	char hex[2 * RNG_BYTES + 1], why[160];
	unsigned i;

	if (!rng.ready) {
		if (virtio__open(&rng, VIRTIO_ID_RNG, 0, why, sizeof(why)))
			return printf("rng: %s\n", why), -1;
		if (virtio__start(&rng, 0, 1, RNG_QUEUE_MAX))
			return -1;
	}
	if (!dma)
		dma = dma__alloc(RNG_BYTES, 64);
	if (rng_fill(dma, buf))
		return -1;
	for (i = 0; i < RNG_BYTES; i++)
		any |= buf[i];
	hex_string(hex, buf, RNG_BYTES);
	printf("rng: %u bytes %s\n", RNG_BYTES, hex);
	if (!any)
		return printf("rng: all %u bytes are zero\n", RNG_BYTES), -1;
	return 0;
}
