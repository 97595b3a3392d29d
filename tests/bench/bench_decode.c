/* Micro-benchmark of the batch decoder: the fast path (ank_proto_batch_decode on canonical
 * bodies) against the jansson tree decoder it falls back to, on the same bodies in the same
 * run, with the payload reads central's projection makes after decoding. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ank_err.h"
#include "proto.h"
#include "proto_int.h"

/* Bodies read from the file (one a line); 1,000 batches are 100,000 events. */
#define MAX_BODIES 1000
/* Rounds per side; the sides alternate and change who goes first. */
#define ROUNDS 10

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

/* The fields the projection reads of a ticket event, so that the fast side pays for what
 * the tree side's objects gave for free before. */
static long long read_fields(const ank_batch *b)
{
	long long sum = 0;
	static const char *const keys[] = {"label", "day",     "route", "substance",
	                                   "state", "station", "helper"};
	for (int i = 0; i < b->n; i++) {
		char buf[65];
		long long t = 0;
		ank_proto_payload_int(b->ev[i].payload, "ticket", &t);
		sum += t;
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
			sum += ank_proto_payload_str(b->ev[i].payload, keys[k], buf, sizeof buf);
	}
	return sum;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bench_decode BODIES (from bench_central bodies)\n");
		return 2;
	}
	FILE *in = fopen(argv[1], "r");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	static char *body[MAX_BODIES];
	static size_t len[MAX_BODIES];
	int n = 0;
	size_t cap = 0;
	char *line = NULL;
	ssize_t got;
	while (n < MAX_BODIES && (got = getline(&line, &cap, in)) > 1) {
		len[n] = (size_t)got - 1;
		body[n] = strndup(line, len[n]);
		n++;
	}
	free(line);
	fclose(in);
	if (n == 0) {
		fprintf(stderr, "bench_decode: no bodies in %s\n", argv[1]);
		return 1;
	}
	ank_batch *b = calloc(1, sizeof *b);
	long long *t[2];
	t[0] = calloc((size_t)n * ROUNDS, sizeof **t);
	t[1] = calloc((size_t)n * ROUNDS, sizeof **t);
	long long total[2] = {0, 0}, check[2] = {0, 0};
	int fast_taken = 0;
	for (int r = 0; r < ROUNDS; r++) {
		for (int k = 0; k < 2; k++) {
			int side = (k + r) % 2; /* 0 fast (the public decoder), 1 tree */
			for (int i = 0; i < n; i++) {
				ank_err err;
				long long t0 = now_ns();
				int rc = side == 0
				                 ? ank_proto_batch_decode(body[i], len[i], b, &err)
				                 : ank_proto_batch_decode_tree(body[i], len[i], b,
				                                               &err);
				if (rc) {
					fprintf(stderr, "bench_decode: body %d refused: %s\n", i,
					        err.msg);
					return 1;
				}
				check[side] += read_fields(b) + b->n;
				ank_proto_batch_free(b);
				long long dt = now_ns() - t0;
				t[side][r * n + i] = dt;
				total[side] += dt;
			}
		}
	}
	for (int i = 0; i < n; i++) {
		fast_taken += ank_proto_batch_decode_fast(body[i], len[i], b);
		ank_proto_batch_free(b);
	}
	if (check[0] != check[1]) {
		fprintf(stderr, "bench_decode: the two decoders read different fields\n");
		return 1;
	}
	size_t m = (size_t)n * ROUNDS;
	qsort(t[0], m, sizeof **t, cmp_ll);
	qsort(t[1], m, sizeof **t, cmp_ll);
	size_t bytes = 0;
	for (int i = 0; i < n; i++)
		bytes += len[i];
	printf("bench: decode_batches=%d batches\n", n);
	printf("bench: decode_body_mean_bytes=%.0f bytes\n", (double)bytes / n);
	printf("bench: decode_fast_path_taken=%d batches\n", fast_taken);
	printf("bench: decode_fast_p50_us=%.1f us\n", t[0][m / 2] / 1e3);
	printf("bench: decode_tree_p50_us=%.1f us\n", t[1][m / 2] / 1e3);
	printf("bench: decode_fast_mb_s=%.0f MB/s\n",
	       (double)bytes * ROUNDS / (total[0] / 1e9) / 1e6);
	printf("bench: decode_tree_mb_s=%.0f MB/s\n",
	       (double)bytes * ROUNDS / (total[1] / 1e9) / 1e6);
	printf("bench: decode_speedup=%.2f x\n", (double)total[1] / (double)total[0]);
	for (int i = 0; i < n; i++)
		free(body[i]);
	free(t[0]);
	free(t[1]);
	free(b);
	return 0;
}
