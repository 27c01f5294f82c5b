/* Throughput: PUSH -> PULL in two threads of one process (one context, default I/O threads).
 * Usage: thr <inproc|ipc|tcp> <size> <count>
 * The receiver times from the first message received to the last one.
 * RESULT msgs_per_s=<n> mbit_per_s=<n> elapsed_s=<n>
 */
#include "bench.h"

struct sender_args {
    void *ctx;
    const char *ep;
    size_t size;
    long count;
};

static void *sender(void *arg)
{
    struct sender_args *a = arg;
    void *push = zmq_socket(a->ctx, ZMQ_PUSH);
    CHKPTR(push);
    bench_connect(push, a->ep);
    for (long i = 0; i < a->count; i++)
        bench_send(push, a->size, 'D', 0);
    return push; /* closed by main after the receiver has counted every message */
}

int main(int argc, char **argv)
{
    bench_init(60);
    if (argc != 4)
        bench_die("usage: thr <inproc|ipc|tcp> <size> <count>");
    const char *transport = argv[1];
    size_t size = (size_t) bench_atol(argv[2], "size");
    long count = bench_atol(argv[3], "count");
    if (count < 2)
        bench_die("count must be >= 2");

    void *ctx = zmq_ctx_new();
    CHKPTR(ctx);
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    CHKPTR(pull);
    char ep[256];
    bench_bind(pull, transport, "thr", ep, sizeof ep);

    struct sender_args a = {ctx, ep, size, count};
    pthread_t th;
    PCHK(pthread_create(&th, NULL, sender, &a));

    char tag;
    size_t got = bench_recv(pull, &tag, NULL);
    if (got != size || (size && tag != 'D'))
        bench_die("bad first message: %zu bytes", got);
    double t0 = bench_now();
    for (long i = 1; i < count; i++) {
        got = bench_recv(pull, NULL, NULL);
        if (got != size)
            bench_die("message %ld: %zu bytes, expected %zu", i, got, size);
    }
    double elapsed = bench_now() - t0;

    void *push;
    PCHK(pthread_join(th, &push));
    bench_close(push);
    bench_close(pull);
    bench_ctx_term(ctx);

    if (elapsed <= 0)
        elapsed = 1e-9;
    double mps = (double) count / elapsed;
    printf("RESULT msgs_per_s=%.1f mbit_per_s=%.3f elapsed_s=%.6f\n", mps,
           mps * (double) size * 8.0 / 1e6, elapsed);
    return 0;
}
