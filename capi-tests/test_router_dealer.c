/*  DEALER and ROUTER over inproc: routing ids set with ZMQ_ROUTING_ID and generated ones,
    ROUTER_MANDATORY (EHOSTUNREACH, EAGAIN), ROUTER_HANDOVER, duplicate ids, CONNECT_ROUTING_ID,
    PROBE_ROUTER, ROUTER to ROUTER, load balancing and fair queueing, multipart atomicity,
    empty frames, bind-then-connect and connect-then-bind, and peers that go away.

    Expected results are libzmq 4.3's (src/router.cpp, src/dealer.cpp, src/socket_base.cpp,
    zmq_socket(3), zmq_setsockopt(3)); every case here also passes against the system libzmq.
    Receives that could hang if the library were wrong have a timeout (ZMQ_RCVTIMEO); nothing
    decides an outcome by sleeping.  */
#include "testutil.h"

/*  ------------------------------------------------------------------------------------------
    Routing ids  */

TEST (router_gets_ids_set_by_routing_id)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *a = mk_nolinger (ctx, ZMQ_DEALER), *b = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && a && b);
    CHECK_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "alice", 5));
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "bob", 3));
    CHECK_OK (zmq_bind (router, "inproc://rd-ids"));
    CHECK_OK (zmq_connect (a, "inproc://rd-ids"));
    CHECK_OK (zmq_connect (b, "inproc://rd-ids"));

    SEND_PARTS (a, "from a");
    RECV_PARTS (router, "alice", "from a");
    SEND_PARTS (b, "from b");
    RECV_PARTS (router, "bob", "from b");

    /*  The first frame picks the peer; it is not delivered.  */
    SEND_PARTS (router, "bob", "to b");
    SEND_PARTS (router, "alice", "to a");
    RECV_PARTS (b, "to b");
    RECV_PARTS (a, "to a");
    RECV_NONE (a);
    RECV_NONE (b);

    CLOSE_ALL (a, b, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_generates_ids)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *a = mk_nolinger (ctx, ZMQ_DEALER), *b = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && a && b);
    CHECK_OK (zmq_bind (router, "inproc://rd-gen"));
    CHECK_OK (zmq_connect (a, "inproc://rd-gen"));
    CHECK_OK (zmq_connect (b, "inproc://rd-gen"));

    unsigned char ida[256], idb[256];
    int na, nb;
    SEND_PARTS (a, "a");
    RECV_ID (router, ida, na);
    RECV_PARTS (router, "a");
    SEND_PARTS (b, "b");
    RECV_ID (router, idb, nb);
    RECV_PARTS (router, "b");
    /*  5 bytes, a zero byte first; different peers, different ids.  */
    CHECK_EQ (na, 5);
    CHECK_EQ (nb, 5);
    CHECK_EQ (ida[0], 0);
    CHECK_EQ (idb[0], 0);
    CHECK (memcmp (ida, idb, 5) != 0);
    /*  A peer keeps its id.  */
    unsigned char again[256];
    int n2;
    SEND_PARTS (a, "a2");
    RECV_ID (router, again, n2);
    RECV_PARTS (router, "a2");
    CHECK_EQ (n2, 5);
    CHECK_MEM_EQ (again, ida, 5);

    /*  Replies by generated id reach the right peer.  */
    CHECK_EQ (zmq_send (router, idb, 5, ZMQ_SNDMORE), 5);
    SEND_PARTS (router, "for b");
    CHECK_EQ (zmq_send (router, ida, 5, ZMQ_SNDMORE), 5);
    SEND_PARTS (router, "for a");
    RECV_PARTS (a, "for a");
    RECV_PARTS (b, "for b");

    CLOSE_ALL (a, b, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_id_with_connect_before_bind)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *a = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && a);
    CHECK_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "early", 5));
    CHECK_OK (zmq_connect (a, "inproc://rd-early"));
    /*  Sent before the endpoint exists: queued on the pending connection.  */
    SEND_PARTS (a, "queued");
    CHECK_OK (zmq_bind (router, "inproc://rd-early"));
    RECV_PARTS (router, "early", "queued");
    SEND_PARTS (router, "early", "back");
    RECV_PARTS (a, "back");

    CLOSE_ALL (a, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_dealer_binds)
{
    /*  The ROUTER may be the connecting side too.  */
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *d = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "server", 6));
    CHECK_OK (zmq_bind (d, "inproc://rd-dbind"));
    CHECK_OK (zmq_connect (router, "inproc://rd-dbind"));
    SEND_PARTS (d, "hello");
    RECV_PARTS (router, "server", "hello");
    SEND_PARTS (router, "server", "world");
    RECV_PARTS (d, "world");

    CLOSE_ALL (d, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Sending: unknown ids, single frames, ROUTER_MANDATORY  */

TEST (router_drops_unroutable_silently)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *d = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1));
    CHECK_OK (zmq_bind (router, "inproc://rd-drop"));
    CHECK_OK (zmq_connect (d, "inproc://rd-drop"));
    SEND_PARTS (d, "hi");
    RECV_PARTS (router, "D", "hi");

    /*  Unknown id: every part "succeeds" and is dropped.  */
    SEND_PARTS (router, "nobody", "part 1", "part 2");
    /*  A single frame (an id and nothing else) is dropped, even for a known id.  */
    SEND_PARTS (router, "D");
    /*  ZMQ_POLLOUT is always set without MANDATORY.  */
    CHECK (events (router) & ZMQ_POLLOUT);
    SEND_PARTS (router, "D", "only this");
    RECV_PARTS (d, "only this");
    RECV_NONE (d);

    CLOSE_ALL (d, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_mandatory_unknown_id)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    CHECK (router);
    CHECK_OK (set_int (router, ZMQ_ROUTER_MANDATORY, 1));
    /*  No peer can take a message: no POLLOUT.  */
    CHECK_EQ (events (router) & ZMQ_POLLOUT, 0);
    CHECK_ERR (sendm (router, "nobody"), EHOSTUNREACH);
    CHECK_ERR (zmq_send (router, "nobody", 6, ZMQ_SNDMORE | ZMQ_DONTWAIT), EHOSTUNREACH);
    /*  A lone id frame is still dropped without complaint.  */
    SEND_PARTS (router, "nobody");

    void *d = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (d);
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1));
    CHECK_OK (zmq_bind (router, "inproc://rd-mand"));
    CHECK_OK (zmq_connect (d, "inproc://rd-mand"));
    SEND_PARTS (d, "hi");
    RECV_PARTS (router, "D", "hi");
    CHECK (events (router) & ZMQ_POLLOUT);
    /*  After a failed first frame the next frame is a routing id again.  */
    CHECK_ERR (sendm (router, "E"), EHOSTUNREACH);
    SEND_PARTS (router, "D", "x", "y");
    RECV_PARTS (d, "x", "y");

    CLOSE_ALL (d, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_full_pipe)
{
    /*  An inproc pipe holds the sender's SNDHWM plus the receiver's RCVHWM: 1 + 1 here.  */
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *d = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (set_int (router, ZMQ_SNDHWM, 1));
    CHECK_OK (set_int (d, ZMQ_RCVHWM, 1));
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1));
    CHECK_OK (zmq_bind (router, "inproc://rd-full"));
    CHECK_OK (zmq_connect (d, "inproc://rd-full"));
    SEND_PARTS (d, "hi");
    RECV_PARTS (router, "D", "hi");

    /*  Without MANDATORY a full pipe drops the message.  */
    for (int i = 0; i < 4; i++) {
        char body[8];
        snprintf (body, sizeof body, "m%d", i);
        SEND_MORE (router, "D");
        CHECK_EQ (sendm (router, body), 2);
        SEND_PARTS (router, "end");
    }
    RECV_PARTS (d, "m0", "end");
    RECV_PARTS (d, "m1", "end");
    RECV_NONE (d);

    /*  With MANDATORY it is EAGAIN, and POLLOUT goes away while the only pipe is full.  */
    CHECK_OK (set_int (router, ZMQ_ROUTER_MANDATORY, 1));
    CHECK (events (router) & ZMQ_POLLOUT);
    SEND_PARTS (router, "D", "a");
    SEND_PARTS (router, "D", "b");
    CHECK_EQ (events (router) & ZMQ_POLLOUT, 0);
    CHECK_ERR (zmq_send (router, "D", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT), EAGAIN);
    /*  A blocking send waits, up to ZMQ_SNDTIMEO.  */
    CHECK_OK (set_int (router, ZMQ_SNDTIMEO, 50));
    CHECK_ERR (sendm (router, "D"), EAGAIN);
    /*  Room again once the peer reads.  */
    RECV_PARTS (d, "a");
    RECV_PARTS (d, "b");
    CHECK (events (router) & ZMQ_POLLOUT);
    SEND_PARTS (router, "D", "c");
    RECV_PARTS (d, "c");

    CLOSE_ALL (d, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Duplicate ids and ROUTER_HANDOVER  */

TEST (router_ignores_duplicate_id)
{
    /*  A second peer with an id in use is ignored: nothing it sends is delivered, and the id
        keeps naming the first peer.  */
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *a = mk_nolinger (ctx, ZMQ_DEALER), *b = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && a && b);
    CHECK_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (zmq_bind (router, "inproc://rd-dup"));
    CHECK_OK (zmq_connect (a, "inproc://rd-dup"));
    SEND_PARTS (a, "a1");
    RECV_PARTS (router, "X", "a1");
    CHECK_OK (zmq_connect (b, "inproc://rd-dup"));
    SEND_PARTS (b, "b1");
    SEND_PARTS (b, "b2");
    SEND_PARTS (a, "a2");
    RECV_PARTS (router, "X", "a2");
    RECV_NONE (router);
    SEND_PARTS (router, "X", "to X");
    RECV_PARTS (a, "to X");
    RECV_NONE (b);
    /*  Nor did b's messages make up an id for it.  */
    CHECK_OK (set_int (router, ZMQ_ROUTER_MANDATORY, 1));
    CHECK_ERR (sendm (router, "b1"), EHOSTUNREACH);

    CLOSE_ALL (a, b, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_handover)
{
    /*  With ROUTER_HANDOVER the new peer takes the id and the old one is disconnected.  */
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *a = mk_nolinger (ctx, ZMQ_DEALER), *b = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && a && b);
    CHECK_OK (set_int (router, ZMQ_ROUTER_HANDOVER, 1));
    CHECK_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "X", 1));
    CHECK_OK (set_int (a, ZMQ_SNDTIMEO, 100));
    CHECK_OK (zmq_bind (router, "inproc://rd-handover"));
    CHECK_OK (zmq_connect (a, "inproc://rd-handover"));
    SEND_PARTS (a, "a1");
    RECV_PARTS (router, "X", "a1");
    SEND_PARTS (router, "X", "to a");

    CHECK_OK (zmq_connect (b, "inproc://rd-handover"));
    SEND_PARTS (b, "b1");
    RECV_PARTS (router, "X", "b1");
    SEND_PARTS (router, "X", "to b");
    RECV_PARTS (b, "to b");
    /*  The old peer got what was sent before the handover, then lost its connection.  */
    RECV_PARTS (a, "to a");
    RECV_NONE (a);
    CHECK_ERR (sendl (a, "a2"), EAGAIN);

    CLOSE_ALL (a, b, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    CONNECT_ROUTING_ID, PROBE_ROUTER, ROUTER to ROUTER  */

TEST (router_connect_routing_id)
{
    void *ctx = zmq_ctx_new ();
    void *server = mk_nolinger (ctx, ZMQ_ROUTER);
    void *client = mk_nolinger (ctx, ZMQ_ROUTER);
    void *d = mk_nolinger (ctx, ZMQ_DEALER);
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
    SEND_PARTS (client, "alias", "hello");
    RECV_PARTS (server, "CLI", "hello");
    SEND_PARTS (server, "CLI", "back");
    RECV_PARTS (client, "alias", "back");

    /*  The second connection learnt the peer's own id.  */
    SEND_PARTS (d, "from d");
    RECV_PARTS (client, "DLR", "from d");
    SEND_PARTS (client, "DLR", "to d");
    RECV_PARTS (d, "to d");

    CLOSE_ALL (d, client, server);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_connect_routing_id_to_dealer_before_bind)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *d = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (zmq_setsockopt (router, ZMQ_CONNECT_ROUTING_ID, "peer", 4));
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1));
    CHECK_OK (zmq_connect (router, "inproc://rd-crid-3"));
    /*  Known by its alias at once, before the other side even exists.  */
    SEND_PARTS (router, "peer", "early");
    CHECK_OK (zmq_bind (d, "inproc://rd-crid-3"));
    RECV_PARTS (d, "early");
    SEND_PARTS (d, "reply");
    RECV_PARTS (router, "peer", "reply");

    CLOSE_ALL (d, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (probe_router)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *d = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (zmq_bind (router, "inproc://rd-probe"));
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "P", 1));
    CHECK_OK (set_int (d, ZMQ_PROBE_ROUTER, 1));
    CHECK_OK (zmq_connect (d, "inproc://rd-probe"));
    /*  The probe: an empty message, announcing the peer before it sends anything.  */
    RECV_PARTS (router, "P", "");
    SEND_PARTS (d, "after");
    RECV_PARTS (router, "P", "after");
    SEND_PARTS (router, "P", "ok");
    RECV_PARTS (d, "ok");
    RECV_NONE (d);

    /*  Connect before bind: the probe waits with the connection.  */
    void *d2 = mk_nolinger (ctx, ZMQ_DEALER);
    void *r2 = mk_nolinger (ctx, ZMQ_ROUTER);
    CHECK (d2 && r2);
    CHECK_OK (zmq_setsockopt (d2, ZMQ_ROUTING_ID, "Q", 1));
    CHECK_OK (set_int (d2, ZMQ_PROBE_ROUTER, 1));
    CHECK_OK (zmq_connect (d2, "inproc://rd-probe-2"));
    CHECK_OK (zmq_bind (r2, "inproc://rd-probe-2"));
    RECV_PARTS (r2, "Q", "");

    CLOSE_ALL (d, router, d2, r2);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (probe_router_between_routers)
{
    /*  Two probing ROUTERs learn each other's ids without a word from the application.  */
    void *ctx = zmq_ctx_new ();
    void *b = mk_nolinger (ctx, ZMQ_ROUTER), *c = mk_nolinger (ctx, ZMQ_ROUTER);
    CHECK (b && c);
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "B", 1));
    CHECK_OK (zmq_setsockopt (c, ZMQ_ROUTING_ID, "C", 1));
    CHECK_OK (set_int (b, ZMQ_PROBE_ROUTER, 1));
    CHECK_OK (set_int (c, ZMQ_PROBE_ROUTER, 1));
    CHECK_OK (zmq_bind (b, "inproc://rd-probe-rr"));
    CHECK_OK (zmq_connect (c, "inproc://rd-probe-rr"));
    RECV_PARTS (b, "C", "");
    RECV_PARTS (c, "B", "");
    RECV_NONE (b);
    RECV_NONE (c);

    CLOSE_ALL (b, c);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_to_router)
{
    void *ctx = zmq_ctx_new ();
    /*  Bind then connect.  */
    void *b = mk_nolinger (ctx, ZMQ_ROUTER), *c = mk_nolinger (ctx, ZMQ_ROUTER);
    CHECK (b && c);
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "binder", 6));
    CHECK_OK (zmq_setsockopt (c, ZMQ_ROUTING_ID, "connecter", 9));
    CHECK_OK (set_int (c, ZMQ_ROUTER_MANDATORY, 1));
    CHECK_OK (zmq_bind (b, "inproc://rd-rr"));
    CHECK_OK (zmq_connect (c, "inproc://rd-rr"));
    SEND_PARTS (c, "binder", "one", "two");
    RECV_PARTS (b, "connecter", "one", "two");
    SEND_PARTS (b, "connecter", "three");
    RECV_PARTS (c, "binder", "three");

    /*  Connect then bind: the connecter learns the binder's id when the bind happens.  */
    void *b2 = mk_nolinger (ctx, ZMQ_ROUTER), *c2 = mk_nolinger (ctx, ZMQ_ROUTER);
    CHECK (b2 && c2);
    CHECK_OK (zmq_setsockopt (b2, ZMQ_ROUTING_ID, "B2", 2));
    CHECK_OK (zmq_setsockopt (c2, ZMQ_ROUTING_ID, "C2", 2));
    CHECK_OK (set_int (c2, ZMQ_ROUTER_MANDATORY, 1));
    CHECK_OK (zmq_connect (c2, "inproc://rd-rr-2"));
    CHECK_ERR (sendm (c2, "B2"), EHOSTUNREACH);
    CHECK_OK (zmq_bind (b2, "inproc://rd-rr-2"));
    /*  ZMQ_EVENTS makes the socket handle what happened meanwhile.  */
    CHECK (events (c2) & ZMQ_POLLOUT);
    SEND_PARTS (c2, "B2", "hi");
    RECV_PARTS (b2, "C2", "hi");

    /*  Without ids on either side both make one up.  */
    void *b3 = mk_nolinger (ctx, ZMQ_ROUTER), *c3 = mk_nolinger (ctx, ZMQ_ROUTER);
    CHECK (b3 && c3);
    CHECK_OK (set_int (b3, ZMQ_PROBE_ROUTER, 1));
    CHECK_OK (zmq_bind (b3, "inproc://rd-rr-3"));
    CHECK_OK (zmq_connect (c3, "inproc://rd-rr-3"));
    /*  The binder takes the new connection (and probes it) when it next handles commands.  */
    CHECK_EQ (events (b3) & ZMQ_POLLIN, 0);
    unsigned char id[256];
    int n;
    RECV_ID (c3, id, n);
    RECV_PARTS (c3, "");
    CHECK_EQ (n, 5);
    CHECK_EQ (id[0], 0);
    CHECK_EQ (zmq_send (c3, id, 5, ZMQ_SNDMORE), 5);
    SEND_PARTS (c3, "anon");
    RECV_ID (b3, id, n);
    RECV_PARTS (b3, "anon");
    CHECK_EQ (n, 5);
    CHECK_EQ (id[0], 0);

    CLOSE_ALL (b, c, b2, c2, b3, c3);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Multipart, empty frames, load balancing, fair queueing  */

TEST (multipart_and_empty_frames)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *d = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1));
    CHECK_OK (zmq_connect (d, "inproc://rd-multi"));
    CHECK_OK (zmq_bind (router, "inproc://rd-multi"));

    /*  A DEALER has no envelope: frames go as they are, empty ones included.  */
    SEND_PARTS (d, "", "", "x", "");
    SEND_PARTS (d, "");
    RECV_PARTS (router, "D", "", "", "x", "");
    RECV_PARTS (router, "D", "");

    SEND_PARTS (router, "D", "", "a", "");
    SEND_PARTS (router, "D", "");
    RECV_PARTS (d, "", "a", "");
    RECV_PARTS (d, "");

    /*  Large frames travel too.  */
    static char big[100000];
    memset (big, 'z', sizeof big);
    CHECK_EQ (zmq_send (d, big, sizeof big, 0), (int) sizeof big);
    RECV_FRAME (router, "D", 1);
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK_EQ (zmq_msg_recv (&m, router, 0), (int) sizeof big);
    CHECK_MEM_EQ (zmq_msg_data (&m), big, sizeof big);
    CHECK_EQ (zmq_msg_more (&m), 0);
    zmq_msg_close (&m);

    CLOSE_ALL (d, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_multipart_atomic_between_peers)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *a = mk_nolinger (ctx, ZMQ_DEALER), *b = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && a && b);
    CHECK_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "A", 1));
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "B", 1));
    CHECK_OK (zmq_bind (router, "inproc://rd-atomic"));
    CHECK_OK (zmq_connect (a, "inproc://rd-atomic"));
    CHECK_OK (zmq_connect (b, "inproc://rd-atomic"));
    /*  Interleaved sends; each message still arrives whole, behind its sender's id.  */
    SEND_MORE (a, "a1");
    SEND_MORE (b, "b1");
    SEND_MORE (a, "a2");
    SEND_PARTS (b, "b2");
    SEND_PARTS (a, "a3");
    int seen_a = 0, seen_b = 0;
    for (int k = 0; k < 2; k++) {
        char id[8];
        int n = zmq_recv (router, id, sizeof id, 0);
        CHECK_EQ (n, 1);
        CHECK_EQ (rcvmore (router), 1);
        if (id[0] == 'A') {
            RECV_PARTS (router, "a1", "a2", "a3");
            seen_a++;
        } else {
            CHECK_EQ (id[0], 'B');
            RECV_PARTS (router, "b1", "b2");
            seen_b++;
        }
    }
    CHECK_EQ (seen_a, 1);
    CHECK_EQ (seen_b, 1);

    /*  ZMQ_EVENTS reads ahead without losing anything.  */
    CHECK_EQ (events (router) & ZMQ_POLLIN, 0);
    SEND_PARTS (a, "p", "q");
    CHECK (events (router) & ZMQ_POLLIN);
    CHECK (events (router) & ZMQ_POLLIN);
    RECV_FRAME (router, "A", 1);
    CHECK (events (router) & ZMQ_POLLIN);
    RECV_PARTS (router, "p", "q");
    CHECK_EQ (events (router) & ZMQ_POLLIN, 0);

    CLOSE_ALL (a, b, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (dealer_load_balances_and_fair_queues)
{
    void *ctx = zmq_ctx_new ();
    void *d = mk_nolinger (ctx, ZMQ_DEALER);
    void *r[3];
    CHECK (d);
    for (int i = 0; i < 3; i++) {
        char ep[32];
        snprintf (ep, sizeof ep, "inproc://rd-lb-%d", i);
        r[i] = mk_nolinger (ctx, ZMQ_ROUTER);
        CHECK (r[i]);
        CHECK_OK (zmq_bind (r[i], ep));
        CHECK_OK (zmq_connect (d, ep));
    }
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "D", 1));
    /*  Round robin in connect order, whole messages at a time.  */
    for (int k = 0; k < 6; k++) {
        char body[8];
        snprintf (body, sizeof body, "%d", k);
        SEND_MORE (d, "head");
        CHECK_EQ (sendl (d, body), 1);
    }
    for (int k = 0; k < 6; k++) {
        char body[8];
        snprintf (body, sizeof body, "%d", k);
        char id[256];
        int n;
        RECV_ID (r[k % 3], id, n);
        RECV_PARTS (r[k % 3], "head", body);
    }
    for (int i = 0; i < 3; i++)
        RECV_NONE (r[i]);

    /*  Replies from all three are all received (in turn when all are waiting).  */
    for (int i = 0; i < 3; i++) {
        char id[256];
        int n;
        SEND_PARTS (d, "ping");
        RECV_ID (r[i], id, n);
        RECV_PARTS (r[i], "ping");
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
    RECV_NONE (d);

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
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *a = zmq_socket (ctx, ZMQ_DEALER);
    void *b = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && a && b);
    CHECK_OK (set_int (router, ZMQ_ROUTER_MANDATORY, 1));
    CHECK_OK (zmq_setsockopt (a, ZMQ_ROUTING_ID, "A", 1));
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "B", 1));
    CHECK_OK (zmq_bind (router, "inproc://rd-close"));
    CHECK_OK (zmq_connect (a, "inproc://rd-close"));
    CHECK_OK (zmq_connect (b, "inproc://rd-close"));
    SEND_PARTS (a, "one");
    SEND_PARTS (a, "two", "three");
    CHECK_OK (zmq_close (a));
    RECV_PARTS (router, "A", "one");
    RECV_PARTS (router, "A", "two", "three");
    /*  The closed peer's id becomes unroutable once the router has noticed.  */
    int timeout = 20;
    CHECK_OK (zmq_setsockopt (router, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    long long deadline = now_ms () + 5000;
    int rc;
    while ((rc = sendm (router, "A")) == 1) {
        SEND_PARTS (router, "lost");
        char buf[8];
        CHECK_ERR (zmq_recv (router, buf, sizeof buf, 0), EAGAIN);
        CHECK (now_ms () < deadline);
    }
    CHECK_EQ (rc, -1);
    CHECK_EQ (zmq_errno (), EHOSTUNREACH);
    /*  The other peer is untouched.  */
    SEND_PARTS (router, "B", "still here");
    RECV_PARTS (b, "still here");

    CLOSE_ALL (b, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (router_closing_dealer_load_balances_to_the_rest)
{
    void *ctx = zmq_ctx_new ();
    void *d = mk_nolinger (ctx, ZMQ_DEALER);
    void *r1 = mk_nolinger (ctx, ZMQ_ROUTER), *r2 = mk_nolinger (ctx, ZMQ_ROUTER);
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
        SEND_PARTS (d, "probe");
        if (zmq_recv (r2, buf, sizeof buf, ZMQ_DONTWAIT) < 0) {
            in_a_row = 0;
            continue;
        }
        RECV_PARTS (r2, "probe");
        in_a_row++;
    }
    for (int k = 0; k < 4; k++) {
        char body[8];
        snprintf (body, sizeof body, "m%d", k);
        CHECK_EQ (sendl (d, body), 2);
        int n;
        RECV_ID (r2, buf, n);
        RECV_PARTS (r2, body);
    }

    CLOSE_ALL (d, r2);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (disconnect_then_reconnect_same_id)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    void *d = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (router && d);
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "again", 5));
    CHECK_OK (zmq_bind (router, "inproc://rd-reconn"));
    CHECK_OK (zmq_connect (d, "inproc://rd-reconn"));
    SEND_PARTS (d, "1");
    RECV_PARTS (router, "again", "1");
    CHECK_OK (zmq_close (d));

    /*  A new socket with the same id: accepted once the old pipe is gone.  */
    void *d2 = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (d2);
    CHECK_OK (zmq_setsockopt (d2, ZMQ_ROUTING_ID, "again", 5));
    CHECK_OK (set_int (router, ZMQ_ROUTER_HANDOVER, 1));
    CHECK_OK (zmq_connect (d2, "inproc://rd-reconn"));
    SEND_PARTS (d2, "2");
    RECV_PARTS (router, "again", "2");
    SEND_PARTS (router, "again", "to new");
    RECV_PARTS (d2, "to new");

    CLOSE_ALL (d2, router);
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
