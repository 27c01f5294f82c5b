/*  zmq_poll over sockets and raw file descriptors: POLLIN and POLLOUT as peers send and
    queues fill, the three kinds of timeout, mixed items, POLLERR for bad descriptors, ETERM
    when the context shuts down and EINTR on a signal.

    Expected results are libzmq's (4.3.x, checked by building this file against the system
    libzmq). No sleep decides an outcome; every blocking call is bounded.  */
#include "testutil.h"

#include <fcntl.h>
#include <unistd.h>

/*  ------------------------------------------------------------------------------------------
    Sockets  */

TEST (pollin_after_peer_sends)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *a = mk (ctx, ZMQ_PAIR), *b = mk (ctx, ZMQ_PAIR);
    CHECK (a && b);
    CHECK_EQ (zmq_bind (a, "inproc://pollin"), 0);
    CHECK_EQ (zmq_connect (b, "inproc://pollin"), 0);
    zmq_pollitem_t item = {a, -1, ZMQ_POLLIN, 0};
    CHECK_EQ (zmq_poll (&item, 1, 0), 0);
    CHECK_EQ (item.revents, 0);
    CHECK_EQ (zmq_send (b, "x", 1, 0), 1);
    CHECK_EQ (zmq_poll (&item, 1, 10000), 1);
    CHECK_EQ (item.revents, ZMQ_POLLIN);
    /*  Polling again without receiving reports it again (level, not edge).  */
    CHECK_EQ (zmq_poll (&item, 1, 0), 1);
    CHECK_EQ (item.revents, ZMQ_POLLIN);
    char c;
    CHECK_EQ (zmq_recv (a, &c, 1, 0), 1);
    CHECK_EQ (zmq_poll (&item, 1, 0), 0);
    CHECK_EQ (item.revents, 0);
    /*  A multipart message is POLLIN from its first part on.  */
    CHECK_EQ (zmq_send (b, "1", 1, ZMQ_SNDMORE), 1);
    CHECK_EQ (zmq_send (b, "2", 1, 0), 1);
    CHECK_EQ (zmq_poll (&item, 1, 10000), 1);
    CHECK_EQ (zmq_recv (a, &c, 1, 0), 1);
    CHECK_EQ (zmq_poll (&item, 1, 0), 1);
    CHECK_EQ (item.revents, ZMQ_POLLIN);
    CHECK_EQ (zmq_recv (a, &c, 1, 0), 1);
    CHECK_EQ (zmq_poll (&item, 1, 0), 0);
    /*  Asking for both: PAIR with a peer can always send here.  */
    item.events = ZMQ_POLLIN | ZMQ_POLLOUT;
    CHECK_EQ (zmq_poll (&item, 1, 0), 1);
    CHECK_EQ (item.revents, ZMQ_POLLOUT);
    CHECK_EQ (zmq_send (b, "y", 1, 0), 1);
    CHECK_EQ (zmq_poll (&item, 1, 10000), 1);
    CHECK_EQ (item.revents, ZMQ_POLLIN | ZMQ_POLLOUT);
    /*  Events not asked for are not reported.  */
    item.events = ZMQ_POLLOUT;
    CHECK_EQ (zmq_poll (&item, 1, 0), 1);
    CHECK_EQ (item.revents, ZMQ_POLLOUT);
    item.events = 0;
    CHECK_EQ (zmq_poll (&item, 1, 0), 0);
    CHECK_EQ (item.revents, 0);
    CLOSE_ALL (a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (pollout_follows_peer_and_hwm)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = mk (ctx, ZMQ_PUSH), *pull = mk (ctx, ZMQ_PULL);
    CHECK (push && pull);
    CHECK_EQ (set_int (push, ZMQ_SNDHWM, 2), 0);
    CHECK_EQ (set_int (pull, ZMQ_RCVHWM, 2), 0);
    zmq_pollitem_t item = {push, -1, ZMQ_POLLOUT, 0};
    /*  No peer: no POLLOUT.  */
    CHECK_EQ (zmq_poll (&item, 1, 0), 0);
    CHECK_EQ (zmq_bind (pull, "inproc://pollout"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://pollout"), 0);
    CHECK_EQ (zmq_poll (&item, 1, 0), 1);
    CHECK_EQ (item.revents, ZMQ_POLLOUT);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ (zmq_send (push, "x", 1, ZMQ_DONTWAIT), 1);
        CHECK_EQ (zmq_poll (&item, 1, 0), 1);
    }
    CHECK_EQ (zmq_send (push, "x", 1, ZMQ_DONTWAIT), 1);
    /*  At the mark (2 + 2).  */
    CHECK_EQ (zmq_poll (&item, 1, 0), 0);
    CHECK_EQ (item.revents, 0);
    long long start = now_ms ();
    CHECK_EQ (zmq_poll (&item, 1, 50), 0);
    CHECK (now_ms () - start >= 49);
    /*  The reader makes room (its low-water mark is 2): POLLOUT again.  */
    char c;
    CHECK_EQ (zmq_recv (pull, &c, 1, 0), 1);
    CHECK_EQ (zmq_recv (pull, &c, 1, 0), 1);
    CHECK_EQ (zmq_poll (&item, 1, 10000), 1);
    CHECK_EQ (item.revents, ZMQ_POLLOUT);
    /*  PULL never has POLLOUT, PUSH never POLLIN.  */
    zmq_pollitem_t both[2] = {{pull, -1, ZMQ_POLLOUT, 0}, {push, -1, ZMQ_POLLIN, 0}};
    CHECK_EQ (zmq_poll (both, 2, 0), 0);
    CLOSE_ALL (push, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (timeouts)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL);
    CHECK (pull != NULL);
    zmq_pollitem_t item = {pull, -1, ZMQ_POLLIN, 0};
    long long start = now_ms ();
    CHECK_EQ (zmq_poll (&item, 1, 0), 0);
    CHECK (now_ms () - start < 1000);
    start = now_ms ();
    CHECK_EQ (zmq_poll (&item, 1, 100), 0);
    long long took = now_ms () - start;
    CHECK (took >= 99);
    CHECK (took < 5000);
    /*  No items: a plain sleep for the timeout.  */
    start = now_ms ();
    CHECK_EQ (zmq_poll (NULL, 0, 30), 0);
    CHECK (now_ms () - start >= 29);
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (ctx));
}

struct sender
{
    void *socket;
    atomic_int go;
    int rc;
};

static void *send_when_told (void *arg)
{
    struct sender *s = (struct sender *) arg;
    wait_flag (&s->go);
    s->rc = zmq_send (s->socket, "wake", 4, 0);
    return NULL;
}

TEST (infinite_timeout_woken_by_another_thread)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL), *push = mk (ctx, ZMQ_PUSH);
    CHECK (pull && push);
    CHECK_EQ (zmq_bind (pull, "inproc://wake"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://wake"), 0);
    /*  The sender may send before or after poll blocks: either way poll(-1) returns 1.  */
    struct sender s = {push, 0, 0};
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, send_when_told, &s), 0);
    zmq_pollitem_t item = {pull, -1, ZMQ_POLLIN, 0};
    atomic_store (&s.go, 1);
    int rc = zmq_poll (&item, 1, -1);
    pthread_join (t, NULL);
    CHECK_EQ (s.rc, 4);
    CHECK_EQ (rc, 1);
    CHECK_EQ (item.revents, ZMQ_POLLIN);
    char buf[8];
    CHECK_EQ (zmq_recv (pull, buf, sizeof buf, 0), 4);
    CLOSE_ALL (pull, push);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (many_sockets_count_items_with_events)
{
    enum { N = 6 };
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pulls[N], *push[N];
    zmq_pollitem_t items[N];
    for (int i = 0; i < N; i++) {
        char ep[32];
        snprintf (ep, sizeof ep, "inproc://many-%d", i);
        pulls[i] = mk (ctx, ZMQ_PULL);
        push[i] = mk (ctx, ZMQ_PUSH);
        CHECK (pulls[i] && push[i]);
        CHECK_EQ (zmq_bind (pulls[i], ep), 0);
        CHECK_EQ (zmq_connect (push[i], ep), 0);
        items[i].socket = pulls[i];
        items[i].fd = -1;
        items[i].events = ZMQ_POLLIN;
        items[i].revents = 0;
    }
    /*  Two messages to socket 1, one to sockets 3 and 4.  */
    CHECK_EQ (zmq_send (push[1], "a", 1, 0), 1);
    CHECK_EQ (zmq_send (push[1], "b", 1, 0), 1);
    CHECK_EQ (zmq_send (push[3], "c", 1, 0), 1);
    CHECK_EQ (zmq_send (push[4], "d", 1, 0), 1);
    CHECK_EQ (zmq_poll (items, N, 10000), 3);
    for (int i = 0; i < N; i++)
        CHECK_EQ (items[i].revents, (i == 1 || i == 3 || i == 4) ? ZMQ_POLLIN : 0);
    char c;
    CHECK_EQ (zmq_recv (pulls[3], &c, 1, 0), 1);
    CHECK_EQ (zmq_poll (items, N, 0), 2);
    for (int i = 0; i < N; i++) {
        CHECK_OK (zmq_close (pulls[i]));
        CHECK_OK (zmq_close (push[i]));
    }
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Raw descriptors  */

TEST (mixed_sockets_and_fds)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *a = mk (ctx, ZMQ_PAIR), *b = mk (ctx, ZMQ_PAIR);
    CHECK (a && b);
    CHECK_EQ (zmq_bind (a, "inproc://mixed"), 0);
    CHECK_EQ (zmq_connect (b, "inproc://mixed"), 0);
    int fds[2];
    CHECK_EQ (pipe (fds), 0);
    zmq_pollitem_t items[3] = {
      {a, -1, ZMQ_POLLIN, 0},
      {NULL, fds[0], ZMQ_POLLIN, 0},
      {NULL, fds[1], ZMQ_POLLOUT, 0},
    };
    /*  Only the pipe's write end is ready.  */
    CHECK_EQ (zmq_poll (items, 3, 0), 1);
    CHECK_EQ (items[0].revents, 0);
    CHECK_EQ (items[1].revents, 0);
    CHECK_EQ (items[2].revents, ZMQ_POLLOUT);
    CHECK_EQ (write (fds[1], "p", 1), 1);
    CHECK_EQ (zmq_poll (items, 3, 0), 2);
    CHECK_EQ (items[1].revents, ZMQ_POLLIN);
    CHECK_EQ (zmq_send (b, "s", 1, 0), 1);
    CHECK_EQ (zmq_poll (items, 3, 10000), 3);
    CHECK_EQ (items[0].revents, ZMQ_POLLIN);
    /*  Only the readable things, waiting on a socket and an fd: the fd wakes it.  */
    char c;
    CHECK_EQ (zmq_recv (a, &c, 1, 0), 1);
    CHECK_EQ (read (fds[0], &c, 1), 1);
    CHECK_EQ (zmq_poll (items, 2, 0), 0);
    CHECK_EQ (write (fds[1], "q", 1), 1);
    CHECK_EQ (zmq_poll (items, 2, 10000), 1);
    CHECK_EQ (items[0].revents, 0);
    CHECK_EQ (items[1].revents, ZMQ_POLLIN);
    close (fds[0]);
    close (fds[1]);
    CLOSE_ALL (a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (bad_descriptors_are_pollerr)
{
    int fds[2];
    CHECK_EQ (pipe (fds), 0);
    /*  A descriptor that is not open: POLLNVAL becomes ZMQ_POLLERR, whatever was asked.  */
    int closed = fds[0];
    close (closed);
    zmq_pollitem_t item = {NULL, closed, ZMQ_POLLIN, 0};
    CHECK_EQ (zmq_poll (&item, 1, 0), 1);
    CHECK_EQ (item.revents, ZMQ_POLLERR);
    item.events = 0;
    item.revents = 0;
    CHECK_EQ (zmq_poll (&item, 1, 1000), 1);
    CHECK_EQ (item.revents, ZMQ_POLLERR);
    /*  A pipe whose read end is gone: writing would fail (POLLERR).  */
    zmq_pollitem_t w = {NULL, fds[1], ZMQ_POLLOUT, 0};
    CHECK_EQ (zmq_poll (&w, 1, 0), 1);
    CHECK ((w.revents & ZMQ_POLLERR) != 0);
    close (fds[1]);
    /*  A pipe whose write end is gone: hang-up, reported as ZMQ_POLLERR.  */
    CHECK_EQ (pipe (fds), 0);
    close (fds[1]);
    zmq_pollitem_t r = {NULL, fds[0], ZMQ_POLLIN, 0};
    CHECK_EQ (zmq_poll (&r, 1, 0), 1);
    CHECK_EQ (r.revents, ZMQ_POLLERR);
    close (fds[0]);
    /*  A negative descriptor is ignored by poll(2): no event, the timeout runs.  */
    zmq_pollitem_t neg = {NULL, -1, ZMQ_POLLIN, 0};
    CHECK_EQ (zmq_poll (&neg, 1, 10), 0);
    CHECK_EQ (neg.revents, 0);
}

TEST (argument_errors)
{
    CHECK_EQ (zmq_poll (NULL, 0, 0), 0);
    CHECK_ERR (zmq_poll (NULL, 1, 0), EFAULT);
    zmq_pollitem_t item = {NULL, 0, ZMQ_POLLIN, 0};
    CHECK_ERR (zmq_poll (&item, -1, 0), EINVAL);
}

/*  ------------------------------------------------------------------------------------------
    ETERM and EINTR  */

struct poll_call
{
    zmq_pollitem_t item;
    long timeout;
    atomic_int started;
    atomic_int done;
    int rc;
    int err;
};

static void *do_poll (void *arg)
{
    struct poll_call *p = (struct poll_call *) arg;
    atomic_store (&p->started, 1);
    p->rc = zmq_poll (&p->item, 1, p->timeout);
    p->err = errno;
    atomic_store (&p->done, 1);
    return NULL;
}

TEST (shutdown_while_polling_is_eterm)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL);
    CHECK (pull != NULL);
    struct poll_call p;
    memset (&p, 0, sizeof p);
    p.item.socket = pull;
    p.item.events = ZMQ_POLLIN;
    /*  -1 would be the real case; 20 s only keeps a broken library from hanging.  */
    p.timeout = 20000;
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, do_poll, &p), 0);
    wait_flag (&p.started);
    long long start = now_ms ();
    CHECK_EQ (zmq_ctx_shutdown (ctx), 0);
    pthread_join (t, NULL);
    CHECK (now_ms () - start < 15000);
    CHECK_EQ (p.rc, -1);
    CHECK_EQ (p.err, ETERM);
    /*  Polling after the shutdown fails at once.  */
    zmq_pollitem_t item = {pull, -1, ZMQ_POLLIN, 0};
    CHECK_ERR (zmq_poll (&item, 1, 0), ETERM);
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (signal_interrupts_poll)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL);
    CHECK (pull != NULL);
    int fds[2];
    CHECK_EQ (pipe (fds), 0);
    /*  Once on a socket, once on a raw fd. Signals repeat until the call returns, so one
        that lands before the thread blocks only costs a retry.  */
    for (int round = 0; round < 2; round++) {
        struct poll_call p;
        memset (&p, 0, sizeof p);
        if (round == 0)
            p.item.socket = pull;
        else
            p.item.fd = fds[0];
        p.item.events = ZMQ_POLLIN;
        p.timeout = 20000;
        CHECK_EQ (interrupt_until_done (do_poll, &p, &p.done, 2), 0);
        CHECK_EQ (p.rc, -1);
        CHECK_EQ (p.err, EINTR);
    }
    close (fds[0]);
    close (fds[1]);
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    alarm (120);
    RUN (pollin_after_peer_sends);
    RUN (pollout_follows_peer_and_hwm);
    RUN (timeouts);
    RUN (infinite_timeout_woken_by_another_thread);
    RUN (many_sockets_count_items_with_events);
    RUN (mixed_sockets_and_fds);
    RUN (bad_descriptors_are_pollerr);
    RUN (argument_errors);
    RUN (shutdown_while_polling_is_eterm);
    RUN (signal_interrupts_poll);
    return test_summary ();
}
