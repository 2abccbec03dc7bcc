/* Unit tests for the device I/O thread: handlers run on it, remove waits, stop joins. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "devices/io_thread.h"
#include "tap.h"

struct counter {
	struct io_thread *t;
	int fd;
	int calls;			/* read with __atomic loads from the test */
	pthread_t ran_on;
	int sleep_ms;			/* to make a handler slow */
	int finished;
	bool remove_self;
};

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void on_ready(void *opaque, u32 events)
{
	struct counter *c = opaque;
	u64 v;

	if (read(c->fd, &v, sizeof(v)) < 0)
		return;
	c->ran_on = pthread_self();
	__atomic_add_fetch(&c->calls, 1, __ATOMIC_SEQ_CST);
	if (c->sleep_ms)
		sleep_ms(c->sleep_ms);
	if (c->remove_self)
		io_thread__remove(c->t, c->fd);
	__atomic_store_n(&c->finished, 1, __ATOMIC_SEQ_CST);
}

static void kick(int fd)
{
	u64 one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

/* Polls for up to a second; unit tests must not hang. */
static bool wait_calls(struct counter *c, int n)
{
	for (int i = 0; i < 1000; i++) {
		if (__atomic_load_n(&c->calls, __ATOMIC_SEQ_CST) >= n)
			return true;
		sleep_ms(1);
	}
	return false;
}

static void test_handler_runs_on_thread(void)
{
	struct io_thread t;
	struct counter c = { .t = &t };
	char err[128];

	CHECK_EQ(io_thread__init(&t, "test-io", err, sizeof(err)), 0);
	c.fd = eventfd(0, EFD_NONBLOCK);
	CHECK_EQ(io_thread__add(&t, c.fd, EPOLLIN, on_ready, &c), 0);	/* before start */
	CHECK_EQ(io_thread__add(&t, c.fd, EPOLLIN, on_ready, &c), -EEXIST);
	CHECK_EQ(io_thread__start(&t, err, sizeof(err)), 0);
	kick(c.fd);
	CHECK(wait_calls(&c, 1));
	CHECK(pthread_equal(c.ran_on, t.thread));
	CHECK(!pthread_equal(c.ran_on, pthread_self()));
	kick(c.fd);
	CHECK(wait_calls(&c, 2));
	io_thread__exit(&t);
	close(c.fd);
}

static void test_add_after_start_and_bad_args(void)
{
	struct io_thread t;
	struct counter c = { .t = &t };
	char err[128];

	CHECK_EQ(io_thread__init(&t, "test-io", err, sizeof(err)), 0);
	CHECK_EQ(io_thread__start(&t, err, sizeof(err)), 0);
	c.fd = eventfd(0, EFD_NONBLOCK);
	CHECK_EQ(io_thread__add(&t, -1, EPOLLIN, on_ready, &c), -EINVAL);
	CHECK_EQ(io_thread__add(&t, c.fd, EPOLLIN, NULL, &c), -EINVAL);
	CHECK_EQ(io_thread__add(&t, c.fd, EPOLLIN, on_ready, &c), 0);
	kick(c.fd);
	CHECK(wait_calls(&c, 1));
	io_thread__exit(&t);
	close(c.fd);
}

static void test_remove_stops_handler(void)
{
	struct io_thread t;
	struct counter c = { .t = &t };
	char err[128];

	CHECK_EQ(io_thread__init(&t, "test-io", err, sizeof(err)), 0);
	CHECK_EQ(io_thread__start(&t, err, sizeof(err)), 0);
	c.fd = eventfd(0, EFD_NONBLOCK);
	CHECK_EQ(io_thread__add(&t, c.fd, EPOLLIN, on_ready, &c), 0);
	io_thread__remove(&t, c.fd);
	io_thread__remove(&t, c.fd);	/* twice: harmless */
	kick(c.fd);
	sleep_ms(50);
	CHECK_EQ(__atomic_load_n(&c.calls, __ATOMIC_SEQ_CST), 0);
	/* The slot can be used again. */
	CHECK_EQ(io_thread__add(&t, c.fd, EPOLLIN, on_ready, &c), 0);
	CHECK(wait_calls(&c, 1));
	io_thread__exit(&t);
	close(c.fd);
}

/* Removing off the thread waits for a handler already running, so opaque may be freed. */
static void test_remove_waits_for_running_handler(void)
{
	struct io_thread t;
	struct counter *c = calloc(1, sizeof(*c));
	char err[128];

	c->t = &t;
	c->sleep_ms = 200;
	CHECK_EQ(io_thread__init(&t, "test-io", err, sizeof(err)), 0);
	CHECK_EQ(io_thread__start(&t, err, sizeof(err)), 0);
	c->fd = eventfd(0, EFD_NONBLOCK);
	CHECK_EQ(io_thread__add(&t, c->fd, EPOLLIN, on_ready, c), 0);
	kick(c->fd);
	CHECK(wait_calls(c, 1));
	io_thread__remove(&t, c->fd);
	CHECK_EQ(__atomic_load_n(&c->finished, __ATOMIC_SEQ_CST), 1);
	close(c->fd);
	free(c);
	io_thread__exit(&t);
}

static void test_handler_removes_itself(void)
{
	struct io_thread t;
	struct counter c = { .t = &t, .remove_self = true };
	char err[128];

	CHECK_EQ(io_thread__init(&t, "test-io", err, sizeof(err)), 0);
	CHECK_EQ(io_thread__start(&t, err, sizeof(err)), 0);
	c.fd = eventfd(0, EFD_NONBLOCK);
	CHECK_EQ(io_thread__add(&t, c.fd, EPOLLIN, on_ready, &c), 0);
	kick(c.fd);
	CHECK(wait_calls(&c, 1));
	for (int i = 0; i < 1000 && !__atomic_load_n(&c.finished, __ATOMIC_SEQ_CST); i++)
		sleep_ms(1);
	kick(c.fd);
	sleep_ms(50);
	CHECK_EQ(__atomic_load_n(&c.calls, __ATOMIC_SEQ_CST), 1);
	io_thread__exit(&t);
	close(c.fd);
}

static void test_table_full(void)
{
	struct io_thread t;
	struct counter c = { .t = &t };
	int fds[IO_THREAD_MAX_HANDLERS + 1];
	char err[128];

	CHECK_EQ(io_thread__init(&t, "test-io", err, sizeof(err)), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(fds); i++)
		fds[i] = eventfd(0, EFD_NONBLOCK);
	for (unsigned i = 0; i < IO_THREAD_MAX_HANDLERS; i++)
		CHECK_EQ(io_thread__add(&t, fds[i], EPOLLIN, on_ready, &c), 0);
	CHECK_EQ(io_thread__add(&t, fds[IO_THREAD_MAX_HANDLERS], EPOLLIN, on_ready, &c), -ENOSPC);
	io_thread__exit(&t);	/* never started: closes its fds only */
	for (unsigned i = 0; i < ARRAY_SIZE(fds); i++)
		close(fds[i]);
}

static void test_stop_while_idle(void)
{
	struct io_thread t;
	char err[128];

	for (int i = 0; i < 20; i++) {
		CHECK_EQ(io_thread__init(&t, "test-io", err, sizeof(err)), 0);
		CHECK_EQ(io_thread__start(&t, err, sizeof(err)), 0);
		io_thread__exit(&t);
		CHECK_EQ(t.running, 0);
	}
}

int main(void)
{
	RUN(test_handler_runs_on_thread);
	RUN(test_add_after_start_and_bad_args);
	RUN(test_remove_stops_handler);
	RUN(test_remove_waits_for_running_handler);
	RUN(test_handler_removes_itself);
	RUN(test_table_full);
	RUN(test_stop_while_idle);
	return tap_done();
}
