/*  High-water marks over inproc. As libzmq: the limit of a connection is the sender's
    SNDHWM plus the receiver's RCVHWM (0 on either side = no limit); a connect that waits for
    its bind is limited by the sender's SNDHWM alone until the bind raises it; whole messages
    count, not parts; the reader gives room back every "low-water mark" messages (half the
    limit for small limits); SNDTIMEO bounds a blocked send.

    Expected results are libzmq's (4.3.x, checked by building this file against the system
    libzmq). No sleep decides an outcome; every blocking call is bounded.  */
#include "testutil.h"

#include <unistd.h>

/*  A mk() socket with the given marks (-1 = leave the default).  */
static void *mk_hwm (void *ctx, int type, int sndhwm, int rcvhwm)
{
    void *s = mk (ctx, type);
    if (s
        && ((sndhwm >= 0 && set_int (s, ZMQ_SNDHWM, sndhwm) != 0)
            || (rcvhwm >= 0 && set_int (s, ZMQ_RCVHWM, rcvhwm) != 0))) {
        zmq_close (s);
        return NULL;
    }
    return s;
}

/*  Sends single-part messages with ZMQ_DONTWAIT until EAGAIN (at most limit); returns how
    many went, or -1 on another error.  */
static int fill (void *s, int limit)
{
    int n = 0;
    while (n < limit) {
        if (zmq_send (s, &n, sizeof n, ZMQ_DONTWAIT) != (int) sizeof n)
            return errno == EAGAIN ? n : -1;
        n++;
    }
    return n;
}

/*  Receives until nothing is left right now; returns the count, or -1 on another error.  */
static int drain (void *s)
{
    int n = 0;
    char buf[64];
    while (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        n++;
    return errno == EAGAIN ? n : -1;
}

/*  ------------------------------------------------------------------------------------------
    The combined limit  */

static void combined_case (int snd, int rcv, int push_binds, int *sent, int *received)
{
    void *ctx = zmq_ctx_new ();
    void *push = mk_hwm (ctx, ZMQ_PUSH, snd, -1);
    void *pull = mk_hwm (ctx, ZMQ_PULL, -1, rcv);
    if (push_binds) {
        zmq_bind (push, "inproc://combined");
        zmq_connect (pull, "inproc://combined");
    } else {
        zmq_bind (pull, "inproc://combined");
        zmq_connect (push, "inproc://combined");
    }
    *sent = fill (push, 1000000);
    *received = drain (pull);
    zmq_close (push);
    zmq_close (pull);
    zmq_ctx_term (ctx);
}

TEST (sndhwm_plus_rcvhwm)
{
    static const int marks[][2] = {{5, 5}, {1, 1}, {3, 7}, {10, 2}, {1, 1000}, {1000, 1000}};
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        for (int push_binds = 0; push_binds < 2; push_binds++) {
            int sent, received;
            combined_case (marks[i][0], marks[i][1], push_binds, &sent, &received);
            if (sent != marks[i][0] + marks[i][1] || received != sent)
                TU_FAIL ("SNDHWM %d + RCVHWM %d (%s binds): sent %d, received %d",
                         marks[i][0], marks[i][1], push_binds ? "PUSH" : "PULL", sent,
                         received);
        }
}

TEST (pair_limit_each_direction)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *a = mk_hwm (ctx, ZMQ_PAIR, 2, 3), *b = mk_hwm (ctx, ZMQ_PAIR, 4, 5);
    CHECK (a && b);
    CHECK_EQ (zmq_bind (a, "inproc://pair-hwm"), 0);
    CHECK_EQ (zmq_connect (b, "inproc://pair-hwm"), 0);
    /*  a -> b: a's SNDHWM 2 + b's RCVHWM 5; b -> a: 4 + 3.  */
    CHECK_EQ (fill (a, 1000), 7);
    CHECK_EQ (fill (b, 1000), 7);
    CHECK_EQ (get_int (a, ZMQ_EVENTS), ZMQ_POLLIN);
    CHECK_EQ (drain (b), 7);
    CHECK_EQ (drain (a), 7);
    CLOSE_ALL (a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (hwm_zero_is_unlimited)
{
    enum { N = 100000 };
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    /*  Sender unlimited, receiver at its default.  */
    void *push = mk_hwm (ctx, ZMQ_PUSH, 0, -1), *pull = mk_hwm (ctx, ZMQ_PULL, -1, -1);
    CHECK (push && pull);
    CHECK_EQ (zmq_bind (pull, "inproc://unlimited"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://unlimited"), 0);
    CHECK_EQ (fill (push, N), N);
    CHECK_EQ (get_int (push, ZMQ_EVENTS), ZMQ_POLLOUT);
    /*  All there, in order.  */
    for (int i = 0; i < N; i++) {
        int v = -1;
        CHECK_EQ (zmq_recv (pull, &v, sizeof v, ZMQ_DONTWAIT), (int) sizeof v);
        if (v != i)
            TU_FAIL ("message %d carried %d", i, v);
    }
    CHECK_EQ (drain (pull), 0);
    CLOSE_ALL (push, pull);

    /*  Receiver unlimited, sender at its default.  */
    push = mk_hwm (ctx, ZMQ_PUSH, -1, -1);
    pull = mk_hwm (ctx, ZMQ_PULL, -1, 0);
    CHECK (push && pull);
    CHECK_EQ (zmq_bind (push, "inproc://unlimited2"), 0);
    CHECK_EQ (zmq_connect (pull, "inproc://unlimited2"), 0);
    CHECK_EQ (fill (push, N), N);
    CHECK_EQ (drain (pull), N);
    CLOSE_ALL (push, pull);

    /*  A connect waiting for its bind with SNDHWM 0 is unlimited too.  */
    push = mk_hwm (ctx, ZMQ_PUSH, 0, -1);
    pull = mk_hwm (ctx, ZMQ_PULL, -1, -1);
    CHECK (push && pull);
    CHECK_EQ (zmq_connect (push, "inproc://unlimited3"), 0);
    CHECK_EQ (fill (push, 5000), 5000);
    CHECK_EQ (zmq_bind (pull, "inproc://unlimited3"), 0);
    CHECK_EQ (drain (pull), 5000);
    CLOSE_ALL (push, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (connect_before_bind_limit_raised_by_bind)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = mk_hwm (ctx, ZMQ_PUSH, 5, -1), *pull = mk_hwm (ctx, ZMQ_PULL, -1, 5);
    CHECK (push && pull);
    /*  Before the bind only the sender's own mark applies.  */
    CHECK_EQ (zmq_connect (push, "inproc://raise"), 0);
    CHECK_EQ (fill (push, 1000), 5);
    CHECK_EQ (get_int (push, ZMQ_EVENTS), 0);
    /*  The bind raises it to 5 + 5 and gives the blocked sender room again.  */
    CHECK_EQ (zmq_bind (pull, "inproc://raise"), 0);
    CHECK_EQ (get_int (push, ZMQ_EVENTS), ZMQ_POLLOUT);
    CHECK_EQ (fill (push, 1000), 5);
    CHECK_EQ (drain (pull), 10);
    CLOSE_ALL (push, pull);

    /*  The same without having hit the limit before the bind.  */
    push = mk_hwm (ctx, ZMQ_PUSH, 5, -1);
    pull = mk_hwm (ctx, ZMQ_PULL, -1, 5);
    CHECK (push && pull);
    CHECK_EQ (zmq_connect (push, "inproc://raise2"), 0);
    CHECK_EQ (fill (push, 5), 5);
    CHECK_EQ (zmq_bind (pull, "inproc://raise2"), 0);
    CHECK_EQ (fill (push, 1000), 5);
    CHECK_EQ (drain (pull), 10);
    CLOSE_ALL (push, pull);

    /*  PAIR, limits both ways: b connects first with SNDHWM 2, RCVHWM 3; a binds with
        SNDHWM 4, RCVHWM 6.  */
    void *a = mk_hwm (ctx, ZMQ_PAIR, 4, 6), *b = mk_hwm (ctx, ZMQ_PAIR, 2, 3);
    CHECK (a && b);
    CHECK_EQ (zmq_connect (b, "inproc://raise-pair"), 0);
    CHECK_EQ (fill (b, 1000), 2);
    CHECK_EQ (zmq_bind (a, "inproc://raise-pair"), 0);
    CHECK_EQ (get_int (b, ZMQ_EVENTS), ZMQ_POLLOUT);
    CHECK_EQ (fill (b, 1000), 6);
    CHECK_EQ (fill (a, 1000), 7);
    CHECK_EQ (drain (a), 8);
    CHECK_EQ (drain (b), 7);
    CLOSE_ALL (a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (multipart_counts_as_one)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = mk_hwm (ctx, ZMQ_PUSH, 5, -1), *pull = mk_hwm (ctx, ZMQ_PULL, -1, 5);
    CHECK (push && pull);
    CHECK_EQ (zmq_bind (pull, "inproc://parts"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://parts"), 0);
    /*  Ten messages of three parts each fit in a limit of ten.  */
    for (int i = 0; i < 10; i++) {
        CHECK_EQ (zmq_send (push, "a", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT), 1);
        CHECK_EQ (zmq_send (push, "b", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT), 1);
        CHECK_EQ (zmq_send (push, &i, sizeof i, ZMQ_DONTWAIT), (int) sizeof i);
    }
    CHECK_ERR (zmq_send (push, "a", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERR (zmq_send (push, "a", 1, ZMQ_DONTWAIT), EAGAIN);
    for (int i = 0; i < 10; i++) {
        char p[8];
        int v = -1;
        CHECK_EQ (zmq_recv (pull, p, sizeof p, 0), 1);
        CHECK_EQ (p[0], 'a');
        CHECK_EQ (get_int (pull, ZMQ_RCVMORE), 1);
        CHECK_EQ (zmq_recv (pull, p, sizeof p, 0), 1);
        CHECK_EQ (p[0], 'b');
        CHECK_EQ (get_int (pull, ZMQ_RCVMORE), 1);
        CHECK_EQ (zmq_recv (pull, &v, sizeof v, 0), (int) sizeof v);
        CHECK_EQ (v, i);
        CHECK_EQ (get_int (pull, ZMQ_RCVMORE), 0);
    }
    CHECK_EQ (drain (pull), 0);
    /*  The reader gave the room back (ZMQ_EVENTS makes the sender take in the news now).  */
    CHECK_EQ (get_int (push, ZMQ_EVENTS), ZMQ_POLLOUT);

    /*  Once the first part of a message is in, the rest follows even past the mark: nine
        single-part messages, then one of 50 parts, then the limit.  */
    CHECK_EQ (fill (push, 9), 9);
    for (int i = 0; i < 49; i++)
        CHECK_EQ (zmq_send (push, "m", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT), 1);
    CHECK_EQ (zmq_send (push, "e", 1, ZMQ_DONTWAIT), 1);
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (drain (pull), 9 + 50);
    CLOSE_ALL (push, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (room_comes_back_at_the_low_water_mark)
{
    /*  A limit of 10 has a low-water mark of 5: the reader reports its progress every 5
        messages, so the sender sees room again after 5 reads, not before.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    for (int connect_first = 0; connect_first < 2; connect_first++) {
        void *push = mk_hwm (ctx, ZMQ_PUSH, 5, -1), *pull = mk_hwm (ctx, ZMQ_PULL, -1, 5);
        CHECK (push && pull);
        char ep[32];
        snprintf (ep, sizeof ep, "inproc://lwm-%d", connect_first);
        if (connect_first) {
            CHECK_EQ (zmq_connect (push, ep), 0);
            CHECK_EQ (zmq_bind (pull, ep), 0);
        } else {
            CHECK_EQ (zmq_bind (pull, ep), 0);
            CHECK_EQ (zmq_connect (push, ep), 0);
        }
        CHECK_EQ (get_int (push, ZMQ_EVENTS), ZMQ_POLLOUT);
        CHECK_EQ (fill (push, 1000), 10);
        CHECK_EQ (get_int (push, ZMQ_EVENTS), 0);
        int v;
        for (int i = 0; i < 4; i++)
            CHECK_EQ (zmq_recv (pull, &v, sizeof v, 0), (int) sizeof v);
        CHECK_EQ (get_int (push, ZMQ_EVENTS), 0);
        CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
        CHECK_EQ (zmq_recv (pull, &v, sizeof v, 0), (int) sizeof v);
        CHECK_EQ (get_int (push, ZMQ_EVENTS), ZMQ_POLLOUT);
        /*  Five were read, five are queued: five more fit.  */
        CHECK_EQ (fill (push, 1000), 5);
        CHECK_EQ (drain (pull), 10);
        CLOSE_ALL (push, pull);
    }
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Blocking at the mark  */

struct blocked_send
{
    void *socket;
    int count;
    atomic_int started;
    atomic_int done;
    int rc;
    int err;
};

static void *send_blocking (void *arg)
{
    struct blocked_send *b = (struct blocked_send *) arg;
    atomic_store (&b->started, 1);
    b->rc = 0;
    for (int i = 0; i < b->count; i++) {
        int v = 1000000 + i;
        if (zmq_send (b->socket, &v, sizeof v, 0) != (int) sizeof v) {
            b->rc = -1;
            b->err = errno;
            break;
        }
    }
    atomic_store (&b->done, 1);
    return NULL;
}

TEST (reading_resumes_a_blocked_sender)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = mk_hwm (ctx, ZMQ_PUSH, 5, -1), *pull = mk_hwm (ctx, ZMQ_PULL, -1, 5);
    CHECK (push && pull);
    CHECK_EQ (zmq_bind (pull, "inproc://resume"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://resume"), 0);
    CHECK_EQ (fill (push, 1000), 10);
    /*  A thread now blocks sending 1000 more (each send bounded by SNDTIMEO 10 s); reading
        everything must let all of them through.  */
    struct blocked_send b;
    memset (&b, 0, sizeof b);
    b.socket = push;
    b.count = 1000;
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, send_blocking, &b), 0);
    int first = 0, next = 1000000;
    for (int i = 0; i < 1010; i++) {
        int v = -1;
        if (zmq_recv (pull, &v, sizeof v, 0) != (int) sizeof v) {
            pthread_join (t, NULL);
            TU_FAIL ("receive %d failed: %s", i, zmq_strerror (errno));
        }
        if (v < 1000000) {
            if (v != first) {
                pthread_join (t, NULL);
                TU_FAIL ("message %d carried %d", i, v);
            }
            first++;
        } else {
            if (v != next) {
                pthread_join (t, NULL);
                TU_FAIL ("message %d carried %d, expected %d", i, v, next);
            }
            next++;
        }
    }
    pthread_join (t, NULL);
    CHECK_EQ (b.rc, 0);
    CHECK_EQ (first, 10);
    CHECK_EQ (next, 1001000);
    CHECK_EQ (drain (pull), 0);
    CLOSE_ALL (push, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (sndtimeo_at_the_mark)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = mk_hwm (ctx, ZMQ_PUSH, 1, -1), *pull = mk_hwm (ctx, ZMQ_PULL, -1, 1);
    CHECK (push && pull);
    CHECK_EQ (zmq_bind (pull, "inproc://timeo"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://timeo"), 0);
    CHECK_EQ (fill (push, 1000), 2);
    CHECK_EQ (set_int (push, ZMQ_SNDTIMEO, 100), 0);
    long long start = now_ms ();
    CHECK_ERR (zmq_send (push, "x", 1, 0), EAGAIN);
    long long took = now_ms () - start;
    CHECK (took >= 99);
    CHECK (took < 5000);
    CHECK_EQ (set_int (push, ZMQ_SNDTIMEO, 0), 0);
    CHECK_ERR (zmq_send (push, "x", 1, 0), EAGAIN);
    CHECK_EQ (set_int (push, ZMQ_SNDTIMEO, -1), 0);
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    /*  The messages that did go are intact.  */
    CHECK_EQ (drain (pull), 2);
    CLOSE_ALL (push, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (hwm_options_read_back)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (s != NULL);
    CHECK_EQ (get_int (s, ZMQ_SNDHWM), 1000);
    CHECK_EQ (get_int (s, ZMQ_RCVHWM), 1000);
    CHECK_EQ (set_int (s, ZMQ_SNDHWM, 0), 0);
    CHECK_EQ (get_int (s, ZMQ_SNDHWM), 0);
    CHECK_ERR (set_int (s, ZMQ_SNDHWM, -1), EINVAL);
    CHECK_ERR (set_int (s, ZMQ_RCVHWM, -1), EINVAL);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    alarm (120);
    RUN (sndhwm_plus_rcvhwm);
    RUN (pair_limit_each_direction);
    RUN (hwm_zero_is_unlimited);
    RUN (connect_before_bind_limit_raised_by_bind);
    RUN (multipart_counts_as_one);
    RUN (room_comes_back_at_the_low_water_mark);
    RUN (reading_resumes_a_blocked_sender);
    RUN (sndtimeo_at_the_mark);
    RUN (hwm_options_read_back);
    return test_summary ();
}
