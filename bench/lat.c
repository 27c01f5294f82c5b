/* Latency: REQ <-> REP round trips between two threads of one process (one context).
 * Usage: lat <inproc|ipc|tcp> <size> <roundtrips>
 * RESULT latency_us=<one-way = elapsed / (2 * roundtrips)> elapsed_s=<n>
 */
#include "bench.h"

struct rep_args {
    void *rep;
    size_t size;
    long count;
};

static void *replier(void *arg)
{
    struct rep_args *a = arg;
    for (long i = 0; i < a->count; i++) {
        zmq_msg_t m;
        CHK(zmq_msg_init(&m));
        CHK(zmq_msg_recv(&m, a->rep, 0));
        if (zmq_msg_size(&m) != a->size)
            bench_die("replier: got %zu bytes, expected %zu", zmq_msg_size(&m), a->size);
        CHK(zmq_msg_send(&m, a->rep, 0)); /* echo the same message back */
    }
    return NULL;
}

int main(int argc, char **argv)
{
    bench_init(60);
    if (argc != 4)
        bench_die("usage: lat <inproc|ipc|tcp> <size> <roundtrips>");
    const char *transport = argv[1];
    size_t size = (size_t) bench_atol(argv[2], "size");
    long count = bench_atol(argv[3], "roundtrips");
    if (count < 1)
        bench_die("roundtrips must be >= 1");

    void *ctx = zmq_ctx_new();
    CHKPTR(ctx);
    void *rep = zmq_socket(ctx, ZMQ_REP);
    CHKPTR(rep);
    char ep[256];
    bench_bind(rep, transport, "lat", ep, sizeof ep);
    void *req = zmq_socket(ctx, ZMQ_REQ);
    CHKPTR(req);
    bench_connect(req, ep);

    struct rep_args a = {rep, size, count};
    pthread_t th;
    PCHK(pthread_create(&th, NULL, replier, &a));

    double t0 = bench_now();
    for (long i = 0; i < count; i++) {
        bench_send(req, size, 'L', 0);
        size_t got = bench_recv(req, NULL, NULL);
        if (got != size)
            bench_die("reply %ld: %zu bytes, expected %zu", i, got, size);
    }
    double elapsed = bench_now() - t0;

    PCHK(pthread_join(th, NULL));
    bench_close(req);
    bench_close(rep);
    bench_ctx_term(ctx);

    printf("RESULT latency_us=%.3f elapsed_s=%.6f\n", elapsed * 1e6 / (2.0 * (double) count), elapsed);
    return 0;
}
