/*
 * The fallback back-end of a disk where io_uring is unavailable (old kernel, seccomp), and the
 * large requests of an image in memory: a few worker threads doing blocking preadv/pwritev, or,
 * if no thread starts (or the request is small and the image in memory), the caller itself.
 */
#include <errno.h>
#include <string.h>

#include "block/disk_internal.h"
#include "util/log.h"
#include "vmm/seccomp.h"

static struct disk_request *next_todo(struct disk *d)
{
	struct disk_request *r;

	pthread_mutex_lock(&d->lock);
	while (!d->todo.head && !d->stopping)
		pthread_cond_wait(&d->cond, &d->lock);
	r = d->todo.head;
	if (r) {
		d->todo.head = r->next;
		if (!d->todo.head)
			d->todo.tail = NULL;
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

static void *worker(void *opaque)
{
	struct disk *d = opaque;
	struct disk_request *r;

	/* Created by the main thread before its own filter: take the I/O threads' one. */
	seccomp__enter(SECCOMP_KIND_IO);

	while ((r = next_todo(d))) {
		disk_run_sync(d, r);
		disk_finish_later(d, r, r->result);
	}
	return NULL;
}

void disk_threads__init(struct disk *d)
{
	int ret;

	for (unsigned i = 0; i < DISK_WORKERS; i++) {
		ret = pthread_create(&d->workers[i], NULL, worker, d);
		if (ret) {
			pr_warn("disk %s: cannot start an I/O thread: %s\n", d->path,
				strerror(ret));
			break;
		}
		d->nworkers++;
	}
}

void disk_threads__exit(struct disk *d)
{
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	for (unsigned i = 0; i < d->nworkers; i++)
		pthread_join(d->workers[i], NULL);
	d->nworkers = 0;
}

static bool serve_inline(const struct disk *d, const struct disk_request *r)
{
	return !d->nworkers || (d->backend == DISK_BACKEND_MEMORY && r->len < DISK_INLINE_MAX);
}

void disk_threads__queue(struct disk *d, struct disk_request *r)
{
	if (serve_inline(d, r)) {
		disk_run_sync(d, r);
		disk_finish_here(d, r, r->result);
		return;
	}
	pthread_mutex_lock(&d->lock);
	r->next = NULL;
	if (d->todo.tail)
		d->todo.tail->next = r;
	else
		d->todo.head = r;
	d->todo.tail = r;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}
