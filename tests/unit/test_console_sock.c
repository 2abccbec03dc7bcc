/*
 * The console's client socket (--console file=PATH,socket=SOCK): parsing, a client's input
 * and output, a stalled client never blocking the writer (the file still gets everything),
 * the newest client taking over, a hang-up detaching without ending the console's input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli/run_options.h"
#include "tap.h"
#include "vmm/console.h"

static char dir[] = "/tmp/nv-console-XXXXXX";
static char file_path[100], sock_path[100];

static int connect_client(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_console(struct console *c)
{
	struct vm_config cfg;
	char err[256];

	vm_config__defaults(&cfg);
	cfg.console = CONSOLE_FILE;
	snprintf(cfg.console_path, sizeof(cfg.console_path), "%s", file_path);
	snprintf(cfg.console_socket, sizeof(cfg.console_socket), "%s", sock_path);
	return console__open(c, &cfg, err, sizeof(err));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_parse(void)
{
	char *argv[] = { "run", "--kernel", "k", "--console", "file=/a b,socket=/c", NULL };
	char *bad[] = { "run", "--kernel", "k", "--console", "file=/a,socket=", NULL };
	struct vm_config cfg;
	char err[256];

	CHECK_EQ(run_options__parse(5, argv, &cfg, err, sizeof(err)), 0);
	CHECK_EQ(cfg.console, CONSOLE_FILE);
	CHECK_STR(cfg.console_path, "/a b");
	CHECK_STR(cfg.console_socket, "/c");
	CHECK(run_options__parse(5, bad, &cfg, err, sizeof(err)) < 0);
	CHECK(strstr(err, "socket=SOCK") != NULL);
}

static void test_input_output(void)
{
	struct console c;
	struct stat st;
	u8 buf[64];
	int cl;

	CHECK_EQ(open_console(&c), 0);
	CHECK(!stat(sock_path, &st) && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600);
	CHECK_EQ(c.in_fd, -1);
	cl = connect_client();
	CHECK(cl >= 0);
	console__accept(&c);
	CHECK(c.in_fd >= 0);
	CHECK_EQ(write(cl, "hi\n", 3), 3);
	CHECK_EQ(console__read(&c, buf, sizeof(buf)), 3);
	console__write(&c, (const u8 *)"out\n", 4);
	CHECK_EQ(read(cl, buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "out\n", 4));
	close(cl);
	/* A hang-up detaches the client; it is not the end of the console's input. */
	errno = 0;
	CHECK_EQ(console__read(&c, buf, sizeof(buf)), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(c.in_fd, -1);
	console__write(&c, (const u8 *)"more\n", 5);	/* no client: the file only */
	console__close(&c);
	CHECK(!stat(file_path, &st) && st.st_size == 9);
	CHECK(stat(sock_path, &st) < 0);	/* removed at close */
}

/* A client that never reads: 8 MiB of output go on at once, the file gets all of it. */
static void test_stalled_client(void)
{
	static u8 chunk[4096];
	struct console c;
	struct stat st;
	double t0;
	int cl;

	CHECK_EQ(open_console(&c), 0);
	cl = connect_client();
	console__accept(&c);
	t0 = now_s();
	for (int i = 0; i < 2048; i++)
		console__write(&c, chunk, sizeof(chunk));
	CHECK(now_s() - t0 < 5);
	console__close(&c);
	CHECK(!stat(file_path, &st) && st.st_size == 2048 * 4096);
	close(cl);
}

static void test_takeover(void)
{
	struct console c;
	char buf[256];
	ssize_t n;
	int a, b;

	CHECK_EQ(open_console(&c), 0);
	a = connect_client();
	console__accept(&c);
	b = connect_client();
	console__accept(&c);
	n = read(a, buf, sizeof(buf) - 1);	/* the note, then the end */
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(strstr(buf, "took over") != NULL);
	CHECK_EQ(read(a, buf, sizeof(buf)), 0);
	console__write(&c, (const u8 *)"x", 1);
	CHECK_EQ(read(b, buf, sizeof(buf)), 1);
	console__close(&c);
	close(a);
	close(b);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(file_path, sizeof(file_path), "%s/serial.log", dir);
	snprintf(sock_path, sizeof(sock_path), "%s/con.sock", dir);
	RUN(test_parse);
	RUN(test_input_output);
	RUN(test_stalled_client);
	RUN(test_takeover);
	unlink(file_path);
	rmdir(dir);
	return tap_done();
}
