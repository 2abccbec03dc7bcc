/* Unit tests for block/disk: raw images on temporary files, on every back-end. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "block/disk_internal.h"
#include "tap.h"

#define IMG_SIZE (1024 * 1024)

static char img[64];
static const char *img_dir = "/tmp"; /* /dev/shm for the in-memory back-end */
static unsigned backend_flags; /* 0, DISK_NO_URING, or DISK_NO_URING | DISK_NO_THREADS */

struct result {
	struct disk_request req;
	int res;
	int calls;
};

static void done(struct disk_request *req, int res)
{
	struct result *r = container_of(req, struct result, req);

	r->res = res;
	r->calls++;
}

static void make_image(u64 size)
{
	int fd;

	snprintf(img, sizeof(img), "%s/nv-disk-XXXXXX", img_dir);
	fd = mkstemp(img);
	if (fd < 0 || ftruncate(fd, size) < 0)
		abort();
	close(fd);
}

static struct disk *open_image(unsigned flags)
{
	struct disk *d = NULL;
	char err[256] = "";
	int ret = disk__open(&d, img, flags | backend_flags, err, sizeof(err));

	if (ret)
		printf("#   disk__open: %s\n", err);
	return ret ? NULL : d;
}

/* Queues one request, waits for it, returns its result (or -999 if the callback never ran). */
static int run(struct disk *d, struct result *r)
{
	r->res = -999;
	r->calls = 0;
	r->req.done = done;
	disk__queue(d, &r->req);
	disk__submit(d);
	disk__drain(d);
	return r->calls == 1 ? r->res : -999;
}

static int rw(struct disk *d, enum disk_op op, u64 off, void *buf, size_t len)
{
	struct iovec iov = {buf, len};
	struct result r = {.req = {.op = op, .offset = off, .iov = &iov, .iovcnt = 1}};

	return run(d, &r);
}

static int ranged(struct disk *d, enum disk_op op, u64 off, u64 len, bool unmap)
{
	struct result r = {.req = {.op = op, .offset = off, .len = len, .may_unmap = unmap}};

	return run(d, &r);
}

static void file_read(u64 off, void *buf, size_t len)
{
	int fd = open(img, O_RDONLY);

	if (fd < 0 || pread(fd, buf, len, off) != (ssize_t)len)
		abort();
	close(fd);
}

static bool all_bytes(const u8 *p, size_t len, u8 v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void test_round_trip(void)
{
	static u8 out[8192], in[8192], file[8192];
	struct disk *d;

	make_image(IMG_SIZE);
	d = open_image(0);
	CHECK(d);
	if (!d)
		return;
	CHECK_EQ(disk__size(d), IMG_SIZE);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (u8)(i * 7 + 3);
	CHECK_EQ(rw(d, DISK_OP_WRITE, 4096, out, sizeof(out)), 0);
	file_read(4096, file, sizeof(file));
	CHECK(!memcmp(file, out, sizeof(out)));
	CHECK_EQ(rw(d, DISK_OP_READ, 4096, in, sizeof(in)), 0);
	CHECK(!memcmp(in, out, sizeof(out)));
	CHECK_EQ(rw(d, DISK_OP_READ, IMG_SIZE - 512, in, 512), 0);
	CHECK(all_bytes(in, 512, 0));
	CHECK_EQ(disk__inflight(d), 0);
	disk__close(d);
	unlink(img);
}

/* Buffers split at odd places: the iovec walk must line everything up. */
static void test_scattered(void)
{
	static u8 a[100], b[412], c[1024], back[1536];
	struct iovec iov[3] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}};
	struct result r = {.req = {.op = DISK_OP_WRITE, .offset = 512, .iov = iov, .iovcnt = 3}};
	struct disk *d;

	make_image(IMG_SIZE);
	d = open_image(0);
	CHECK(d);
	if (!d)
		return;
	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	memset(c, 3, sizeof(c));
	CHECK_EQ(run(d, &r), 0);
	file_read(512, back, sizeof(back));
	CHECK(all_bytes(back, 100, 1));
	CHECK(all_bytes(back + 100, 412, 2));
	CHECK(all_bytes(back + 512, 1024, 3));
	disk__close(d);
	unlink(img);
}

static void test_flush_discard_zeroes(void)
{
	static u8 buf[65536], back[65536];
	struct disk *d;

	make_image(IMG_SIZE);
	d = open_image(0);
	CHECK(d);
	if (!d)
		return;
	memset(buf, 0xab, sizeof(buf));
	CHECK_EQ(rw(d, DISK_OP_WRITE, 0, buf, sizeof(buf)), 0);
	CHECK_EQ(ranged(d, DISK_OP_FLUSH, 0, 0, false), 0);
	CHECK_EQ(ranged(d, DISK_OP_DISCARD, 0, 8192, false), 0);
	CHECK_EQ(ranged(d, DISK_OP_WRITE_ZEROES, 8192, 4096, false), 0);
	CHECK_EQ(ranged(d, DISK_OP_WRITE_ZEROES, 12288, 4096, true), 0);
	file_read(0, back, sizeof(back));
	/* Discarded data is unspecified; a hole-punching file system (ext4, tmpfs) gives zeroes. */
	CHECK(all_bytes(back + 8192, 8192, 0));
	CHECK(all_bytes(back + 16384, sizeof(back) - 16384, 0xab));
	CHECK_EQ(rw(d, DISK_OP_READ, 8192, back, 8192), 0);
	CHECK(all_bytes(back, 8192, 0));
	disk__close(d);
	struct stat st;
	CHECK(stat(img, &st) == 0 && st.st_size == IMG_SIZE);
	unlink(img);
}

/* Every write-zeroes fallback, forced: punch a hole, then plain writes of zeroes. */
static void test_zeroes_fallbacks(void)
{
	static u8 buf[3 * DISK_ZERO_CHUNK / 2], back[sizeof(buf)];
	struct disk *d;

	make_image(4 * DISK_ZERO_CHUNK);
	d = open_image(0);
	CHECK(d);
	if (!d)
		return;
	memset(buf, 0x5a, sizeof(buf));
	CHECK_EQ(rw(d, DISK_OP_WRITE, 0, buf, sizeof(buf)), 0);
	d->no_zero_range = true;
	CHECK_EQ(ranged(d, DISK_OP_WRITE_ZEROES, 0, 4096, true), 0);
	d->no_punch = true;
	/* More than one chunk, so the write loop goes round. */
	CHECK_EQ(ranged(d, DISK_OP_WRITE_ZEROES, 4096, sizeof(buf) - 8192, true), 0);
	file_read(0, back, sizeof(back));
	CHECK(all_bytes(back, sizeof(back) - 4096, 0));
	CHECK(all_bytes(back + sizeof(back) - 4096, 4096, 0x5a));
	disk__close(d);
	unlink(img);
}

static void test_out_of_range(void)
{
	static u8 buf[1024], back[512];
	struct disk *d;

	make_image(IMG_SIZE);
	d = open_image(0);
	CHECK(d);
	if (!d)
		return;
	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(rw(d, DISK_OP_WRITE, IMG_SIZE - 512, buf, 1024), -EINVAL);
	CHECK_EQ(rw(d, DISK_OP_WRITE, UINT64_MAX - 511, buf, 1024), -EINVAL);
	CHECK_EQ(ranged(d, DISK_OP_DISCARD, IMG_SIZE, 512, false), -EINVAL);
	CHECK_EQ(ranged(d, DISK_OP_WRITE_ZEROES, 512, UINT64_MAX, false), -EINVAL);
	CHECK_EQ(rw(d, DISK_OP_READ, 0, buf, 0), 0);
	file_read(IMG_SIZE - 512, back, 512);
	CHECK(all_bytes(back, 512, 0));
	disk__close(d);
	unlink(img);
}

static void test_readonly(void)
{
	static u8 buf[512];
	struct disk *d;

	make_image(IMG_SIZE);
	d = open_image(DISK_RDONLY);
	CHECK(d);
	if (!d)
		return;
	CHECK(disk__readonly(d));
	memset(buf, 0x11, sizeof(buf));
	CHECK_EQ(rw(d, DISK_OP_WRITE, 0, buf, sizeof(buf)), -EROFS);
	CHECK_EQ(ranged(d, DISK_OP_DISCARD, 0, 512, false), -EROFS);
	CHECK_EQ(ranged(d, DISK_OP_WRITE_ZEROES, 0, 512, false), -EROFS);
	CHECK_EQ(rw(d, DISK_OP_READ, 0, buf, sizeof(buf)), 0);
	CHECK(all_bytes(buf, sizeof(buf), 0));
	disk__close(d);
	unlink(img);
}

static void test_locking(void)
{
	struct disk *a, *b = NULL;
	char err[256] = "";

	make_image(IMG_SIZE);
	a = open_image(0);
	CHECK(a);
	CHECK_EQ(disk__open(&b, img, 0, err, sizeof(err)), -EBUSY);
	CHECK(strstr(err, "is in use by another process"));
	CHECK_EQ(disk__open(&b, img, DISK_RDONLY, err, sizeof(err)), -EBUSY);
	disk__close(a);
	/* Readers share. */
	a = open_image(DISK_RDONLY);
	b = open_image(DISK_RDONLY);
	CHECK(a && b);
	disk__close(b);
	b = NULL;
	CHECK_EQ(disk__open(&b, img, 0, err, sizeof(err)), -EBUSY);
	disk__close(a);
	/* The lock goes with the file: reopening works. */
	a = open_image(0);
	CHECK(a);
	disk__close(a);
	unlink(img);
}

static int open_err(const char *path, unsigned flags, char *err, size_t errlen)
{
	struct disk *d = NULL;
	int ret = disk__open(&d, path, flags, err, errlen);

	if (!ret)
		disk__close(d);
	return ret;
}

static void test_bad_files(void)
{
	char err[256], dir[] = "/tmp/nv-disk-dir-XXXXXX";
	int fd;

	CHECK_EQ(open_err("/nonexistent/disk.img", 0, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "/nonexistent/disk.img") && strstr(err, "No such file"));
	CHECK_EQ(open_err("", 0, err, sizeof(err)), -EINVAL);
	CHECK(mkdtemp(dir));
	CHECK_EQ(open_err(dir, 0, err, sizeof(err)), -EISDIR);
	CHECK(strstr(err, "is a directory"));
	rmdir(dir);
	make_image(1000);
	CHECK_EQ(open_err(img, 0, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not a multiple of 512"));
	unlink(img);
	make_image(0);
	CHECK_EQ(open_err(img, 0, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "is empty"));
	unlink(img);
	strcpy(img, "/tmp/nv-disk-fifo-XXXXXX");
	fd = mkstemp(img);
	close(fd);
	unlink(img);
	CHECK(mkfifo(img, 0600) == 0);
	CHECK_EQ(open_err(img, 0, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not a regular file"));
	unlink(img);
}

/* As root, permissions do not stop open(): check from a child that gave up root. */
static void test_not_writable(void)
{
	char err[256] = "";
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	make_image(IMG_SIZE);
	CHECK(chmod(img, 0444) == 0);
	CHECK(pipe(pipefd) == 0);
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		if (geteuid() == 0 && setresuid(65534, 65534, 65534) < 0)
			_exit(99);
		int ret = open_err(img, 0, err, sizeof(err));
		n = write(pipefd[1], err, strlen(err) + 1);
		_exit(ret == -EACCES && n > 0 && open_err(img, DISK_RDONLY, err, sizeof(err)) == 0
			  ? 0
			  : 1);
	}
	close(pipefd[1]);
	n = read(pipefd[0], err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = 0;
	close(pipefd[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 99)
		SKIP("cannot drop root");
	else
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(err, "is not writable") && strstr(err, ",ro"));
	unlink(img);
}

/* O_DIRECT with buffers that are not sector aligned goes through a bounce buffer. */
static void test_direct(void)
{
	static u8 raw[4096 + 1024] __attribute__((aligned(4096))), back[2048];
	struct disk *d = NULL;
	char err[256];

	make_image(IMG_SIZE);
	if (disk__open(&d, img, DISK_DIRECT | backend_flags, err, sizeof(err))) {
		unlink(img);
		SKIP("no O_DIRECT here");
		return;
	}
	memset(raw, 0x42, sizeof(raw));
	CHECK_EQ(rw(d, DISK_OP_WRITE, 1024, raw + 4096, 512), 0); /* aligned */
	CHECK_EQ(rw(d, DISK_OP_WRITE, 1536, raw + 3, 1024), 0);	  /* bounced */
	CHECK_EQ(rw(d, DISK_OP_WRITE, 100, raw, 512), -EINVAL);	  /* offset not aligned */
	memset(raw, 0, sizeof(raw));
	CHECK_EQ(rw(d, DISK_OP_READ, 1024, raw + 7, 1536), 0);
	CHECK(all_bytes(raw + 7, 1536, 0x42));
	file_read(512, back, 2048);
	CHECK(all_bytes(back, 512, 0) && all_bytes(back + 512, 1536, 0x42));
	disk__close(d);
	unlink(img);
}

/* Closing with requests in flight runs every callback first. */
static void test_close_drains(void)
{
	static u8 bufs[32][4096];
	static struct iovec iov[32];
	static struct result r[32];
	struct disk *d;
	int total = 0;

	make_image(IMG_SIZE);
	d = open_image(0);
	CHECK(d);
	if (!d)
		return;
	for (int i = 0; i < 32; i++) {
		iov[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
		r[i] = (struct result){.req = {.op = i % 2 ? DISK_OP_WRITE : DISK_OP_READ,
					       .offset = i * 4096ULL,
					       .iov = &iov[i],
					       .iovcnt = 1,
					       .done = done},
				       .res = -999};
		disk__queue(d, &r[i].req);
	}
	disk__submit(d);
	CHECK(disk__inflight(d) <= 32);
	disk__close(d);
	for (int i = 0; i < 32; i++)
		total += r[i].calls == 1 && r[i].res == 0;
	CHECK_EQ(total, 32);
	unlink(img);
}

/* A transfer that comes back short resumes where it stopped; -EAGAIN retries as it was. */
static void test_short_transfer(void)
{
	static u8 a[100], b[412], c[512];
	struct iovec iov[3] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}};
	struct disk_request r = {
	    .op = DISK_OP_READ, .offset = 4096, .len = 1024, .iov = iov, .iovcnt = 3};
	struct disk_step s;
	struct disk *d;

	make_image(IMG_SIZE);
	d = open_image(0);
	CHECK(d);
	if (!d)
		return;
	CHECK(!disk_advance(d, &r, 150));
	CHECK_EQ(r.iovcnt, 2);
	CHECK(r.iov[0].iov_base == b + 50 && r.iov[0].iov_len == 362);
	disk_step(d, &r, &s);
	CHECK(s.kind == STEP_READV && s.offset == 4096 + 150 && s.iovcnt == 2);
	CHECK(!disk_advance(d, &r, -EAGAIN));
	CHECK_EQ(r.iovcnt, 2);
	CHECK(!disk_advance(d, &r, 362));
	CHECK(r.iovcnt == 1 && r.iov[0].iov_base == c);
	CHECK(disk_advance(d, &r, 512));
	CHECK_EQ(r.result, 0);
	/* No progress at all is an error, not a loop. */
	r = (struct disk_request){.op = DISK_OP_READ, .len = 512, .iov = iov, .iovcnt = 1};
	CHECK(disk_advance(d, &r, 0));
	CHECK_EQ(r.result, -EIO);
	disk__close(d);
	unlink(img);
}

/* A disk passed as "/dev/fd/N" is duplicated, its mode and type checked; the path unused. */
static void test_passed_fd(void)
{
	struct disk *d = NULL;
	char err[256], path[32];
	int rw, ro, fds[2];

	make_image(IMG_SIZE);
	rw = open(img, O_RDWR | O_CLOEXEC);
	ro = open(img, O_RDONLY | O_CLOEXEC);
	CHECK(rw >= 0 && ro >= 0);
	snprintf(path, sizeof(path), "/dev/fd/%d", rw);
	CHECK_EQ(disk__open(&d, path, backend_flags, err, sizeof(err)), 0);
	CHECK(d && d->fd != rw && d->size == IMG_SIZE && (fcntl(d->fd, F_GETFD) & FD_CLOEXEC));
	disk__close(d);
	d = NULL;
	close(rw);	/* its file, and so the lock, is the one the disk had */
	/* A read-only descriptor serves a read-only drive, but not a writable one. */
	snprintf(path, sizeof(path), "/dev/fd/%d", ro);
	CHECK_EQ(disk__open(&d, path, DISK_RDONLY | backend_flags, err, sizeof(err)), 0);
	disk__close(d);
	d = NULL;
	CHECK_EQ(disk__open(&d, path, backend_flags, err, sizeof(err)), -EBADF);
	CHECK(strstr(err, path) && strstr(err, "read-only") && !strchr(err, '\n'));
	close(ro);
	/* A closed descriptor, then a pipe (no image): one line each. */
	CHECK_EQ(disk__open(&d, path, DISK_RDONLY, err, sizeof(err)), -EBADF);
	CHECK(strstr(err, path) && strstr(err, "not an open descriptor"));
	CHECK_EQ(pipe(fds), 0);
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	CHECK_EQ(disk__open(&d, path, DISK_RDONLY, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, path) && strstr(err, "not a regular file or block device"));
	CHECK(d == NULL);
	close(fds[0]);
	close(fds[1]);
	unlink(img);
}

/* The helper: only "/dev/fd/" and decimal digits name a descriptor. */
static void test_path_passed_fd(void)
{
	CHECK_EQ(path_passed_fd("/dev/fd/4"), 4);
	CHECK_EQ(path_passed_fd("/dev/fd/0"), 0);
	CHECK_EQ(path_passed_fd("/dev/fd/123"), 123);
	CHECK_EQ(path_passed_fd("/dev/fd/"), -1);
	CHECK_EQ(path_passed_fd("/dev/fd/4x"), -1);
	CHECK_EQ(path_passed_fd("/dev/fd/-4"), -1);
	CHECK_EQ(path_passed_fd("/dev/fd/ 4"), -1);
	CHECK_EQ(path_passed_fd("/dev/fd/99999999999999999999"), -1);
	CHECK_EQ(path_passed_fd("/dev/fd4"), -1);
	CHECK_EQ(path_passed_fd("/tmp/disk.img"), -1);
	CHECK_EQ(path_passed_fd(""), -1);
	CHECK_EQ(dup_passed_fd(-1), -EBADF);
}

static void run_all(void)
{
	RUN(test_round_trip);
	RUN(test_scattered);
	RUN(test_flush_discard_zeroes);
	RUN(test_zeroes_fallbacks);
	RUN(test_out_of_range);
	RUN(test_readonly);
	RUN(test_locking);
	RUN(test_direct);
	RUN(test_close_drains);
	RUN(test_passed_fd);
}

static void test_backend_uring(void)
{
	struct disk *d;

	make_image(IMG_SIZE);
	d = open_image(0);
	if (d && strcmp(disk__backend(d), "io_uring"))
		SKIP("io_uring unavailable here; the thread back-end served instead");
	disk__close(d);
	unlink(img);
}

/* On tmpfs: small requests inline, large ones (a worker's) in flight together with them. */
static void test_memory_split(void)
{
	static u8 big[2 * DISK_INLINE_MAX], small[4096], back[sizeof(big)];
	struct iovec biov = {big, sizeof(big)}, siov = {small, sizeof(small)};
	struct result rb = {.req = {.op = DISK_OP_WRITE, .offset = 0, .iov = &biov, .iovcnt = 1,
				    .done = done}, .res = -999};
	struct result rs = {.req = {.op = DISK_OP_WRITE, .offset = sizeof(big), .iov = &siov,
				    .iovcnt = 1, .done = done}, .res = -999};
	struct disk *d;

	make_image(IMG_SIZE);
	d = open_image(0);
	CHECK(d);
	if (!d)
		return;
	CHECK_STR(disk__backend(d), "memory");
	memset(big, 0x11, sizeof(big));
	memset(small, 0x22, sizeof(small));
	disk__queue(d, &rb.req);
	disk__queue(d, &rs.req);
	disk__submit(d);
	disk__drain(d);
	CHECK(rb.calls == 1 && rb.res == 0 && rs.calls == 1 && rs.res == 0);
	file_read(0, back, sizeof(back));
	CHECK(all_bytes(back, sizeof(back), 0x11));
	file_read(sizeof(big), back, sizeof(small));
	CHECK(all_bytes(back, sizeof(small), 0x22));
	memset(big, 0, sizeof(big));
	CHECK_EQ(rw(d, DISK_OP_READ, 0, big, sizeof(big)), 0);
	CHECK(all_bytes(big, sizeof(big), 0x11));
	disk__close(d);
	unlink(img);
}

static void run_memory(void)
{
	if (access("/dev/shm", W_OK)) {
		SKIP("no writable /dev/shm (tmpfs) here");
		return;
	}
	printf("# back-end: in memory (tmpfs)\n");
	img_dir = "/dev/shm";
	backend_flags = 0;
	RUN(test_memory_split);
	run_all();
	printf("# back-end: in memory, no worker threads\n");
	backend_flags = DISK_NO_THREADS;
	run_all();
	img_dir = "/tmp";
}

int main(void)
{
	RUN(test_backend_uring);
	RUN(test_bad_files);
	RUN(test_path_passed_fd);
	RUN(test_not_writable);
	RUN(test_short_transfer);
	printf("# back-end: io_uring (when available)\n");
	run_all();
	printf("# back-end: worker threads\n");
	backend_flags = DISK_NO_URING;
	run_all();
	printf("# back-end: inline\n");
	backend_flags = DISK_NO_URING | DISK_NO_THREADS;
	run_all();
	run_memory();
	return tap_done();
}
