/*
 * Unit tests for the daemon's supervisor without a VMM: what exit statuses mean, instance
 * paths, and re-adoption from the files a VMM's monitor leaves (none, an exit status, a pid
 * that is not a VMM).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/supervisor.h"
#include "tap.h"

static char dir[64];

static void reason_is(int ws, const char *want)
{
	char buf[256];

	supervisor__exit_reason(ws, buf, sizeof(buf));
	if (!strstr(buf, want))
		printf("#   status %d: \"%s\" lacks \"%s\"\n", ws, buf, want);
	CHECK(strstr(buf, want) != NULL);
}

static void test_exit_reasons(void)
{
	reason_is(0 << 8, "the guest powered off (VMM exit status 0)");
	reason_is(1 << 8, "the VMM failed (exit status 1)");
	reason_is(2 << 8, "reboot");
	reason_is(4 << 8, "the guest crashed");
	reason_is(11 << 8, "the guest wrote 5 to the debug-exit port (VMM exit status 11)");
	reason_is(143 << 8, "stopped by SIGTERM (exit status 143)");
	reason_is(130 << 8, "stopped by SIGINT");
	reason_is(159 << 8, "forbidden system call");
	reason_is(SIGKILL, "the VMM was killed by signal 9");
	reason_is(SIGSEGV, "killed by signal 11");
	reason_is(-1, "left no exit status");
	reason_is(6 << 8, "the VMM exited with status 6");
}

static void test_paths(void)
{
	char buf[64], small[16];

	CHECK_EQ(supervisor__path_in("/s", 42, SV_SOCK, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "/s/instances/42/vmm.sock");
	CHECK_EQ(supervisor__path_in("/s", 42, NULL, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "/s/instances/42");
	CHECK(supervisor__path_in("/a/long/state/dir", 42, SV_SOCK, small, sizeof(small)) < 0);
}

static void put(s64 id, const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/instances", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/instances/%lld", dir, (long long)id);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/instances/%lld/%s", dir, (long long)id, file);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_adopt(void)
{
	struct supervisor *sv = NULL;
	char why[256], pids[128], err[128];

	CHECK_EQ(supervisor__init(&sv, dir, 1000, err, sizeof(err)), 0);
	if (!sv)
		return;
	/* Nothing recorded: nothing to adopt. */
	CHECK(!supervisor__adopt(sv, 1, why, sizeof(why)));
	CHECK(strstr(why, "no VMM was found") != NULL);
	CHECK(!supervisor__running(sv, 1));
	/* A VMM that ended while no daemon watched: its monitor's record says how. */
	put(2, SV_PID, "999999 999998\n");
	put(2, SV_EXIT, "9\n");
	CHECK(!supervisor__adopt(sv, 2, why, sizeof(why)));
	CHECK(strstr(why, "killed by signal 9") != NULL);
	/* A guest that crashed: the VMM's log says how, and so does the reason. */
	put(5, SV_PID, "999999 999998\n");
	put(5, SV_EXIT, "1024\n");	/* exited 4 */
	put(5, SV_VMM_LOG, "nestvisor: error: vCPU 1: guest stopped: triple fault\n"
	    "vCPU 1 registers:\n  rip=000000000000fff0\n"
	    "nestvisor: error: guest crashed; exiting with status 4\n");
	CHECK(!supervisor__adopt(sv, 5, why, sizeof(why)));
	CHECK_STR(why, "the guest crashed: triple fault (VMM exit status 4)");
	/* A VMM that failed: its last line says why. */
	put(6, SV_PID, "999999 999998\n");
	put(6, SV_EXIT, "256\n");
	put(6, SV_VMM_LOG, "nestvisor: info: starting\nnestvisor: error: no memory\n\n");
	CHECK(!supervisor__adopt(sv, 6, why, sizeof(why)));
	CHECK_STR(why, "the VMM failed (exit status 1): nestvisor: error: no memory");
	/* A live pid that is not a VMM (a reused pid): not adopted, never signalled. */
	snprintf(pids, sizeof(pids), "%d 999998\n", (int)getpid());
	put(3, SV_PID, pids);
	CHECK(!supervisor__adopt(sv, 3, why, sizeof(why)));
	CHECK(strstr(why, "was gone") != NULL);
	/* A garbled pid file. */
	put(4, SV_PID, "garbage\n");
	CHECK(!supervisor__adopt(sv, 4, why, sizeof(why)));
	/* Removal of the directory. */
	CHECK_EQ(supervisor__remove(sv, 2, err, sizeof(err)), 0);
	snprintf(pids, sizeof(pids), "%s/instances/2", dir);
	CHECK(access(pids, F_OK) != 0);
	supervisor__free(sv);
}

int main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/nv-sv-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	RUN(test_exit_reasons);
	RUN(test_paths);
	RUN(test_adopt);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
	return tap_done();
}
