/*
 * The per-device I/O thread: one epoll set, an eventfd that stops it, and a table of handlers.
 * Handlers run with the table lock held (a recursive mutex), which is what lets
 * io_thread__remove wait for a running handler and lets a handler add or remove fds itself.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/io_thread.h"
#include "util/log.h"
#include "vmm/seccomp.h"

#define STOP_TOKEN	((u64)-1)
#define MAX_EVENTS	16

/* epoll data: the slot in the low half, the fd in the high half, to drop stale events. */
static u64 token(unsigned slot, int fd)
{
	return (u64)(u32)fd << 32 | slot;
}

int io_thread__init(struct io_thread *t, const char *name, char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = STOP_TOKEN };
	pthread_mutexattr_t attr;
	int ret;

	memset(t, 0, sizeof(*t));
	t->name = name;
	t->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (t->epoll_fd < 0)
		return set_err(err, errlen, errno, "%s: epoll_create1: %s", name, strerror(errno));
	t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->stop_fd < 0) {
		ret = set_err(err, errlen, errno, "%s: eventfd: %s", name, strerror(errno));
		goto close_epoll;
	}
	if (epoll_ctl(t->epoll_fd, EPOLL_CTL_ADD, t->stop_fd, &ev) < 0) {
		ret = set_err(err, errlen, errno, "%s: epoll_ctl: %s", name, strerror(errno));
		goto close_stop;
	}
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	ret = -pthread_mutex_init(&t->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (ret) {
		set_err(err, errlen, -ret, "%s: mutex: %s", name, strerror(-ret));
		goto close_stop;
	}
	return 0;
close_stop:
	close(t->stop_fd);
close_epoll:
	close(t->epoll_fd);
	t->epoll_fd = t->stop_fd = -1;
	return ret;
}

/* One ready fd: run its handler if the slot still holds that fd (it may have been removed). */
static void dispatch(struct io_thread *t, const struct epoll_event *ev)
{
	unsigned slot = (u32)ev->data.u64;
	int fd = (int)(ev->data.u64 >> 32);
	struct io_handler *h;

	if (slot >= IO_THREAD_MAX_HANDLERS)
		return;
	pthread_mutex_lock(&t->lock);
	h = &t->handlers[slot];
	if (h->used && h->fd == fd)
		h->fn(h->opaque, ev->events);
	pthread_mutex_unlock(&t->lock);
}

static void *thread_main(void *arg)
{
	struct io_thread *t = arg;
	struct epoll_event events[MAX_EVENTS];
	char tname[16];

	/* Named by itself: naming another thread goes through /proc, absent in a jail. */
	snprintf(tname, sizeof(tname), "%s", t->name ? t->name : "io");
	pthread_setname_np(pthread_self(), tname);
	seccomp__enter(SECCOMP_KIND_IO);	/* before any guest-driven work */
	for (;;) {
		int n = epoll_wait(t->epoll_fd, events, MAX_EVENTS, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pr_err("%s: epoll_wait: %s", t->name, strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			if (events[i].data.u64 == STOP_TOKEN)
				return NULL;
			dispatch(t, &events[i]);
		}
	}
}

int io_thread__start(struct io_thread *t, char *err, size_t errlen)
{
	int ret;

	if (t->running)
		return 0;
	ret = pthread_create(&t->thread, NULL, thread_main, t);
	if (ret)
		return set_err(err, errlen, ret, "%s: cannot start its thread: %s", t->name,
			       strerror(ret));
	t->running = true;
	return 0;
}

void io_thread__exit(struct io_thread *t)
{
	u64 one = 1;

	if (t->epoll_fd < 0)
		return;
	if (t->running) {
		if (write(t->stop_fd, &one, sizeof(one)) < 0)
			pr_err("%s: cannot stop its thread: %s", t->name, strerror(errno));
		pthread_join(t->thread, NULL);
		t->running = false;
	}
	close(t->stop_fd);
	close(t->epoll_fd);
	t->stop_fd = t->epoll_fd = -1;
	pthread_mutex_destroy(&t->lock);
}

static int find_slot(const struct io_thread *t, int fd)
{
	int free_slot = -ENOSPC;

	for (unsigned i = 0; i < IO_THREAD_MAX_HANDLERS; i++) {
		if (t->handlers[i].used && t->handlers[i].fd == fd)
			return -EEXIST;
		if (!t->handlers[i].used && free_slot < 0)
			free_slot = i;
	}
	return free_slot;
}

int io_thread__add(struct io_thread *t, int fd, u32 events, io_handler_fn fn, void *opaque)
{
	struct epoll_event ev = { .events = events };
	int slot;

	if (fd < 0 || !fn)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	slot = find_slot(t, fd);
	if (slot >= 0) {
		ev.data.u64 = token(slot, fd);
		if (epoll_ctl(t->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			slot = -errno;
		} else {
			t->handlers[slot] = (struct io_handler){ .fd = fd, .fn = fn, .opaque = opaque,
								 .used = true };
		}
	}
	pthread_mutex_unlock(&t->lock);
	return slot < 0 ? slot : 0;
}

/* Taking the lock waits for a handler running on the thread; on the thread it is recursive. */
void io_thread__remove(struct io_thread *t, int fd)
{
	pthread_mutex_lock(&t->lock);
	for (unsigned i = 0; i < IO_THREAD_MAX_HANDLERS; i++) {
		struct io_handler *h = &t->handlers[i];

		if (h->used && h->fd == fd) {
			epoll_ctl(t->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
			memset(h, 0, sizeof(*h));
			h->fd = -1;
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
}
