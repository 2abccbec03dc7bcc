/*
 * Test guest: the command line. One table maps each word to a handler; settings apply
 * while parsing, workloads are queued and run in command-line order after the checks.
 */
#include "guest.h"

#define MAX_WORKLOADS	32
#define WORD_MAX	128

struct guest_opts opts;

enum word_kind { SETTING, WORKLOAD };

struct word {
	const char *name;
	int has_value;		/* name=VALUE */
	enum word_kind kind;
	int (*fn)(u64 value);
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

static const struct word words[] = {
	{ "cpu", 1, WORKLOAD, run_cpu },
	{ "pingpong", 1, WORKLOAD, run_pingpong },
	{ "mem", 1, WORKLOAD, run_mem },
	{ "echo", 0, WORKLOAD, run_echo },
	{ "quiet", 0, SETTING, set_quiet },
	{ "nosmp", 0, SETTING, set_nosmp },
	{ "exit", 1, SETTING, set_exit },
	{ "reboot", 0, SETTING, set_reboot },
	{ "triplefault", 0, SETTING, set_triplefault },
	{ "tsc_khz", 1, SETTING, set_tsc_khz },
};

struct queued {
	const struct word *w;
	u64 value;
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
	if (w->has_value != (*eq == '='))
		return printf("cmdline: '%s' %s\n", w->name,
			      w->has_value ? "needs a value" : "takes no value"), -1;
	if (w->has_value && parse_u64(eq + 1, &value))
		return printf("cmdline: bad number in '%s'\n", tok), -1;
	if (w->kind == SETTING) {
		if (w->fn(value))
			return printf("cmdline: value out of range in '%s'\n", tok), -1;
		return 0;
	}
	if (nqueued == MAX_WORKLOADS)
		return printf("cmdline: more than %d workloads\n", MAX_WORKLOADS), -1;
	queue[nqueued++] = (struct queued){ w, value };
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

	for (i = 0; i < nqueued; i++)
		if (queue[i].w->fn(queue[i].value))
			return -1;
	return 0;
}
