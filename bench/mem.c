/* Peak memory (peak RSS = VmHWM, KiB) of one scenario per process.
 * Usage: mem queue <inproc|tcp> [count=10000] [size=1024]
 *          PUSH -> PULL that does not read, SNDHWM/RCVHWM 0; send count x size; measure; then drain
 *          and verify every message arrived.
 *        mem conns [count=1000]
 *          count DEALERs connect over tcp to one ROUTER and each sends one message; the ROUTER
 *          receives all of them; measure.
 *        mem idle [count=10000]
 *          count DEALER sockets, neither bound nor connected; measure.
 * RESULT rss_kib=<peak RSS> baseline_kib=<peak RSS after zmq_ctx_new> delta_kib=<difference>
 *        ru_maxrss_kib=<getrusage value, for reference only: it includes the parent's pre-exec peak>
 */
#include "bench.h"

static void *make_ctx(int max_sockets)
{
    void *ctx = zmq_ctx_new();
    CHKPTR(ctx);
    if (max_sockets > 0)
        CHK(zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, max_sockets));
    return ctx;
}

static void report(long baseline)
{
    long rss = bench_peak_rss_kib();
    printf("RESULT rss_kib=%ld baseline_kib=%ld delta_kib=%ld ru_maxrss_kib=%ld\n", rss, baseline,
           rss - baseline, bench_maxrss_kib());
    fflush(stdout);
}

static void scenario_queue(const char *transport, long count, size_t size)
{
    void *ctx = make_ctx(0);
    long baseline = bench_peak_rss_kib();
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    CHKPTR(pull);
    bench_set_int(pull, ZMQ_RCVHWM, 0);
    char ep[256];
    bench_bind(pull, transport, "mem-queue", ep, sizeof ep);
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    CHKPTR(push);
    bench_set_int(push, ZMQ_SNDHWM, 0);
    bench_connect(push, ep);
    if (strcmp(transport, "inproc") != 0) {
        /* Wait until the connection is up (first message arrives) so that nothing stays parked
         * before the session exists; this one message is read, the rest are queued. */
        bench_send(push, size, 'F', 0);
        char tag;
        if (bench_recv(pull, &tag, NULL) != size || tag != 'F')
            bench_die("bad first message");
    }
    for (long i = 0; i < count; i++)
        bench_send(push, size, 'Q', 0);
    if (strcmp(transport, "inproc") != 0) {
        /* tcp/ipc: the I/O thread moves the messages from the PUSH pipe through the kernel into the
         * PULL pipe. Wait (deadline 3 s) until the current RSS stops growing for 200 ms; whichever
         * side holds them, they are in this process, and VmHWM is the peak anyway. */
        long last = bench_cur_rss_kib();
        double stable_since = bench_now(), deadline = bench_now() + 3.0;
        while (bench_now() < deadline && bench_now() - stable_since < 0.2) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
            long cur = bench_cur_rss_kib();
            if (cur != last) {
                last = cur;
                stable_since = bench_now();
            }
        }
    }
    report(baseline);
    /* Verify: every message is there. */
    for (long i = 0; i < count; i++) {
        char tag;
        size_t got = bench_recv(pull, &tag, NULL);
        if (got != size || tag != 'Q')
            bench_die("drain: message %ld has %zu bytes", i, got);
    }
    bench_close(push);
    bench_close(pull);
    bench_ctx_term(ctx);
}

static void scenario_conns(long count)
{
    bench_raise_nofile();
    void *ctx = make_ctx(12000);
    long baseline = bench_peak_rss_kib();
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    CHKPTR(router);
    bench_set_int(router, ZMQ_LINGER, 0);
    bench_set_int(router, ZMQ_BACKLOG, (int) count + 100); /* avoid SYN retransmits (see conn.c) */
    char ep[256];
    bench_bind(router, "tcp", "", ep, sizeof ep);
    void **dealers = calloc((size_t) count, sizeof *dealers);
    if (!dealers)
        bench_die("out of memory");
    for (long i = 0; i < count; i++) {
        dealers[i] = zmq_socket(ctx, ZMQ_DEALER);
        CHKPTR(dealers[i]);
        bench_set_int(dealers[i], ZMQ_LINGER, 0);
        bench_connect(dealers[i], ep);
        bench_send(dealers[i], 5, 'C', 0);
    }
    for (long i = 0; i < count; i++) {
        int more;
        bench_recv(router, NULL, &more);
        if (!more)
            bench_die("ROUTER message without payload");
        char tag;
        size_t got = bench_recv(router, &tag, &more);
        if (more || got != 5 || tag != 'C')
            bench_die("ROUTER got unexpected payload");
    }
    report(baseline);
    for (long i = 0; i < count; i++)
        bench_close(dealers[i]);
    free(dealers);
    bench_close(router);
    bench_ctx_term(ctx);
}

static void scenario_idle(long count)
{
    bench_raise_nofile();
    void *ctx = make_ctx(12000);
    long baseline = bench_peak_rss_kib();
    void **socks = calloc((size_t) count, sizeof *socks);
    if (!socks)
        bench_die("out of memory");
    for (long i = 0; i < count; i++) {
        socks[i] = zmq_socket(ctx, ZMQ_DEALER);
        CHKPTR(socks[i]);
    }
    report(baseline);
    for (long i = 0; i < count; i++)
        bench_close(socks[i]);
    free(socks);
    bench_ctx_term(ctx);
}

int main(int argc, char **argv)
{
    bench_init(60);
    if (argc < 2)
        bench_die("usage: mem queue <inproc|tcp> [count] [size] | mem conns [count] | mem idle [count]");
    if (strcmp(argv[1], "queue") == 0 && argc >= 3 && argc <= 5) {
        long count = argc >= 4 ? bench_atol(argv[3], "count") : 10000;
        size_t size = argc >= 5 ? (size_t) bench_atol(argv[4], "size") : 1024;
        if (size < 1)
            bench_die("size must be >= 1");
        scenario_queue(argv[2], count, size);
    } else if (strcmp(argv[1], "conns") == 0 && argc <= 3) {
        scenario_conns(argc == 3 ? bench_atol(argv[2], "count") : 1000);
    } else if (strcmp(argv[1], "idle") == 0 && argc <= 3) {
        scenario_idle(argc == 3 ? bench_atol(argv[2], "count") : 10000);
    } else {
        bench_die("bad arguments");
    }
    return 0;
}
