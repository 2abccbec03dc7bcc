/*
 * A thread that waits on file descriptors and runs their handlers: where device work happens
 * (virtqueue kicks, disk completions, tap frames) so a vCPU thread never waits on I/O.
 */
#ifndef NV_DEVICES_IO_THREAD_H
#define NV_DEVICES_IO_THREAD_H

#include <pthread.h>

#include "util/util.h"

#define IO_THREAD_MAX_HANDLERS 64

/* events: EPOLLIN/EPOLLOUT/... as reported by epoll. */
typedef void (*io_handler_fn)(void *opaque, u32 events);

struct io_handler {
	int fd;
	io_handler_fn fn;
	void *opaque;
	bool used;
};

struct io_thread {
	const char *name;
	int epoll_fd;
	int stop_fd;			/* eventfd that ends the loop */
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;		/* the handler table */
	struct io_handler handlers[IO_THREAD_MAX_HANDLERS];
};

int io_thread__init(struct io_thread *t, const char *name, char *err, size_t errlen) __must_check;
/* Starts the thread; handlers may be added before or after. */
int io_thread__start(struct io_thread *t, char *err, size_t errlen) __must_check;
/* Stops and joins the thread, closes its own fds (not the handlers'). */
void io_thread__exit(struct io_thread *t);
/* Runs fn(opaque, events) on the thread whenever fd is ready for events (EPOLLIN...). */
int io_thread__add(struct io_thread *t, int fd, u32 events, io_handler_fn fn, void *opaque) __must_check;
/*
 * Stops watching fd. When called off the thread it returns only after a handler for fd that
 * was already running has finished, so opaque may be freed afterwards.
 */
void io_thread__remove(struct io_thread *t, int fd);

#endif
