/*  PUB and SUB over inproc: prefix filters (several, duplicate, empty, unsubscribed),
    multipart messages filtered whole, fan-out to several subscribers, ZMQ_INVERT_MATCHING,
    dropping at the HWM without blocking, connect before bind, ZMQ_CONFLATE on SUB, the
    operations each type refuses, ZMQ_EVENTS and ZMQ_TOPICS_COUNT.

    Expected results are libzmq's (4.3.x, checked by building this file against the system
    libzmq). Subscriptions reach a publisher asynchronously (the slow joiner): `settle` sends
    a probe until the subscriber has one, then drains every probe; whatever is sent after
    that is decided. Receives that could hang have a ZMQ_RCVTIMEO, and an alarm ends a binary
    that hangs anyway; no sleep decides an outcome.  */
#include "testutil.h"

#include <unistd.h>

/*  Sends `probe` from pub until sub receives a message (sub must be subscribed to it), then
    drains sub. 0 when it arrived within 10 s.  */
static int settle (void *pub, void *sub, const char *probe)
{
    int rc = -1;
    if (set_int (sub, ZMQ_RCVTIMEO, 10) != 0)
        return -1;
    char buf[64];
    for (int i = 0; i < 1000 && rc != 0; i++) {
        if (zmq_send (pub, probe, strlen (probe), 0) < 0)
            break;
        if (zmq_recv (sub, buf, sizeof buf, 0) >= 0)
            rc = 0;
    }
    /*  Every probe sent is in the pipe by now (inproc writes synchronously).  */
    while (zmq_recv (sub, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        ;
    set_int (sub, ZMQ_RCVTIMEO, TU_TIMEOUT_MS);
    return rc;
}

/*  ------------------------------------------------------------------------------------------
    Filtering  */

TEST (prefix_filters)
{
    void *ctx = zmq_ctx_new ();
    void *pub = mk (ctx, ZMQ_PUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (pub && sub);
    CHECK_OK (zmq_bind (pub, "inproc://ps-prefix"));
    CHECK_OK (zmq_connect (sub, "inproc://ps-prefix"));
    CHECK_OK (subscribe (sub, "A"));
    CHECK_OK (subscribe (sub, "BB"));
    CHECK_OK (settle (pub, sub, "A-probe"));

    SEND_STR (pub, "A1");
    SEND_STR (pub, "B1");
    SEND_STR (pub, "BB1");
    SEND_STR (pub, "C1");
    SEND_STR (pub, "");
    SEND_STR (pub, "AB");
    SEND_STR (pub, "a-lower");
    SEND_STR (pub, "BB");
    SEND_STR (pub, "A-end");
    RECV_STR (sub, "A1");
    RECV_STR (sub, "BB1");
    RECV_STR (sub, "AB");
    RECV_STR (sub, "BB");
    RECV_STR (sub, "A-end");
    RECV_NONE (sub);

    /*  Unsubscribed topics stop at once (the SUB filters too, whatever the PUB knows yet).  */
    CHECK_OK (unsubscribe (sub, "BB"));
    SEND_STR (pub, "BB2");
    SEND_STR (pub, "A2");
    RECV_STR (sub, "A2");
    RECV_NONE (sub);
    /*  Unsubscribing what was never subscribed is accepted and changes nothing.  */
    CHECK_OK (unsubscribe (sub, "never"));
    CHECK_OK (unsubscribe (sub, "BB"));
    SEND_STR (pub, "A3");
    RECV_STR (sub, "A3");

    CLOSE_ALL (sub, pub);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (duplicate_subscriptions_are_counted)
{
    void *ctx = zmq_ctx_new ();
    void *pub = mk (ctx, ZMQ_PUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (pub && sub);
    CHECK_OK (zmq_bind (pub, "inproc://ps-dup"));
    CHECK_OK (zmq_connect (sub, "inproc://ps-dup"));
    CHECK_OK (subscribe (sub, "T"));
    CHECK_OK (subscribe (sub, "T"));
    CHECK_OK (subscribe (sub, "Z"));
    CHECK_OK (settle (pub, sub, "Z-probe"));
    /*  One of two references to "T" goes: still subscribed.  */
    CHECK_OK (unsubscribe (sub, "T"));
    CHECK_OK (settle (pub, sub, "Z-probe"));
    SEND_STR (pub, "T1");
    SEND_STR (pub, "Z1");
    RECV_STR (sub, "T1");
    RECV_STR (sub, "Z1");
    /*  The last reference goes.  */
    CHECK_OK (unsubscribe (sub, "T"));
    SEND_STR (pub, "T2");
    SEND_STR (pub, "Z2");
    RECV_STR (sub, "Z2");
    RECV_NONE (sub);
    CLOSE_ALL (sub, pub);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (empty_subscription_matches_all)
{
    void *ctx = zmq_ctx_new ();
    void *pub = mk (ctx, ZMQ_PUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (pub && sub);
    CHECK_OK (zmq_bind (pub, "inproc://ps-empty"));
    CHECK_OK (zmq_connect (sub, "inproc://ps-empty"));
    /*  No subscription: nothing arrives.  */
    SEND_STR (pub, "nothing");
    RECV_NONE (sub);
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    CHECK_OK (settle (pub, sub, "probe"));
    SEND_STR (pub, "anything");
    SEND_STR (pub, "");
    CHECK_EQ (zmq_send (pub, "\x00\x01", 2, 0), 2);
    RECV_STR (sub, "anything");
    RECV_STR (sub, "");
    char buf[8];
    CHECK_EQ (zmq_recv (sub, buf, sizeof buf, 0), 2);
    CHECK_MEM_EQ (buf, "\x00\x01", 2);
    /*  A NULL value of length 0 is the empty subscription as well.  */
    CHECK_OK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, NULL, 0));
    SEND_STR (pub, "gone");
    RECV_NONE (sub);
    CLOSE_ALL (sub, pub);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (multipart_filtered_whole)
{
    void *ctx = zmq_ctx_new ();
    void *pub = mk (ctx, ZMQ_PUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (pub && sub);
    CHECK_OK (zmq_bind (pub, "inproc://ps-multi"));
    CHECK_OK (zmq_connect (sub, "inproc://ps-multi"));
    CHECK_OK (subscribe (sub, "A"));
    CHECK_OK (settle (pub, sub, "A-probe"));

    /*  Only the first part decides: later parts that look like a match change nothing.  */
    SEND_MORE (pub, "X-head");
    SEND_MORE (pub, "A-middle");
    SEND_STR (pub, "A-tail");
    SEND_MORE (pub, "A-head");
    SEND_MORE (pub, "x-middle");
    SEND_STR (pub, "");
    SEND_STR (pub, "A-single");
    RECV_STR (sub, "A-head");
    CHECK_EQ (get_int (sub, ZMQ_RCVMORE), 1);
    RECV_STR (sub, "x-middle");
    CHECK_EQ (get_int (sub, ZMQ_RCVMORE), 1);
    RECV_STR (sub, "");
    CHECK_EQ (get_int (sub, ZMQ_RCVMORE), 0);
    RECV_STR (sub, "A-single");
    CHECK_EQ (get_int (sub, ZMQ_RCVMORE), 0);
    RECV_NONE (sub);

    /*  ZMQ_EVENTS skips messages that do not match: no POLLIN for them.  */
    SEND_MORE (pub, "no");
    SEND_STR (pub, "match");
    SEND_STR (pub, "nope");
    CHECK_EQ (get_int (sub, ZMQ_EVENTS), 0);
    SEND_STR (pub, "Ayes");
    CHECK_EQ (get_int (sub, ZMQ_EVENTS), ZMQ_POLLIN);
    /*  The message found by ZMQ_EVENTS is the next one received.  */
    SEND_STR (pub, "A-after");
    RECV_STR (sub, "Ayes");
    RECV_STR (sub, "A-after");
    CHECK_EQ (get_int (sub, ZMQ_EVENTS), 0);
    CLOSE_ALL (sub, pub);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Fan-out  */

TEST (fan_out_to_several_subscribers)
{
    void *ctx = zmq_ctx_new ();
    void *pub = mk (ctx, ZMQ_PUB);
    void *sub[3];
    CHECK (pub);
    CHECK_OK (zmq_bind (pub, "inproc://ps-fan"));
    const char *topics[3] = {"", "news", "weather"};
    for (int i = 0; i < 3; i++) {
        sub[i] = mk (ctx, ZMQ_SUB);
        CHECK (sub[i]);
        CHECK_OK (zmq_connect (sub[i], "inproc://ps-fan"));
        CHECK_OK (subscribe (sub[i], topics[i]));
        CHECK_OK (subscribe (sub[i], "probe"));
    }
    for (int i = 0; i < 3; i++)
        CHECK_OK (settle (pub, sub[i], "probe"));
    /*  The other subscribers got probes while one settled: drain them.  */
    for (int i = 0; i < 3; i++) {
        char buf[16];
        while (zmq_recv (sub[i], buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
            ;
    }

    /*  A large message (shared, not copied) and small ones.  */
    char big[5000];
    memset (big, 'x', sizeof big);
    memcpy (big, "news:", 5);
    SEND_STR (pub, "news: one");
    SEND_STR (pub, "weather: sun");
    CHECK_EQ (zmq_send (pub, big, sizeof big, 0), (int) sizeof big);
    SEND_STR (pub, "sport: none");

    RECV_STR (sub[0], "news: one");
    RECV_STR (sub[0], "weather: sun");
    char buf[6000];
    CHECK_EQ (zmq_recv (sub[0], buf, sizeof buf, 0), (int) sizeof big);
    CHECK_MEM_EQ (buf, big, sizeof big);
    RECV_STR (sub[0], "sport: none");
    RECV_NONE (sub[0]);

    RECV_STR (sub[1], "news: one");
    memset (buf, 0, sizeof buf);
    CHECK_EQ (zmq_recv (sub[1], buf, sizeof buf, 0), (int) sizeof big);
    CHECK_MEM_EQ (buf, big, sizeof big);
    RECV_NONE (sub[1]);

    RECV_STR (sub[2], "weather: sun");
    RECV_NONE (sub[2]);

    /*  A subscriber that leaves does not disturb the others.  */
    CHECK_OK (zmq_close (sub[1]));
    SEND_STR (pub, "news: two");
    RECV_STR (sub[0], "news: two");
    RECV_NONE (sub[2]);
    CLOSE_ALL (sub[0], sub[2], pub);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (several_publishers_one_subscriber)
{
    void *ctx = zmq_ctx_new ();
    void *p1 = mk (ctx, ZMQ_PUB), *p2 = mk (ctx, ZMQ_PUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (p1 && p2 && sub);
    CHECK_OK (zmq_bind (p1, "inproc://ps-pubs-1"));
    CHECK_OK (zmq_bind (p2, "inproc://ps-pubs-2"));
    /*  Subscribed before connecting: each publisher learns the subscription on connect.  */
    CHECK_OK (subscribe (sub, "k"));
    CHECK_OK (zmq_connect (sub, "inproc://ps-pubs-1"));
    CHECK_OK (zmq_connect (sub, "inproc://ps-pubs-2"));
    CHECK_OK (settle (p1, sub, "k-probe"));
    CHECK_OK (settle (p2, sub, "k-probe"));
    SEND_STR (p1, "k1");
    SEND_STR (p1, "other");
    RECV_STR (sub, "k1");
    SEND_STR (p2, "k2");
    RECV_STR (sub, "k2");
    RECV_NONE (sub);
    CLOSE_ALL (sub, p1, p2);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (connect_then_bind)
{
    void *ctx = zmq_ctx_new ();
    void *pub = mk (ctx, ZMQ_PUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (pub && sub);
    CHECK_OK (zmq_connect (sub, "inproc://ps-ctb"));
    CHECK_OK (subscribe (sub, "A"));
    CHECK_OK (zmq_bind (pub, "inproc://ps-ctb"));
    CHECK_OK (settle (pub, sub, "A-probe"));
    SEND_STR (pub, "B");
    SEND_STR (pub, "A1");
    RECV_STR (sub, "A1");
    RECV_NONE (sub);
    /*  And the other way round: the publisher connects to a bound subscriber.  */
    void *pub2 = mk (ctx, ZMQ_PUB), *sub2 = mk (ctx, ZMQ_SUB);
    CHECK (pub2 && sub2);
    CHECK_OK (subscribe (sub2, "Z"));
    CHECK_OK (zmq_bind (sub2, "inproc://ps-ctb-2"));
    CHECK_OK (zmq_connect (pub2, "inproc://ps-ctb-2"));
    CHECK_OK (settle (pub2, sub2, "Z-probe"));
    SEND_STR (pub2, "Y");
    SEND_STR (pub2, "Z1");
    RECV_STR (sub2, "Z1");
    CLOSE_ALL (sub, pub, sub2, pub2);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Options and limits  */

TEST (invert_matching)
{
    void *ctx = zmq_ctx_new ();
    void *pub = mk (ctx, ZMQ_PUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (pub && sub);
    CHECK_EQ (get_int (pub, ZMQ_INVERT_MATCHING), 0);
    CHECK_OK (set_int (pub, ZMQ_INVERT_MATCHING, 1));
    CHECK_OK (set_int (sub, ZMQ_INVERT_MATCHING, 1));
    CHECK_EQ (get_int (pub, ZMQ_INVERT_MATCHING), 1);
    CHECK_EQ (get_int (sub, ZMQ_INVERT_MATCHING), 1);
    CHECK_OK (zmq_bind (pub, "inproc://ps-invert"));
    CHECK_OK (zmq_connect (sub, "inproc://ps-invert"));
    CHECK_OK (subscribe (sub, "prefix"));
    /*  Until the PUB knows the subscription it sends everything; the SUB filters anyway.
        The probe does not match, so it is wanted.  */
    CHECK_OK (settle (pub, sub, "probe"));
    SEND_STR (pub, "prefix-1");
    SEND_STR (pub, "other-1");
    SEND_STR (pub, "prefix");
    SEND_STR (pub, "pre");
    RECV_STR (sub, "other-1");
    RECV_STR (sub, "pre");
    RECV_NONE (sub);

    CLOSE_ALL (sub, pub);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (pub_drops_at_hwm_without_blocking)
{
    void *ctx = zmq_ctx_new ();
    void *pub = mk (ctx, ZMQ_PUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (pub && sub);
    /*  inproc: the queue holds the sender's SNDHWM plus the receiver's RCVHWM.  */
    CHECK_OK (set_int (pub, ZMQ_SNDHWM, 2));
    CHECK_OK (set_int (sub, ZMQ_RCVHWM, 2));
    CHECK_OK (zmq_bind (pub, "inproc://ps-hwm"));
    CHECK_OK (zmq_connect (sub, "inproc://ps-hwm"));
    CHECK_OK (subscribe (sub, ""));
    CHECK_OK (settle (pub, sub, "probe"));
    /*  Never EAGAIN, never blocked: with SNDTIMEO 0 a blocked send would fail.  */
    CHECK_OK (set_int (pub, ZMQ_SNDTIMEO, 0));
    for (int i = 0; i < 100; i++) {
        /*  Each message twice: once blocking (SNDTIMEO 0), once with DONTWAIT.  */
        char m[16];
        snprintf (m, sizeof m, "m%d", i);
        SEND_STR (pub, m);
        CHECK_EQ (zmq_send (pub, m, strlen (m), ZMQ_DONTWAIT), (int) strlen (m));
    }
    CHECK_EQ (get_int (pub, ZMQ_EVENTS), ZMQ_POLLOUT);
    /*  The first messages arrived, at most the 4 the queue holds (fewer when the PUB has not
        yet heard that the probes were read); the rest were dropped.  */
    int n = 0;
    char buf[16];
    int len;
    while ((len = zmq_recv (sub, buf, sizeof buf - 1, ZMQ_DONTWAIT)) >= 0) {
        buf[len] = 0;
        char want[16];
        snprintf (want, sizeof want, "m%d", n / 2);
        CHECK_STR_EQ (buf, want);
        n++;
    }
    CHECK (n >= 1 && n <= 4);
    /*  Room again: the subscriber gets new messages.  */
    CHECK_OK (settle (pub, sub, "probe"));
    SEND_STR (pub, "after");
    RECV_STR (sub, "after");
    CLOSE_ALL (sub, pub);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (conflate_keeps_newest)
{
    void *ctx = zmq_ctx_new ();
    void *pub = mk (ctx, ZMQ_PUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (pub && sub);
    CHECK_OK (set_int (sub, ZMQ_CONFLATE, 1));
    CHECK_OK (zmq_bind (pub, "inproc://ps-conflate"));
    CHECK_OK (zmq_connect (sub, "inproc://ps-conflate"));
    CHECK_OK (subscribe (sub, "t"));
    CHECK_OK (settle (pub, sub, "t-probe"));
    /*  (Only matching messages: libzmq conflates in the pipe, before the SUB filters, so a
        non-matching message sent last would leave nothing to receive there.)  */
    for (int i = 0; i < 20; i++) {
        char m[16];
        snprintf (m, sizeof m, "t%d", i);
        SEND_STR (pub, m);
    }
    RECV_STR (sub, "t19");
    RECV_NONE (sub);
    CLOSE_ALL (sub, pub);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (refused_operations_and_events)
{
    void *ctx = zmq_ctx_new ();
    void *pub = mk (ctx, ZMQ_PUB), *sub = mk (ctx, ZMQ_SUB);
    CHECK (pub && sub);
    char buf[8];
    CHECK_ERR (zmq_recv (pub, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERR (zmq_recv (pub, buf, sizeof buf, 0), ENOTSUP);
    CHECK_ERR (zmq_send (sub, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERR (zmq_send (sub, "x", 1, 0), ENOTSUP);
    /*  A PUB without subscribers sends (into nowhere) at once.  */
    SEND_STR (pub, "nobody");
    CHECK_EQ (get_int (pub, ZMQ_EVENTS), ZMQ_POLLOUT);
    CHECK_EQ (get_int (sub, ZMQ_EVENTS), 0);
    /*  SUBSCRIBE belongs to SUB (XPUB only in manual mode).  */
    CHECK_ERR (zmq_setsockopt (pub, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    CHECK_ERR (zmq_setsockopt (pub, ZMQ_UNSUBSCRIBE, "a", 1), EINVAL);
    void *push = mk (ctx, ZMQ_PUSH);
    CHECK (push);
    CHECK_ERR (zmq_setsockopt (push, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    /*  LINGER: SUB starts at 0, PUB at the default -1.  */
    CHECK_EQ (get_int (sub, ZMQ_LINGER), 0);
    CHECK_EQ (get_int (pub, ZMQ_LINGER), -1);
    CLOSE_ALL (push, sub, pub);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (topics_count)
{
#ifdef ZMQ_TOPICS_COUNT
    void *ctx = zmq_ctx_new ();
    void *pub = mk (ctx, ZMQ_PUB), *sub = mk (ctx, ZMQ_SUB), *push = mk (ctx, ZMQ_PUSH);
    CHECK (pub && sub && push);
    CHECK_EQ (get_int (pub, ZMQ_TOPICS_COUNT), 0);
    CHECK_EQ (get_int (sub, ZMQ_TOPICS_COUNT), 0);
    int v = 0;
    size_t len = sizeof v;
    CHECK_ERR (zmq_getsockopt (push, ZMQ_TOPICS_COUNT, &v, &len), EINVAL);
    CHECK_OK (zmq_bind (pub, "inproc://ps-count"));
    CHECK_OK (zmq_connect (sub, "inproc://ps-count"));
    CHECK_OK (subscribe (sub, "topic1"));
    CHECK_OK (subscribe (sub, "topic2"));
    CHECK_OK (subscribe (sub, "topic3"));
    CHECK_OK (subscribe (sub, "topic3"));
    CHECK_EQ (get_int (sub, ZMQ_TOPICS_COUNT), 3);
    CHECK_OK (settle (pub, sub, "topic1-probe"));
    CHECK_EQ (get_int (pub, ZMQ_TOPICS_COUNT), 3);
    CHECK_OK (unsubscribe (sub, "topic3"));
    CHECK_EQ (get_int (sub, ZMQ_TOPICS_COUNT), 3);
    CHECK_OK (unsubscribe (sub, "topic3"));
    CHECK_OK (unsubscribe (sub, "topic2"));
    CHECK_EQ (get_int (sub, ZMQ_TOPICS_COUNT), 1);
    CHECK_OK (settle (pub, sub, "topic1-probe"));
    CHECK_EQ (get_int (pub, ZMQ_TOPICS_COUNT), 1);
    /*  The subscriber leaves: its topics go (once the PUB has handled its leaving).  */
    CHECK_OK (zmq_close (sub));
    int n = 1;
    for (int i = 0; i < 10000 && n != 0; i++) {
        get_int (pub, ZMQ_EVENTS);
        n = get_int (pub, ZMQ_TOPICS_COUNT);
        if (n != 0)
            usleep (1000);
    }
    CHECK_EQ (n, 0);
    CLOSE_ALL (push, pub);
    CHECK_OK (zmq_ctx_term (ctx));
#endif
}

int main (void)
{
    alarm (120);
    RUN (prefix_filters);
    RUN (duplicate_subscriptions_are_counted);
    RUN (empty_subscription_matches_all);
    RUN (multipart_filtered_whole);
    RUN (fan_out_to_several_subscribers);
    RUN (several_publishers_one_subscriber);
    RUN (connect_then_bind);
    RUN (invert_matching);
    RUN (pub_drops_at_hwm_without_blocking);
    RUN (conflate_keeps_newest);
    RUN (refused_operations_and_events);
    RUN (topics_count);
    return test_summary ();
}
