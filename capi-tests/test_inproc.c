/*  The inproc transport: bind and connect in either order, endpoint errors, unbind and
    disconnect, ZMQ_LAST_ENDPOINT, contexts as separate worlds, PAIR's single peer, and
    sockets closed with connects still pending.

    Expected results are libzmq's (4.3.x, checked by building this file against the system
    libzmq). Every receive that could hang has a ZMQ_RCVTIMEO, and an alarm ends a binary that
    hangs anyway; no sleep decides an outcome.  */
#include "testutil.h"

#include <unistd.h>

/*  Waits (up to 10 s) until ZMQ_EVENTS equals want; returns the last value seen. Closing a
    peer reaches a socket asynchronously in libzmq.  */
static int wait_events (void *s, int want)
{
    long long deadline = now_ms () + 10000;
    int ev;
    while ((ev = get_int (s, ZMQ_EVENTS)) != want && now_ms () < deadline)
        msleep (1);
    return ev;
}

/*  ZMQ_LAST_ENDPOINT must read back as want, its NUL included in the length.  */
#define CHECK_LAST_ENDPOINT(s, want)                                           \
    do {                                                                       \
        char le_buf[256];                                                      \
        size_t le_len = sizeof le_buf;                                         \
        CHECK_EQ (zmq_getsockopt ((s), ZMQ_LAST_ENDPOINT, le_buf, &le_len), 0); \
        CHECK_STR_EQ (le_buf, (want));                                         \
        CHECK_EQ (le_len, strlen (want) + 1);                                  \
    } while (0)

/*  ------------------------------------------------------------------------------------------
    Bind and connect  */

TEST (bind_then_connect)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *a = mk (ctx, ZMQ_PAIR), *b = mk (ctx, ZMQ_PAIR);
    CHECK (a && b);
    CHECK_EQ (zmq_bind (a, "inproc://btc"), 0);
    CHECK_EQ (zmq_connect (b, "inproc://btc"), 0);
    SEND_STR (b, "from b");
    RECV_STR (a, "from b");
    SEND_STR (a, "from a");
    RECV_STR (b, "from a");
    /*  Many messages, in order, both ways.  */
    for (int i = 0; i < 500; i++) {
        char m[32];
        snprintf (m, sizeof m, "b-%d", i);
        SEND_STR (b, m);
        snprintf (m, sizeof m, "a-%d", i);
        SEND_STR (a, m);
    }
    for (int i = 0; i < 500; i++) {
        char m[32];
        snprintf (m, sizeof m, "b-%d", i);
        RECV_STR (a, m);
        snprintf (m, sizeof m, "a-%d", i);
        RECV_STR (b, m);
    }
    RECV_NONE (a);
    RECV_NONE (b);
    CLOSE_ALL (a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (connect_then_bind)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = mk (ctx, ZMQ_PUSH), *pull = mk (ctx, ZMQ_PULL);
    CHECK (push && pull);
    /*  The connect succeeds with nobody bound, and what is sent waits for the bind.  */
    CHECK_EQ (zmq_connect (push, "inproc://ctb"), 0);
    SEND_STR (push, "first");
    SEND_STR (push, "second");
    CHECK_EQ (zmq_send (push, "three", 5, ZMQ_SNDMORE), 5);
    CHECK_EQ (zmq_send (push, "parts", 5, 0), 5);
    CHECK_EQ (zmq_bind (pull, "inproc://ctb"), 0);
    RECV_STR (pull, "first");
    RECV_STR (pull, "second");
    RECV_STR (pull, "three");
    CHECK_EQ (get_int (pull, ZMQ_RCVMORE), 1);
    RECV_STR (pull, "parts");
    CHECK_EQ (get_int (pull, ZMQ_RCVMORE), 0);
    SEND_STR (push, "after");
    RECV_STR (pull, "after");
    RECV_NONE (pull);

    /*  PAIR, both directions, the binder sending first once bound.  */
    void *a = mk (ctx, ZMQ_PAIR), *b = mk (ctx, ZMQ_PAIR);
    CHECK (a && b);
    CHECK_EQ (zmq_connect (b, "inproc://ctb-pair"), 0);
    SEND_STR (b, "early");
    CHECK_EQ (zmq_bind (a, "inproc://ctb-pair"), 0);
    SEND_STR (a, "reply");
    RECV_STR (b, "reply");
    RECV_STR (a, "early");
    CLOSE_ALL (a, b, push, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (bind_twice_is_eaddrinuse)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *a = mk (ctx, ZMQ_PULL), *b = mk (ctx, ZMQ_PULL);
    CHECK (a && b);
    CHECK_EQ (zmq_bind (a, "inproc://taken"), 0);
    CHECK_ERR (zmq_bind (b, "inproc://taken"), EADDRINUSE);
    CHECK_ERR (zmq_bind (a, "inproc://taken"), EADDRINUSE);
    /*  The failed bind left LAST_ENDPOINT alone.  */
    CHECK_LAST_ENDPOINT (b, "");
    /*  Names are exact: these are different endpoints.  */
    CHECK_EQ (zmq_bind (b, "inproc://Taken"), 0);
    CHECK_EQ (zmq_bind (b, "inproc://taken2"), 0);
    CHECK_EQ (zmq_bind (b, "inproc://taken/"), 0);
    /*  One socket may bind several names.  */
    CHECK_EQ (zmq_bind (a, "inproc://taken-also"), 0);
    /*  Once unbound, the name is free again; closing a socket frees its names too.  */
    CHECK_EQ (zmq_unbind (a, "inproc://taken"), 0);
    CHECK_EQ (zmq_bind (b, "inproc://taken"), 0);
    CHECK_OK (zmq_close (a));
    void *c = mk (ctx, ZMQ_PULL);
    CHECK (c != NULL);
    CHECK_EQ (bind_retry (c, "inproc://taken-also"), 0);
    CLOSE_ALL (b, c);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (many_connecters_one_binder)
{
    enum { N = 40 };
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL);
    CHECK (pull != NULL);
    void *push[N];
    /*  Half connect before the bind, half after.  */
    for (int i = 0; i < N / 2; i++) {
        push[i] = mk (ctx, ZMQ_PUSH);
        CHECK (push[i] != NULL);
        CHECK_EQ (zmq_connect (push[i], "inproc://many"), 0);
    }
    CHECK_EQ (zmq_bind (pull, "inproc://many"), 0);
    for (int i = N / 2; i < N; i++) {
        push[i] = mk (ctx, ZMQ_PUSH);
        CHECK (push[i] != NULL);
        CHECK_EQ (zmq_connect (push[i], "inproc://many"), 0);
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 3; j++)
            CHECK_EQ (zmq_send (push[i], &i, sizeof i, 0), (int) sizeof i);
    int seen[N] = {0};
    int last[N];
    for (int i = 0; i < N * 3; i++) {
        int who = -1;
        CHECK_EQ (zmq_recv (pull, &who, sizeof who, 0), (int) sizeof who);
        CHECK (who >= 0 && who < N);
        seen[who]++;
        last[who] = i;
    }
    for (int i = 0; i < N; i++)
        CHECK_EQ (seen[i], 3);
    (void) last;
    RECV_NONE (pull);
    for (int i = 0; i < N; i++)
        CHECK_OK (zmq_close (push[i]));
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (fair_queueing_over_connecters)
{
    /*  PULL takes whole messages from its peers in turn: with three peers that each queued
        messages, the first three messages come from three different peers.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL);
    CHECK (pull != NULL);
    CHECK_EQ (zmq_bind (pull, "inproc://fq"), 0);
    void *push[3];
    for (int i = 0; i < 3; i++) {
        push[i] = mk (ctx, ZMQ_PUSH);
        CHECK (push[i] != NULL);
        CHECK_EQ (zmq_connect (push[i], "inproc://fq"), 0);
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
            char m[2] = {(char) ('a' + i), (char) ('0' + j)};
            CHECK_EQ (zmq_send (push[i], m, 1, ZMQ_SNDMORE), 1);
            CHECK_EQ (zmq_send (push[i], m + 1, 1, 0), 1);
        }
    int count[3] = {0};
    for (int round = 0; round < 4; round++) {
        int in_round[3] = {0};
        for (int k = 0; k < 3; k++) {
            char p1, p2;
            CHECK_EQ (zmq_recv (pull, &p1, 1, 0), 1);
            CHECK_EQ (get_int (pull, ZMQ_RCVMORE), 1);
            CHECK_EQ (zmq_recv (pull, &p2, 1, 0), 1);
            CHECK_EQ (get_int (pull, ZMQ_RCVMORE), 0);
            CHECK (p1 >= 'a' && p1 <= 'c');
            int who = p1 - 'a';
            /*  Parts of one message come together, and each peer's messages in order.  */
            CHECK_EQ (p2, '0' + count[who]);
            count[who]++;
            in_round[who]++;
        }
        CHECK (in_round[0] == 1 && in_round[1] == 1 && in_round[2] == 1);
    }
    RECV_NONE (pull);
    for (int i = 0; i < 3; i++)
        CHECK_OK (zmq_close (push[i]));
    CHECK_OK (zmq_close (pull));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (load_balancing_over_binders)
{
    /*  PUSH connected to three PULLs deals whole messages round robin.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = mk (ctx, ZMQ_PUSH);
    CHECK (push != NULL);
    void *pull[3];
    for (int i = 0; i < 3; i++) {
        char ep[32];
        snprintf (ep, sizeof ep, "inproc://lb-%d", i);
        pull[i] = mk (ctx, ZMQ_PULL);
        CHECK (pull[i] != NULL);
        CHECK_EQ (zmq_bind (pull[i], ep), 0);
        CHECK_EQ (zmq_connect (push, ep), 0);
    }
    for (int i = 0; i < 9; i++) {
        CHECK_EQ (zmq_send (push, "h", 1, ZMQ_SNDMORE), 1);
        CHECK_EQ (zmq_send (push, &i, sizeof i, 0), (int) sizeof i);
    }
    int total = 0;
    for (int i = 0; i < 3; i++) {
        int got = 0, prev = -1;
        for (;;) {
            char h;
            int rc = zmq_recv (pull[i], &h, 1, ZMQ_DONTWAIT);
            if (rc < 0) {
                CHECK_EQ (errno, EAGAIN);
                break;
            }
            CHECK_EQ (get_int (pull[i], ZMQ_RCVMORE), 1);
            int v;
            CHECK_EQ (zmq_recv (pull[i], &v, sizeof v, 0), (int) sizeof v);
            CHECK (v > prev);
            prev = v;
            got++;
        }
        CHECK_EQ (got, 3);
        total += got;
    }
    CHECK_EQ (total, 9);
    for (int i = 0; i < 3; i++)
        CHECK_OK (zmq_close (pull[i]));
    CHECK_OK (zmq_close (push));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Unbind and disconnect  */

TEST (unbind_keeps_connections_new_connects_wait)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL), *p1 = mk (ctx, ZMQ_PUSH), *p2 = mk (ctx, ZMQ_PUSH);
    void *other = mk (ctx, ZMQ_PULL);
    CHECK (pull && p1 && p2 && other);
    CHECK_EQ (zmq_bind (pull, "inproc://unbind"), 0);
    CHECK_EQ (zmq_connect (p1, "inproc://unbind"), 0);
    /*  Only the binder can unbind.  */
    CHECK_ERR (zmq_unbind (other, "inproc://unbind"), ENOENT);
    CHECK_ERR (zmq_unbind (p1, "inproc://nothere"), ENOENT);
    CHECK_EQ (zmq_unbind (pull, "inproc://unbind"), 0);
    CHECK_ERR (zmq_unbind (pull, "inproc://unbind"), ENOENT);
    /*  The existing connection still works both before and after.  */
    SEND_STR (p1, "still here");
    RECV_STR (pull, "still here");
    /*  A new connect goes pending: its message does not reach the old binder.  */
    CHECK_EQ (zmq_connect (p2, "inproc://unbind"), 0);
    SEND_STR (p2, "pending");
    SEND_STR (p1, "p1 again");
    RECV_STR (pull, "p1 again");
    RECV_NONE (pull);
    /*  Whoever binds the name next gets the pending connection and its message.  */
    CHECK_EQ (zmq_bind (other, "inproc://unbind"), 0);
    RECV_STR (other, "pending");
    RECV_NONE (pull);
    CLOSE_ALL (pull, p1, p2, other);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (unbind_then_rebind_same_socket)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = mk (ctx, ZMQ_PULL), *push = mk (ctx, ZMQ_PUSH);
    CHECK (pull && push);
    CHECK_EQ (zmq_bind (pull, "inproc://rebind"), 0);
    CHECK_EQ (zmq_unbind (pull, "inproc://rebind"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://rebind"), 0);
    SEND_STR (push, "waited");
    CHECK_EQ (zmq_bind (pull, "inproc://rebind"), 0);
    RECV_STR (pull, "waited");
    /*  zmq_disconnect on the binder's own endpoint unbinds it too (libzmq handles both
        calls alike).  */
    CHECK_EQ (zmq_disconnect (pull, "inproc://rebind"), 0);
    CHECK_ERR (zmq_disconnect (pull, "inproc://rebind"), ENOENT);
    CLOSE_ALL (pull, push);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (disconnect_ends_that_connection)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = mk (ctx, ZMQ_PUSH), *x = mk (ctx, ZMQ_PULL), *y = mk (ctx, ZMQ_PULL);
    CHECK (push && x && y);
    CHECK_EQ (zmq_bind (x, "inproc://dx"), 0);
    CHECK_EQ (zmq_bind (y, "inproc://dy"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://dx"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://dy"), 0);
    /*  Round robin over both.  */
    SEND_STR (push, "1");
    SEND_STR (push, "2");
    char b1[4], b2[4];
    CHECK_EQ (zmq_recv (x, b1, sizeof b1, 0), 1);
    CHECK_EQ (zmq_recv (y, b2, sizeof b2, 0), 1);
    CHECK (b1[0] != b2[0]);
    /*  Messages queued before the disconnect are still delivered (libzmq ends the pipe
        after them).  */
    SEND_STR (push, "3");
    SEND_STR (push, "4");
    CHECK_EQ (zmq_disconnect (push, "inproc://dx"), 0);
    CHECK_ERR (zmq_disconnect (push, "inproc://dx"), ENOENT);
    CHECK_ERR (zmq_disconnect (push, "inproc://never"), ENOENT);
    /*  From now on everything goes to y.  */
    for (int i = 0; i < 6; i++)
        SEND_STR (push, "y");
    int got_x = 0;
    char b[4];
    while (zmq_recv (x, b, sizeof b, ZMQ_DONTWAIT) == 1)
        got_x++;
    CHECK_EQ (got_x, 1);
    int got_y = 0;
    while (zmq_recv (y, b, sizeof b, ZMQ_DONTWAIT) == 1)
        got_y++;
    CHECK_EQ (got_y, 7);
    /*  With no connection left, PUSH cannot send.  */
    CHECK_EQ (zmq_disconnect (push, "inproc://dy"), 0);
    CHECK_ERR (zmq_send (push, "z", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (get_int (push, ZMQ_EVENTS), 0);
    /*  And it can connect again.  */
    CHECK_EQ (zmq_connect (push, "inproc://dx"), 0);
    SEND_STR (push, "again");
    RECV_STR (x, "again");
    CLOSE_ALL (push, x, y);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (disconnect_of_pending_connect)
{
    /*  A connect still waiting for its bind can be disconnected; the later bind then sees
        nothing from it.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = mk (ctx, ZMQ_PUSH), *pull = mk (ctx, ZMQ_PULL);
    CHECK (push && pull);
    CHECK_EQ (zmq_connect (push, "inproc://dpend"), 0);
    CHECK_EQ (zmq_disconnect (push, "inproc://dpend"), 0);
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (zmq_bind (pull, "inproc://dpend"), 0);
    RECV_NONE (pull);
    CLOSE_ALL (push, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Endpoint errors and ZMQ_LAST_ENDPOINT  */

TEST (bad_endpoints)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = mk (ctx, ZMQ_PAIR);
    CHECK (s != NULL);
    const char *malformed[] = {"inproc", "inproc:/x", "inproc:x", "inproc://", "://x", "://",
                               "", "tcp://"};
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        CHECK_ERR (zmq_bind (s, malformed[i]), EINVAL);
        CHECK_ERR (zmq_connect (s, malformed[i]), EINVAL);
        CHECK_ERR (zmq_unbind (s, malformed[i]), EINVAL);
        CHECK_ERR (zmq_disconnect (s, malformed[i]), EINVAL);
    }
    /*  Unknown transports.  */
    CHECK_ERR (zmq_bind (s, "foo://x"), EPROTONOSUPPORT);
    CHECK_ERR (zmq_connect (s, "foo://x"), EPROTONOSUPPORT);
    CHECK_ERR (zmq_unbind (s, "foo://x"), EPROTONOSUPPORT);
    CHECK_ERR (zmq_disconnect (s, "foo://x"), EPROTONOSUPPORT);
    CHECK_ERR (zmq_bind (s, "INPROC://x"), EPROTONOSUPPORT);
    /*  tcp: either it works (once the transport exists) or it is refused as a transport
        that was not built.  */
    errno = 0;
    int rc = zmq_bind (s, "tcp://127.0.0.1:*");
    if (rc != 0)
        CHECK_EQ (errno, EPROTONOSUPPORT);
    /*  Nothing bound or connected there: ENOENT, as libzmq for a transport it has (and
        EPROTONOSUPPORT while the transport is missing).  */
    int no_such = rc == 0 ? ENOENT : EPROTONOSUPPORT;
    CHECK_ERR (zmq_unbind (s, "tcp://127.0.0.1:5555"), no_such);
    CHECK_ERR (zmq_disconnect (s, "tcp://127.0.0.1:5555"), no_such);
    CHECK_ERR (zmq_unbind (s, "inproc://never-bound"), ENOENT);
    CHECK_ERR (zmq_disconnect (s, "inproc://never-bound"), ENOENT);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (last_endpoint)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *a = mk (ctx, ZMQ_PAIR), *b = mk (ctx, ZMQ_PAIR);
    CHECK (a && b);
    CHECK_LAST_ENDPOINT (a, "");
    CHECK_EQ (zmq_bind (a, "inproc://le-first"), 0);
    CHECK_LAST_ENDPOINT (a, "inproc://le-first");
    CHECK_EQ (zmq_bind (a, "inproc://le-second"), 0);
    CHECK_LAST_ENDPOINT (a, "inproc://le-second");
    /*  A failed bind or connect changes nothing.  */
    CHECK_ERR (zmq_bind (a, "inproc://le-first"), EADDRINUSE);
    CHECK_ERR (zmq_connect (a, "foo://x"), EPROTONOSUPPORT);
    CHECK_LAST_ENDPOINT (a, "inproc://le-second");
    /*  Unbinding does not clear it.  */
    CHECK_EQ (zmq_unbind (a, "inproc://le-second"), 0);
    CHECK_LAST_ENDPOINT (a, "inproc://le-second");
    /*  Connects, pending or not.  */
    CHECK_EQ (zmq_connect (b, "inproc://le-first"), 0);
    CHECK_LAST_ENDPOINT (b, "inproc://le-first");
    CHECK_EQ (zmq_connect (b, "inproc://le-nobody-yet"), 0);
    CHECK_LAST_ENDPOINT (b, "inproc://le-nobody-yet");
    /*  Too small a buffer for the string.  */
    char small[8];
    size_t len = sizeof small;
    CHECK_ERR (zmq_getsockopt (b, ZMQ_LAST_ENDPOINT, small, &len), EINVAL);
    CLOSE_ALL (a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Contexts, PAIR, closing with pending connects  */

TEST (contexts_are_separate)
{
    void *c1 = zmq_ctx_new (), *c2 = zmq_ctx_new ();
    CHECK (c1 && c2);
    void *pull1 = mk (c1, ZMQ_PULL), *push2 = mk (c2, ZMQ_PUSH), *pull2 = mk (c2, ZMQ_PULL);
    CHECK (pull1 && push2 && pull2);
    CHECK_EQ (zmq_bind (pull1, "inproc://shared-name"), 0);
    /*  The other context does not see that endpoint: the connect waits, as for an unbound
        name, and the message is queued for nobody in c1.  */
    CHECK_EQ (zmq_connect (push2, "inproc://shared-name"), 0);
    CHECK_EQ (zmq_send (push2, "c2", 2, ZMQ_DONTWAIT), 2);
    CHECK_EQ (get_int (push2, ZMQ_EVENTS) & ZMQ_POLLOUT, ZMQ_POLLOUT);
    /*  The same name is free in c2, and binding it there completes the connect.  */
    CHECK_EQ (zmq_bind (pull2, "inproc://shared-name"), 0);
    RECV_STR (pull2, "c2");
    RECV_NONE (pull1);
    CHECK_EQ (get_int (pull1, ZMQ_EVENTS), 0);
    CLOSE_ALL (pull1, push2, pull2);
    CHECK_OK (zmq_ctx_term (c1));
    CHECK_OK (zmq_ctx_term (c2));
}

TEST (pair_refuses_second_peer)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *a = mk (ctx, ZMQ_PAIR), *b = mk (ctx, ZMQ_PAIR), *c = mk (ctx, ZMQ_PAIR);
    CHECK (a && b && c);
    CHECK_EQ (zmq_bind (a, "inproc://pair"), 0);
    CHECK_EQ (zmq_connect (b, "inproc://pair"), 0);
    /*  The second connect succeeds, but the binder drops that pipe.  */
    CHECK_EQ (zmq_connect (c, "inproc://pair"), 0);
    SEND_STR (b, "from b");
    /*  c may or may not get its message into the pipe before the binder drops it.  */
    zmq_send (c, "from c", 6, ZMQ_DONTWAIT);
    RECV_STR (a, "from b");
    SEND_STR (a, "to b");
    RECV_STR (b, "to b");
    RECV_NONE (a);
    RECV_NONE (c);
    /*  Once the binder has handled the refusal (the receives above made it look at its
        commands), c has no peer: it can neither send nor receive.  */
    int ev = get_int (c, ZMQ_EVENTS);
    CHECK_EQ (ev, 0);
    CHECK_ERR (zmq_send (c, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CLOSE_ALL (a, b, c);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (pair_connect_first_then_second_connecter)
{
    /*  Connect-before-bind: the first pending connect becomes the peer.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *a = mk (ctx, ZMQ_PAIR), *b = mk (ctx, ZMQ_PAIR), *c = mk (ctx, ZMQ_PAIR);
    CHECK (a && b && c);
    CHECK_EQ (zmq_connect (b, "inproc://pair-cf"), 0);
    SEND_STR (b, "b early");
    CHECK_EQ (zmq_bind (a, "inproc://pair-cf"), 0);
    RECV_STR (a, "b early");
    CHECK_EQ (zmq_connect (c, "inproc://pair-cf"), 0);
    zmq_send (c, "c", 1, ZMQ_DONTWAIT);
    SEND_STR (a, "to b");
    RECV_STR (b, "to b");
    RECV_NONE (a);
    CLOSE_ALL (a, b, c);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (close_with_pending_connects)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    /*  Closed with connects that never found a binder (and messages queued on them): the
        context still terminates.  */
    for (int i = 0; i < 20; i++) {
        void *s = zmq_socket (ctx, i % 2 ? ZMQ_PUSH : ZMQ_PAIR);
        CHECK (s != NULL);
        char ep[32];
        snprintf (ep, sizeof ep, "inproc://never-%d", i);
        CHECK_EQ (zmq_connect (s, ep), 0);
        CHECK_EQ (zmq_connect (s, "inproc://never-shared"), 0);
        if (i % 4 == 1)
            CHECK_EQ (zmq_send (s, "x", 1, ZMQ_DONTWAIT), 1);
        CHECK_OK (zmq_close (s));
    }
    CHECK_OK (zmq_ctx_term (ctx));

    /*  The context shut down while a connect is pending.  */
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (s != NULL);
    CHECK_EQ (zmq_connect (s, "inproc://pend-shutdown"), 0);
    CHECK_EQ (zmq_ctx_shutdown (ctx), 0);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (close_pending_connecter_then_bind)
{
    /*  libzmq keeps a closed connecter's pending connection: a later binder gets what it
        sent before closing (linger), then the connection ends.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (push != NULL);
    CHECK_EQ (zmq_connect (push, "inproc://closed-early"), 0);
    SEND_STR (push, "before close");
    CHECK_OK (zmq_close (push));
    void *pull = mk (ctx, ZMQ_PULL);
    CHECK (pull != NULL);
    CHECK_EQ (zmq_bind (pull, "inproc://closed-early"), 0);
    RECV_STR (pull, "before close");
    RECV_NONE (pull);
    /*  The binder is fine for new connections.  */
    void *push2 = mk (ctx, ZMQ_PUSH);
    CHECK (push2 != NULL);
    CHECK_EQ (zmq_connect (push2, "inproc://closed-early"), 0);
    SEND_STR (push2, "new one");
    RECV_STR (pull, "new one");
    CLOSE_ALL (push2, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (binder_closes_connecter_reconnects_later)
{
    /*  The binder goes away; the connecter's pipe ends. A new binder of the same name does
        not reconnect an old inproc connect (inproc has no reconnect), but a new connect
        works.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = mk (ctx, ZMQ_PUSH), *pull = mk (ctx, ZMQ_PULL);
    CHECK (push && pull);
    CHECK_EQ (zmq_bind (pull, "inproc://gone"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://gone"), 0);
    SEND_STR (push, "one");
    RECV_STR (pull, "one");
    CHECK_OK (zmq_close (pull));
    /*  Once PUSH has seen the end, it has no peer.  */
    CHECK_EQ (wait_events (push, 0), 0);
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    pull = mk (ctx, ZMQ_PULL);
    CHECK (pull != NULL);
    CHECK_EQ (bind_retry (pull, "inproc://gone"), 0);
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (zmq_connect (push, "inproc://gone"), 0);
    SEND_STR (push, "two");
    RECV_STR (pull, "two");
    CLOSE_ALL (push, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    alarm (120);
    RUN (bind_then_connect);
    RUN (connect_then_bind);
    RUN (bind_twice_is_eaddrinuse);
    RUN (many_connecters_one_binder);
    RUN (fair_queueing_over_connecters);
    RUN (load_balancing_over_binders);
    RUN (unbind_keeps_connections_new_connects_wait);
    RUN (unbind_then_rebind_same_socket);
    RUN (disconnect_ends_that_connection);
    RUN (disconnect_of_pending_connect);
    RUN (bad_endpoints);
    RUN (last_endpoint);
    RUN (contexts_are_separate);
    RUN (pair_refuses_second_peer);
    RUN (pair_connect_first_then_second_connecter);
    RUN (close_with_pending_connects);
    RUN (close_pending_connecter_then_bind);
    RUN (binder_closes_connecter_reconnects_later);
    return test_summary ();
}
