/*  REQ and REP over inproc: lockstep and EFSM, round robin over several REPs, the envelope
    frame by frame (DEALER/REP, REQ/ROUTER, a two-hop route), malformed messages dropped,
    REQ_CORRELATE and REQ_RELAXED, empty frames, connect-then-bind, peers that go away, and a
    REP served from another thread.

    Expected results are libzmq 4.3's (src/req.cpp, src/rep.cpp, RFC 28/REQREP,
    zmq_socket(3), zmq_setsockopt(3)); every case here also passes against the system libzmq.
    Receives that could hang if the library were wrong have a timeout (ZMQ_RCVTIMEO); nothing
    decides an outcome by sleeping.  */
#include "testutil.h"

#include <stdint.h>

/*  A receive buffer for frames whose content does not matter.  */
static char scratch[64];

/*  A reply from the ROUTER to the correlating REQ whose routing id is "C": that id, the
    4-byte request id at reqid, then the parts given.  */
#define SEND_CORRELATED_REPLY(router, reqid, ...)                              \
    do {                                                                       \
        SEND_MORE (router, "C");                                               \
        CHECK_EQ (zmq_send ((router), (reqid), 4, ZMQ_SNDMORE), 4);            \
        SEND_PARTS (router, __VA_ARGS__);                                      \
    } while (0)

/*  ------------------------------------------------------------------------------------------
    Lockstep  */

TEST (reqrep_lockstep)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk_nolinger (ctx, ZMQ_REP), *req = mk_nolinger (ctx, ZMQ_REQ);
    CHECK (rep && req);
    CHECK_OK (zmq_bind (rep, "inproc://rr-lockstep"));
    CHECK_OK (zmq_connect (req, "inproc://rr-lockstep"));
    for (int round = 0; round < 3; round++) {
        /*  REQ may send, not receive; REP neither yet.  */
        CHECK_EQ (events (req), ZMQ_POLLOUT);
        CHECK_EQ (events (rep), 0);
        SEND_PARTS (req, "question", "part 2");
        CHECK_EQ (events (req), 0);
        CHECK (wait_in (rep, TU_SHORT_TIMEOUT_MS));
        CHECK_EQ (events (rep), ZMQ_POLLIN);
        RECV_PARTS (rep, "question", "part 2");
        CHECK_EQ (events (rep), ZMQ_POLLOUT);
        SEND_PARTS (rep, "answer", "part B");
        CHECK (wait_in (req, TU_SHORT_TIMEOUT_MS));
        CHECK_EQ (events (req), ZMQ_POLLIN);
        RECV_PARTS (req, "answer", "part B");
    }
    RECV_NONE (rep);

    CLOSE_ALL (req, rep);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (reqrep_connect_before_bind)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk_nolinger (ctx, ZMQ_REP), *req = mk_nolinger (ctx, ZMQ_REQ);
    CHECK (rep && req);
    /*  The REP connects and the REQ binds, and the connect comes first.  */
    CHECK_OK (zmq_connect (rep, "inproc://rr-cbb"));
    CHECK_OK (zmq_bind (req, "inproc://rr-cbb"));
    SEND_PARTS (req, "ping");
    RECV_PARTS (rep, "ping");
    SEND_PARTS (rep, "pong");
    RECV_PARTS (req, "pong");

    /*  A request sent before the REP exists waits on the pending connection.  */
    void *req2 = mk_nolinger (ctx, ZMQ_REQ), *rep2 = mk_nolinger (ctx, ZMQ_REP);
    CHECK (req2 && rep2);
    CHECK_OK (zmq_connect (req2, "inproc://rr-cbb-2"));
    SEND_PARTS (req2, "early");
    CHECK_OK (zmq_bind (rep2, "inproc://rr-cbb-2"));
    RECV_PARTS (rep2, "early");
    SEND_PARTS (rep2, "late");
    RECV_PARTS (req2, "late");

    CLOSE_ALL (req, rep, req2, rep2);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_efsm)
{
    void *ctx = zmq_ctx_new ();
    void *req = mk_nolinger (ctx, ZMQ_REQ);
    CHECK (req);
    char buf[32];
    /*  Receiving before any request: EFSM at once, peers or not.  */
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, 0), EFSM);
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    /*  No peer: a send has nowhere to go.  */
    CHECK_ERR (zmq_send (req, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (events (req), 0);

    void *rep = mk_nolinger (ctx, ZMQ_REP);
    CHECK (rep);
    CHECK_OK (zmq_bind (rep, "inproc://rr-efsm"));
    CHECK_OK (zmq_connect (req, "inproc://rr-efsm"));
    /*  Half a request: still not time to receive.  */
    SEND_MORE (req, "a");
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, 0), EFSM);
    SEND_PARTS (req, "b");
    /*  Whole request: no second one before the reply.  */
    CHECK_ERR (sendl (req, "again"), EFSM);
    CHECK_ERR (zmq_send (req, "again", 5, ZMQ_DONTWAIT), EFSM);
    RECV_PARTS (rep, "a", "b");
    SEND_PARTS (rep, "reply");
    CHECK_ERR (sendl (req, "again"), EFSM);
    RECV_PARTS (req, "reply");
    /*  The turn is back with the REQ.  */
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, 0), EFSM);
    SEND_PARTS (req, "next");
    RECV_PARTS (rep, "next");
    SEND_PARTS (rep, "done");
    RECV_PARTS (req, "done");

    CLOSE_ALL (req, rep);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (rep_efsm)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk_nolinger (ctx, ZMQ_REP), *req = mk_nolinger (ctx, ZMQ_REQ);
    CHECK (rep && req);
    char buf[32];
    /*  Nothing to reply to.  */
    CHECK_ERR (sendl (rep, "x"), EFSM);
    CHECK_ERR (zmq_send (rep, "x", 1, ZMQ_DONTWAIT), EFSM);
    CHECK_OK (zmq_bind (rep, "inproc://rr-repefsm"));
    CHECK_OK (zmq_connect (req, "inproc://rr-repefsm"));
    SEND_PARTS (req, "1", "2");
    RECV_FRAME (rep, "1", 1);
    /*  Inside the request: not yet time to reply.  */
    CHECK_ERR (sendl (rep, "early"), EFSM);
    RECV_PARTS (rep, "2");
    /*  A reply is owed: no receiving until it is sent whole.  */
    CHECK_ERR (zmq_recv (rep, buf, sizeof buf, 0), EFSM);
    SEND_MORE (rep, "r1");
    CHECK_ERR (zmq_recv (rep, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    SEND_PARTS (rep, "r2");
    CHECK_ERR (sendl (rep, "extra"), EFSM);
    CHECK_ERR (zmq_recv (rep, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    RECV_PARTS (req, "r1", "r2");

    CLOSE_ALL (req, rep);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Several peers  */

TEST (req_round_robin)
{
    void *ctx = zmq_ctx_new ();
    void *req = mk_nolinger (ctx, ZMQ_REQ);
    void *rep[3];
    CHECK (req);
    for (int i = 0; i < 3; i++) {
        char ep[32];
        snprintf (ep, sizeof ep, "inproc://rr-robin-%d", i);
        rep[i] = mk_nolinger (ctx, ZMQ_REP);
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
        RECV_PARTS (rep[k % 3], body);
        CHECK_EQ (sendl (rep[k % 3], reply), 2);
        RECV_PARTS (req, reply);
    }
    for (int i = 0; i < 3; i++)
        RECV_NONE (rep[i]);

    CHECK_OK (zmq_close (req));
    for (int i = 0; i < 3; i++)
        CHECK_OK (zmq_close (rep[i]));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (rep_serves_several_reqs)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk_nolinger (ctx, ZMQ_REP);
    void *a = mk_nolinger (ctx, ZMQ_REQ), *b = mk_nolinger (ctx, ZMQ_REQ);
    CHECK (rep && a && b);
    CHECK_OK (zmq_bind (rep, "inproc://rr-several"));
    CHECK_OK (zmq_connect (a, "inproc://rr-several"));
    CHECK_OK (zmq_connect (b, "inproc://rr-several"));
    SEND_PARTS (a, "from a");
    SEND_PARTS (b, "from b");
    /*  Whatever the order, each reply goes back to its requester.  */
    for (int k = 0; k < 2; k++) {
        char buf[16], reply[32];
        int n = zmq_recv (rep, buf, sizeof buf - 1, 0);
        CHECK_EQ (n, 6);
        buf[n] = 0;
        snprintf (reply, sizeof reply, "re %s", buf);
        CHECK_EQ (sendl (rep, reply), 9);
    }
    RECV_PARTS (a, "re from a");
    RECV_PARTS (b, "re from b");

    CLOSE_ALL (a, b, rep);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Envelopes, frame by frame  */

TEST (dealer_rep_envelope)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk_nolinger (ctx, ZMQ_REP), *d = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (rep && d);
    CHECK_OK (zmq_bind (rep, "inproc://rr-dealer-rep"));
    CHECK_OK (zmq_connect (d, "inproc://rr-dealer-rep"));

    /*  The plainest envelope: an empty delimiter.  */
    SEND_PARTS (d, "", "hello");
    RECV_PARTS (rep, "hello");
    SEND_PARTS (rep, "world");
    RECV_PARTS (d, "", "world");

    /*  Labels before the delimiter come back in order; later empty frames are body.  */
    SEND_PARTS (d, "hop1", "hop2", "", "body1", "", "body2");
    RECV_PARTS (rep, "body1", "", "body2");
    SEND_PARTS (rep, "r1", "", "r2");
    RECV_PARTS (d, "hop1", "hop2", "", "r1", "", "r2");
    RECV_NONE (d);

    /*  An empty body.  */
    SEND_PARTS (d, "", "");
    RECV_PARTS (rep, "");
    SEND_PARTS (rep, "");
    RECV_PARTS (d, "", "");

    CLOSE_ALL (d, rep);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (rep_drops_malformed_requests)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk_nolinger (ctx, ZMQ_REP), *d = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK (rep && d);
    CHECK_OK (zmq_connect (d, "inproc://rr-malformed"));
    CHECK_OK (zmq_bind (rep, "inproc://rr-malformed"));
    /*  No delimiter at all, labels without one, a lone delimiter: all dropped.  */
    SEND_PARTS (d, "no envelope");
    SEND_PARTS (d, "label", "still none");
    SEND_PARTS (d, "");
    SEND_PARTS (d, "x", "");
    SEND_PARTS (d, "", "good");
    RECV_PARTS (rep, "good");
    SEND_PARTS (rep, "ok");
    RECV_PARTS (d, "", "ok");
    RECV_NONE (d);
    RECV_NONE (rep);

    CLOSE_ALL (d, rep);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_router_envelope)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER), *req = mk_nolinger (ctx, ZMQ_REQ);
    CHECK (router && req);
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "client", 6));
    CHECK_OK (zmq_bind (router, "inproc://rr-req-router"));
    CHECK_OK (zmq_connect (req, "inproc://rr-req-router"));

    SEND_PARTS (req, "q1", "q2");
    RECV_PARTS (router, "client", "", "q1", "q2");

    /*  Replies without the delimiter are dropped whole.  */
    SEND_PARTS (router, "client", "no delimiter");
    SEND_PARTS (router, "client", "not empty", "x");
    SEND_PARTS (router, "client", "");
    /*  The real reply: the first empty frame is stripped, nothing else.  */
    SEND_PARTS (router, "client", "", "", "answer");
    RECV_PARTS (req, "", "answer");
    /*  Replies beyond the first are stale by the time of the next request.  */
    SEND_PARTS (router, "client", "", "duplicate");
    SEND_PARTS (req, "q3");
    RECV_PARTS (router, "client", "", "q3");
    SEND_PARTS (router, "client", "", "a3");
    RECV_PARTS (req, "a3");

    CLOSE_ALL (req, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (two_hop_envelope)
{
    /*  REQ -> ROUTER ... DEALER -> REP, relayed by hand as a broker would: the REP sees only
        the body and its reply finds the way back through both envelopes.  */
    void *ctx = zmq_ctx_new ();
    void *req = mk_nolinger (ctx, ZMQ_REQ), *front = mk_nolinger (ctx, ZMQ_ROUTER);
    void *back = mk_nolinger (ctx, ZMQ_DEALER), *rep = mk_nolinger (ctx, ZMQ_REP);
    CHECK (req && front && back && rep);
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "R", 1));
    CHECK_OK (zmq_bind (front, "inproc://rr-hop-front"));
    CHECK_OK (zmq_bind (back, "inproc://rr-hop-back"));
    CHECK_OK (zmq_connect (req, "inproc://rr-hop-front"));
    CHECK_OK (zmq_connect (rep, "inproc://rr-hop-back"));

    SEND_PARTS (req, "work");
    /*  Relay front -> back, frame by frame.  */
    for (int more = 1; more;) {
        zmq_msg_t m;
        zmq_msg_init (&m);
        CHECK (zmq_msg_recv (&m, front, 0) >= 0);
        more = zmq_msg_more (&m);
        CHECK (zmq_msg_send (&m, back, more ? ZMQ_SNDMORE : 0) >= 0);
    }
    RECV_PARTS (rep, "work");
    SEND_PARTS (rep, "done");
    /*  The back side receives the REQ's envelope, then the body.  */
    RECV_PARTS (back, "R", "", "done");
    SEND_PARTS (front, "R", "", "done");
    RECV_PARTS (req, "done");

    CLOSE_ALL (req, front, back, rep);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    REQ_CORRELATE and REQ_RELAXED  */

TEST (req_correlate)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER), *req = mk_nolinger (ctx, ZMQ_REQ);
    CHECK (router && req);
    CHECK_OK (set_int (req, ZMQ_REQ_CORRELATE, 1));
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "C", 1));
    CHECK_OK (zmq_bind (router, "inproc://rr-correlate"));
    CHECK_OK (zmq_connect (req, "inproc://rr-correlate"));

    /*  A 4-byte request id comes before the delimiter.  */
    SEND_PARTS (req, "q1");
    unsigned char id1[16];
    int n;
    RECV_FRAME (router, "C", 1);
    RECV_ID (router, id1, n);
    CHECK_EQ (n, 4);
    RECV_PARTS (router, "", "q1");

    /*  A reply with another id, or none, is dropped.  */
    uint32_t wrong;
    memcpy (&wrong, id1, 4);
    wrong += 7;
    SEND_CORRELATED_REPLY (router, &wrong, "", "wrong id");
    SEND_PARTS (router, "C", "", "no id");
    SEND_CORRELATED_REPLY (router, id1, "no delimiter");
    SEND_CORRELATED_REPLY (router, id1, "", "right");
    RECV_PARTS (req, "right");

    /*  The next request's id is one more (as a native uint32).  */
    SEND_PARTS (req, "q2");
    unsigned char id2[16];
    RECV_FRAME (router, "C", 1);
    RECV_ID (router, id2, n);
    CHECK_EQ (n, 4);
    RECV_PARTS (router, "", "q2");
    uint32_t v1, v2;
    memcpy (&v1, id1, 4);
    memcpy (&v2, id2, 4);
    CHECK_EQ (v2, (uint32_t) (v1 + 1));
    SEND_CORRELATED_REPLY (router, id2, "", "second");
    RECV_PARTS (req, "second");

    /*  Against a REP the id is part of the envelope, so correlation is transparent.  */
    void *rep = mk_nolinger (ctx, ZMQ_REP), *req2 = mk_nolinger (ctx, ZMQ_REQ);
    CHECK (rep && req2);
    CHECK_OK (set_int (req2, ZMQ_REQ_CORRELATE, 1));
    CHECK_OK (zmq_bind (rep, "inproc://rr-correlate-rep"));
    CHECK_OK (zmq_connect (req2, "inproc://rr-correlate-rep"));
    for (int k = 0; k < 3; k++) {
        SEND_PARTS (req2, "ping");
        RECV_PARTS (rep, "ping");
        SEND_PARTS (rep, "pong");
        RECV_PARTS (req2, "pong");
    }

    CLOSE_ALL (req, router, req2, rep);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_relaxed_with_correlate)
{
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER), *req = mk_nolinger (ctx, ZMQ_REQ);
    CHECK (router && req);
    CHECK_OK (set_int (req, ZMQ_REQ_RELAXED, 1));
    CHECK_OK (set_int (req, ZMQ_REQ_CORRELATE, 1));
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "C", 1));
    CHECK_OK (zmq_bind (router, "inproc://rr-relaxed-c"));
    CHECK_OK (zmq_connect (req, "inproc://rr-relaxed-c"));

    unsigned char id1[16], id2[16];
    int n;
    SEND_PARTS (req, "q1");
    RECV_FRAME (router, "C", 1);
    RECV_ID (router, id1, n);
    RECV_PARTS (router, "", "q1");
    /*  Relaxed: a new request while the reply is pending, and POLLOUT says so.  */
    CHECK (events (req) & ZMQ_POLLOUT);
    SEND_PARTS (req, "q2");
    RECV_FRAME (router, "C", 1);
    RECV_ID (router, id2, n);
    RECV_PARTS (router, "", "q2");
    /*  The late reply to q1 no longer counts.  */
    SEND_CORRELATED_REPLY (router, id1, "", "stale");
    SEND_CORRELATED_REPLY (router, id2, "", "fresh");
    RECV_PARTS (req, "fresh");
    /*  The reply is in: the turn is the REQ's, so no receiving.  */
    CHECK_ERR (zmq_recv (req, scratch, sizeof scratch, ZMQ_DONTWAIT), EFSM);

    /*  Relaxed does not allow receiving before a request.  */
    char buf[16];
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);

    CLOSE_ALL (req, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_relaxed_drops_stale_replies)
{
    /*  Without correlation, a reply that arrived before the next request is dropped when
        that request is sent.  */
    void *ctx = zmq_ctx_new ();
    void *router = mk_nolinger (ctx, ZMQ_ROUTER), *req = mk_nolinger (ctx, ZMQ_REQ);
    CHECK (router && req);
    CHECK_OK (set_int (req, ZMQ_REQ_RELAXED, 1));
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "C", 1));
    CHECK_OK (zmq_bind (router, "inproc://rr-relaxed"));
    CHECK_OK (zmq_connect (req, "inproc://rr-relaxed"));

    SEND_PARTS (req, "q1");
    RECV_PARTS (router, "C", "", "q1");
    SEND_PARTS (router, "C", "", "r1");
    CHECK (wait_in (req, TU_SHORT_TIMEOUT_MS));
    SEND_PARTS (req, "q2");
    RECV_PARTS (router, "C", "", "q2");
    SEND_PARTS (router, "C", "", "r2");
    RECV_PARTS (req, "r2");
    /*  The reply is in: the turn is the REQ's, so no receiving.  */
    CHECK_ERR (zmq_recv (req, scratch, sizeof scratch, ZMQ_DONTWAIT), EFSM);

    /*  Half-read replies are abandoned too.  */
    SEND_PARTS (req, "q3");
    RECV_PARTS (router, "C", "", "q3");
    SEND_PARTS (router, "C", "", "r3a", "r3b");
    RECV_FRAME (req, "r3a", 1);
    SEND_PARTS (req, "q4");
    RECV_PARTS (router, "C", "", "q4");
    SEND_PARTS (router, "C", "", "r4");
    RECV_PARTS (req, "r4");

    CLOSE_ALL (req, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_relaxed_takes_replies_from_last_peer)
{
    void *ctx = zmq_ctx_new ();
    void *req = mk_nolinger (ctx, ZMQ_REQ);
    void *a = mk_nolinger (ctx, ZMQ_ROUTER), *b = mk_nolinger (ctx, ZMQ_ROUTER);
    CHECK (req && a && b);
    CHECK_OK (set_int (req, ZMQ_REQ_RELAXED, 1));
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "C", 1));
    CHECK_OK (zmq_bind (a, "inproc://rr-relaxed-a"));
    CHECK_OK (zmq_bind (b, "inproc://rr-relaxed-b"));
    CHECK_OK (zmq_connect (req, "inproc://rr-relaxed-a"));
    CHECK_OK (zmq_connect (req, "inproc://rr-relaxed-b"));

    SEND_PARTS (req, "q1");
    SEND_PARTS (req, "q2");
    RECV_PARTS (a, "C", "", "q1");
    RECV_PARTS (b, "C", "", "q2");
    /*  a's reply comes first, but the last request went to b.  */
    SEND_PARTS (a, "C", "", "from a");
    SEND_PARTS (b, "C", "", "from b");
    RECV_PARTS (req, "from b");
    /*  The reply is in: the turn is the REQ's, so no receiving.  */
    CHECK_ERR (zmq_recv (req, scratch, sizeof scratch, ZMQ_DONTWAIT), EFSM);

    CLOSE_ALL (req, a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_ignores_replies_from_other_peers)
{
    /*  Strict REQ too: only the peer that got the request can answer it.  */
    void *ctx = zmq_ctx_new ();
    void *req = mk_nolinger (ctx, ZMQ_REQ);
    void *a = mk_nolinger (ctx, ZMQ_ROUTER), *b = mk_nolinger (ctx, ZMQ_ROUTER);
    CHECK (req && a && b);
    CHECK_OK (zmq_setsockopt (req, ZMQ_ROUTING_ID, "C", 1));
    CHECK_OK (zmq_bind (a, "inproc://rr-strict-a"));
    CHECK_OK (zmq_bind (b, "inproc://rr-strict-b"));
    CHECK_OK (zmq_connect (req, "inproc://rr-strict-a"));
    CHECK_OK (zmq_connect (req, "inproc://rr-strict-b"));
    SEND_PARTS (req, "q");
    RECV_PARTS (a, "C", "", "q");
    /*  b knows the REQ's id (it connected) and answers unasked.  */
    SEND_PARTS (b, "C", "", "impostor");
    /*  The REQ sees something to read, but it is dropped on the way.  */
    CHECK (wait_in (req, TU_SHORT_TIMEOUT_MS));
    CHECK_ERR (zmq_recv (req, scratch, sizeof scratch, ZMQ_DONTWAIT), EAGAIN);
    SEND_PARTS (a, "C", "", "genuine");
    RECV_PARTS (req, "genuine");

    CLOSE_ALL (req, a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Peers going away, threads  */

TEST (rep_reply_to_vanished_req)
{
    void *ctx = zmq_ctx_new ();
    void *rep = mk_nolinger (ctx, ZMQ_REP);
    void *gone = mk_nolinger (ctx, ZMQ_REQ), *stays = mk_nolinger (ctx, ZMQ_REQ);
    CHECK (rep && gone && stays);
    CHECK_OK (zmq_bind (rep, "inproc://rr-vanish"));
    CHECK_OK (zmq_connect (gone, "inproc://rr-vanish"));
    SEND_PARTS (gone, "bye");
    RECV_PARTS (rep, "bye");
    CHECK_OK (zmq_close (gone));
    /*  The reply has nowhere to go: it is dropped, not an error, and the REP moves on.  */
    SEND_PARTS (rep, "into the void");
    CHECK_OK (zmq_connect (stays, "inproc://rr-vanish"));
    SEND_PARTS (stays, "hello");
    RECV_PARTS (rep, "hello");
    SEND_PARTS (rep, "hi");
    RECV_PARTS (stays, "hi");

    CLOSE_ALL (stays, rep);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (req_waits_when_rep_vanishes)
{
    /*  A REP that goes away without replying leaves the strict REQ waiting (it gets EAGAIN
        from its timeout, never someone else's reply).  */
    void *ctx = zmq_ctx_new ();
    void *req = mk_nolinger (ctx, ZMQ_REQ), *rep = mk_nolinger (ctx, ZMQ_REP);
    CHECK (req && rep);
    CHECK_OK (set_int (req, ZMQ_RCVTIMEO, 100));
    CHECK_OK (zmq_bind (rep, "inproc://rr-rep-gone"));
    CHECK_OK (zmq_connect (req, "inproc://rr-rep-gone"));
    SEND_PARTS (req, "anyone?");
    RECV_PARTS (rep, "anyone?");
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
    void *req = mk_nolinger (ctx, ZMQ_REQ);
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
