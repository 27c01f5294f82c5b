/* Connection setup rate: one ROUTER bound on tcp; N DEALERs each connect and send one message;
 * timed until the ROUTER has received all N first messages (connect + ZMTP handshake + message).
 * Usage: conn <count>
 * RESULT conns_per_s=<n> elapsed_s=<n>
 */
#include "bench.h"

int main(int argc, char **argv)
{
    bench_init(60);
    if (argc != 2)
        bench_die("usage: conn <count>");
    long count = bench_atol(argv[1], "count");
    if (count < 1)
        bench_die("count must be >= 1");
    bench_raise_nofile();

    void *ctx = zmq_ctx_new();
    CHKPTR(ctx);
    CHK(zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, (int) count + 100));
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    CHKPTR(router);
    bench_set_int(router, ZMQ_LINGER, 0);
    /* Deep accept queue: with the default (100) a burst of connects overflows it and the kernel
     * retransmits SYNs after 1 s, which would measure TCP timers instead of the library. */
    bench_set_int(router, ZMQ_BACKLOG, (int) count + 100);
    char ep[256];
    bench_bind(router, "tcp", "", ep, sizeof ep);

    void **dealers = calloc((size_t) count, sizeof *dealers);
    if (!dealers)
        bench_die("out of memory");
    double t0 = bench_now();
    for (long i = 0; i < count; i++) {
        dealers[i] = zmq_socket(ctx, ZMQ_DEALER);
        CHKPTR(dealers[i]);
        bench_set_int(dealers[i], ZMQ_LINGER, 0);
        bench_connect(dealers[i], ep);
        bench_send(dealers[i], 5, 'C', 0);
    }
    for (long i = 0; i < count; i++) {
        int more;
        bench_recv(router, NULL, &more); /* routing id */
        if (!more)
            bench_die("ROUTER message without payload");
        char tag;
        size_t got = bench_recv(router, &tag, &more);
        if (more || got != 5 || tag != 'C')
            bench_die("ROUTER got unexpected payload (%zu bytes)", got);
    }
    double elapsed = bench_now() - t0;

    for (long i = 0; i < count; i++)
        bench_close(dealers[i]);
    free(dealers);
    bench_close(router);
    bench_ctx_term(ctx);
    printf("RESULT conns_per_s=%.1f elapsed_s=%.6f\n", (double) count / elapsed, elapsed);
    return 0;
}
