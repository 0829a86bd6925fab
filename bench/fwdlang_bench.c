/* fwdlang_bench.c - throughput of the "looks forwarded" body test
 * (mh_fwdlang_body) against the full decoding machine it replaces
 * (mh_fwdlang_body_ref), on the bodies of the messages of mbox files.
 *
 *   build/release/bench/fwdlang_bench [-r ROUNDS] [-R REF_ROUNDS]
 *                                     [-k avx2|sse2|scalar] FILE.mbox...
 *
 * Each message body (after the header's blank line, at most 64 KiB: the
 * scan's default body prefix) is tested ROUNDS times (default 5) by
 * mh_fwdlang_body and REF_ROUNDS times (default ROUNDS; the reference is
 * 10-30 times slower; 0: not at all, nor checked, for profiles) by
 * mh_fwdlang_body_ref; the best round's MB/s of
 * body bytes is printed, by wall clock and by the thread's CPU time (which
 * leaves out the time other processes took the core), with how many
 * bodies each found; the two must agree on every body (checked on the
 * last round's answers). -k forces the SIMD kernel of the filter
 * (analytics/fwdscan.h; default: the best this machine has). Only the bodies are timed:
 * reading and splitting the files is not. Bodies of messages that carry
 * no forwarding artefact are tested too (a scan tests only those that
 * do): this measures the function, not a scan.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/fwdlang.h"
#include "analytics/fwdscan.h"

#define PREFIX ((size_t)64 << 10)

struct span {
	const char *p;
	size_t n;
};

static double now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bodies of the messages of an mbox held in buf[0..n). */
static size_t split(const char *buf, size_t n, struct span **v, size_t *cap,
                    size_t k)
{
	size_t st = 0;
	while (st < n) {
		const char *nx = memmem(buf + st + 1, n - st - 1, "\nFrom ", 6);
		size_t en = nx ? (size_t)(nx - buf) + 1 : n;
		const char *bl = memmem(buf + st, en - st, "\n\n", 2);
		if (bl) {
			size_t bs = (size_t)(bl - buf) + 2;
			size_t bn = en - bs;
			if (k == *cap) {
				size_t nc = *cap ? 2 * *cap : 4096;
				struct span *nv = realloc(*v, nc * sizeof(**v));
				if (!nv) {
					fputs("fwdlang_bench: out of memory\n",
					      stderr);
					exit(4);
				}
				*v = nv;
				*cap = nc;
			}
			(*v)[k].p = buf + bs;
			(*v)[k].n = bn < PREFIX ? bn : PREFIX;
			k++;
		}
		st = en;
	}
	return k;
}

static int (*const fns[2])(const char *, size_t, int) = {mh_fwdlang_body,
                                                         mh_fwdlang_body_ref};
static const char *const names[2] = {"mh_fwdlang_body", "mh_fwdlang_body_ref"};

int main(int argc, char **argv)
{
	int rounds = 5, ref_rounds = -1, a = 1, rc = 0;
	struct span *v = NULL;
	size_t nv = 0, cap = 0, nb = 0;
	char **bufs = calloc((size_t)argc, sizeof(*bufs));
	if (!bufs)
		return 4;
	while (a + 1 < argc &&
	       (!strcmp(argv[a], "-r") || !strcmp(argv[a], "-R") ||
	        !strcmp(argv[a], "-k"))) {
		if (argv[a][1] == 'r') {
			rounds = atoi(argv[a + 1]);
		} else if (argv[a][1] == 'R') {
			ref_rounds = atoi(argv[a + 1]);
		} else {
			static const char *const kn[] = {"auto", "scalar",
			                                 "sse2", "avx2"};
			int k = 0;
			while (k < 4 && strcmp(argv[a + 1], kn[k]))
				k++;
			if (k == 4 ||
			    mh_fwdscan_use((enum mh_fwdscan_kernel)k) != 0) {
				fprintf(stderr,
				        "fwdlang_bench: no kernel '%s' here\n",
				        argv[a + 1]);
				rc = 2;
				goto done;
			}
		}
		a += 2;
	}
	if (ref_rounds < 0)
		ref_rounds = rounds;
	if (a >= argc || rounds < 1 || ref_rounds < 0) {
		fputs("usage: fwdlang_bench [-r ROUNDS] [-R REF_ROUNDS] "
		      "[-k avx2|sse2|scalar] FILE.mbox...\n",
		      stderr);
		rc = 2;
		goto done;
	}
	for (; a < argc; a++) {
		FILE *f = fopen(argv[a], "rb");
		if (!f) {
			fprintf(stderr, "fwdlang_bench: cannot open '%s': %s\n",
			        argv[a], strerror(errno));
			rc = 3;
			goto done;
		}
		fseek(f, 0, SEEK_END);
		long sz = ftell(f);
		fseek(f, 0, SEEK_SET);
		char *buf = malloc(sz > 0 ? (size_t)sz : 1);
		bufs[nb++] = buf; /* the spans point into it */
		if (!buf || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
			fclose(f);
			fprintf(stderr, "fwdlang_bench: cannot read '%s'\n",
			        argv[a]);
			rc = 3;
			goto done;
		}
		fclose(f);
		nv = split(buf, (size_t)sz, &v, &cap, nv);
	}
	double bytes = 0;
	for (size_t i = 0; i < nv; i++)
		bytes += (double)v[i].n;
	size_t found[2] = {0, 0};
	/* Each body's answer in the last round, per function. */
	unsigned char *ans = calloc(nv ? 2 * nv : 1, 1);
	if (!ans) {
		rc = 4;
		goto done;
	}
	static const char *const kname[] = {"auto", "scalar", "sse2", "avx2"};
	printf("filter kernel: %s\n", kname[mh_fwdscan_kernel()]);
	for (int k = 0; k < 2; k++) {
		double best = 1e30, best_cpu = 1e30;
		int nr = k ? ref_rounds : rounds;
		if (!nr)
			break;
		for (int r = 0; r < nr; r++) {
			size_t fd = 0;
			double t0 = now(CLOCK_MONOTONIC),
			       c0 = now(CLOCK_THREAD_CPUTIME_ID);
			for (size_t i = 0; i < nv; i++) {
				int f = fns[k](v[i].p, v[i].n, 0) != 0;
				ans[k * nv + i] = (unsigned char)f;
				fd += (size_t)f;
			}
			double t = now(CLOCK_MONOTONIC) - t0,
			       c = now(CLOCK_THREAD_CPUTIME_ID) - c0;
			if (t < best)
				best = t;
			if (c < best_cpu)
				best_cpu = c;
			found[k] = fd;
		}
		printf("%-20s %zu bodies, %.1f MB, %zu look forwarded: best of "
		       "%d rounds %.1f ms, %.0f MB/s (CPU time %.1f ms, %.0f "
		       "MB/s)\n",
		       names[k], nv, bytes / 1e6, found[k], nr, best * 1e3,
		       bytes / best / 1e6, best_cpu * 1e3,
		       bytes / best_cpu / 1e6);
	}
	size_t differ = 0;
	for (size_t i = 0; ref_rounds && i < nv; i++)
		differ += ans[i] != ans[nv + i];
	free(ans);
	if (differ) {
		fprintf(stderr,
		        "fwdlang_bench: the two functions disagree on %zu "
		        "bodies\n",
		        differ);
		rc = 1;
	}
done:
	for (size_t i = 0; i < nb; i++)
		free(bufs[i]);
	free(bufs);
	free(v);
	return rc;
}
