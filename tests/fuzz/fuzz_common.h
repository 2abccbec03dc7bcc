/*
 * What the fuzz targets share: a byte reader over the fuzz input (it never fails, it runs
 * out into zeroes), log silencing, and an I/O-thread pump so devices run on the fuzzer's thread.
 */
#ifndef NV_TESTS_FUZZ_COMMON_H
#define NV_TESTS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "devices/io_thread.h"
#include "util/log.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input, consumed front to back. */
struct fuzz_in {
	const u8 *p;
	size_t left;
};

static inline struct fuzz_in fuzz_in(const u8 *data, size_t size)
{
	return (struct fuzz_in){ .p = data, .left = size };
}

static inline void fuzz_bytes(struct fuzz_in *in, void *out, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memcpy(out, in->p, k);
	memset((u8 *)out + k, 0, n - k);
	in->p += k;
	in->left -= k;
}

static inline u8 fuzz_u8(struct fuzz_in *in)
{
	u8 v;

	fuzz_bytes(in, &v, 1);
	return v;
}

static inline u16 fuzz_u16(struct fuzz_in *in)
{
	u16 v;

	fuzz_bytes(in, &v, 2);
	return v;
}

static inline u32 fuzz_u32(struct fuzz_in *in)
{
	u32 v;

	fuzz_bytes(in, &v, 4);
	return v;
}

static inline u64 fuzz_u64(struct fuzz_in *in)
{
	u64 v;

	fuzz_bytes(in, &v, 8);
	return v;
}

/*
 * A NUL-terminated string of the next bytes up to a separator byte (or the end), copied
 * into buf (cut to len - 1). Returns buf.
 */
static inline char *fuzz_str(struct fuzz_in *in, char sep, char *buf, size_t len)
{
	size_t n = 0;

	while (in->left) {
		char c = (char)*in->p++;

		in->left--;
		if (c == sep)
			break;
		if (n + 1 < len)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return buf;
}

/*
 * Warnings about hostile input are expected by the thousand: errors only, to keep the
 * fuzzer's output readable. FUZZ_VERBOSE=1 shows everything (for replaying one input).
 */
static inline void fuzz_quiet(void)
{
	log_level = getenv("FUZZ_VERBOSE") ? LOG_DEBUG : LOG_ERR;
}

/*
 * Runs the handlers of t's ready fds once, as t's thread would (t is never started): waits
 * up to timeout_ms for the first. Returns how many handlers ran.
 */
static inline int fuzz_io_pump(struct io_thread *t, int timeout_ms)
{
	struct epoll_event ev[16];
	int n = epoll_wait(t->epoll_fd, ev, 16, timeout_ms), ran = 0;

	for (int i = 0; i < n; i++) {
		unsigned slot = (u32)ev[i].data.u64;
		int fd = (int)(ev[i].data.u64 >> 32);
		struct io_handler *h;

		if (slot >= IO_THREAD_MAX_HANDLERS)
			continue;
		pthread_mutex_lock(&t->lock);
		h = &t->handlers[slot];
		if (h->used && h->fd == fd) {
			h->fn(h->opaque, ev[i].events);
			ran++;
		}
		pthread_mutex_unlock(&t->lock);
	}
	return ran;
}

#endif
