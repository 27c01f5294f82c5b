/* PUB fan-out: one PUB, 4 SUBs (each in its own thread), every SUB must receive all N messages.
 * Usage: pubsub <inproc|tcp> <size> <count> [subscribers=4]
 * Slow joiners are handled deterministically: the publisher sends "hello" sync messages (first byte
 * 'H') until every SUB has acknowledged one over a PUSH/PULL side channel; SUBs skip sync messages.
 * SNDHWM/RCVHWM are 0 (unlimited) so nothing is dropped; each SUB counts exactly N data messages.
 * Timed from the first data message sent until the last SUB has its N-th message.
 * RESULT msgs_per_s=<per subscriber> elapsed_s=<n>
 */
#include "bench.h"

#define MAX_SUBS 64

struct sub_args {
    void *ctx;
    const char *ep;
    size_t size;
    long count;
    double t_end;
};

static void *subscriber(void *arg)
{
    struct sub_args *a = arg;
    void *sub = zmq_socket(a->ctx, ZMQ_SUB);
    CHKPTR(sub);
    bench_set_int(sub, ZMQ_RCVHWM, 0);
    CHK(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0));
    bench_connect(sub, a->ep);
    void *ack = zmq_socket(a->ctx, ZMQ_PUSH);
    CHKPTR(ack);
    bench_connect(ack, "inproc://pubsub-ack");

    int acked = 0;
    long n = 0;
    while (n < a->count) {
        char tag;
        size_t got = bench_recv(sub, &tag, NULL);
        if (tag == 'H') {
            if (!acked) {
                bench_send(ack, 1, 'A', 0);
                acked = 1;
            }
            continue;
        }
        if (tag != 'D' || got != a->size)
            bench_die("subscriber: unexpected message (%zu bytes, tag %d)", got, tag);
        if (!acked)
            bench_die("subscriber: data before sync");
        n++;
    }
    a->t_end = bench_now();
    bench_close(ack);
    bench_close(sub);
    return NULL;
}

int main(int argc, char **argv)
{
    bench_init(60);
    if (argc != 4 && argc != 5)
        bench_die("usage: pubsub <inproc|tcp> <size> <count> [subscribers]");
    const char *transport = argv[1];
    size_t size = (size_t) bench_atol(argv[2], "size");
    long count = bench_atol(argv[3], "count");
    int nsubs = argc == 5 ? (int) bench_atol(argv[4], "subscribers") : 4;
    if (size < 1 || count < 1 || nsubs < 1 || nsubs > MAX_SUBS)
        bench_die("bad arguments");

    void *ctx = zmq_ctx_new();
    CHKPTR(ctx);
    void *pub = zmq_socket(ctx, ZMQ_PUB);
    CHKPTR(pub);
    bench_set_int(pub, ZMQ_SNDHWM, 0);
    char ep[256];
    bench_bind(pub, transport, "pubsub", ep, sizeof ep);
    void *acks = zmq_socket(ctx, ZMQ_PULL);
    CHKPTR(acks);
    CHK(zmq_bind(acks, "inproc://pubsub-ack"));

    struct sub_args args[MAX_SUBS];
    pthread_t th[MAX_SUBS];
    for (int i = 0; i < nsubs; i++) {
        args[i] = (struct sub_args){ctx, ep, size, count, 0};
        PCHK(pthread_create(&th[i], NULL, subscriber, &args[i]));
    }

    /* Sync: publish "hello" until every subscriber acknowledged one. */
    int acked = 0;
    while (acked < nsubs) {
        bench_send(pub, 5, 'H', 0);
        zmq_pollitem_t item = {acks, 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll(&item, 1, 1);
        CHK(rc);
        while (rc > 0 && (item.revents & ZMQ_POLLIN)) {
            bench_recv(acks, NULL, NULL);
            acked++;
            item.revents = 0;
            rc = zmq_poll(&item, 1, 0);
            CHK(rc);
        }
    }

    double t0 = bench_now();
    for (long i = 0; i < count; i++)
        bench_send(pub, size, 'D', 0);
    double t_end = t0;
    for (int i = 0; i < nsubs; i++) {
        PCHK(pthread_join(th[i], NULL));
        if (args[i].t_end > t_end)
            t_end = args[i].t_end;
    }
    double elapsed = t_end - t0;
    bench_close(acks);
    bench_close(pub);
    bench_ctx_term(ctx);

    if (elapsed <= 0)
        elapsed = 1e-9;
    printf("RESULT msgs_per_s=%.1f elapsed_s=%.6f\n", (double) count / elapsed, elapsed);
    return 0;
}
