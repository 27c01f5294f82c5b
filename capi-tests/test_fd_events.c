/*  ZMQ_FD and ZMQ_EVENTS as event loops use them (pyzmq's asyncio, gevent, zmqstream): the
    fd is edge-triggered, readable when something may have changed for the socket; the truth
    is ZMQ_EVENTS, which also takes in what changed (and so may consume the fd's signal). A
    loop that waits for the fd, then works until ZMQ_EVENTS shows nothing, must never stall.

    Expected results are libzmq's (4.3.x, checked by building this file against the system
    libzmq). No sleep decides an outcome; every wait is bounded by a deadline.  */
#include "testutil.h"

#include <poll.h>
#include <unistd.h>

static int get_fd (void *s)
{
    zmq_fd_t fd = -1;
    size_t len = sizeof fd;
    if (zmq_getsockopt (s, ZMQ_FD, &fd, &len) != 0)
        return -1;
    return fd;
}

/*  1 if fd is readable within ms milliseconds, 0 if not, -1 on error.  */
static int readable (int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    int rc = poll (&p, 1, ms);
    return rc < 0 ? -1 : rc > 0 && (p.revents & POLLIN) ? 1 : 0;
}

/*  Takes in everything pending, as a loop does before it goes back to waiting.  */
static int settle (void *s)
{
    return get_int (s, ZMQ_EVENTS);
}

/*  ------------------------------------------------------------------------------------------
    The edge  */

TEST (fd_wakes_an_idle_reader)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL), *push = mk (ctx, ZMQ_PUSH);
    CHECK (pull && push);
    CHECK_EQ (zmq_bind (pull, "inproc://idle"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://idle"), 0);
    int fd = get_fd (pull);
    CHECK (fd >= 0);
    /*  Nothing to read: once ZMQ_EVENTS has taken in the connection, the fd is quiet.  */
    CHECK_EQ (settle (pull), 0);
    CHECK_EQ (readable (fd, 0), 0);
    for (int round = 0; round < 50; round++) {
        CHECK_EQ (zmq_send (push, "x", 1, 0), 1);
        CHECK_EQ (readable (fd, 10000), 1);
        CHECK_EQ (get_int (pull, ZMQ_EVENTS), ZMQ_POLLIN);
        char c;
        CHECK_EQ (zmq_recv (pull, &c, 1, ZMQ_DONTWAIT), 1);
        CHECK_EQ (get_int (pull, ZMQ_EVENTS), 0);
        CHECK_EQ (readable (fd, 0), 0);
    }
    CLOSE_ALL (pull, push);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (events_sees_messages_after_the_fd_went_quiet)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL), *push = mk (ctx, ZMQ_PUSH);
    CHECK (pull && push);
    CHECK_EQ (zmq_bind (pull, "inproc://quiet"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://quiet"), 0);
    int fd = get_fd (pull);
    CHECK (fd >= 0);
    CHECK_EQ (settle (pull), 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ (zmq_send (push, "m", 1, 0), 1);
    CHECK_EQ (readable (fd, 10000), 1);
    /*  This call consumes the fd's signal: the fd stays quiet while messages remain, and
        only ZMQ_EVENTS tells.  */
    CHECK_EQ (get_int (pull, ZMQ_EVENTS), ZMQ_POLLIN);
    CHECK_EQ (readable (fd, 0), 0);
    CHECK_EQ (get_int (pull, ZMQ_EVENTS), ZMQ_POLLIN);
    char c;
    CHECK_EQ (zmq_recv (pull, &c, 1, ZMQ_DONTWAIT), 1);
    CHECK_EQ (readable (fd, 0), 0);
    CHECK_EQ (get_int (pull, ZMQ_EVENTS), ZMQ_POLLIN);
    CHECK_EQ (zmq_recv (pull, &c, 1, ZMQ_DONTWAIT), 1);
    CHECK_EQ (zmq_recv (pull, &c, 1, ZMQ_DONTWAIT), 1);
    CHECK_EQ (get_int (pull, ZMQ_EVENTS), 0);
    /*  More sent while the reader is awake (it has not looked since it drained) wakes it
        again once it goes idle.  */
    CHECK_EQ (zmq_send (push, "n", 1, 0), 1);
    CHECK_EQ (readable (fd, 10000), 1);
    CHECK_EQ (get_int (pull, ZMQ_EVENTS), ZMQ_POLLIN);
    CHECK_EQ (zmq_recv (pull, &c, 1, ZMQ_DONTWAIT), 1);
    CLOSE_ALL (pull, push);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (writer_fd_wakes_when_room_returns)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL), *push = mk (ctx, ZMQ_PUSH);
    CHECK (pull && push);
    CHECK_EQ (set_int (push, ZMQ_SNDHWM, 2), 0);
    CHECK_EQ (set_int (pull, ZMQ_RCVHWM, 2), 0);
    CHECK_EQ (zmq_bind (pull, "inproc://room"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://room"), 0);
    int fd = get_fd (push);
    CHECK (fd >= 0);
    while (zmq_send (push, "x", 1, ZMQ_DONTWAIT) == 1)
        ;
    CHECK_EQ (errno, EAGAIN);
    CHECK_EQ (settle (push), 0);
    CHECK_EQ (readable (fd, 0), 0);
    /*  The reader takes two (its low-water mark): the writer's fd signals room.  */
    char c;
    CHECK_EQ (zmq_recv (pull, &c, 1, 0), 1);
    CHECK_EQ (zmq_recv (pull, &c, 1, 0), 1);
    CHECK_EQ (readable (fd, 10000), 1);
    CHECK_EQ (get_int (push, ZMQ_EVENTS), ZMQ_POLLOUT);
    CLOSE_ALL (pull, push);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (shutdown_signals_the_fd)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL);
    CHECK (pull != NULL);
    int fd = get_fd (pull);
    CHECK (fd >= 0);
    CHECK_EQ (settle (pull), 0);
    CHECK_EQ (readable (fd, 0), 0);
    CHECK_EQ (zmq_ctx_shutdown (ctx), 0);
    CHECK_EQ (readable (fd, 10000), 1);
    int ev = 0;
    size_t len = sizeof ev;
    CHECK_ERR (zmq_getsockopt (pull, ZMQ_EVENTS, &ev, &len), ETERM);
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Event loops that must never stall  */

struct producer
{
    void *ctx;
    const char *endpoint;
    int id;
    int count;
    atomic_int *received; /* the consumer's count, to pause until it went idle */
    int sent_before;      /* messages other producers send before this one counts */
    int rc;
};

/*  Sends count messages {id, seq} in bursts of varying size; after some bursts it waits
    until the consumer has caught up, so that the consumer goes idle on its fd and must be
    woken by the next burst.  */
static void *produce (void *arg)
{
    struct producer *p = (struct producer *) arg;
    void *push = mk (p->ctx, ZMQ_PUSH);
    p->rc = -1;
    if (!push || zmq_connect (push, p->endpoint) != 0)
        return NULL;
    unsigned rnd = 17u + (unsigned) p->id * 7919u;
    int seq = 0;
    while (seq < p->count) {
        rnd = rnd * 1103515245u + 12345u;
        int burst = 1 + (int) ((rnd >> 16) % 300);
        for (int i = 0; i < burst && seq < p->count; i++, seq++) {
            int msg[2] = {p->id, seq};
            if (zmq_send (push, msg, sizeof msg, 0) != (int) sizeof msg) {
                zmq_close (push);
                return NULL;
            }
        }
        if (p->received && (rnd >> 8) % 2 == 0) {
            long long deadline = now_ms () + 10000;
            while (atomic_load (p->received) < p->sent_before + seq && now_ms () < deadline)
                sched_yield ();
        }
    }
    p->rc = zmq_close (push);
    return NULL;
}

/*  The loop: until everything arrived or the deadline passed, work while ZMQ_EVENTS says
    POLLIN, otherwise wait for the fd.  */
static int consume (void *pull, int expected, int producers, atomic_int *received,
                    long long deadline, int *next_seq)
{
    int fd = get_fd (pull);
    if (fd < 0)
        return -1;
    while (atomic_load (received) < expected) {
        int ev = get_int (pull, ZMQ_EVENTS);
        if (ev < 0)
            return -1;
        if (ev & ZMQ_POLLIN) {
            int msg[2];
            if (zmq_recv (pull, msg, sizeof msg, ZMQ_DONTWAIT) != (int) sizeof msg)
                return -2; /* EVENTS promised a message */
            if (msg[0] < 0 || msg[0] >= producers || msg[1] != next_seq[msg[0]])
                return -3; /* lost, duplicated or reordered */
            next_seq[msg[0]]++;
            atomic_fetch_add (received, 1);
            continue;
        }
        long long left = deadline - now_ms ();
        if (left <= 0)
            return -4; /* stalled */
        if (readable (fd, (int) left) < 0)
            return -1;
    }
    return 0;
}

TEST (event_loop_receives_bursts)
{
    enum { N = 10000 };
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL);
    CHECK (pull != NULL);
    CHECK_EQ (zmq_bind (pull, "inproc://bursts"), 0);
    atomic_int received = 0;
    struct producer p = {ctx, "inproc://bursts", 0, N, &received, 0, 0};
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, produce, &p), 0);
    int next_seq[1] = {0};
    int rc = consume (pull, N, 1, &received, now_ms () + 60000, next_seq);
    pthread_join (t, NULL);
    if (rc != 0)
        TU_FAIL ("event loop failed (%d) after %d of %d messages", rc, atomic_load (&received),
                 N);
    CHECK_EQ (p.rc, 0);
    CHECK_EQ (next_seq[0], N);
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (event_loop_receives_from_several_producers)
{
    enum { P = 4, N = 2500 };
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL);
    CHECK (pull != NULL);
    /*  Small marks: producers block and resume too.  */
    CHECK_EQ (set_int (pull, ZMQ_RCVHWM, 10), 0);
    CHECK_EQ (zmq_bind (pull, "inproc://several"), 0);
    atomic_int received = 0;
    struct producer p[P];
    pthread_t t[P];
    for (int i = 0; i < P; i++) {
        struct producer init = {ctx, "inproc://several", i, N, NULL, 0, 0};
        p[i] = init;
        CHECK_EQ (pthread_create (&t[i], NULL, produce, &p[i]), 0);
    }
    int next_seq[P] = {0};
    int rc = consume (pull, P * N, P, &received, now_ms () + 60000, next_seq);
    for (int i = 0; i < P; i++)
        pthread_join (t[i], NULL);
    if (rc != 0)
        TU_FAIL ("event loop failed (%d) after %d of %d messages", rc, atomic_load (&received),
                 P * N);
    for (int i = 0; i < P; i++) {
        CHECK_EQ (p[i].rc, 0);
        CHECK_EQ (next_seq[i], N);
    }
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (ctx));
}

struct slow_reader
{
    void *socket;
    int count;
    int got;
};

static void *read_all (void *arg)
{
    struct slow_reader *r = (struct slow_reader *) arg;
    for (r->got = 0; r->got < r->count; r->got++) {
        int v;
        if (zmq_recv (r->socket, &v, sizeof v, 0) != (int) sizeof v || v != r->got)
            break;
        if (r->got % 64 == 0)
            sched_yield ();
    }
    return NULL;
}

TEST (event_loop_sends_through_a_small_window)
{
    /*  The asyncio send path: send with ZMQ_DONTWAIT until EAGAIN, then wait on the fd
        until ZMQ_EVENTS shows POLLOUT.  */
    enum { N = 10000 };
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = mk (ctx, ZMQ_PUSH), *pull = mk (ctx, ZMQ_PULL);
    CHECK (push && pull);
    CHECK_EQ (set_int (push, ZMQ_SNDHWM, 3), 0);
    CHECK_EQ (set_int (pull, ZMQ_RCVHWM, 4), 0);
    CHECK_EQ (zmq_bind (pull, "inproc://window"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://window"), 0);
    struct slow_reader r = {pull, N, 0};
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, read_all, &r), 0);
    int fd = get_fd (push);
    CHECK (fd >= 0);
    long long deadline = now_ms () + 60000;
    int sent = 0, waits = 0, failed = 0;
    while (sent < N && !failed) {
        if (zmq_send (push, &sent, sizeof sent, ZMQ_DONTWAIT) == (int) sizeof sent) {
            sent++;
            continue;
        }
        if (errno != EAGAIN) {
            failed = 1;
            break;
        }
        /*  Wait until ZMQ_EVENTS says there is room.  */
        while (!(get_int (push, ZMQ_EVENTS) & ZMQ_POLLOUT)) {
            long long left = deadline - now_ms ();
            if (left <= 0 || readable (fd, (int) left) < 0) {
                failed = 2;
                break;
            }
        }
        waits++;
    }
    pthread_join (t, NULL);
    if (failed)
        TU_FAIL ("send loop failed (%d) after %d of %d messages, %d waits", failed, sent, N,
                 waits);
    CHECK_EQ (r.got, N);
    CHECK (waits > 0);
    CLOSE_ALL (push, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

struct echo
{
    void *socket;
    int count;
    int rc;
};

static void *echo_back (void *arg)
{
    struct echo *e = (struct echo *) arg;
    e->rc = -1;
    for (int i = 0; i < e->count; i++) {
        int v;
        if (zmq_recv (e->socket, &v, sizeof v, 0) != (int) sizeof v)
            return NULL;
        if (zmq_send (e->socket, &v, sizeof v, 0) != (int) sizeof v)
            return NULL;
    }
    e->rc = 0;
    return NULL;
}

TEST (event_loop_on_a_pair_both_ways)
{
    /*  One fd for both directions: a loop that keeps a few requests in flight on a PAIR,
        waking for replies and for room alike.  */
    enum { N = 5000, WINDOW = 8 };
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *a = mk (ctx, ZMQ_PAIR), *b = mk (ctx, ZMQ_PAIR);
    CHECK (a && b);
    CHECK_EQ (set_int (a, ZMQ_SNDHWM, 2), 0);
    CHECK_EQ (set_int (b, ZMQ_RCVHWM, 2), 0);
    CHECK_EQ (zmq_bind (a, "inproc://pair-loop"), 0);
    CHECK_EQ (zmq_connect (b, "inproc://pair-loop"), 0);
    struct echo e = {b, N, 0};
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, echo_back, &e), 0);
    int fd = get_fd (a);
    CHECK (fd >= 0);
    long long deadline = now_ms () + 60000;
    int sent = 0, got = 0, bad = 0;
    while (got < N && !bad) {
        int ev = get_int (a, ZMQ_EVENTS);
        int progress = 0;
        if ((ev & ZMQ_POLLIN)) {
            int v;
            if (zmq_recv (a, &v, sizeof v, ZMQ_DONTWAIT) != (int) sizeof v || v != got)
                bad = 1;
            got++;
            progress = 1;
        }
        if ((ev & ZMQ_POLLOUT) && sent < N && sent - got < WINDOW) {
            if (zmq_send (a, &sent, sizeof sent, ZMQ_DONTWAIT) != (int) sizeof sent)
                bad = 2;
            sent++;
            progress = 1;
        }
        if (!progress) {
            long long left = deadline - now_ms ();
            if (left <= 0)
                bad = 3;
            else if (readable (fd, (int) left) < 0)
                bad = 4;
        }
    }
    pthread_join (t, NULL);
    if (bad)
        TU_FAIL ("loop failed (%d): sent %d, got %d of %d", bad, sent, got, N);
    CHECK_EQ (e.rc, 0);
    CLOSE_ALL (a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    alarm (200);
    RUN (fd_wakes_an_idle_reader);
    RUN (events_sees_messages_after_the_fd_went_quiet);
    RUN (writer_fd_wakes_when_room_returns);
    RUN (shutdown_signals_the_fd);
    RUN (event_loop_receives_bursts);
    RUN (event_loop_receives_from_several_producers);
    RUN (event_loop_sends_through_a_small_window);
    RUN (event_loop_on_a_pair_both_ways);
    return test_summary ();
}
