/*
 * The VM's console: where serial output goes (stdout, a file, nowhere) and where input comes
 * from. On a terminal, stdin is put in raw mode so interactive shells work; Ctrl-a x quits,
 * Ctrl-a Ctrl-a sends a literal Ctrl-a.
 */
#ifndef NV_VMM_CONSOLE_H
#define NV_VMM_CONSOLE_H

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

#endif
