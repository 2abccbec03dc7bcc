/*
 * Test guest: the command line. One table maps each word to a handler; settings apply
 * while parsing, workloads are queued and run in command-line order after the checks.
 */
#include "guest.h"
#include "virtio.h"

#define MAX_WORKLOADS	32
#define WORD_MAX	128

struct guest_opts opts;

enum word_kind { SETTING, WORKLOAD };

enum value_kind { NONE, NUMBER, STRING };

/*
 * A word takes no value, a number (fn), or a string (sfn: checked with run = 0 while
 * parsing, so a bad value stops everything before any workload runs, then run with 1).
 */
struct word {
	const char *name;
	enum value_kind value;	/* name=VALUE unless NONE */
	enum word_kind kind;
	int (*fn)(u64 value);
	int (*sfn)(const char *value, int run);
};

static int run_cpu(u64 v) { return workload__cpu(v); }
static int run_pingpong(u64 v) { return workload__pingpong(v); }
static int run_mem(u64 v) { return workload__mem(v); }
static int run_echo(u64 v) { return workload__echo(); }
static int set_quiet(u64 v) { opts.quiet = 1; return 0; }
static int set_nosmp(u64 v) { opts.nosmp = 1; return 0; }
static int set_reboot(u64 v) { opts.reboot = 1; return 0; }
static int set_triplefault(u64 v) { opts.triplefault = 1; return 0; }

static int set_tsc_khz(u64 v)
{
	if (v < 1000 || v > 100000000)
		return -1;
	opts.tsc_khz = v;
	return 0;
}

static int set_exit(u64 v)
{
	if (v > 0xffffffffULL)
		return -1;
	opts.have_exit = 1;
	opts.exit_value = (u32)v;
	return 0;
}

static int run_rng(u64 v) { return vrng__run(); }
static int run_blk(u64 v) { return vblk__info(); }
static int run_blkread(u64 v) { return vblk__read(v); }
static int run_blkflush(u64 v) { return vblk__flush(); }
static int run_blkid(u64 v) { return vblk__id(); }
static int run_blkro(u64 v) { return vblk__ro(); }
static int run_net(u64 v) { return vnet__info(); }
static int run_netecho(u64 v) { return vnet__echo(); }
static int set_pcireassign(u64 v) { pci_reassign = 1; return 0; }

static int run_netsend(u64 v)
{
	return v && v <= 1000000 ? vnet__send(v) : -1;
}

static int run_netrecv(u64 v)
{
	return v && v <= 1000000 ? vnet__recv(v) : -1;
}

static int set_blkdev(u64 v)
{
	blk_index = (unsigned)v;
	return v < 256 ? 0 : -1;
}

static int set_netdev(u64 v)
{
	net_index = (unsigned)v;
	return v < 256 ? 0 : -1;
}

/* blkwrite=SECTOR:BYTE */
static int run_blkwrite(const char *v, int run)
{
	const char *colon = v;
	u64 sector, byte;

	while (*colon && *colon != ':')
		colon++;
	if (!*colon || parse_u64n(v, colon - v, &sector) || parse_u64(colon + 1, &byte) ||
	    byte > 0xff)
		return -1;
	return run ? vblk__write(sector, (u8)byte) : 0;
}

static const struct word words[] = {
	{ "cpu", NUMBER, WORKLOAD, run_cpu, NULL },
	{ "pingpong", NUMBER, WORKLOAD, run_pingpong, NULL },
	{ "mem", NUMBER, WORKLOAD, run_mem, NULL },
	{ "echo", NONE, WORKLOAD, run_echo, NULL },
	{ "rng", NONE, WORKLOAD, run_rng, NULL },
	{ "blk", NONE, WORKLOAD, run_blk, NULL },
	{ "blkread", NUMBER, WORKLOAD, run_blkread, NULL },
	{ "blkwrite", STRING, WORKLOAD, NULL, run_blkwrite },
	{ "blkflush", NONE, WORKLOAD, run_blkflush, NULL },
	{ "blkid", NONE, WORKLOAD, run_blkid, NULL },
	{ "blkro", NONE, WORKLOAD, run_blkro, NULL },
	{ "blkbench", STRING, WORKLOAD, NULL, vblk__bench },
	{ "net", NONE, WORKLOAD, run_net, NULL },
	{ "netsend", NUMBER, WORKLOAD, run_netsend, NULL },
	{ "netecho", NONE, WORKLOAD, run_netecho, NULL },
	{ "netrecv", NUMBER, WORKLOAD, run_netrecv, NULL },
	{ "netbench", STRING, WORKLOAD, NULL, vnet__bench },
	{ "virtio-evil", STRING, WORKLOAD, NULL, vevil__run },
	{ "hostile", STRING, WORKLOAD, NULL, hostile__run },
	{ "quiet", NONE, SETTING, set_quiet, NULL },
	{ "nosmp", NONE, SETTING, set_nosmp, NULL },
	{ "exit", NUMBER, SETTING, set_exit, NULL },
	{ "reboot", NONE, SETTING, set_reboot, NULL },
	{ "triplefault", NONE, SETTING, set_triplefault, NULL },
	{ "tsc_khz", NUMBER, SETTING, set_tsc_khz, NULL },
	{ "blkdev", NUMBER, SETTING, set_blkdev, NULL },
	{ "netdev", NUMBER, SETTING, set_netdev, NULL },
	{ "pcireassign", NONE, SETTING, set_pcireassign, NULL },
};

struct queued {
	const struct word *w;
	u64 value;
	char arg[WORD_MAX + 1];	/* a STRING word's value */
};

static struct queued queue[MAX_WORKLOADS];
static unsigned nqueued;

static const struct word *lookup(const char *name, size_t len)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (strlen(words[i].name) == len && !strncmp(words[i].name, name, len))
			return &words[i];
	return NULL;
}

/* The length of the name part of "name" or "name=value". */
static size_t name_len(const char *tok)
{
	size_t n = 0;

	while (tok[n] && tok[n] != '=')
		n++;
	return n;
}

static int parse_word(const char *tok)
{
	const char *eq = tok + name_len(tok);
	const struct word *w;
	u64 value = 0;

	w = lookup(tok, eq - tok);
	if (!w)
		return printf("cmdline: unknown word '%s'\n", tok), -1;
	if ((w->value != NONE) != (*eq == '='))
		return printf("cmdline: '%s' %s\n", w->name,
			      w->value != NONE ? "needs a value" : "takes no value"), -1;
	if (w->value == NUMBER && parse_u64(eq + 1, &value))
		return printf("cmdline: bad number in '%s'\n", tok), -1;
	if (w->value == STRING && w->sfn(eq + 1, 0))
		return printf("cmdline: bad value in '%s'\n", tok), -1;
	if (w->kind == SETTING) {
		if (w->fn(value))
			return printf("cmdline: value out of range in '%s'\n", tok), -1;
		return 0;
	}
	if (nqueued == MAX_WORKLOADS)
		return printf("cmdline: more than %d workloads\n", MAX_WORKLOADS), -1;
	queue[nqueued].w = w;
	queue[nqueued].value = value;
	if (w->value == STRING)
		memcpy(queue[nqueued].arg, eq + 1, strlen(eq + 1) + 1);
	nqueued++;
	return 0;
}

/*
 * Multiboot loaders (QEMU, GRUB) put the kernel's file name first; skip_first drops the
 * first word when it is not one of ours.
 */
int cmdline__parse(const char *cmdline, int skip_first)
{
	char tok[WORD_MAX + 1];
	const char *p = cmdline, *start;
	size_t len;
	int first = 1, bad = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		for (start = p; *p && *p != ' ' && *p != '\t' && *p != '\n'; p++)
			;
		len = p - start < WORD_MAX ? (size_t)(p - start) : WORD_MAX;
		memcpy(tok, start, len);
		tok[len] = '\0';
		if (first && skip_first && !lookup(tok, name_len(tok))) {
			first = 0;
			continue;
		}
		first = 0;
		bad |= parse_word(tok);
	}
	if (opts.have_exit + opts.reboot + opts.triplefault > 1) {
		printf("cmdline: choose at most one of exit=, reboot, triplefault\n");
		bad = -1;
	}
	return bad ? -1 : 0;
}

int cmdline__run_workloads(void)
{
	unsigned i;

	for (i = 0; i < nqueued; i++) {
		if (queue[i].w->value == STRING ? queue[i].w->sfn(queue[i].arg, 1) :
						  queue[i].w->fn(queue[i].value))
			return -1;
	}
	return 0;
}
