/* A plain deferred acceptance in C: the reference the bench measures samen's kernel against.

   The problem is the plain school-choice round (one pool per school, no priority groups):
   every school ranks children by their lottery number, ties (equal numbers) by the rank of
   the applicant id. Children propose from one array (a stack of children still to
   propose); each school keeps the children it holds in a binary max-heap (worst on top) of
   (lottery, id rank, child) entries. One thread, no families, no pools: what a plain C loop
   solves.

   Input (a binary file, native byte order, written by bench/cloop.py):
     int64 n, m, E; int64 choice_ptr[n + 1]; int32 choices[E]; int64 capacity[m];
     uint64 lottery[n]; int64 id_rank[n]
   Usage: da_loop INPUT OUTPUT REPEATS
   Runs DA REPEATS times (each from scratch, timed with CLOCK_MONOTONIC around the loop
   alone: input read and memory allocated before), writes int32 school[n] (-1 = none) to
   OUTPUT and prints one line per run: "run_ns <nanoseconds>". */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    uint64_t lot;
    int64_t rank;
    int64_t child;
} entry;

static int worse(const entry *a, const entry *b) { /* a ranks after b */
    if (a->lot != b->lot) return a->lot > b->lot;
    return a->rank > b->rank;
}

static void push(entry *h, int64_t *len, entry x) {
    int64_t i = (*len)++;
    while (i > 0) {
        int64_t parent = (i - 1) / 2;
        if (worse(&x, &h[parent])) {
            h[i] = h[parent];
            i = parent;
        } else {
            break;
        }
    }
    h[i] = x;
}

static entry pop(entry *h, int64_t *len) {
    entry top = h[0];
    entry last = h[--(*len)];
    int64_t n = *len, i = 0;
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && worse(&h[c + 1], &h[c])) c++;
        if (worse(&h[c], &last)) {
            h[i] = h[c];
            i = c;
        } else {
            break;
        }
    }
    if (n > 0) h[i] = last;
    return top;
}

static void *read_all(FILE *f, size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (!p || fread(p, 1, bytes, f) != bytes) {
        fprintf(stderr, "da_loop: short input\n");
        exit(2);
    }
    return p;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: da_loop INPUT OUTPUT REPEATS\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    int64_t head[3];
    if (fread(head, sizeof head, 1, f) != 1) {
        fprintf(stderr, "da_loop: no header\n");
        return 2;
    }
    int64_t n = head[0], m = head[1], E = head[2];
    int64_t *ptr = read_all(f, (n + 1) * sizeof(int64_t));
    int32_t *choices = read_all(f, E * sizeof(int32_t));
    int64_t *cap = read_all(f, m * sizeof(int64_t));
    uint64_t *lot = read_all(f, n * sizeof(uint64_t));
    int64_t *rank = read_all(f, n * sizeof(int64_t));
    fclose(f);

    int64_t *heap_off = malloc((m + 1) * sizeof(int64_t));
    heap_off[0] = 0;
    for (int64_t s = 0; s < m; s++) heap_off[s + 1] = heap_off[s] + (cap[s] > 0 ? cap[s] : 0);
    entry *heap = malloc((heap_off[m] + 1) * sizeof(entry));
    int64_t *hlen = malloc(m * sizeof(int64_t));
    int64_t *next = malloc(n * sizeof(int64_t));
    int64_t *stack = malloc(n * sizeof(int64_t));
    int32_t *school = malloc(n * sizeof(int32_t));
    int repeats = atoi(argv[3]);
    if (repeats < 1) repeats = 1;

    for (int r = 0; r < repeats; r++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        memset(hlen, 0, m * sizeof(int64_t));
        int64_t sp = 0;
        for (int64_t a = n - 1; a >= 0; a--) {
            next[a] = ptr[a];
            stack[sp++] = a;
        }
        while (sp > 0) {
            int64_t a = stack[--sp];
            if (next[a] >= ptr[a + 1]) continue; /* list exhausted: unassigned */
            int32_t s = choices[next[a]++];
            if (cap[s] <= 0) {
                stack[sp++] = a;
                continue;
            }
            entry *h = heap + heap_off[s];
            entry x = {lot[a], rank[a], a};
            if (hlen[s] < cap[s]) {
                push(h, &hlen[s], x);
            } else if (worse(&h[0], &x)) { /* a beats the worst held: swap them */
                entry out = pop(h, &hlen[s]);
                push(h, &hlen[s], x);
                stack[sp++] = out.child;
            } else {
                stack[sp++] = a;
            }
        }
        for (int64_t a = 0; a < n; a++) school[a] = -1;
        for (int64_t s = 0; s < m; s++) {
            entry *h = heap + heap_off[s];
            for (int64_t i = 0; i < hlen[s]; i++) school[h[i].child] = s;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
        printf("run_ns %lld\n", ns);
    }
    FILE *o = fopen(argv[2], "wb");
    if (!o || fwrite(school, sizeof(int32_t), n, o) != (size_t)n) {
        perror(argv[2]);
        return 2;
    }
    fclose(o);
    return 0;
}
