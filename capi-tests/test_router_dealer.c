/*  DEALER and ROUTER over inproc: routing ids set with ZMQ_ROUTING_ID and generated ones,
    ROUTER_MANDATORY (EHOSTUNREACH, EAGAIN), ROUTER_HANDOVER, duplicate ids, CONNECT_ROUTING_ID,
    PROBE_ROUTER, ROUTER to ROUTER, load balancing and fair queueing, multipart atomicity,
    empty frames, bind-then-connect and connect-then-bind, and peers that go away.

    Expected results are libzmq 4.3's (src/router.cpp, src/dealer.cpp, src/socket_base.cpp,
    zmq_socket(3), zmq_setsockopt(3)); every case here also passes against the system libzmq.
    Receives that could hang if the library were wrong have a timeout (ZMQ_RCVTIMEO); nothing
    decides an outcome by sleeping.  */
#include "testutil.h"

#include <time.h>

/*  A socket whose receives give up after 2 s and whose close does not linger.  */
static void *mk (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    if (s) {
        int timeout = 2000, linger = 0;
        zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
        zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger);
    }
    return s;
}

static int set_int (void *s, int option, int value)
{
    return zmq_setsockopt (s, option, &value, sizeof value);
}

static int sendm (void *s, const char *str)
{
    return zmq_send (s, str, strlen (str), ZMQ_SNDMORE);
}

static int sendl (void *s, const char *str)
{
    return zmq_send (s, str, strlen (str), 0);
}

static int rcvmore (void *s)
{
    int more = -1;
    size_t size = sizeof more;
    zmq_getsockopt (s, ZMQ_RCVMORE, &more, &size);
    return more;
}

static int events (void *s)
{
    int ev = -1;
    size_t size = sizeof ev;
    zmq_getsockopt (s, ZMQ_EVENTS, &ev, &size);
    return ev;
}

static long long now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*  The next frame must be the `len` bytes at `data`, with ZMQ_RCVMORE == `more`.  */
#define RECV_MEM(s, data, len, more)                                           \
    do {                                                                       \
        char rf_buf[300];                                                      \
        errno = 0;                                                             \
        int rf_n = zmq_recv ((s), rf_buf, sizeof rf_buf, 0);                   \
        if (rf_n < 0)                                                          \
            TU_FAIL ("recv failed (%s), expected %s", zmq_strerror (errno),    \
                     #data);                                                   \
        int rf_shown = rf_n < 300 ? rf_n : 300;                                \
        if (rf_n != (int) (len) || memcmp (rf_buf, (data), (len)) != 0)        \
            TU_FAIL ("got a frame of %d bytes \"%.*s\", expected %s", rf_n,    \
                     rf_shown, rf_buf, #data);                                 \
        if (rcvmore (s) != (more))                                             \
            TU_FAIL ("RCVMORE %d after %s, expected %d", rcvmore (s), #data,   \
                     (int) (more));                                            \
    } while (0)

#define RECV_STR(s, str, more) RECV_MEM (s, str, strlen (str), more)

/*  The next frame (a routing id) goes into `buf`; its size into `n`. It must have MORE.  */
#define RECV_ID(s, buf, n)                                                     \
    do {                                                                       \
        errno = 0;                                                             \
        (n) = zmq_recv ((s), (buf), sizeof (buf), 0);                          \
        if ((n) < 0)                                                           \
            TU_FAIL ("recv of a routing id failed (%s)", zmq_strerror (errno)); \
        if (rcvmore (s) != 1)                                                  \
            TU_FAIL ("a routing id frame without MORE");                       \
    } while (0)

/*  Nothing is waiting on s.  */
#define CHECK_NOTHING(s)                                                       \
    do {                                                                       \
        char cn_buf[64];                                                       \
        CHECK_ERR (zmq_recv ((s), cn_buf, sizeof cn_buf, ZMQ_DONTWAIT),        \
                   EAGAIN);                                                    \
    } while (0)

/*  ------------------------------------------------------------------------------------------
    Routing ids  */

TEST (router_gets_ids_set_by_routing_id)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *a = mk (ctx, ZMQ_DEALER), *b = mk (ctx, ZMQ_DEALER);
    CHECK (router && a && b);
    CHECK_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "alice", 5));
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "bob", 3));
    CHECK_OK (zmq_bind (router, "inproc://rd-ids"));
    CHECK_OK (zmq_connect (a, "inproc://rd-ids"));
    CHECK_OK (zmq_connect (b, "inproc://rd-ids"));

    CHECK_EQ (sendl (a, "from a"), 6);
    RECV_STR (router, "alice", 1);
    RECV_STR (router, "from a", 0);
    CHECK_EQ (sendl (b, "from b"), 6);
    RECV_STR (router, "bob", 1);
    RECV_STR (router, "from b", 0);

    /*  The first frame picks the peer; it is not delivered.  */
    CHECK_EQ (sendm (router, "bob"), 3);
    CHECK_EQ (sendl (router, "to b"), 4);
    CHECK_EQ (sendm (router, "alice"), 5);
    CHECK_EQ (sendl (router, "to a"), 4);
    RECV_STR (b, "to b", 0);
    RECV_STR (a, "to a", 0);
    CHECK_NOTHING (a);
    CHECK_NOTHING (b);

    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_generates_ids)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *a = mk (ctx, ZMQ_DEALER), *b = mk (ctx, ZMQ_DEALER);
    CHECK (router && a && b);
    CHECK_OK (zmq_bind (router, "inproc://rd-gen"));
    CHECK_OK (zmq_connect (a, "inproc://rd-gen"));
    CHECK_OK (zmq_connect (b, "inproc://rd-gen"));

    unsigned char ida[256], idb[256];
    int na, nb;
    CHECK_EQ (sendl (a, "a"), 1);
    RECV_ID (router, ida, na);
    RECV_STR (router, "a", 0);
    CHECK_EQ (sendl (b, "b"), 1);
    RECV_ID (router, idb, nb);
    RECV_STR (router, "b", 0);
    /*  5 bytes, a zero byte first; different peers, different ids.  */
    CHECK_EQ (na, 5);
    CHECK_EQ (nb, 5);
    CHECK_EQ (ida[0], 0);
    CHECK_EQ (idb[0], 0);
    CHECK (memcmp (ida, idb, 5) != 0);
    /*  A peer keeps its id.  */
    unsigned char again[256];
    int n2;
    CHECK_EQ (sendl (a, "a2"), 2);
    RECV_ID (router, again, n2);
    RECV_STR (router, "a2", 0);
    CHECK_EQ (n2, 5);
    CHECK_MEM_EQ (again, ida, 5);

    /*  Replies by generated id reach the right peer.  */
    CHECK_EQ (zmq_send (router, idb, 5, ZMQ_SNDMORE), 5);
    CHECK_EQ (sendl (router, "for b"), 5);
    CHECK_EQ (zmq_send (router, ida, 5, ZMQ_SNDMORE), 5);
    CHECK_EQ (sendl (router, "for a"), 5);
    RECV_STR (a, "for a", 0);
    RECV_STR (b, "for b", 0);

    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_id_with_connect_before_bind)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *a = mk (ctx, ZMQ_DEALER);
    CHECK (router && a);
    CHECK_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "early", 5));
    CHECK_OK (zmq_connect (a, "inproc://rd-early"));
    /*  Sent before the endpoint exists: queued on the pending connection.  */
    CHECK_EQ (sendl (a, "queued"), 6);
    CHECK_OK (zmq_bind (router, "inproc://rd-early"));
    RECV_STR (router, "early", 1);
    RECV_STR (router, "queued", 0);
    CHECK_EQ (sendm (router, "early"), 5);
    CHECK_EQ (sendl (router, "back"), 4);
    RECV_STR (a, "back", 0);

    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_dealer_binds)
{
    /*  The ROUTER may be the connecting side too.  */
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *d = mk (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "server", 6));
    CHECK_OK (zmq_bind (d, "inproc://rd-dbind"));
    CHECK_OK (zmq_connect (router, "inproc://rd-dbind"));
    CHECK_EQ (sendl (d, "hello"), 5);
    RECV_STR (router, "server", 1);
    RECV_STR (router, "hello", 0);
    CHECK_EQ (sendm (router, "server"), 6);
    CHECK_EQ (sendl (router, "world"), 5);
    RECV_STR (d, "world", 0);

    CHECK_OK (zmq_close (d));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Sending: unknown ids, single frames, ROUTER_MANDATORY  */

TEST (router_drops_unroutable_silently)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *d = mk (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1));
    CHECK_OK (zmq_bind (router, "inproc://rd-drop"));
    CHECK_OK (zmq_connect (d, "inproc://rd-drop"));
    CHECK_EQ (sendl (d, "hi"), 2);
    RECV_STR (router, "D", 1);
    RECV_STR (router, "hi", 0);

    /*  Unknown id: every part "succeeds" and is dropped.  */
    CHECK_EQ (sendm (router, "nobody"), 6);
    CHECK_EQ (sendm (router, "part 1"), 6);
    CHECK_EQ (sendl (router, "part 2"), 6);
    /*  A single frame (an id and nothing else) is dropped, even for a known id.  */
    CHECK_EQ (sendl (router, "D"), 1);
    /*  ZMQ_POLLOUT is always set without MANDATORY.  */
    CHECK (events (router) & ZMQ_POLLOUT);
    CHECK_EQ (sendm (router, "D"), 1);
    CHECK_EQ (sendl (router, "only this"), 9);
    RECV_STR (d, "only this", 0);
    CHECK_NOTHING (d);

    CHECK_OK (zmq_close (d));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_mandatory_unknown_id)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    CHECK (router);
    CHECK_OK (set_int (router, ZMQ_ROUTER_MANDATORY, 1));
    /*  No peer can take a message: no POLLOUT.  */
    CHECK_EQ (events (router) & ZMQ_POLLOUT, 0);
    CHECK_ERR (sendm (router, "nobody"), EHOSTUNREACH);
    CHECK_ERR (zmq_send (router, "nobody", 6, ZMQ_SNDMORE | ZMQ_DONTWAIT), EHOSTUNREACH);
    /*  A lone id frame is still dropped without complaint.  */
    CHECK_EQ (sendl (router, "nobody"), 6);

    void *d = mk (ctx, ZMQ_DEALER);
    CHECK (d);
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1));
    CHECK_OK (zmq_bind (router, "inproc://rd-mand"));
    CHECK_OK (zmq_connect (d, "inproc://rd-mand"));
    CHECK_EQ (sendl (d, "hi"), 2);
    RECV_STR (router, "D", 1);
    RECV_STR (router, "hi", 0);
    CHECK (events (router) & ZMQ_POLLOUT);
    /*  After a failed first frame the next frame is a routing id again.  */
    CHECK_ERR (sendm (router, "E"), EHOSTUNREACH);
    CHECK_EQ (sendm (router, "D"), 1);
    CHECK_EQ (sendm (router, "x"), 1);
    CHECK_EQ (sendl (router, "y"), 1);
    RECV_STR (d, "x", 1);
    RECV_STR (d, "y", 0);

    CHECK_OK (zmq_close (d));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_full_pipe)
{
    /*  An inproc pipe holds the sender's SNDHWM plus the receiver's RCVHWM: 1 + 1 here.  */
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *d = mk (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (set_int (router, ZMQ_SNDHWM, 1));
    CHECK_OK (set_int (d, ZMQ_RCVHWM, 1));
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1));
    CHECK_OK (zmq_bind (router, "inproc://rd-full"));
    CHECK_OK (zmq_connect (d, "inproc://rd-full"));
    CHECK_EQ (sendl (d, "hi"), 2);
    RECV_STR (router, "D", 1);
    RECV_STR (router, "hi", 0);

    /*  Without MANDATORY a full pipe drops the message.  */
    for (int i = 0; i < 4; i++) {
        char body[8];
        snprintf (body, sizeof body, "m%d", i);
        CHECK_EQ (sendm (router, "D"), 1);
        CHECK_EQ (sendm (router, body), 2);
        CHECK_EQ (sendl (router, "end"), 3);
    }
    RECV_STR (d, "m0", 1);
    RECV_STR (d, "end", 0);
    RECV_STR (d, "m1", 1);
    RECV_STR (d, "end", 0);
    CHECK_NOTHING (d);

    /*  With MANDATORY it is EAGAIN, and POLLOUT goes away while the only pipe is full.  */
    CHECK_OK (set_int (router, ZMQ_ROUTER_MANDATORY, 1));
    CHECK (events (router) & ZMQ_POLLOUT);
    CHECK_EQ (sendm (router, "D"), 1);
    CHECK_EQ (sendl (router, "a"), 1);
    CHECK_EQ (sendm (router, "D"), 1);
    CHECK_EQ (sendl (router, "b"), 1);
    CHECK_EQ (events (router) & ZMQ_POLLOUT, 0);
    CHECK_ERR (zmq_send (router, "D", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT), EAGAIN);
    /*  A blocking send waits, up to ZMQ_SNDTIMEO.  */
    CHECK_OK (set_int (router, ZMQ_SNDTIMEO, 50));
    CHECK_ERR (sendm (router, "D"), EAGAIN);
    /*  Room again once the peer reads.  */
    RECV_STR (d, "a", 0);
    RECV_STR (d, "b", 0);
    CHECK (events (router) & ZMQ_POLLOUT);
    CHECK_EQ (sendm (router, "D"), 1);
    CHECK_EQ (sendl (router, "c"), 1);
    RECV_STR (d, "c", 0);

    CHECK_OK (zmq_close (d));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Duplicate ids and ROUTER_HANDOVER  */

TEST (router_ignores_duplicate_id)
{
    /*  A second peer with an id in use is ignored: nothing it sends is delivered, and the id
        keeps naming the first peer.  */
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *a = mk (ctx, ZMQ_DEALER), *b = mk (ctx, ZMQ_DEALER);
    CHECK (router && a && b);
    CHECK_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (zmq_bind (router, "inproc://rd-dup"));
    CHECK_OK (zmq_connect (a, "inproc://rd-dup"));
    CHECK_EQ (sendl (a, "a1"), 2);
    RECV_STR (router, "X", 1);
    RECV_STR (router, "a1", 0);
    CHECK_OK (zmq_connect (b, "inproc://rd-dup"));
    CHECK_EQ (sendl (b, "b1"), 2);
    CHECK_EQ (sendl (b, "b2"), 2);
    CHECK_EQ (sendl (a, "a2"), 2);
    RECV_STR (router, "X", 1);
    RECV_STR (router, "a2", 0);
    CHECK_NOTHING (router);
    CHECK_EQ (sendm (router, "X"), 1);
    CHECK_EQ (sendl (router, "to X"), 4);
    RECV_STR (a, "to X", 0);
    CHECK_NOTHING (b);
    /*  Nor did b's messages make up an id for it.  */
    CHECK_OK (set_int (router, ZMQ_ROUTER_MANDATORY, 1));
    CHECK_ERR (sendm (router, "b1"), EHOSTUNREACH);

    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_handover)
{
    /*  With ROUTER_HANDOVER the new peer takes the id and the old one is disconnected.  */
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *a = mk (ctx, ZMQ_DEALER), *b = mk (ctx, ZMQ_DEALER);
    CHECK (router && a && b);
    CHECK_OK (set_int (router, ZMQ_ROUTER_HANDOVER, 1));
    CHECK_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (set_int (a, ZMQ_SNDTIMEO, 100));
    CHECK_OK (zmq_bind (router, "inproc://rd-handover"));
    CHECK_OK (zmq_connect (a, "inproc://rd-handover"));
    CHECK_EQ (sendl (a, "a1"), 2);
    RECV_STR (router, "X", 1);
    RECV_STR (router, "a1", 0);
    CHECK_EQ (sendm (router, "X"), 1);
    CHECK_EQ (sendl (router, "to a"), 4);

    CHECK_OK (zmq_connect (b, "inproc://rd-handover"));
    CHECK_EQ (sendl (b, "b1"), 2);
    RECV_STR (router, "X", 1);
    RECV_STR (router, "b1", 0);
    CHECK_EQ (sendm (router, "X"), 1);
    CHECK_EQ (sendl (router, "to b"), 4);
    RECV_STR (b, "to b", 0);
    /*  The old peer got what was sent before the handover, then lost its connection.  */
    RECV_STR (a, "to a", 0);
    CHECK_NOTHING (a);
    CHECK_ERR (sendl (a, "a2"), EAGAIN);

    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    CONNECT_ROUTING_ID, PROBE_ROUTER, ROUTER to ROUTER  */

TEST (router_connect_routing_id)
{
    void *ctx = zmq_ctx_new ();
    void *server = mk (ctx, ZMQ_ROUTER);
    void *client = mk (ctx, ZMQ_ROUTER);
    void *d = mk (ctx, ZMQ_DEALER);
    CHECK (server && client && d);
    CHECK_OK (zmq_setsockopt (server, ZMQ_ROUTING_ID, "SRV", 3));
    CHECK_OK (zmq_setsockopt (client, ZMQ_ROUTING_ID, "CLI", 3));
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "DLR", 3));
    CHECK_OK (set_int (client, ZMQ_ROUTER_MANDATORY, 1));
    CHECK_OK (zmq_bind (server, "inproc://rd-crid-1"));
    /*  Connect-then-bind for the second connection.  */
    CHECK_OK (zmq_setsockopt (client, ZMQ_CONNECT_ROUTING_ID, "alias", 5));
    CHECK_OK (zmq_connect (client, "inproc://rd-crid-1"));
    /*  It applies to the next connect only.  */
    CHECK_OK (zmq_connect (client, "inproc://rd-crid-2"));
    CHECK_OK (zmq_bind (d, "inproc://rd-crid-2"));

    /*  The server is "alias" to the client, not "SRV"; the server sees "CLI".  */
    CHECK_ERR (sendm (client, "SRV"), EHOSTUNREACH);
    CHECK_EQ (sendm (client, "alias"), 5);
    CHECK_EQ (sendl (client, "hello"), 5);
    RECV_STR (server, "CLI", 1);
    RECV_STR (server, "hello", 0);
    CHECK_EQ (sendm (server, "CLI"), 3);
    CHECK_EQ (sendl (server, "back"), 4);
    RECV_STR (client, "alias", 1);
    RECV_STR (client, "back", 0);

    /*  The second connection learnt the peer's own id.  */
    CHECK_EQ (sendl (d, "from d"), 6);
    RECV_STR (client, "DLR", 1);
    RECV_STR (client, "from d", 0);
    CHECK_EQ (sendm (client, "DLR"), 3);
    CHECK_EQ (sendl (client, "to d"), 4);
    RECV_STR (d, "to d", 0);

    CHECK_OK (zmq_close (d));
    CHECK_OK (zmq_close (client));
    CHECK_OK (zmq_close (server));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_connect_routing_id_to_dealer_before_bind)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *d = mk (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (zmq_setsockopt (router, ZMQ_CONNECT_ROUTING_ID, "peer", 4));
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1));
    CHECK_OK (zmq_connect (router, "inproc://rd-crid-3"));
    /*  Known by its alias at once, before the other side even exists.  */
    CHECK_EQ (sendm (router, "peer"), 4);
    CHECK_EQ (sendl (router, "early"), 5);
    CHECK_OK (zmq_bind (d, "inproc://rd-crid-3"));
    RECV_STR (d, "early", 0);
    CHECK_EQ (sendl (d, "reply"), 5);
    RECV_STR (router, "peer", 1);
    RECV_STR (router, "reply", 0);

    CHECK_OK (zmq_close (d));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (probe_router)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *d = mk (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (zmq_bind (router, "inproc://rd-probe"));
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "P", 1));
    CHECK_OK (set_int (d, ZMQ_PROBE_ROUTER, 1));
    CHECK_OK (zmq_connect (d, "inproc://rd-probe"));
    /*  The probe: an empty message, announcing the peer before it sends anything.  */
    RECV_STR (router, "P", 1);
    RECV_STR (router, "", 0);
    CHECK_EQ (sendl (d, "after"), 5);
    RECV_STR (router, "P", 1);
    RECV_STR (router, "after", 0);
    CHECK_EQ (sendm (router, "P"), 1);
    CHECK_EQ (sendl (router, "ok"), 2);
    RECV_STR (d, "ok", 0);
    CHECK_NOTHING (d);

    /*  Connect before bind: the probe waits with the connection.  */
    void *d2 = mk (ctx, ZMQ_DEALER);
    void *r2 = mk (ctx, ZMQ_ROUTER);
    CHECK (d2 && r2);
    CHECK_OK (zmq_setsockopt (d2, ZMQ_ROUTING_ID, "Q", 1));
    CHECK_OK (set_int (d2, ZMQ_PROBE_ROUTER, 1));
    CHECK_OK (zmq_connect (d2, "inproc://rd-probe-2"));
    CHECK_OK (zmq_bind (r2, "inproc://rd-probe-2"));
    RECV_STR (r2, "Q", 1);
    RECV_STR (r2, "", 0);

    CHECK_OK (zmq_close (d));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_close (d2));
    CHECK_OK (zmq_close (r2));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (probe_router_between_routers)
{
    /*  Two probing ROUTERs learn each other's ids without a word from the application.  */
    void *ctx = zmq_ctx_new ();
    void *b = mk (ctx, ZMQ_ROUTER), *c = mk (ctx, ZMQ_ROUTER);
    CHECK (b && c);
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "B", 1));
    CHECK_OK (zmq_setsockopt (c, ZMQ_ROUTING_ID, "C", 1));
    CHECK_OK (set_int (b, ZMQ_PROBE_ROUTER, 1));
    CHECK_OK (set_int (c, ZMQ_PROBE_ROUTER, 1));
    CHECK_OK (zmq_bind (b, "inproc://rd-probe-rr"));
    CHECK_OK (zmq_connect (c, "inproc://rd-probe-rr"));
    RECV_STR (b, "C", 1);
    RECV_STR (b, "", 0);
    RECV_STR (c, "B", 1);
    RECV_STR (c, "", 0);
    CHECK_NOTHING (b);
    CHECK_NOTHING (c);

    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (c));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_to_router)
{
    void *ctx = zmq_ctx_new ();
    /*  Bind then connect.  */
    void *b = mk (ctx, ZMQ_ROUTER), *c = mk (ctx, ZMQ_ROUTER);
    CHECK (b && c);
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "binder", 6));
    CHECK_OK (zmq_setsockopt (c, ZMQ_ROUTING_ID, "connecter", 9));
    CHECK_OK (set_int (c, ZMQ_ROUTER_MANDATORY, 1));
    CHECK_OK (zmq_bind (b, "inproc://rd-rr"));
    CHECK_OK (zmq_connect (c, "inproc://rd-rr"));
    CHECK_EQ (sendm (c, "binder"), 6);
    CHECK_EQ (sendm (c, "one"), 3);
    CHECK_EQ (sendl (c, "two"), 3);
    RECV_STR (b, "connecter", 1);
    RECV_STR (b, "one", 1);
    RECV_STR (b, "two", 0);
    CHECK_EQ (sendm (b, "connecter"), 9);
    CHECK_EQ (sendl (b, "three"), 5);
    RECV_STR (c, "binder", 1);
    RECV_STR (c, "three", 0);

    /*  Connect then bind: the connecter learns the binder's id when the bind happens.  */
    void *b2 = mk (ctx, ZMQ_ROUTER), *c2 = mk (ctx, ZMQ_ROUTER);
    CHECK (b2 && c2);
    CHECK_OK (zmq_setsockopt (b2, ZMQ_ROUTING_ID, "B2", 2));
    CHECK_OK (zmq_setsockopt (c2, ZMQ_ROUTING_ID, "C2", 2));
    CHECK_OK (set_int (c2, ZMQ_ROUTER_MANDATORY, 1));
    CHECK_OK (zmq_connect (c2, "inproc://rd-rr-2"));
    CHECK_ERR (sendm (c2, "B2"), EHOSTUNREACH);
    CHECK_OK (zmq_bind (b2, "inproc://rd-rr-2"));
    /*  ZMQ_EVENTS makes the socket handle what happened meanwhile.  */
    CHECK (events (c2) & ZMQ_POLLOUT);
    CHECK_EQ (sendm (c2, "B2"), 2);
    CHECK_EQ (sendl (c2, "hi"), 2);
    RECV_STR (b2, "C2", 1);
    RECV_STR (b2, "hi", 0);

    /*  Without ids on either side both make one up.  */
    void *b3 = mk (ctx, ZMQ_ROUTER), *c3 = mk (ctx, ZMQ_ROUTER);
    CHECK (b3 && c3);
    CHECK_OK (set_int (b3, ZMQ_PROBE_ROUTER, 1));
    CHECK_OK (zmq_bind (b3, "inproc://rd-rr-3"));
    CHECK_OK (zmq_connect (c3, "inproc://rd-rr-3"));
    /*  The binder takes the new connection (and probes it) when it next handles commands.  */
    CHECK_EQ (events (b3) & ZMQ_POLLIN, 0);
    unsigned char id[256];
    int n;
    RECV_ID (c3, id, n);
    RECV_STR (c3, "", 0);
    CHECK_EQ (n, 5);
    CHECK_EQ (id[0], 0);
    CHECK_EQ (zmq_send (c3, id, 5, ZMQ_SNDMORE), 5);
    CHECK_EQ (sendl (c3, "anon"), 4);
    RECV_ID (b3, id, n);
    RECV_STR (b3, "anon", 0);
    CHECK_EQ (n, 5);
    CHECK_EQ (id[0], 0);

    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (c));
    CHECK_OK (zmq_close (b2));
    CHECK_OK (zmq_close (c2));
    CHECK_OK (zmq_close (b3));
    CHECK_OK (zmq_close (c3));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Multipart, empty frames, load balancing, fair queueing  */

TEST (multipart_and_empty_frames)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *d = mk (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1));
    CHECK_OK (zmq_connect (d, "inproc://rd-multi"));
    CHECK_OK (zmq_bind (router, "inproc://rd-multi"));

    /*  A DEALER has no envelope: frames go as they are, empty ones included.  */
    CHECK_EQ (sendm (d, ""), 0);
    CHECK_EQ (sendm (d, ""), 0);
    CHECK_EQ (sendm (d, "x"), 1);
    CHECK_EQ (sendl (d, ""), 0);
    CHECK_EQ (sendl (d, ""), 0);
    RECV_STR (router, "D", 1);
    RECV_STR (router, "", 1);
    RECV_STR (router, "", 1);
    RECV_STR (router, "x", 1);
    RECV_STR (router, "", 0);
    RECV_STR (router, "D", 1);
    RECV_STR (router, "", 0);

    CHECK_EQ (sendm (router, "D"), 1);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendm (router, "a"), 1);
    CHECK_EQ (sendl (router, ""), 0);
    CHECK_EQ (sendm (router, "D"), 1);
    CHECK_EQ (sendl (router, ""), 0);
    RECV_STR (d, "", 1);
    RECV_STR (d, "a", 1);
    RECV_STR (d, "", 0);
    RECV_STR (d, "", 0);

    /*  Large frames travel too.  */
    static char big[100000];
    memset (big, 'z', sizeof big);
    CHECK_EQ (zmq_send (d, big, sizeof big, 0), (int) sizeof big);
    RECV_STR (router, "D", 1);
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK_EQ (zmq_msg_recv (&m, router, 0), (int) sizeof big);
    CHECK_MEM_EQ (zmq_msg_data (&m), big, sizeof big);
    CHECK_EQ (zmq_msg_more (&m), 0);
    zmq_msg_close (&m);

    CHECK_OK (zmq_close (d));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_multipart_atomic_between_peers)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *a = mk (ctx, ZMQ_DEALER), *b = mk (ctx, ZMQ_DEALER);
    CHECK (router && a && b);
    CHECK_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "A", 1));
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "B", 1));
    CHECK_OK (zmq_bind (router, "inproc://rd-atomic"));
    CHECK_OK (zmq_connect (a, "inproc://rd-atomic"));
    CHECK_OK (zmq_connect (b, "inproc://rd-atomic"));
    /*  Interleaved sends; each message still arrives whole, behind its sender's id.  */
    CHECK_EQ (sendm (a, "a1"), 2);
    CHECK_EQ (sendm (b, "b1"), 2);
    CHECK_EQ (sendm (a, "a2"), 2);
    CHECK_EQ (sendl (b, "b2"), 2);
    CHECK_EQ (sendl (a, "a3"), 2);
    int seen_a = 0, seen_b = 0;
    for (int k = 0; k < 2; k++) {
        char id[8];
        int n = zmq_recv (router, id, sizeof id, 0);
        CHECK_EQ (n, 1);
        CHECK_EQ (rcvmore (router), 1);
        if (id[0] == 'A') {
            RECV_STR (router, "a1", 1);
            RECV_STR (router, "a2", 1);
            RECV_STR (router, "a3", 0);
            seen_a++;
        } else {
            CHECK_EQ (id[0], 'B');
            RECV_STR (router, "b1", 1);
            RECV_STR (router, "b2", 0);
            seen_b++;
        }
    }
    CHECK_EQ (seen_a, 1);
    CHECK_EQ (seen_b, 1);

    /*  ZMQ_EVENTS reads ahead without losing anything.  */
    CHECK_EQ (events (router) & ZMQ_POLLIN, 0);
    CHECK_EQ (sendm (a, "p"), 1);
    CHECK_EQ (sendl (a, "q"), 1);
    CHECK (events (router) & ZMQ_POLLIN);
    CHECK (events (router) & ZMQ_POLLIN);
    RECV_STR (router, "A", 1);
    CHECK (events (router) & ZMQ_POLLIN);
    RECV_STR (router, "p", 1);
    RECV_STR (router, "q", 0);
    CHECK_EQ (events (router) & ZMQ_POLLIN, 0);

    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (dealer_load_balances_and_fair_queues)
{
    void *ctx = zmq_ctx_new ();
    void *d = mk (ctx, ZMQ_DEALER);
    void *r[3];
    CHECK (d);
    for (int i = 0; i < 3; i++) {
        char ep[32];
        snprintf (ep, sizeof ep, "inproc://rd-lb-%d", i);
        r[i] = mk (ctx, ZMQ_ROUTER);
        CHECK (r[i]);
        CHECK_OK (zmq_bind (r[i], ep));
        CHECK_OK (zmq_connect (d, ep));
    }
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1));
    /*  Round robin in connect order, whole messages at a time.  */
    for (int k = 0; k < 6; k++) {
        char body[8];
        snprintf (body, sizeof body, "%d", k);
        CHECK_EQ (sendm (d, "head"), 4);
        CHECK_EQ (sendl (d, body), 1);
    }
    for (int k = 0; k < 6; k++) {
        char body[8];
        snprintf (body, sizeof body, "%d", k);
        char id[256];
        int n;
        RECV_ID (r[k % 3], id, n);
        RECV_STR (r[k % 3], "head", 1);
        RECV_STR (r[k % 3], body, 0);
    }
    for (int i = 0; i < 3; i++)
        CHECK_NOTHING (r[i]);

    /*  Replies from all three are all received (in turn when all are waiting).  */
    for (int i = 0; i < 3; i++) {
        char id[256];
        int n;
        CHECK_EQ (sendl (d, "ping"), 4);
        RECV_ID (r[i], id, n);
        RECV_STR (r[i], "ping", 0);
        CHECK_EQ (zmq_send (r[i], id, n, ZMQ_SNDMORE), n);
        char body[8];
        snprintf (body, sizeof body, "r%d", i);
        CHECK_EQ (sendl (r[i], body), 2);
    }
    int got[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) {
        char body[8];
        int n = zmq_recv (d, body, sizeof body, 0);
        CHECK_EQ (n, 2);
        CHECK_EQ (body[0], 'r');
        CHECK (body[1] >= '0' && body[1] <= '2');
        got[body[1] - '0']++;
    }
    CHECK (got[0] == 1 && got[1] == 1 && got[2] == 1);
    CHECK_NOTHING (d);

    CHECK_OK (zmq_close (d));
    for (int i = 0; i < 3; i++)
        CHECK_OK (zmq_close (r[i]));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Peers going away  */

TEST (dealer_closing_mid_stream)
{
    /*  A peer that sends and closes (with linger) still has everything delivered; then its
        id is gone.  */
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *a = zmq_socket (ctx, ZMQ_DEALER);
    void *b = mk (ctx, ZMQ_DEALER);
    CHECK (router && a && b);
    CHECK_OK (set_int (router, ZMQ_ROUTER_MANDATORY, 1));
    CHECK_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "A", 1));
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "B", 1));
    CHECK_OK (zmq_bind (router, "inproc://rd-close"));
    CHECK_OK (zmq_connect (a, "inproc://rd-close"));
    CHECK_OK (zmq_connect (b, "inproc://rd-close"));
    CHECK_EQ (sendl (a, "one"), 3);
    CHECK_EQ (sendm (a, "two"), 3);
    CHECK_EQ (sendl (a, "three"), 5);
    CHECK_OK (zmq_close (a));
    RECV_STR (router, "A", 1);
    RECV_STR (router, "one", 0);
    RECV_STR (router, "A", 1);
    RECV_STR (router, "two", 1);
    RECV_STR (router, "three", 0);
    /*  The closed peer's id becomes unroutable once the router has noticed.  */
    int timeout = 20;
    CHECK_OK (zmq_setsockopt (router, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    long long deadline = now_ms () + 5000;
    int rc;
    while ((rc = sendm (router, "A")) == 1) {
        CHECK_EQ (sendl (router, "lost"), 4);
        char buf[8];
        CHECK_ERR (zmq_recv (router, buf, sizeof buf, 0), EAGAIN);
        CHECK (now_ms () < deadline);
    }
    CHECK_EQ (rc, -1);
    CHECK_EQ (zmq_errno (), EHOSTUNREACH);
    /*  The other peer is untouched.  */
    CHECK_EQ (sendm (router, "B"), 1);
    CHECK_EQ (sendl (router, "still here"), 10);
    RECV_STR (b, "still here", 0);

    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_closing_dealer_load_balances_to_the_rest)
{
    void *ctx = zmq_ctx_new ();
    void *d = mk (ctx, ZMQ_DEALER);
    void *r1 = mk (ctx, ZMQ_ROUTER), *r2 = mk (ctx, ZMQ_ROUTER);
    CHECK (d && r1 && r2);
    CHECK_OK (zmq_bind (r1, "inproc://rd-gone-1"));
    CHECK_OK (zmq_bind (r2, "inproc://rd-gone-2"));
    CHECK_OK (zmq_connect (d, "inproc://rd-gone-1"));
    CHECK_OK (zmq_connect (d, "inproc://rd-gone-2"));
    CHECK_OK (zmq_close (r1));
    /*  Once the dealer has seen r1 go, everything goes to r2. Two probes in a row reaching
        r2 show that: with r1 still in the rotation one of them would have gone to it.  */
    long long deadline = now_ms () + 5000;
    char buf[256];
    int in_a_row = 0;
    while (in_a_row < 2) {
        CHECK (now_ms () < deadline);
        CHECK_EQ (sendl (d, "probe"), 5);
        if (zmq_recv (r2, buf, sizeof buf, ZMQ_DONTWAIT) < 0) {
            in_a_row = 0;
            continue;
        }
        RECV_STR (r2, "probe", 0);
        in_a_row++;
    }
    for (int k = 0; k < 4; k++) {
        char body[8];
        snprintf (body, sizeof body, "m%d", k);
        CHECK_EQ (sendl (d, body), 2);
        int n;
        RECV_ID (r2, buf, n);
        RECV_STR (r2, body, 0);
    }

    CHECK_OK (zmq_close (d));
    CHECK_OK (zmq_close (r2));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (disconnect_then_reconnect_same_id)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER);
    void *d = mk (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "again", 5));
    CHECK_OK (zmq_bind (router, "inproc://rd-reconn"));
    CHECK_OK (zmq_connect (d, "inproc://rd-reconn"));
    CHECK_EQ (sendl (d, "1"), 1);
    RECV_STR (router, "again", 1);
    RECV_STR (router, "1", 0);
    CHECK_OK (zmq_close (d));

    /*  A new socket with the same id: accepted once the old pipe is gone.  */
    void *d2 = mk (ctx, ZMQ_DEALER);
    CHECK (d2);
    CHECK_OK (zmq_setsockopt (d2, ZMQ_ROUTING_ID, "again", 5));
    CHECK_OK (set_int (router, ZMQ_ROUTER_HANDOVER, 1));
    CHECK_OK (zmq_connect (d2, "inproc://rd-reconn"));
    CHECK_EQ (sendl (d2, "2"), 1);
    RECV_STR (router, "again", 1);
    RECV_STR (router, "2", 0);
    CHECK_EQ (sendm (router, "again"), 5);
    CHECK_EQ (sendl (router, "to new"), 6);
    RECV_STR (d2, "to new", 0);

    CHECK_OK (zmq_close (d2));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN (router_gets_ids_set_by_routing_id);
    RUN (router_generates_ids);
    RUN (router_id_with_connect_before_bind);
    RUN (router_dealer_binds);
    RUN (router_drops_unroutable_silently);
    RUN (router_mandatory_unknown_id);
    RUN (router_full_pipe);
    RUN (router_ignores_duplicate_id);
    RUN (router_handover);
    RUN (router_connect_routing_id);
    RUN (router_connect_routing_id_to_dealer_before_bind);
    RUN (probe_router);
    RUN (probe_router_between_routers);
    RUN (router_to_router);
    RUN (multipart_and_empty_frames);
    RUN (router_multipart_atomic_between_peers);
    RUN (dealer_load_balances_and_fair_queues);
    RUN (dealer_closing_mid_stream);
    RUN (router_closing_dealer_load_balances_to_the_rest);
    RUN (disconnect_then_reconnect_same_id);
    return test_summary ();
}
