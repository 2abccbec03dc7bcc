/*
 * The VM's console: where serial output goes (stdout, a file, nowhere) and where input comes
 * from. On a terminal, stdin is put in raw mode so interactive shells work; Ctrl-a x quits,
 * Ctrl-a Ctrl-a sends a literal Ctrl-a.
 *
 * With file=PATH,socket=SOCK the output also goes to one client of a unix stream socket,
 * which types to the guest: the newest client takes the console over (the previous one is
 * told and closed), so a stalled or forgotten client never locks others out. Output to a
 * client is never waited for: what its socket buffer cannot take is dropped (the file still
 * gets everything).
 */
#ifndef NV_VMM_CONSOLE_H
#define NV_VMM_CONSOLE_H

#include <pthread.h>
#include <sys/types.h>
#include <termios.h>

#include "vmm/config.h"

#define CONSOLE_ESCAPE 0x01	/* Ctrl-a */

struct console {
	enum console_mode mode;
	int out_fd;		/* -1: discard */
	int in_fd;		/* -1: no input */
	bool raw;		/* stdin is a terminal we switched to raw mode */
	bool after_escape;	/* the previous input byte was the escape key */
	struct termios saved;
	int listen_fd;		/* the socket clients connect to; -1: none */
	int client_fd;		/* the attached client (under lock: vCPUs write it); -1: none */
	pthread_mutex_t lock;
	char sock_path[108];
};

int console__open(struct console *c, const struct vm_config *cfg, char *err, size_t errlen) __must_check;
/* Restores the terminal and closes files. Safe to call twice. */
void console__close(struct console *c);

void console__write(struct console *c, const u8 *buf, size_t len);

/*
 * Turns input bytes into guest bytes (out holds at least n + 1 bytes), handling the escape
 * sequences on terminals. Returns the count for the guest; sets *quit on Ctrl-a x.
 */
size_t console__filter_input(struct console *c, const u8 *in, size_t n, u8 *out, bool *quit);

/* Socket mode (console_sock.c); the event loop's thread calls these. */
int console__socket_open(struct console *c, const char *path, char *err, size_t errlen)
	__must_check;
void console__socket_close(struct console *c);
/* The fd to poll for a new client: the listening socket, or -1. */
int console__listen_fd(const struct console *c);
/* Takes the waiting client; it replaces the attached one. */
void console__accept(struct console *c);
/*
 * Reads input (in_fd). A socket client that hangs up or fails is detached, and that reads as
 * -1 with errno EAGAIN (no input now), never as the end of the console's input.
 */
ssize_t console__read(struct console *c, u8 *buf, size_t len);
/* Sends to the client without waiting; drops what does not fit (any thread). */
void console__send_client(struct console *c, const u8 *buf, size_t len);

#endif
