/*  REQ and REP over inproc: lockstep and EFSM, round robin over several REPs, the envelope
    frame by frame (DEALER/REP, REQ/ROUTER, a two-hop route), malformed messages dropped,
    REQ_CORRELATE and REQ_RELAXED, empty frames, connect-then-bind, peers that go away, and a
    REP served from another thread.

    Expected results are libzmq 4.3's (src/req.cpp, src/rep.cpp, RFC 28/REQREP,
    zmq_socket(3), zmq_setsockopt(3)); every case here also passes against the system libzmq.
    Receives that could hang if the library were wrong have a timeout (ZMQ_RCVTIMEO); nothing
    decides an outcome by sleeping.  */
#include "testutil.h"

#include <pthread.h>
#include <stdint.h>

/*  A receive buffer for frames whose content does not matter.  */
static char scratch[64];

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

/*  Waits (up to 2 s) until s is readable; 1 if it is.  */
static int wait_in (void *s)
{
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    return zmq_poll (&item, 1, 2000) == 1 && (item.revents & ZMQ_POLLIN);
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

/*  The next frame (a routing id or request id) goes into `buf`; its size into `n`. It must
    have MORE.  */
#define RECV_ID(s, buf, n)                                                     \
    do {                                                                       \
        errno = 0;                                                             \
        (n) = zmq_recv ((s), (buf), sizeof (buf), 0);                          \
        if ((n) < 0)                                                           \
            TU_FAIL ("recv of an id frame failed (%s)", zmq_strerror (errno)); \
        if (rcvmore (s) != 1)                                                  \
            TU_FAIL ("an id frame without MORE");                              \
    } while (0)

/*  Nothing is waiting on s.  */
#define CHECK_NOTHING(s)                                                       \
    do {                                                                       \
        char cn_buf[64];                                                       \
        CHECK_ERR (zmq_recv ((s), cn_buf, sizeof cn_buf, ZMQ_DONTWAIT),        \
                   EAGAIN);                                                    \
    } while (0)

/*  ------------------------------------------------------------------------------------------
    Lockstep  */

TEST (reqrep_lockstep)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk (ctx, ZMQ_REP), *req = mk (ctx, ZMQ_REQ);
    CHECK (rep && req);
    CHECK_OK (zmq_bind (rep, "inproc://rr-lockstep"));
    CHECK_OK (zmq_connect (req, "inproc://rr-lockstep"));
    for (int round = 0; round < 3; round++) {
        /*  REQ may send, not receive; REP neither yet.  */
        CHECK_EQ (events (req), ZMQ_POLLOUT);
        CHECK_EQ (events (rep), 0);
        CHECK_EQ (sendm (req, "question"), 8);
        CHECK_EQ (sendl (req, "part 2"), 6);
        CHECK_EQ (events (req), 0);
        CHECK (wait_in (rep));
        CHECK_EQ (events (rep), ZMQ_POLLIN);
        RECV_STR (rep, "question", 1);
        RECV_STR (rep, "part 2", 0);
        CHECK_EQ (events (rep), ZMQ_POLLOUT);
        CHECK_EQ (sendm (rep, "answer"), 6);
        CHECK_EQ (sendl (rep, "part B"), 6);
        CHECK (wait_in (req));
        CHECK_EQ (events (req), ZMQ_POLLIN);
        RECV_STR (req, "answer", 1);
        RECV_STR (req, "part B", 0);
    }
    CHECK_NOTHING (rep);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (reqrep_connect_before_bind)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk (ctx, ZMQ_REP), *req = mk (ctx, ZMQ_REQ);
    CHECK (rep && req);
    /*  The REP connects and the REQ binds, and the connect comes first.  */
    CHECK_OK (zmq_connect (rep, "inproc://rr-cbb"));
    CHECK_OK (zmq_bind (req, "inproc://rr-cbb"));
    CHECK_EQ (sendl (req, "ping"), 4);
    RECV_STR (rep, "ping", 0);
    CHECK_EQ (sendl (rep, "pong"), 4);
    RECV_STR (req, "pong", 0);

    /*  A request sent before the REP exists waits on the pending connection.  */
    void *req2 = mk (ctx, ZMQ_REQ), *rep2 = mk (ctx, ZMQ_REP);
    CHECK (req2 && rep2);
    CHECK_OK (zmq_connect (req2, "inproc://rr-cbb-2"));
    CHECK_EQ (sendl (req2, "early"), 5);
    CHECK_OK (zmq_bind (rep2, "inproc://rr-cbb-2"));
    RECV_STR (rep2, "early", 0);
    CHECK_EQ (sendl (rep2, "late"), 4);
    RECV_STR (req2, "late", 0);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_close (req2));
    CHECK_OK (zmq_close (rep2));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_efsm)
{
    void *ctx = zmq_ctx_new ();
    void *req = mk (ctx, ZMQ_REQ);
    CHECK (req);
    char buf[32];
    /*  Receiving before any request: EFSM at once, peers or not.  */
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, 0), EFSM);
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    /*  No peer: a send has nowhere to go.  */
    CHECK_ERR (zmq_send (req, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (events (req), 0);

    void *rep = mk (ctx, ZMQ_REP);
    CHECK (rep);
    CHECK_OK (zmq_bind (rep, "inproc://rr-efsm"));
    CHECK_OK (zmq_connect (req, "inproc://rr-efsm"));
    /*  Half a request: still not time to receive.  */
    CHECK_EQ (sendm (req, "a"), 1);
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, 0), EFSM);
    CHECK_EQ (sendl (req, "b"), 1);
    /*  Whole request: no second one before the reply.  */
    CHECK_ERR (sendl (req, "again"), EFSM);
    CHECK_ERR (zmq_send (req, "again", 5, ZMQ_DONTWAIT), EFSM);
    RECV_STR (rep, "a", 1);
    RECV_STR (rep, "b", 0);
    CHECK_EQ (sendl (rep, "reply"), 5);
    CHECK_ERR (sendl (req, "again"), EFSM);
    RECV_STR (req, "reply", 0);
    /*  The turn is back with the REQ.  */
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, 0), EFSM);
    CHECK_EQ (sendl (req, "next"), 4);
    RECV_STR (rep, "next", 0);
    CHECK_EQ (sendl (rep, "done"), 4);
    RECV_STR (req, "done", 0);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (rep_efsm)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk (ctx, ZMQ_REP), *req = mk (ctx, ZMQ_REQ);
    CHECK (rep && req);
    char buf[32];
    /*  Nothing to reply to.  */
    CHECK_ERR (sendl (rep, "x"), EFSM);
    CHECK_ERR (zmq_send (rep, "x", 1, ZMQ_DONTWAIT), EFSM);
    CHECK_OK (zmq_bind (rep, "inproc://rr-repefsm"));
    CHECK_OK (zmq_connect (req, "inproc://rr-repefsm"));
    CHECK_EQ (sendm (req, "1"), 1);
    CHECK_EQ (sendl (req, "2"), 1);
    RECV_STR (rep, "1", 1);
    /*  Inside the request: not yet time to reply.  */
    CHECK_ERR (sendl (rep, "early"), EFSM);
    RECV_STR (rep, "2", 0);
    /*  A reply is owed: no receiving until it is sent whole.  */
    CHECK_ERR (zmq_recv (rep, buf, sizeof buf, 0), EFSM);
    CHECK_EQ (sendm (rep, "r1"), 2);
    CHECK_ERR (zmq_recv (rep, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    CHECK_EQ (sendl (rep, "r2"), 2);
    CHECK_ERR (sendl (rep, "extra"), EFSM);
    CHECK_ERR (zmq_recv (rep, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    RECV_STR (req, "r1", 1);
    RECV_STR (req, "r2", 0);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Several peers  */

TEST (req_round_robin)
{
    void *ctx = zmq_ctx_new ();
    void *req = mk (ctx, ZMQ_REQ);
    void *rep[3];
    CHECK (req);
    for (int i = 0; i < 3; i++) {
        char ep[32];
        snprintf (ep, sizeof ep, "inproc://rr-robin-%d", i);
        rep[i] = mk (ctx, ZMQ_REP);
        CHECK (rep[i]);
        CHECK_OK (zmq_bind (rep[i], ep));
        CHECK_OK (zmq_connect (req, ep));
    }
    /*  Requests go to the REPs in turn, in connect order.  */
    for (int k = 0; k < 6; k++) {
        char body[8], reply[8];
        snprintf (body, sizeof body, "q%d", k);
        snprintf (reply, sizeof reply, "r%d", k);
        CHECK_EQ (sendl (req, body), 2);
        RECV_STR (rep[k % 3], body, 0);
        CHECK_EQ (sendl (rep[k % 3], reply), 2);
        RECV_STR (req, reply, 0);
    }
    for (int i = 0; i < 3; i++)
        CHECK_NOTHING (rep[i]);

    CHECK_OK (zmq_close (req));
    for (int i = 0; i < 3; i++)
        CHECK_OK (zmq_close (rep[i]));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (rep_serves_several_reqs)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk (ctx, ZMQ_REP);
    void *a = mk (ctx, ZMQ_REQ), *b = mk (ctx, ZMQ_REQ);
    CHECK (rep && a && b);
    CHECK_OK (zmq_bind (rep, "inproc://rr-several"));
    CHECK_OK (zmq_connect (a, "inproc://rr-several"));
    CHECK_OK (zmq_connect (b, "inproc://rr-several"));
    CHECK_EQ (sendl (a, "from a"), 6);
    CHECK_EQ (sendl (b, "from b"), 6);
    /*  Whatever the order, each reply goes back to its requester.  */
    for (int k = 0; k < 2; k++) {
        char buf[16], reply[32];
        int n = zmq_recv (rep, buf, sizeof buf - 1, 0);
        CHECK_EQ (n, 6);
        buf[n] = 0;
        snprintf (reply, sizeof reply, "re %s", buf);
        CHECK_EQ (sendl (rep, reply), 9);
    }
    RECV_STR (a, "re from a", 0);
    RECV_STR (b, "re from b", 0);

    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Envelopes, frame by frame  */

TEST (dealer_rep_envelope)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk (ctx, ZMQ_REP), *d = mk (ctx, ZMQ_DEALER);
    CHECK (rep && d);
    CHECK_OK (zmq_bind (rep, "inproc://rr-dealer-rep"));
    CHECK_OK (zmq_connect (d, "inproc://rr-dealer-rep"));

    /*  The plainest envelope: an empty delimiter.  */
    CHECK_EQ (sendm (d, ""), 0);
    CHECK_EQ (sendl (d, "hello"), 5);
    RECV_STR (rep, "hello", 0);
    CHECK_EQ (sendl (rep, "world"), 5);
    RECV_STR (d, "", 1);
    RECV_STR (d, "world", 0);

    /*  Labels before the delimiter come back in order; later empty frames are body.  */
    CHECK_EQ (sendm (d, "hop1"), 4);
    CHECK_EQ (sendm (d, "hop2"), 4);
    CHECK_EQ (sendm (d, ""), 0);
    CHECK_EQ (sendm (d, "body1"), 5);
    CHECK_EQ (sendm (d, ""), 0);
    CHECK_EQ (sendl (d, "body2"), 5);
    RECV_STR (rep, "body1", 1);
    RECV_STR (rep, "", 1);
    RECV_STR (rep, "body2", 0);
    CHECK_EQ (sendm (rep, "r1"), 2);
    CHECK_EQ (sendm (rep, ""), 0);
    CHECK_EQ (sendl (rep, "r2"), 2);
    RECV_STR (d, "hop1", 1);
    RECV_STR (d, "hop2", 1);
    RECV_STR (d, "", 1);
    RECV_STR (d, "r1", 1);
    RECV_STR (d, "", 1);
    RECV_STR (d, "r2", 0);
    CHECK_NOTHING (d);

    /*  An empty body.  */
    CHECK_EQ (sendm (d, ""), 0);
    CHECK_EQ (sendl (d, ""), 0);
    RECV_STR (rep, "", 0);
    CHECK_EQ (sendl (rep, ""), 0);
    RECV_STR (d, "", 1);
    RECV_STR (d, "", 0);

    CHECK_OK (zmq_close (d));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (rep_drops_malformed_requests)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk (ctx, ZMQ_REP), *d = mk (ctx, ZMQ_DEALER);
    CHECK (rep && d);
    CHECK_OK (zmq_connect (d, "inproc://rr-malformed"));
    CHECK_OK (zmq_bind (rep, "inproc://rr-malformed"));
    /*  No delimiter at all, labels without one, a lone delimiter: all dropped.  */
    CHECK_EQ (sendl (d, "no envelope"), 11);
    CHECK_EQ (sendm (d, "label"), 5);
    CHECK_EQ (sendl (d, "still none"), 10);
    CHECK_EQ (sendl (d, ""), 0);
    CHECK_EQ (sendm (d, "x"), 1);
    CHECK_EQ (sendl (d, ""), 0);
    CHECK_EQ (sendm (d, ""), 0);
    CHECK_EQ (sendl (d, "good"), 4);
    RECV_STR (rep, "good", 0);
    CHECK_EQ (sendl (rep, "ok"), 2);
    RECV_STR (d, "", 1);
    RECV_STR (d, "ok", 0);
    CHECK_NOTHING (d);
    CHECK_NOTHING (rep);

    CHECK_OK (zmq_close (d));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_router_envelope)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER), *req = mk (ctx, ZMQ_REQ);
    CHECK (router && req);
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "client", 6));
    CHECK_OK (zmq_bind (router, "inproc://rr-req-router"));
    CHECK_OK (zmq_connect (req, "inproc://rr-req-router"));

    CHECK_EQ (sendm (req, "q1"), 2);
    CHECK_EQ (sendl (req, "q2"), 2);
    RECV_STR (router, "client", 1);
    RECV_STR (router, "", 1);
    RECV_STR (router, "q1", 1);
    RECV_STR (router, "q2", 0);

    /*  Replies without the delimiter are dropped whole.  */
    CHECK_EQ (sendm (router, "client"), 6);
    CHECK_EQ (sendl (router, "no delimiter"), 12);
    CHECK_EQ (sendm (router, "client"), 6);
    CHECK_EQ (sendm (router, "not empty"), 9);
    CHECK_EQ (sendl (router, "x"), 1);
    CHECK_EQ (sendm (router, "client"), 6);
    CHECK_EQ (sendl (router, ""), 0);
    /*  The real reply: the first empty frame is stripped, nothing else.  */
    CHECK_EQ (sendm (router, "client"), 6);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendl (router, "answer"), 6);
    RECV_STR (req, "", 1);
    RECV_STR (req, "answer", 0);
    /*  Replies beyond the first are stale by the time of the next request.  */
    CHECK_EQ (sendm (router, "client"), 6);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendl (router, "duplicate"), 9);
    CHECK_EQ (sendl (req, "q3"), 2);
    RECV_STR (router, "client", 1);
    RECV_STR (router, "", 1);
    RECV_STR (router, "q3", 0);
    CHECK_EQ (sendm (router, "client"), 6);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendl (router, "a3"), 2);
    RECV_STR (req, "a3", 0);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (two_hop_envelope)
{
    /*  REQ -> ROUTER ... DEALER -> REP, relayed by hand as a broker would: the REP sees only
        the body and its reply finds the way back through both envelopes.  */
    void *ctx = zmq_ctx_new ();
    void *req = mk (ctx, ZMQ_REQ), *front = mk (ctx, ZMQ_ROUTER);
    void *back = mk (ctx, ZMQ_DEALER), *rep = mk (ctx, ZMQ_REP);
    CHECK (req && front && back && rep);
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "R", 1));
    CHECK_OK (zmq_bind (front, "inproc://rr-hop-front"));
    CHECK_OK (zmq_bind (back, "inproc://rr-hop-back"));
    CHECK_OK (zmq_connect (req, "inproc://rr-hop-front"));
    CHECK_OK (zmq_connect (rep, "inproc://rr-hop-back"));

    CHECK_EQ (sendl (req, "work"), 4);
    /*  Relay front -> back, frame by frame.  */
    for (int more = 1; more;) {
        zmq_msg_t m;
        zmq_msg_init (&m);
        CHECK (zmq_msg_recv (&m, front, 0) >= 0);
        more = zmq_msg_more (&m);
        CHECK (zmq_msg_send (&m, back, more ? ZMQ_SNDMORE : 0) >= 0);
    }
    RECV_STR (rep, "work", 0);
    CHECK_EQ (sendl (rep, "done"), 4);
    /*  The back side receives the REQ's envelope, then the body.  */
    RECV_STR (back, "R", 1);
    RECV_STR (back, "", 1);
    RECV_STR (back, "done", 0);
    CHECK_EQ (sendm (front, "R"), 1);
    CHECK_EQ (sendm (front, ""), 0);
    CHECK_EQ (sendl (front, "done"), 4);
    RECV_STR (req, "done", 0);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (front));
    CHECK_OK (zmq_close (back));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    REQ_CORRELATE and REQ_RELAXED  */

TEST (req_correlate)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER), *req = mk (ctx, ZMQ_REQ);
    CHECK (router && req);
    CHECK_OK (set_int (req, ZMQ_REQ_CORRELATE, 1));
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "C", 1));
    CHECK_OK (zmq_bind (router, "inproc://rr-correlate"));
    CHECK_OK (zmq_connect (req, "inproc://rr-correlate"));

    /*  A 4-byte request id comes before the delimiter.  */
    CHECK_EQ (sendl (req, "q1"), 2);
    unsigned char id1[16];
    int n;
    RECV_STR (router, "C", 1);
    RECV_ID (router, id1, n);
    CHECK_EQ (n, 4);
    RECV_STR (router, "", 1);
    RECV_STR (router, "q1", 0);

    /*  A reply with another id, or none, is dropped.  */
    uint32_t wrong;
    memcpy (&wrong, id1, 4);
    wrong += 7;
    CHECK_EQ (sendm (router, "C"), 1);
    CHECK_EQ (zmq_send (router, &wrong, 4, ZMQ_SNDMORE), 4);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendl (router, "wrong id"), 8);
    CHECK_EQ (sendm (router, "C"), 1);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendl (router, "no id"), 5);
    CHECK_EQ (sendm (router, "C"), 1);
    CHECK_EQ (zmq_send (router, id1, 4, ZMQ_SNDMORE), 4);
    CHECK_EQ (sendl (router, "no delimiter"), 12);
    CHECK_EQ (sendm (router, "C"), 1);
    CHECK_EQ (zmq_send (router, id1, 4, ZMQ_SNDMORE), 4);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendl (router, "right"), 5);
    RECV_STR (req, "right", 0);

    /*  The next request's id is one more (as a native uint32).  */
    CHECK_EQ (sendl (req, "q2"), 2);
    unsigned char id2[16];
    RECV_STR (router, "C", 1);
    RECV_ID (router, id2, n);
    CHECK_EQ (n, 4);
    RECV_STR (router, "", 1);
    RECV_STR (router, "q2", 0);
    uint32_t v1, v2;
    memcpy (&v1, id1, 4);
    memcpy (&v2, id2, 4);
    CHECK_EQ (v2, (uint32_t) (v1 + 1));
    CHECK_EQ (sendm (router, "C"), 1);
    CHECK_EQ (zmq_send (router, id2, 4, ZMQ_SNDMORE), 4);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendl (router, "second"), 6);
    RECV_STR (req, "second", 0);

    /*  Against a REP the id is part of the envelope, so correlation is transparent.  */
    void *rep = mk (ctx, ZMQ_REP), *req2 = mk (ctx, ZMQ_REQ);
    CHECK (rep && req2);
    CHECK_OK (set_int (req2, ZMQ_REQ_CORRELATE, 1));
    CHECK_OK (zmq_bind (rep, "inproc://rr-correlate-rep"));
    CHECK_OK (zmq_connect (req2, "inproc://rr-correlate-rep"));
    for (int k = 0; k < 3; k++) {
        CHECK_EQ (sendl (req2, "ping"), 4);
        RECV_STR (rep, "ping", 0);
        CHECK_EQ (sendl (rep, "pong"), 4);
        RECV_STR (req2, "pong", 0);
    }

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_close (req2));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_relaxed_with_correlate)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER), *req = mk (ctx, ZMQ_REQ);
    CHECK (router && req);
    CHECK_OK (set_int (req, ZMQ_REQ_RELAXED, 1));
    CHECK_OK (set_int (req, ZMQ_REQ_CORRELATE, 1));
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "C", 1));
    CHECK_OK (zmq_bind (router, "inproc://rr-relaxed-c"));
    CHECK_OK (zmq_connect (req, "inproc://rr-relaxed-c"));

    unsigned char id1[16], id2[16];
    int n;
    CHECK_EQ (sendl (req, "q1"), 2);
    RECV_STR (router, "C", 1);
    RECV_ID (router, id1, n);
    RECV_STR (router, "", 1);
    RECV_STR (router, "q1", 0);
    /*  Relaxed: a new request while the reply is pending, and POLLOUT says so.  */
    CHECK (events (req) & ZMQ_POLLOUT);
    CHECK_EQ (sendl (req, "q2"), 2);
    RECV_STR (router, "C", 1);
    RECV_ID (router, id2, n);
    RECV_STR (router, "", 1);
    RECV_STR (router, "q2", 0);
    /*  The late reply to q1 no longer counts.  */
    CHECK_EQ (sendm (router, "C"), 1);
    CHECK_EQ (zmq_send (router, id1, 4, ZMQ_SNDMORE), 4);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendl (router, "stale"), 5);
    CHECK_EQ (sendm (router, "C"), 1);
    CHECK_EQ (zmq_send (router, id2, 4, ZMQ_SNDMORE), 4);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendl (router, "fresh"), 5);
    RECV_STR (req, "fresh", 0);
    /*  The reply is in: the turn is the REQ's, so no receiving.  */
    CHECK_ERR (zmq_recv (req, scratch, sizeof scratch, ZMQ_DONTWAIT), EFSM);

    /*  Relaxed does not allow receiving before a request.  */
    char buf[16];
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_relaxed_drops_stale_replies)
{
    /*  Without correlation, a reply that arrived before the next request is dropped when
        that request is sent.  */
    void *ctx = zmq_ctx_new ();
    void *router = mk (ctx, ZMQ_ROUTER), *req = mk (ctx, ZMQ_REQ);
    CHECK (router && req);
    CHECK_OK (set_int (req, ZMQ_REQ_RELAXED, 1));
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "C", 1));
    CHECK_OK (zmq_bind (router, "inproc://rr-relaxed"));
    CHECK_OK (zmq_connect (req, "inproc://rr-relaxed"));

    CHECK_EQ (sendl (req, "q1"), 2);
    RECV_STR (router, "C", 1);
    RECV_STR (router, "", 1);
    RECV_STR (router, "q1", 0);
    CHECK_EQ (sendm (router, "C"), 1);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendl (router, "r1"), 2);
    CHECK (wait_in (req));
    CHECK_EQ (sendl (req, "q2"), 2);
    RECV_STR (router, "C", 1);
    RECV_STR (router, "", 1);
    RECV_STR (router, "q2", 0);
    CHECK_EQ (sendm (router, "C"), 1);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendl (router, "r2"), 2);
    RECV_STR (req, "r2", 0);
    /*  The reply is in: the turn is the REQ's, so no receiving.  */
    CHECK_ERR (zmq_recv (req, scratch, sizeof scratch, ZMQ_DONTWAIT), EFSM);

    /*  Half-read replies are abandoned too.  */
    CHECK_EQ (sendl (req, "q3"), 2);
    RECV_STR (router, "C", 1);
    RECV_STR (router, "", 1);
    RECV_STR (router, "q3", 0);
    CHECK_EQ (sendm (router, "C"), 1);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendm (router, "r3a"), 3);
    CHECK_EQ (sendl (router, "r3b"), 3);
    RECV_STR (req, "r3a", 1);
    CHECK_EQ (sendl (req, "q4"), 2);
    RECV_STR (router, "C", 1);
    RECV_STR (router, "", 1);
    RECV_STR (router, "q4", 0);
    CHECK_EQ (sendm (router, "C"), 1);
    CHECK_EQ (sendm (router, ""), 0);
    CHECK_EQ (sendl (router, "r4"), 2);
    RECV_STR (req, "r4", 0);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (router));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_relaxed_takes_replies_from_last_peer)
{
    void *ctx = zmq_ctx_new ();
    void *req = mk (ctx, ZMQ_REQ);
    void *a = mk (ctx, ZMQ_ROUTER), *b = mk (ctx, ZMQ_ROUTER);
    CHECK (req && a && b);
    CHECK_OK (set_int (req, ZMQ_REQ_RELAXED, 1));
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "C", 1));
    CHECK_OK (zmq_bind (a, "inproc://rr-relaxed-a"));
    CHECK_OK (zmq_bind (b, "inproc://rr-relaxed-b"));
    CHECK_OK (zmq_connect (req, "inproc://rr-relaxed-a"));
    CHECK_OK (zmq_connect (req, "inproc://rr-relaxed-b"));

    CHECK_EQ (sendl (req, "q1"), 2);
    CHECK_EQ (sendl (req, "q2"), 2);
    RECV_STR (a, "C", 1);
    RECV_STR (a, "", 1);
    RECV_STR (a, "q1", 0);
    RECV_STR (b, "C", 1);
    RECV_STR (b, "", 1);
    RECV_STR (b, "q2", 0);
    /*  a's reply comes first, but the last request went to b.  */
    CHECK_EQ (sendm (a, "C"), 1);
    CHECK_EQ (sendm (a, ""), 0);
    CHECK_EQ (sendl (a, "from a"), 6);
    CHECK_EQ (sendm (b, "C"), 1);
    CHECK_EQ (sendm (b, ""), 0);
    CHECK_EQ (sendl (b, "from b"), 6);
    RECV_STR (req, "from b", 0);
    /*  The reply is in: the turn is the REQ's, so no receiving.  */
    CHECK_ERR (zmq_recv (req, scratch, sizeof scratch, ZMQ_DONTWAIT), EFSM);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_ignores_replies_from_other_peers)
{
    /*  Strict REQ too: only the peer that got the request can answer it.  */
    void *ctx = zmq_ctx_new ();
    void *req = mk (ctx, ZMQ_REQ);
    void *a = mk (ctx, ZMQ_ROUTER), *b = mk (ctx, ZMQ_ROUTER);
    CHECK (req && a && b);
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "C", 1));
    CHECK_OK (zmq_bind (a, "inproc://rr-strict-a"));
    CHECK_OK (zmq_bind (b, "inproc://rr-strict-b"));
    CHECK_OK (zmq_connect (req, "inproc://rr-strict-a"));
    CHECK_OK (zmq_connect (req, "inproc://rr-strict-b"));
    CHECK_EQ (sendl (req, "q"), 1);
    RECV_STR (a, "C", 1);
    RECV_STR (a, "", 1);
    RECV_STR (a, "q", 0);
    /*  b knows the REQ's id (it connected) and answers unasked.  */
    CHECK_EQ (sendm (b, "C"), 1);
    CHECK_EQ (sendm (b, ""), 0);
    CHECK_EQ (sendl (b, "impostor"), 8);
    /*  The REQ sees something to read, but it is dropped on the way.  */
    CHECK (wait_in (req));
    CHECK_ERR (zmq_recv (req, scratch, sizeof scratch, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (sendm (a, "C"), 1);
    CHECK_EQ (sendm (a, ""), 0);
    CHECK_EQ (sendl (a, "genuine"), 7);
    RECV_STR (req, "genuine", 0);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_close (a));
    CHECK_OK (zmq_close (b));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Peers going away, threads  */

TEST (rep_reply_to_vanished_req)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk (ctx, ZMQ_REP);
    void *gone = mk (ctx, ZMQ_REQ), *stays = mk (ctx, ZMQ_REQ);
    CHECK (rep && gone && stays);
    CHECK_OK (zmq_bind (rep, "inproc://rr-vanish"));
    CHECK_OK (zmq_connect (gone, "inproc://rr-vanish"));
    CHECK_EQ (sendl (gone, "bye"), 3);
    RECV_STR (rep, "bye", 0);
    CHECK_OK (zmq_close (gone));
    /*  The reply has nowhere to go: it is dropped, not an error, and the REP moves on.  */
    CHECK_EQ (sendl (rep, "into the void"), 13);
    CHECK_OK (zmq_connect (stays, "inproc://rr-vanish"));
    CHECK_EQ (sendl (stays, "hello"), 5);
    RECV_STR (rep, "hello", 0);
    CHECK_EQ (sendl (rep, "hi"), 2);
    RECV_STR (stays, "hi", 0);

    CHECK_OK (zmq_close (stays));
    CHECK_OK (zmq_close (rep));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_waits_when_rep_vanishes)
{
    /*  A REP that goes away without replying leaves the strict REQ waiting (it gets EAGAIN
        from its timeout, never someone else's reply).  */
    void *ctx = zmq_ctx_new ();
    void *req = mk (ctx, ZMQ_REQ), *rep = mk (ctx, ZMQ_REP);
    CHECK (req && rep);
    CHECK_OK (set_int (req, ZMQ_RCVTIMEO, 100));
    CHECK_OK (zmq_bind (rep, "inproc://rr-rep-gone"));
    CHECK_OK (zmq_connect (req, "inproc://rr-rep-gone"));
    CHECK_EQ (sendl (req, "anyone?"), 7);
    RECV_STR (rep, "anyone?", 0);
    CHECK_OK (zmq_close (rep));
    char buf[16];
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, 0), EAGAIN);
    CHECK_ERR (sendl (req, "again"), EFSM);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_ctx_term (ctx));
}

struct server_args
{
    void *ctx;
    int rounds;
    int served;
};

static void *rep_server (void *arg)
{
    struct server_args *a = (struct server_args *) arg;
    void *rep = zmq_socket (a->ctx, ZMQ_REP);
    int timeout = 5000;
    zmq_setsockopt (rep, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_connect (rep, "inproc://rr-thread");
    for (int k = 0; k < a->rounds; k++) {
        char buf[32];
        int n = zmq_recv (rep, buf, sizeof buf, 0);
        if (n < 0)
            break;
        if (zmq_send (rep, buf, n < 32 ? n : 32, 0) < 0)
            break;
        a->served++;
    }
    zmq_close (rep);
    return NULL;
}

TEST (rep_in_another_thread)
{
    void *ctx = zmq_ctx_new ();
    void *req = mk (ctx, ZMQ_REQ);
    CHECK (req);
    CHECK_OK (zmq_bind (req, "inproc://rr-thread"));
    struct server_args a = {ctx, 200, 0};
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, rep_server, &a), 0);
    int ok = 1;
    for (int k = 0; k < a.rounds && ok; k++) {
        char body[32], buf[32];
        int len = snprintf (body, sizeof body, "request %d", k);
        if (zmq_send (req, body, len, 0) != len)
            ok = 0;
        else if (zmq_recv (req, buf, sizeof buf, 0) != len || memcmp (buf, body, len) != 0)
            ok = 0;
    }
    pthread_join (t, NULL);
    CHECK (ok);
    CHECK_EQ (a.served, 200);

    CHECK_OK (zmq_close (req));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN (reqrep_lockstep);
    RUN (reqrep_connect_before_bind);
    RUN (req_efsm);
    RUN (rep_efsm);
    RUN (req_round_robin);
    RUN (rep_serves_several_reqs);
    RUN (dealer_rep_envelope);
    RUN (rep_drops_malformed_requests);
    RUN (req_router_envelope);
    RUN (two_hop_envelope);
    RUN (req_correlate);
    RUN (req_relaxed_with_correlate);
    RUN (req_relaxed_drops_stale_replies);
    RUN (req_relaxed_takes_replies_from_last_peer);
    RUN (req_ignores_replies_from_other_peers);
    RUN (rep_reply_to_vanished_req);
    RUN (req_waits_when_rep_vanishes);
    RUN (rep_in_another_thread);
    return test_summary ();
}
