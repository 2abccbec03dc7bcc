/* Console back-end: stdio (raw on terminals), a file (and a client socket), or nothing. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "vmm/console.h"

/* The terminal of the process that put it in raw mode, restored even if we die(). */
static struct console *raw_console;

static void restore_at_exit(void)
{
	if (raw_console)
		console__close(raw_console);
}

static bool is_background_job(int fd)
{
	pid_t foreground = tcgetpgrp(fd);

	return isatty(fd) && foreground > 0 && foreground != getpgrp();
}

static void enter_raw_mode(struct console *c)
{
	struct termios raw;

	if (!isatty(c->in_fd) || tcgetattr(c->in_fd, &c->saved) < 0)
		return;
	raw = c->saved;
	cfmakeraw(&raw);
	/* Keep output post-processing: our own messages still end lines properly. */
	raw.c_oflag |= OPOST;
	if (tcsetattr(c->in_fd, TCSANOW, &raw) < 0)
		return;
	c->raw = true;
	raw_console = c;
	atexit(restore_at_exit);
}

int console__open(struct console *c, const struct vm_config *cfg, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->mode = cfg->console;
	c->out_fd = -1;
	c->in_fd = -1;
	c->listen_fd = -1;
	c->client_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	switch (cfg->console) {
	case CONSOLE_STDIO:
		c->out_fd = STDOUT_FILENO;
		c->in_fd = STDIN_FILENO;
		if (is_background_job(c->in_fd)) {
			/* Touching the terminal from a background job stops us with SIGTTOU/SIGTTIN. */
			pr_info("console: not the terminal's foreground job; guest input is off");
			c->in_fd = -1;
			break;
		}
		enter_raw_mode(c);
		break;
	case CONSOLE_FILE:
		c->out_fd = open(cfg->console_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->out_fd < 0)
			return set_err(err, errlen, errno, "--console file=%s: %s", cfg->console_path,
				       strerror(errno));
		if (cfg->console_socket[0] &&
		    console__socket_open(c, cfg->console_socket, err, errlen)) {
			close(c->out_fd);
			c->out_fd = -1;
			return -EINVAL;
		}
		break;
	case CONSOLE_NONE:
		break;
	}
	return 0;
}

void console__close(struct console *c)
{
	if (c->raw) {
		tcsetattr(c->in_fd, TCSANOW, &c->saved);
		c->raw = false;
	}
	if (c->mode == CONSOLE_FILE && c->out_fd >= 0)
		close(c->out_fd);
	console__socket_close(c);
	c->out_fd = -1;
	c->in_fd = -1;
	if (raw_console == c)
		raw_console = NULL;
}

void console__write(struct console *c, const u8 *buf, size_t len)
{
	console__send_client(c, buf, len);
	while (c->out_fd >= 0 && len) {
		ssize_t n = write(c->out_fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* A closed pipe or full disk must not stop the guest: drop output. */
			pr_warn_once("console output failed (%s); discarding further output",
				     n < 0 ? strerror(errno) : "short write");
			return;
		}
		buf += n;
		len -= n;
	}
}

size_t console__filter_input(struct console *c, const u8 *in, size_t n, u8 *out, bool *quit)
{
	size_t m = 0;

	*quit = false;
	if (!c->raw) {
		memcpy(out, in, n);
		return n;
	}
	for (size_t i = 0; i < n; i++) {
		if (!c->after_escape) {
			if (in[i] == CONSOLE_ESCAPE)
				c->after_escape = true;
			else
				out[m++] = in[i];
			continue;
		}
		c->after_escape = false;
		if (in[i] == 'x' || in[i] == 'X') {
			*quit = true;
			return m;
		}
		if (in[i] != CONSOLE_ESCAPE)
			out[m++] = CONSOLE_ESCAPE;
		out[m++] = in[i];
	}
	return m;
}
