/* Proxy hop: REQ client -> ROUTER frontend -- zmq_proxy_steerable -- DEALER backend -> REP worker.
 * Everything in one process: the proxy and the worker each run in their own thread.
 * Usage: proxy <inproc|tcp> <size> <requests>
 * The proxy is stopped by sending "TERMINATE" on its PAIR control socket.
 * RESULT latency_us=<round trip per request> reqs_per_s=<n> elapsed_s=<n>
 */
#include "bench.h"

struct proxy_args {
    void *front, *back, *control;
};

static void *proxy_thread(void *arg)
{
    struct proxy_args *a = arg;
    int rc = zmq_proxy_steerable(a->front, a->back, NULL, a->control);
    if (rc != 0)
        bench_die("zmq_proxy_steerable returned %d: %s", rc, zmq_strerror(zmq_errno()));
    bench_close(a->front);
    bench_close(a->back);
    bench_close(a->control);
    return NULL;
}

struct worker_args {
    void *ctx;
    const char *ep;
    size_t size;
    long count;
};

static void *worker(void *arg)
{
    struct worker_args *a = arg;
    void *rep = zmq_socket(a->ctx, ZMQ_REP);
    CHKPTR(rep);
    bench_connect(rep, a->ep);
    for (long i = 0; i < a->count; i++) {
        zmq_msg_t m;
        CHK(zmq_msg_init(&m));
        CHK(zmq_msg_recv(&m, rep, 0));
        if (zmq_msg_size(&m) != a->size)
            bench_die("worker: got %zu bytes, expected %zu", zmq_msg_size(&m), a->size);
        CHK(zmq_msg_send(&m, rep, 0));
    }
    bench_close(rep);
    return NULL;
}

int main(int argc, char **argv)
{
    bench_init(60);
    if (argc != 4)
        bench_die("usage: proxy <inproc|tcp> <size> <requests>");
    const char *transport = argv[1];
    size_t size = (size_t) bench_atol(argv[2], "size");
    long count = bench_atol(argv[3], "requests");
    if (count < 1)
        bench_die("requests must be >= 1");

    void *ctx = zmq_ctx_new();
    CHKPTR(ctx);
    struct proxy_args pa;
    pa.front = zmq_socket(ctx, ZMQ_ROUTER);
    CHKPTR(pa.front);
    pa.back = zmq_socket(ctx, ZMQ_DEALER);
    CHKPTR(pa.back);
    pa.control = zmq_socket(ctx, ZMQ_PAIR);
    CHKPTR(pa.control);
    char front_ep[256], back_ep[256];
    bench_bind(pa.front, transport, "proxy-front", front_ep, sizeof front_ep);
    bench_bind(pa.back, transport, "proxy-back", back_ep, sizeof back_ep);
    CHK(zmq_bind(pa.control, "inproc://proxy-control"));
    void *control = zmq_socket(ctx, ZMQ_PAIR);
    CHKPTR(control);
    bench_connect(control, "inproc://proxy-control");

    pthread_t pth, wth;
    PCHK(pthread_create(&pth, NULL, proxy_thread, &pa));
    struct worker_args wa = {ctx, back_ep, size, count};
    PCHK(pthread_create(&wth, NULL, worker, &wa));

    void *req = zmq_socket(ctx, ZMQ_REQ);
    CHKPTR(req);
    bench_connect(req, front_ep);
    double t0 = bench_now();
    for (long i = 0; i < count; i++) {
        bench_send(req, size, 'R', 0);
        size_t got = bench_recv(req, NULL, NULL);
        if (got != size)
            bench_die("reply %ld: %zu bytes, expected %zu", i, got, size);
    }
    double elapsed = bench_now() - t0;

    PCHK(pthread_join(wth, NULL));
    if (zmq_send(control, "TERMINATE", 9, 0) != 9)
        bench_die("sending TERMINATE failed: %s", zmq_strerror(zmq_errno()));
    PCHK(pthread_join(pth, NULL));
    bench_close(control);
    bench_close(req);
    bench_ctx_term(ctx);

    printf("RESULT latency_us=%.3f reqs_per_s=%.1f elapsed_s=%.6f\n",
           elapsed * 1e6 / (double) count, (double) count / elapsed, elapsed);
    return 0;
}
