/*  XPUB and XSUB over inproc: subscriptions handed to the XPUB user (default, VERBOSE,
    VERBOSER rules, and when subscribers leave), XPUB_MANUAL, XPUB_WELCOME_MSG, XPUB_NODROP,
    XSUB subscribing by message (counted, replayed to new publishers, sent to all of them),
    other messages going upstream, an XSUB -> XPUB forwarder, ZMQ_TOPICS_COUNT and the draft
    options ONLY_FIRST_SUBSCRIBE and XPUB_MANUAL_LAST_VALUE.

    Expected results are libzmq's (4.3.x, checked by building this file against the system
    libzmq). An XPUB receiving a subscription proves it was processed, so the tests order
    events with marker subscriptions rather than time. Receives that could hang have a
    ZMQ_RCVTIMEO, and an alarm ends a binary that hangs anyway; no sleep decides an
    outcome.  */
#include "testutil.h"

#include <unistd.h>

/*  Sends an (un)subscription message from an XSUB: flag byte, then the topic.  */
static int send_sub (void *xsub, int on, const char *topic)
{
    char buf[256];
    size_t n = strlen (topic);
    buf[0] = (char) on;
    memcpy (buf + 1, topic, n);
    return zmq_send (xsub, buf, n + 1, 0);
}

/*  Receives a subscription message: flag byte `on`, then `topic`; and no more parts.  */
#define RECV_SUB(s, on, topic)                                                 \
    do {                                                                       \
        char rb_buf[256];                                                      \
        size_t rb_want = strlen (topic) + 1;                                   \
        int rb_n = zmq_recv ((s), rb_buf, sizeof rb_buf, 0);                   \
        if (rb_n < 0)                                                          \
            TU_FAIL ("receive on %s failed: %s (expected %d \"%s\")", #s,      \
                     zmq_strerror (errno), (on), (topic));                     \
        if ((size_t) rb_n != rb_want || rb_buf[0] != (on)                      \
            || memcmp (rb_buf + 1, (topic), rb_want - 1) != 0)                 \
            TU_FAIL ("%s: got %d bytes, first %d, \"%.*s\"; expected %d \"%s\"", \
                     #s, rb_n, rb_n > 0 ? rb_buf[0] : -1,                      \
                     rb_n > 1 ? rb_n - 1 : 0, rb_buf + 1, (on), (topic));      \
        CHECK_EQ (get_int ((s), ZMQ_RCVMORE), 0);                              \
    } while (0)

/*  ------------------------------------------------------------------------------------------
    What the XPUB user hears  */

TEST (xpub_default_reports_new_and_last)
{
    void *ctx = zmq_ctx_new ();
    void *xpub = mk (ctx, ZMQ_XPUB), *s1 = mk (ctx, ZMQ_SUB), *s2 = mk (ctx, ZMQ_SUB);
    CHECK (xpub && s1 && s2);
    CHECK_OK (zmq_bind (xpub, "inproc://xx-default"));
    CHECK_OK (zmq_connect (s1, "inproc://xx-default"));
    CHECK_OK (zmq_connect (s2, "inproc://xx-default"));
    CHECK_OK (subscribe (s1, "A"));
    RECV_SUB (xpub, 1, "A");
    /*  A second subscriber to A is no news; the marker B that follows it is.  */
    CHECK_OK (subscribe (s2, "A"));
    CHECK_OK (subscribe (s2, "B"));
    RECV_SUB (xpub, 1, "B");
    /*  s1 leaves A: s2 is still there, so no news (the marker proves it was handled).  */
    CHECK_OK (unsubscribe (s1, "A"));
    CHECK_OK (subscribe (s1, "M1"));
    RECV_SUB (xpub, 1, "M1");
    /*  s2 leaves A: nobody wants it now.  */
    CHECK_OK (unsubscribe (s2, "A"));
    RECV_SUB (xpub, 0, "A");
    RECV_NONE (xpub);

    /*  Data goes only where it is wanted.  */
    SEND_STR (xpub, "A-nobody");
    SEND_STR (xpub, "B1");
    SEND_STR (xpub, "M1-x");
    RECV_STR (s2, "B1");
    RECV_STR (s1, "M1-x");
    CHECK_EQ (get_int (xpub, ZMQ_EVENTS), ZMQ_POLLOUT);
    CLOSE_ALL (s1, s2, xpub);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (xpub_verbose_reports_every_subscribe)
{
    void *ctx = zmq_ctx_new ();
    void *xpub = mk (ctx, ZMQ_XPUB), *s1 = mk (ctx, ZMQ_SUB), *s2 = mk (ctx, ZMQ_SUB);
    CHECK (xpub && s1 && s2);
    CHECK_OK (set_int (xpub, ZMQ_XPUB_VERBOSE, 1));
    CHECK_OK (zmq_bind (xpub, "inproc://xx-verbose"));
    CHECK_OK (zmq_connect (s1, "inproc://xx-verbose"));
    CHECK_OK (zmq_connect (s2, "inproc://xx-verbose"));
    CHECK_OK (subscribe (s1, "A"));
    RECV_SUB (xpub, 1, "A");
    CHECK_OK (subscribe (s2, "A"));
    RECV_SUB (xpub, 1, "A");
    /*  The same subscriber twice: its SUB sends both, both are reported.  */
    CHECK_OK (subscribe (s1, "A"));
    RECV_SUB (xpub, 1, "A");
    /*  Unsubscriptions are still reported only when the last subscriber goes. s1 holds two
        references: its first unsubscribe does not even leave the SUB.  */
    CHECK_OK (unsubscribe (s1, "A"));
    CHECK_OK (unsubscribe (s1, "A"));
    CHECK_OK (subscribe (s1, "M"));
    RECV_SUB (xpub, 1, "M");
    CHECK_OK (unsubscribe (s2, "A"));
    RECV_SUB (xpub, 0, "A");
    RECV_NONE (xpub);
    CLOSE_ALL (s1, s2, xpub);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (xpub_verboser_reports_every_unsubscribe)
{
    void *ctx = zmq_ctx_new ();
    void *xpub = mk (ctx, ZMQ_XPUB), *s1 = mk (ctx, ZMQ_SUB), *s2 = mk (ctx, ZMQ_SUB);
    CHECK (xpub && s1 && s2);
    CHECK_OK (set_int (xpub, ZMQ_XPUB_VERBOSER, 1));
    CHECK_OK (zmq_bind (xpub, "inproc://xx-verboser"));
    CHECK_OK (zmq_connect (s1, "inproc://xx-verboser"));
    CHECK_OK (zmq_connect (s2, "inproc://xx-verboser"));
    CHECK_OK (subscribe (s1, "A"));
    RECV_SUB (xpub, 1, "A");
    CHECK_OK (subscribe (s2, "A"));
    RECV_SUB (xpub, 1, "A");
    CHECK_OK (unsubscribe (s1, "A"));
    RECV_SUB (xpub, 0, "A");
    CHECK_OK (unsubscribe (s2, "A"));
    RECV_SUB (xpub, 0, "A");
    /*  A subscriber leaving: each of its topics is reported, shared or not.  */
    CHECK_OK (subscribe (s1, "X"));
    CHECK_OK (subscribe (s1, "Y"));
    CHECK_OK (subscribe (s2, "X"));
    RECV_SUB (xpub, 1, "X");
    RECV_SUB (xpub, 1, "Y");
    RECV_SUB (xpub, 1, "X");
    CHECK_OK (zmq_close (s1));
    RECV_SUB (xpub, 0, "X");
    RECV_SUB (xpub, 0, "Y");
    RECV_NONE (xpub);
    /*  XPUB_VERBOSE 0 after VERBOSER turns both off.  */
    CHECK_OK (set_int (xpub, ZMQ_XPUB_VERBOSE, 0));
    void *s3 = mk (ctx, ZMQ_SUB);
    CHECK (s3);
    CHECK_OK (zmq_connect (s3, "inproc://xx-verboser"));
    CHECK_OK (subscribe (s3, "X"));
    CHECK_OK (subscribe (s3, "Z"));
    RECV_SUB (xpub, 1, "Z");
    CLOSE_ALL (s2, s3, xpub);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (xpub_reports_topics_of_leaving_subscribers)
{
    void *ctx = zmq_ctx_new ();
    void *xpub = mk (ctx, ZMQ_XPUB), *s1 = mk (ctx, ZMQ_SUB), *s2 = mk (ctx, ZMQ_SUB);
    CHECK (xpub && s1 && s2);
    CHECK_OK (zmq_bind (xpub, "inproc://xx-leave"));
    CHECK_OK (zmq_connect (s1, "inproc://xx-leave"));
    CHECK_OK (zmq_connect (s2, "inproc://xx-leave"));
    CHECK_OK (subscribe (s1, "A"));
    CHECK_OK (subscribe (s1, "X1"));
    RECV_SUB (xpub, 1, "A");
    RECV_SUB (xpub, 1, "X1");
    CHECK_OK (subscribe (s2, "A"));
    CHECK_OK (subscribe (s2, "X2"));
    RECV_SUB (xpub, 1, "X2");
    /*  s1 goes: only X1 lost its last subscriber (A sorts first, so a wrong report of A
        would come before X1).  */
    CHECK_OK (zmq_close (s1));
    RECV_SUB (xpub, 0, "X1");
    CHECK_OK (zmq_close (s2));
    RECV_SUB (xpub, 0, "A");
    RECV_SUB (xpub, 0, "X2");
    RECV_NONE (xpub);
    CHECK_OK (zmq_close (xpub));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (xpub_manual)
{
    void *ctx = zmq_ctx_new ();
    void *xpub = mk (ctx, ZMQ_XPUB), *xsub = mk (ctx, ZMQ_XSUB);
    CHECK (xpub && xsub);
    /*  SUBSCRIBE on an XPUB needs manual mode.  */
    CHECK_ERR (subscribe (xpub, "A"), EINVAL);
    CHECK_OK (set_int (xpub, ZMQ_XPUB_MANUAL, 1));
    /*  Accepted (and ignored) while no subscription has been received.  */
    CHECK_OK (subscribe (xpub, "ignored"));
    CHECK_OK (zmq_bind (xpub, "inproc://xx-manual"));
    CHECK_OK (zmq_connect (xsub, "inproc://xx-manual"));
    /*  XSUB does not filter: whatever the XPUB sends it arrives.  */
    CHECK_OK (send_sub (xsub, 1, "A"));
    RECV_SUB (xpub, 1, "A");
    /*  Not applied by itself.  */
    SEND_STR (xpub, "A1");
    /*  The user maps it onto another topic for that subscriber.  */
    CHECK_OK (subscribe (xpub, "B"));
    SEND_STR (xpub, "A2");
    SEND_STR (xpub, "B1");
    RECV_STR (xsub, "B1");
    /*  Every (un)subscription is reported in manual mode, duplicates too.  */
    CHECK_OK (send_sub (xsub, 1, "A"));
    RECV_SUB (xpub, 1, "A");
    CHECK_OK (send_sub (xsub, 0, "A"));
    CHECK_OK (send_sub (xsub, 0, "A"));
    RECV_SUB (xpub, 0, "A");
    CHECK_OK (unsubscribe (xpub, "B"));
    SEND_STR (xpub, "B2");
    CHECK_OK (subscribe (xpub, "C"));
    SEND_STR (xpub, "C1");
    RECV_STR (xsub, "C1");
    RECV_NONE (xpub);

    /*  The subscriber leaves: what it had asked for (and not withdrawn) is reported.  */
    CHECK_OK (send_sub (xsub, 1, "D"));
    RECV_SUB (xpub, 1, "D");
    CHECK_OK (zmq_close (xsub));
    RECV_SUB (xpub, 0, "D");
    RECV_NONE (xpub);
    CHECK_OK (zmq_close (xpub));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (xpub_welcome_msg)
{
    void *ctx = zmq_ctx_new ();
    void *xpub = mk (ctx, ZMQ_XPUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (xpub && sub);
    CHECK_OK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, "W", 1));
    CHECK_OK (zmq_bind (xpub, "inproc://xx-welcome"));
    CHECK_OK (subscribe (sub, "W"));
    CHECK_OK (zmq_connect (sub, "inproc://xx-welcome"));
    RECV_SUB (xpub, 1, "W");
    RECV_STR (sub, "W");
    /*  A SUB that does not subscribe to it filters it out like any message.  */
    void *other = mk (ctx, ZMQ_SUB);
    CHECK (other);
    CHECK_OK (subscribe (other, "O"));
    CHECK_OK (zmq_connect (other, "inproc://xx-welcome"));
    RECV_SUB (xpub, 1, "O");
    SEND_STR (xpub, "O1");
    RECV_STR (other, "O1");
    /*  Cleared with an empty value: later subscribers get nothing.  */
    CHECK_OK (zmq_setsockopt (xpub, ZMQ_XPUB_WELCOME_MSG, NULL, 0));
    void *late = mk (ctx, ZMQ_SUB);
    CHECK (late);
    CHECK_OK (subscribe (late, ""));
    CHECK_OK (zmq_connect (late, "inproc://xx-welcome"));
    RECV_SUB (xpub, 1, "");
    SEND_STR (xpub, "first");
    RECV_STR (late, "first");
    CLOSE_ALL (late, other, sub, xpub);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (xpub_nodrop_eagain)
{
    void *ctx = zmq_ctx_new ();
    void *xpub = mk (ctx, ZMQ_XPUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (xpub && sub);
    CHECK_OK (set_int (xpub, ZMQ_XPUB_NODROP, 1));
    CHECK_OK (set_int (xpub, ZMQ_SNDHWM, 1));
    CHECK_OK (set_int (sub, ZMQ_RCVHWM, 1));
    CHECK_OK (zmq_bind (xpub, "inproc://xx-nodrop"));
    CHECK_OK (zmq_connect (sub, "inproc://xx-nodrop"));
    CHECK_OK (subscribe (sub, "T"));
    RECV_SUB (xpub, 1, "T");
    /*  The queue holds SNDHWM + RCVHWM = 2 messages.  */
    SEND_STR (xpub, "T1");
    CHECK_EQ (zmq_send (xpub, "T2", 2, ZMQ_DONTWAIT), 2);
    CHECK_ERR (zmq_send (xpub, "T3", 2, ZMQ_DONTWAIT), EAGAIN);
    /*  A multipart message is refused on its first part, as a whole.  */
    CHECK_ERR (zmq_send (xpub, "T3", 2, ZMQ_DONTWAIT | ZMQ_SNDMORE), EAGAIN);
    /*  With a timeout the send waits, then gives up.  */
    CHECK_OK (set_int (xpub, ZMQ_SNDTIMEO, 50));
    CHECK_ERR (zmq_send (xpub, "T3", 2, 0), EAGAIN);
    /*  Still writable as far as ZMQ_EVENTS goes (libzmq's dist always is).  */
    CHECK_EQ (get_int (xpub, ZMQ_EVENTS) & ZMQ_POLLOUT, ZMQ_POLLOUT);
    /*  Messages nobody subscribes to are not held back by the full subscriber.  */
    CHECK_EQ (zmq_send (xpub, "U", 1, ZMQ_DONTWAIT), 1);
    /*  The subscriber reads: a blocking send gets through.  */
    RECV_STR (sub, "T1");
    CHECK_OK (set_int (xpub, ZMQ_SNDTIMEO, 10000));
    SEND_MORE (xpub, "T3");
    SEND_STR (xpub, "tail");
    RECV_STR (sub, "T2");
    RECV_STR (sub, "T3");
    RECV_STR (sub, "tail");
    CLOSE_ALL (sub, xpub);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    XSUB  */

TEST (xsub_subscribes_by_message)
{
    void *ctx = zmq_ctx_new ();
    void *xpub = mk (ctx, ZMQ_XPUB), *xsub = mk (ctx, ZMQ_XSUB);
    CHECK (xpub && xsub);
    CHECK_OK (set_int (xpub, ZMQ_XPUB_VERBOSER, 1));
    CHECK_OK (zmq_bind (xpub, "inproc://xx-xsub"));
    CHECK_OK (zmq_connect (xsub, "inproc://xx-xsub"));
    CHECK_EQ (get_int (xsub, ZMQ_EVENTS), ZMQ_POLLOUT);
    /*  Duplicates go upstream (the XPUB decides what is news)...  */
    CHECK_OK (send_sub (xsub, 1, "A"));
    CHECK_OK (send_sub (xsub, 1, "A"));
    RECV_SUB (xpub, 1, "A");
    RECV_SUB (xpub, 1, "A");
    /*  ...but an unsubscribe only when the last reference goes.  */
    CHECK_OK (send_sub (xsub, 0, "A"));
    CHECK_OK (send_sub (xsub, 1, "M"));
    RECV_SUB (xpub, 1, "M");
    CHECK_OK (send_sub (xsub, 0, "A"));
    RECV_SUB (xpub, 0, "A");
    /*  Unsubscribing what was never subscribed stays local.  */
    CHECK_OK (send_sub (xsub, 0, "never"));
    CHECK_OK (send_sub (xsub, 1, "M2"));
    RECV_SUB (xpub, 1, "M2");

    /*  XSUB does not filter: it receives whatever the XPUB sends it.  */
    SEND_STR (xpub, "M-data");
    RECV_STR (xsub, "M-data");

    /*  Other messages go upstream as they are, whole, to the XPUB user.  */
    SEND_STR (xsub, "hello");
    RECV_STR (xpub, "hello");
    CHECK_EQ (get_int (xpub, ZMQ_RCVMORE), 0);
    SEND_MORE (xsub, "multi");
    SEND_STR (xsub, "part");
    RECV_STR (xpub, "multi");
    CHECK_EQ (get_int (xpub, ZMQ_RCVMORE), 1);
    RECV_STR (xpub, "part");
    CHECK_EQ (get_int (xpub, ZMQ_RCVMORE), 0);
    /*  An empty message is not a subscription either.  */
    SEND_STR (xsub, "");
    RECV_STR (xpub, "");
    /*  A PUB ignores such messages.  */
    void *pub = mk (ctx, ZMQ_PUB);
    CHECK (pub);
    CHECK_OK (zmq_bind (pub, "inproc://xx-xsub-pub"));
    CHECK_OK (zmq_connect (xsub, "inproc://xx-xsub-pub"));
    SEND_STR (xsub, "to both");
    RECV_STR (xpub, "to both");
    CLOSE_ALL (pub, xsub, xpub);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (xsub_replays_subscriptions_and_sends_to_all)
{
    void *ctx = zmq_ctx_new ();
    void *x1 = mk (ctx, ZMQ_XPUB), *x2 = mk (ctx, ZMQ_XPUB), *xsub = mk (ctx, ZMQ_XSUB);
    CHECK (x1 && x2 && xsub);
    CHECK_OK (zmq_bind (x1, "inproc://xx-replay-1"));
    CHECK_OK (zmq_bind (x2, "inproc://xx-replay-2"));
    /*  Subscribed before any publisher: each new one learns every topic, once.  */
    CHECK_OK (send_sub (xsub, 1, "A"));
    CHECK_OK (send_sub (xsub, 1, "A"));
    CHECK_OK (send_sub (xsub, 1, "B"));
    CHECK_OK (send_sub (xsub, 1, "B"));
    CHECK_OK (send_sub (xsub, 0, "B"));
    CHECK_OK (send_sub (xsub, 1, ""));
    CHECK_OK (zmq_connect (xsub, "inproc://xx-replay-1"));
    RECV_SUB (x1, 1, "");
    RECV_SUB (x1, 1, "A");
    RECV_SUB (x1, 1, "B");
    RECV_NONE (x1);
    /*  Later subscriptions go to every publisher.  */
    CHECK_OK (zmq_connect (xsub, "inproc://xx-replay-2"));
    CHECK_OK (send_sub (xsub, 1, "C"));
    RECV_SUB (x2, 1, "");
    RECV_SUB (x2, 1, "A");
    RECV_SUB (x2, 1, "B");
    RECV_SUB (x2, 1, "C");
    RECV_SUB (x1, 1, "C");
    /*  Data from both.  */
    SEND_STR (x1, "from 1");
    RECV_STR (xsub, "from 1");
    SEND_STR (x2, "from 2");
    RECV_STR (xsub, "from 2");
    CHECK_OK (zmq_close (xsub));
    RECV_SUB (x1, 0, "");
    CLOSE_ALL (x1, x2);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (xsub_xpub_forwarder)
{
    void *ctx = zmq_ctx_new ();
    void *pub = mk (ctx, ZMQ_PUB), *xsub = mk (ctx, ZMQ_XSUB);
    void *xpub = mk (ctx, ZMQ_XPUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (pub && xsub && xpub && sub);
    CHECK_OK (zmq_bind (pub, "inproc://xx-fwd-up"));
    CHECK_OK (zmq_connect (xsub, "inproc://xx-fwd-up"));
    CHECK_OK (zmq_bind (xpub, "inproc://xx-fwd-down"));
    CHECK_OK (zmq_connect (sub, "inproc://xx-fwd-down"));
    CHECK_OK (subscribe (sub, "T"));
    /*  Upstream: the subscription, forwarded by hand.  */
    char buf[64];
    int n = zmq_recv (xpub, buf, sizeof buf, 0);
    CHECK_EQ (n, 2);
    CHECK_MEM_EQ (buf, "\x01T", 2);
    CHECK_EQ (zmq_send (xsub, buf, n, 0), n);
    /*  Downstream: the PUB learns the subscription asynchronously; probe until the XSUB
        has something, then forward it.  */
    CHECK_OK (set_int (xsub, ZMQ_RCVTIMEO, 10));
    int got = -1;
    for (int i = 0; i < 1000 && got < 0; i++) {
        SEND_STR (pub, "T-probe");
        SEND_STR (pub, "U-unwanted");
        got = zmq_recv (xsub, buf, sizeof buf, 0);
    }
    CHECK_EQ (got, 7);
    CHECK_MEM_EQ (buf, "T-probe", 7);
    CHECK_EQ (zmq_send (xpub, buf, got, 0), got);
    RECV_STR (sub, "T-probe");
    /*  From now on everything the XSUB receives matches T.  */
    while ((got = zmq_recv (xsub, buf, sizeof buf, ZMQ_DONTWAIT)) >= 0)
        CHECK_MEM_EQ (buf, "T", 1);
    SEND_MORE (pub, "T-multi");
    SEND_STR (pub, "part 2");
    for (int part = 0; part < 2; part++) {
        CHECK_OK (set_int (xsub, ZMQ_RCVTIMEO, 10000));
        got = zmq_recv (xsub, buf, sizeof buf, 0);
        CHECK (got >= 0);
        int more = get_int (xsub, ZMQ_RCVMORE);
        CHECK_EQ (zmq_send (xpub, buf, got, more ? ZMQ_SNDMORE : 0), got);
    }
    RECV_STR (sub, "T-multi");
    CHECK_EQ (get_int (sub, ZMQ_RCVMORE), 1);
    RECV_STR (sub, "part 2");
    /*  The subscriber leaves: the XPUB reports it, the forwarder passes it up.  */
    CHECK_OK (zmq_close (sub));
    n = zmq_recv (xpub, buf, sizeof buf, 0);
    CHECK_EQ (n, 2);
    CHECK_MEM_EQ (buf, "\x00T", 2);
    CHECK_EQ (zmq_send (xsub, buf, n, 0), n);
    CLOSE_ALL (pub, xsub, xpub);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Counting and draft options  */

TEST (topics_count)
{
#ifdef ZMQ_TOPICS_COUNT
    void *ctx = zmq_ctx_new ();
    void *xpub = mk (ctx, ZMQ_XPUB), *xsub = mk (ctx, ZMQ_XSUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (xpub && xsub && sub);
    CHECK_OK (zmq_bind (xpub, "inproc://xx-count"));
    CHECK_OK (zmq_connect (xsub, "inproc://xx-count"));
    CHECK_OK (zmq_connect (sub, "inproc://xx-count"));
    CHECK_OK (send_sub (xsub, 1, "a"));
    CHECK_OK (send_sub (xsub, 1, "a"));
    CHECK_OK (send_sub (xsub, 1, "b"));
    CHECK_EQ (get_int (xsub, ZMQ_TOPICS_COUNT), 2);
    CHECK_OK (subscribe (sub, "b"));
    CHECK_OK (subscribe (sub, "c"));
    RECV_SUB (xpub, 1, "a");
    RECV_SUB (xpub, 1, "b");
    RECV_SUB (xpub, 1, "c");
    /*  Distinct topics over all subscribers.  */
    CHECK_EQ (get_int (xpub, ZMQ_TOPICS_COUNT), 3);
    CHECK_OK (zmq_close (sub));
    RECV_SUB (xpub, 0, "c");
    CHECK_EQ (get_int (xpub, ZMQ_TOPICS_COUNT), 2);
    /*  A buffer larger than an int is accepted; the length comes back as an int's.  */
    long long big = -1;
    size_t len = sizeof big;
    CHECK_OK (zmq_getsockopt (xpub, ZMQ_TOPICS_COUNT, &big, &len));
    CHECK_EQ (len, sizeof (int));
    CLOSE_ALL (xsub, xpub);
    CHECK_OK (zmq_ctx_term (ctx));
#endif
}

TEST (only_first_subscribe)
{
#ifdef ZMQ_ONLY_FIRST_SUBSCRIBE
    void *ctx = zmq_ctx_new ();
    void *xpub = mk (ctx, ZMQ_XPUB), *xsub = mk (ctx, ZMQ_XSUB);
    CHECK (xpub && xsub);
    CHECK_OK (set_int (xpub, ZMQ_ONLY_FIRST_SUBSCRIBE, 1));
    CHECK_OK (set_int (xsub, ZMQ_ONLY_FIRST_SUBSCRIBE, 1));
    CHECK_OK (zmq_bind (xpub, "inproc://xx-first"));
    CHECK_OK (zmq_connect (xsub, "inproc://xx-first"));
    /*  A data message whose later part looks like a subscription: it is data.  */
    SEND_MORE (xsub, "data");
    CHECK_EQ (zmq_send (xsub, "\x01X", 2, 0), 2);
    RECV_STR (xpub, "data");
    CHECK_EQ (get_int (xpub, ZMQ_RCVMORE), 1);
    char buf[8];
    CHECK_EQ (zmq_recv (xpub, buf, sizeof buf, 0), 2);
    CHECK_MEM_EQ (buf, "\x01X", 2);
    CHECK_EQ (get_int (xpub, ZMQ_RCVMORE), 0);
    /*  X was not subscribed: a marker subscription proves what the XPUB applied.  */
    CHECK_OK (send_sub (xsub, 1, "M"));
    RECV_SUB (xpub, 1, "M");
    SEND_STR (xpub, "X-data");
    SEND_STR (xpub, "M-data");
    RECV_STR (xsub, "M-data");
#ifdef ZMQ_TOPICS_COUNT
    CHECK_EQ (get_int (xpub, ZMQ_TOPICS_COUNT), 1);
    CHECK_EQ (get_int (xsub, ZMQ_TOPICS_COUNT), 1);
#endif
    CLOSE_ALL (xsub, xpub);
    CHECK_OK (zmq_ctx_term (ctx));
#endif
}

TEST (xpub_manual_last_value)
{
#ifdef ZMQ_XPUB_MANUAL_LAST_VALUE
    void *ctx = zmq_ctx_new ();
    void *xpub = mk (ctx, ZMQ_XPUB), *s1 = mk (ctx, ZMQ_SUB), *s2 = mk (ctx, ZMQ_SUB);
    CHECK (xpub && s1 && s2);
    CHECK_OK (set_int (xpub, ZMQ_XPUB_MANUAL_LAST_VALUE, 1));
    CHECK_OK (zmq_bind (xpub, "inproc://xx-last-value"));
    CHECK_OK (zmq_connect (s1, "inproc://xx-last-value"));
    CHECK_OK (zmq_connect (s2, "inproc://xx-last-value"));
    CHECK_OK (subscribe (s1, "T"));
    RECV_SUB (xpub, 1, "T");
    CHECK_OK (subscribe (xpub, "T"));
    /*  The last value goes to the new subscriber only...  */
    SEND_STR (xpub, "T-last");
    RECV_STR (s1, "T-last");
    CHECK_OK (subscribe (s2, "T"));
    RECV_SUB (xpub, 1, "T");
    CHECK_OK (subscribe (xpub, "T"));
    SEND_STR (xpub, "T-last-2");
    RECV_STR (s2, "T-last-2");
    /*  ...then to everyone.  */
    SEND_STR (xpub, "T-all");
    RECV_STR (s1, "T-all");
    RECV_STR (s2, "T-all");
    RECV_NONE (s1);
    CLOSE_ALL (s1, s2, xpub);
    CHECK_OK (zmq_ctx_term (ctx));
#endif
}

int main (void)
{
    alarm (120);
    RUN (xpub_default_reports_new_and_last);
    RUN (xpub_verbose_reports_every_subscribe);
    RUN (xpub_verboser_reports_every_unsubscribe);
    RUN (xpub_reports_topics_of_leaving_subscribers);
    RUN (xpub_manual);
    RUN (xpub_welcome_msg);
    RUN (xpub_nodrop_eagain);
    RUN (xsub_subscribes_by_message);
    RUN (xsub_replays_subscriptions_and_sends_to_all);
    RUN (xsub_xpub_forwarder);
    RUN (topics_count);
    RUN (only_first_subscribe);
    RUN (xpub_manual_last_value);
    return test_summary ();
}
