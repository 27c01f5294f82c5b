/*  Closing and terminating with messages in flight over inproc: what a closed sender leaves
    is still read (whatever its ZMQ_LINGER: libzmq ends an inproc pipe with a delimiter after
    the queued messages, and linger only matters to network sessions); zmq_ctx_term returns
    once every socket is closed, read or not; a peer blocked in a receive outlives the
    socket that closes; many sockets and many threads.

    Expected results are libzmq's (4.3.x, checked by building this file against the system
    libzmq). No sleep decides an outcome; every blocking call is bounded.  */
#include "testutil.h"

#include <unistd.h>

/*  ------------------------------------------------------------------------------------------
    Linger  */

/*  A PUSH with the given linger sends n messages and closes; returns how many the PULL
    still receives (in order), or -1 on a misordered message. The PULL binds, or connects
    to the binding PUSH.  */
static int sent_then_closed (int linger, int push_binds, int n, int *after_end_errno)
{
    void *ctx = zmq_ctx_new ();
    void *push = zmq_socket (ctx, ZMQ_PUSH), *pull = mk (ctx, ZMQ_PULL);
    set_int (push, ZMQ_LINGER, linger);
    if (push_binds) {
        zmq_bind (push, "inproc://linger");
        zmq_connect (pull, "inproc://linger");
    } else {
        zmq_bind (pull, "inproc://linger");
        zmq_connect (push, "inproc://linger");
    }
    for (int i = 0; i < n; i++)
        zmq_send (push, &i, sizeof i, 0);
    zmq_close (push);
    int got = 0;
    set_int (pull, ZMQ_RCVTIMEO, 2000);
    for (int i = 0; i < n; i++) {
        int v = -1;
        if (zmq_recv (pull, &v, sizeof v, 0) != (int) sizeof v)
            break;
        if (v != i) {
            got = -1;
            break;
        }
        got++;
    }
    char c;
    zmq_recv (pull, &c, 1, ZMQ_DONTWAIT);
    *after_end_errno = errno;
    zmq_close (pull);
    zmq_ctx_term (ctx);
    return got;
}

TEST (closed_sender_messages_are_still_received)
{
    static const int lingers[] = {-1, 0, 1, 100, 60000};
    for (size_t i = 0; i < sizeof lingers / sizeof *lingers; i++)
        for (int push_binds = 0; push_binds < 2; push_binds++) {
            int err = 0;
            int got = sent_then_closed (lingers[i], push_binds, 100, &err);
            if (got != 100)
                TU_FAIL ("LINGER %d, %s binds: received %d of 100", lingers[i],
                         push_binds ? "PUSH" : "PULL", got);
            CHECK_EQ (err, EAGAIN);
        }
}

TEST (closed_pair_peer_messages_are_still_received)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *a = mk (ctx, ZMQ_PAIR), *b = mk (ctx, ZMQ_PAIR);
    CHECK (a && b);
    CHECK_EQ (zmq_bind (a, "inproc://pair-linger"), 0);
    CHECK_EQ (zmq_connect (b, "inproc://pair-linger"), 0);
    CHECK_EQ (set_int (b, ZMQ_LINGER, 0), 0);
    /*  Messages both ways; b closes without reading its own.  */
    CHECK_EQ (zmq_send (a, "to b", 4, 0), 4);
    CHECK_EQ (zmq_send (b, "one", 3, 0), 3);
    CHECK_EQ (zmq_send (b, "two", 3, ZMQ_SNDMORE), 3);
    CHECK_EQ (zmq_send (b, "parts", 5, 0), 5);
    CHECK_OK (zmq_close (b));
    char buf[16];
    CHECK_EQ (zmq_recv (a, buf, sizeof buf, 0), 3);
    CHECK_MEM_EQ (buf, "one", 3);
    CHECK_EQ (zmq_recv (a, buf, sizeof buf, 0), 3);
    CHECK_EQ (get_int (a, ZMQ_RCVMORE), 1);
    CHECK_EQ (zmq_recv (a, buf, sizeof buf, 0), 5);
    CHECK_EQ (get_int (a, ZMQ_RCVMORE), 0);
    CHECK_ERR (zmq_recv (a, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Term with messages in the pipes  */

TEST (term_returns_with_undelivered_messages)
{
    static const int lingers[] = {-1, 0, 200};
    for (size_t i = 0; i < sizeof lingers / sizeof *lingers; i++) {
        void *ctx = zmq_ctx_new ();
        CHECK (ctx != NULL);
        void *push = zmq_socket (ctx, ZMQ_PUSH), *pull = zmq_socket (ctx, ZMQ_PULL);
        void *pending = zmq_socket (ctx, ZMQ_PUSH);
        CHECK (push && pull && pending);
        CHECK_EQ (set_int (push, ZMQ_LINGER, lingers[i]), 0);
        CHECK_EQ (set_int (pending, ZMQ_LINGER, lingers[i]), 0);
        CHECK_EQ (zmq_bind (pull, "inproc://undelivered"), 0);
        CHECK_EQ (zmq_connect (push, "inproc://undelivered"), 0);
        CHECK_EQ (zmq_connect (pending, "inproc://nobody"), 0);
        for (int j = 0; j < 500; j++) {
            CHECK_EQ (zmq_send (push, "unread", 6, ZMQ_DONTWAIT), 6);
            CHECK_EQ (zmq_send (pending, "unsent", 6, ZMQ_DONTWAIT), 6);
        }
        /*  In either order; nothing was read, and it does not need to be.  */
        if (i % 2) {
            CHECK_OK (zmq_close (pull));
            CHECK_OK (zmq_close (push));
        } else {
            CLOSE_ALL (push, pull);
        }
        CHECK_OK (zmq_close (pending));
        long long start = now_ms ();
        CHECK_OK (zmq_ctx_term (ctx));
        CHECK (now_ms () - start < 5000);
    }
}

/*  A message queued for a tcp peer that is not there: term waits the linger out (the session
    keeps trying to connect meanwhile, as libzmq's), a signal interrupts the wait with EINTR
    (pyzmq's test_retry_term), and term called again completes.  */
TEST (term_lingers_for_an_absent_peer_and_signals_interrupt_it)
{
    void *ctx = zmq_ctx_new ();
    /*  A port nobody listens on: bound, read, closed.  */
    void *tmp = zmq_socket (ctx, ZMQ_PULL);
    CHECK_OK (zmq_bind (tmp, "tcp://127.0.0.1:*"));
    char ep[64];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (tmp, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK_OK (zmq_close (tmp));
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK_OK (set_int (push, ZMQ_LINGER, 2000));
    CHECK_OK (set_int (push, ZMQ_RECONNECT_IVL, 20));
    CHECK_OK (zmq_connect (push, ep));
    CHECK_EQ (zmq_send (push, "ping", 4, 0), 4);
    CHECK_OK (zmq_close (push));
    struct term_call c;
    memset (&c, 0, sizeof c);
    c.ctx = ctx;
    CHECK_EQ (interrupt_until_done (call_term, &c, &c.done, 5), 0);
    CHECK_EQ (c.rc, -1);
    CHECK_EQ (c.err, EINTR);
    CHECK_OK (zmq_ctx_term (ctx));
}

struct closer
{
    void *socket;
    atomic_int go;
    int rc;
};

static void *close_when_told (void *arg)
{
    struct closer *c = (struct closer *) arg;
    wait_flag (&c->go);
    c->rc = zmq_close (c->socket);
    return NULL;
}

TEST (term_waits_for_the_last_socket)
{
    /*  term blocks until the socket still open in another thread is closed; the messages
        queued to it are then simply dropped.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH), *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK (push && pull);
    CHECK_EQ (zmq_bind (pull, "inproc://last"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://last"), 0);
    for (int i = 0; i < 10; i++)
        CHECK_EQ (zmq_send (push, "m", 1, 0), 1);
    CHECK_OK (zmq_close (push));
    struct closer c = {pull, 0, -1};
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, close_when_told, &c), 0);
    atomic_store (&c.go, 1);
    CHECK_OK (zmq_ctx_term (ctx));
    pthread_join (t, NULL);
    CHECK_EQ (c.rc, 0);
}

/*  ------------------------------------------------------------------------------------------
    A peer closes under a blocked receiver  */

struct receiver
{
    void *socket;
    atomic_int started;
    int rc;
    int err;
    char buf[16];
};

static void *receive_one (void *arg)
{
    struct receiver *r = (struct receiver *) arg;
    atomic_store (&r->started, 1);
    r->rc = zmq_recv (r->socket, r->buf, sizeof r->buf, 0);
    r->err = errno;
    return NULL;
}

TEST (peer_closes_while_receiver_blocks)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL), *push = mk (ctx, ZMQ_PUSH);
    CHECK (pull && push);
    CHECK_EQ (zmq_bind (pull, "inproc://under"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://under"), 0);
    /*  The receiver blocks (or is about to); the sender's last message and its close reach
        it: it gets the message.  */
    struct receiver r;
    memset (&r, 0, sizeof r);
    r.socket = pull;
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, receive_one, &r), 0);
    wait_flag (&r.started);
    CHECK_EQ (zmq_send (push, "last", 4, 0), 4);
    CHECK_OK (zmq_close (push));
    pthread_join (t, NULL);
    CHECK_EQ (r.rc, 4);
    CHECK_MEM_EQ (r.buf, "last", 4);

    /*  With nothing sent, the close does not wake the receiver with an error: it keeps
        waiting until its timeout.  */
    void *a = mk (ctx, ZMQ_PAIR), *b = mk (ctx, ZMQ_PAIR);
    CHECK (a && b);
    CHECK_EQ (set_int (a, ZMQ_RCVTIMEO, 300), 0);
    CHECK_EQ (zmq_bind (a, "inproc://under-pair"), 0);
    CHECK_EQ (zmq_connect (b, "inproc://under-pair"), 0);
    memset (&r, 0, sizeof r);
    r.socket = a;
    CHECK_EQ (pthread_create (&t, NULL, receive_one, &r), 0);
    wait_flag (&r.started);
    CHECK_OK (zmq_close (b));
    pthread_join (t, NULL);
    CHECK_EQ (r.rc, -1);
    CHECK_EQ (r.err, EAGAIN);
    /*  The PAIR takes a new peer afterwards.  */
    CHECK_EQ (set_int (a, ZMQ_RCVTIMEO, 10000), 0);
    void *c = mk (ctx, ZMQ_PAIR);
    CHECK (c != NULL);
    CHECK_EQ (zmq_connect (c, "inproc://under-pair"), 0);
    CHECK_EQ (zmq_send (c, "new", 3, 0), 3);
    char buf[8];
    CHECK_EQ (zmq_recv (a, buf, sizeof buf, 0), 3);
    CHECK_EQ (zmq_send (a, "back", 4, 0), 4);
    CHECK_EQ (zmq_recv (c, buf, sizeof buf, 0), 4);
    CLOSE_ALL (c, a, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Many sockets, many threads  */

TEST (a_thousand_pair_sockets)
{
    enum { PAIRS = 500 };
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    /*  libzmq frees the slots (and names) of closed sockets a moment later, in its reaper
        thread: room for both rounds, and names of their own.  */
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 4 * PAIRS + 10), 0);
    static void *a[PAIRS], *b[PAIRS];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < PAIRS; i++) {
            char ep[48];
            snprintf (ep, sizeof ep, "inproc://thousand-%d-%d", round, i);
            a[i] = mk (ctx, ZMQ_PAIR);
            b[i] = mk (ctx, ZMQ_PAIR);
            if (!a[i] || !b[i])
                TU_FAIL ("socket %d of round %d: %s", 2 * i, round, zmq_strerror (errno));
            /*  Half of them connect first.  */
            if (i % 2) {
                CHECK_EQ (zmq_connect (b[i], ep), 0);
                CHECK_EQ (zmq_bind (a[i], ep), 0);
            } else {
                CHECK_EQ (zmq_bind (a[i], ep), 0);
                CHECK_EQ (zmq_connect (b[i], ep), 0);
            }
        }
        for (int i = 0; i < PAIRS; i++) {
            CHECK_EQ (zmq_send (a[i], &i, sizeof i, 0), (int) sizeof i);
            CHECK_EQ (zmq_send (b[i], &i, sizeof i, 0), (int) sizeof i);
        }
        for (int i = 0; i < PAIRS; i++) {
            int v = -1, w = -1;
            CHECK_EQ (zmq_recv (b[i], &v, sizeof v, 0), (int) sizeof v);
            CHECK_EQ (zmq_recv (a[i], &w, sizeof w, 0), (int) sizeof w);
            CHECK_EQ (v, i);
            CHECK_EQ (w, i);
        }
        /*  Closed with a message left in half of them.  */
        for (int i = 0; i < PAIRS; i++) {
            if (i % 2)
                CHECK_EQ (zmq_send (a[i], "left", 4, 0), 4);
            CLOSE_ALL (a[i], b[i]);
        }
    }
    CHECK_OK (zmq_ctx_term (ctx));
}

enum { RING = 6, LAPS = 300 };

struct ring_node
{
    void *ctx;
    int index;
    atomic_int *bound;
    int rc;
    int tokens_seen;
};

/*  Each thread owns a PULL bound to ring-i and a PUSH connected to ring-(i+1). Node 0
    starts RING tokens and counts their laps, retiring a token after LAPS laps; the others
    forward everything. So every node receives each token LAPS times, then stops (closing
    its PUSH right after the last forward: that message must still arrive).  */
static void *ring_node (void *arg)
{
    struct ring_node *n = (struct ring_node *) arg;
    n->rc = -1;
    char me[32], next[32];
    snprintf (me, sizeof me, "inproc://ring-%d", n->index);
    snprintf (next, sizeof next, "inproc://ring-%d", (n->index + 1) % RING);
    void *in = mk (n->ctx, ZMQ_PULL), *out = mk (n->ctx, ZMQ_PUSH);
    if (!in || !out || zmq_bind (in, me) != 0)
        goto out;
    atomic_fetch_add (n->bound, 1);
    /*  Odd nodes connect once every node is bound, even ones at once (maybe before their
        peer binds): both orders get used.  */
    if (n->index % 2) {
        long long deadline = now_ms () + 10000;
        while (atomic_load (n->bound) < RING && now_ms () < deadline)
            sched_yield ();
    }
    if (zmq_connect (out, next) != 0)
        goto out;
    if (n->index == 0)
        for (int t = 0; t < RING; t++) {
            int token[2] = {t, 0};
            if (zmq_send (out, token, sizeof token, 0) != (int) sizeof token)
                goto out;
        }
    while (n->tokens_seen < RING * LAPS) {
        int token[2];
        if (zmq_recv (in, token, sizeof token, 0) != (int) sizeof token)
            goto out;
        n->tokens_seen++;
        if (n->index == 0 && ++token[1] == LAPS)
            continue;
        if (zmq_send (out, token, sizeof token, 0) != (int) sizeof token)
            goto out;
    }
    n->rc = 0;
out:
    if (in)
        zmq_close (in);
    if (out)
        zmq_close (out);
    return NULL;
}

TEST (one_socket_per_thread_ring)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    atomic_int bound = 0;
    struct ring_node nodes[RING];
    pthread_t t[RING];
    for (int i = 0; i < RING; i++) {
        nodes[i].ctx = ctx;
        nodes[i].index = i;
        nodes[i].bound = &bound;
        nodes[i].rc = -1;
        nodes[i].tokens_seen = 0;
        CHECK_EQ (pthread_create (&t[i], NULL, ring_node, &nodes[i]), 0);
    }
    for (int i = 0; i < RING; i++)
        pthread_join (t[i], NULL);
    for (int i = 0; i < RING; i++) {
        CHECK_EQ (nodes[i].rc, 0);
        CHECK_EQ (nodes[i].tokens_seen, RING * LAPS);
    }
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    alarm (200);
    RUN (closed_sender_messages_are_still_received);
    RUN (closed_pair_peer_messages_are_still_received);
    RUN (term_returns_with_undelivered_messages);
    RUN (term_waits_for_the_last_socket);
    RUN (term_lingers_for_an_absent_peer_and_signals_interrupt_it);
    RUN (peer_closes_while_receiver_blocks);
    RUN (a_thousand_pair_sockets);
    RUN (one_socket_per_thread_ring);
    return test_summary ();
}
