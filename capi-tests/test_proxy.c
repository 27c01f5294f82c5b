/*  The built-in proxy: zmq_proxy, zmq_proxy_steerable and zmq_device.

    Expected results are libzmq 4.3.5's (src/proxy.cpp, src/zmq.cpp, zmq_proxy(3),
    zmq_proxy_steerable(3)):
    - whole multipart messages are forwarded in every direction the socket types allow, and
      every frame is copied to the capture socket with its MORE flag;
    - the proxy normally ends with -1/ETERM when its context is shut down or terminated, and
      with -1/EINTR when a signal interrupts its wait;
    - control commands: PAUSE, RESUME, TERMINATE (zmq_proxy_steerable then returns 0) and
      STATISTICS, answered with 8 uint64 frames: frames and bytes received and sent by the
      frontend, then the same for the backend (4.3.5 counts frames, not whole messages);
      unknown commands are ignored; a REP control socket gets an empty reply to every
      command but STATISTICS;
    - a NULL frontend or backend is EFAULT (zmq_device in libzmq would crash instead; this
      library answers EFAULT there too).

    Each proxy runs in its own thread. Nothing here decides an outcome by sleeping: receives
    carry ZMQ_RCVTIMEO and joins are bounded, so a broken library fails instead of hanging.  */
#include "testutil.h"

#include <stdint.h>

/*  ------------------------------------------------------------------------------------------
    A proxy call in a thread  */

enum proxy_kind
{
    CALL_PROXY,
    CALL_STEERABLE,
    CALL_DEVICE
};

struct proxy_call
{
    enum proxy_kind kind;
    void *frontend, *backend, *capture, *control;
    int close_after; /* the thread closes the four sockets once the proxy returned */
    atomic_int done;
    int rc;
    int err;
};

static void *run_proxy (void *arg)
{
    struct proxy_call *p = (struct proxy_call *) arg;
    switch (p->kind) {
        case CALL_PROXY:
            p->rc = zmq_proxy (p->frontend, p->backend, p->capture);
            break;
        case CALL_STEERABLE:
            p->rc = zmq_proxy_steerable (p->frontend, p->backend, p->capture,
                                         p->control);
            break;
        case CALL_DEVICE:
            p->rc = zmq_device (ZMQ_QUEUE, p->frontend, p->backend);
            break;
    }
    p->err = errno;
    if (p->close_after) {
        void *socks[4] = {p->frontend, p->backend, p->capture, p->control};
        for (int i = 0; i < 4; i++) {
            int seen = 0;
            for (int j = 0; j < i; j++)
                seen |= socks[j] == socks[i];
            if (socks[i] && !seen)
                zmq_close (socks[i]);
        }
    }
    atomic_store (&p->done, 1);
    return NULL;
}

static struct proxy_call call (enum proxy_kind kind, void *front, void *back,
                               void *capture, void *control)
{
    struct proxy_call p;
    memset (&p, 0, sizeof p);
    p.kind = kind;
    p.frontend = front;
    p.backend = back;
    p.capture = capture;
    p.control = control;
    return p;
}

/*  Shuts ctx down: the proxy thread t must end within TU_TIMEOUT_MS, its call p failed with
    ETERM.  */
#define SHUTDOWN_ENDS_PROXY(ctx, t, p)                                         \
    do {                                                                       \
        CHECK_OK (zmq_ctx_shutdown (ctx));                                     \
        CHECK_EQ (join_within ((t), TU_TIMEOUT_MS), 0);                        \
        CHECK_EQ ((p).rc, -1);                                                 \
        CHECK_EQ ((p).err, ETERM);                                             \
    } while (0)

/*  A mk() socket of `type` bound to ep, with a mk() socket of peer_type connected to it in
    *peer; NULL if any of that fails.  */
static void *bound_with_peer (void *ctx, int type, const char *ep, int peer_type, void **peer)
{
    void *s = mk (ctx, type);
    *peer = mk (ctx, peer_type);
    if (!s || !*peer || zmq_bind (s, ep) != 0 || zmq_connect (*peer, ep) != 0)
        return NULL;
    return s;
}

/*  ------------------------------------------------------------------------------------------
    Message helpers  */

/*  Sends the parts (NUL-terminated strings; "" is an empty frame) as one message.  */
static int send_parts (void *s, const char **parts, int n)
{
    for (int i = 0; i < n; i++) {
        int rc = zmq_send (s, parts[i], strlen (parts[i]),
                           i + 1 < n ? ZMQ_SNDMORE : 0);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/*  Receives one whole message and compares it with the parts: 0 if equal, frame by frame,
    with MORE on all but the last.  */
static int expect_parts (void *s, const char **parts, int n)
{
    for (int i = 0; i < n; i++) {
        char buf[256];
        int rc = zmq_recv (s, buf, sizeof buf, 0);
        if (rc < 0) {
            fprintf (stderr, "frame %d: recv failed: %s\n", i, zmq_strerror (errno));
            return -1;
        }
        if ((size_t) rc != strlen (parts[i]) || memcmp (buf, parts[i], rc) != 0) {
            fprintf (stderr, "frame %d: got %d bytes, expected \"%s\"\n", i, rc, parts[i]);
            return -1;
        }
        int more = rcvmore (s);
        if (more != (i + 1 < n)) {
            fprintf (stderr, "frame %d: RCVMORE %d\n", i, more);
            return -1;
        }
    }
    return 0;
}

/*  Sends STATISTICS on the control peer and reads the 8-frame reply: exactly 8 frames of 8
    bytes, MORE on the first 7. 0 on success.  */
static int statistics (void *boss, uint64_t out[8])
{
    if (zmq_send (boss, "STATISTICS", 10, 0) != 10)
        return -1;
    for (int i = 0; i < 8; i++) {
        zmq_msg_t m;
        zmq_msg_init (&m);
        if (zmq_msg_recv (&m, boss, 0) != 8) {
            fprintf (stderr, "statistics frame %d: not 8 bytes\n", i);
            zmq_msg_close (&m);
            return -1;
        }
        memcpy (&out[i], zmq_msg_data (&m), 8);
        int more = zmq_msg_more (&m);
        zmq_msg_close (&m);
        if (more != (i < 7)) {
            fprintf (stderr, "statistics frame %d: more %d\n", i, more);
            return -1;
        }
    }
    return 0;
}

#define CHECK_STATS(st, a, b, c, d, e, f, g, h)                                \
    do {                                                                       \
        const uint64_t tu_want[8] = {a, b, c, d, e, f, g, h};                  \
        for (int tu_i = 0; tu_i < 8; tu_i++)                                   \
            if ((st)[tu_i] != tu_want[tu_i])                                   \
                TU_FAIL ("statistics[%d] == %llu, expected %llu", tu_i,        \
                         (unsigned long long) (st)[tu_i],                      \
                         (unsigned long long) tu_want[tu_i]);                  \
    } while (0)

/*  ------------------------------------------------------------------------------------------
    Arguments  */

TEST (null_and_closed_sockets)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (s != NULL);
    CHECK_ERR (zmq_proxy (NULL, s, NULL), EFAULT);
    CHECK_ERR (zmq_proxy (s, NULL, NULL), EFAULT);
    CHECK_ERR (zmq_proxy (NULL, NULL, NULL), EFAULT);
    CHECK_ERR (zmq_proxy_steerable (NULL, s, NULL, NULL), EFAULT);
    CHECK_ERR (zmq_proxy_steerable (s, NULL, NULL, s), EFAULT);
    CHECK_ERR (zmq_device (ZMQ_QUEUE, NULL, s), EFAULT);
    CHECK_ERR (zmq_device (ZMQ_FORWARDER, s, NULL), EFAULT);

    /*  A closed socket in any role is not a socket.  */
    void *closed = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (closed != NULL);
    CHECK_OK (zmq_close (closed));
    CHECK_ERR (zmq_proxy (closed, s, NULL), ENOTSOCK);
    CHECK_ERR (zmq_proxy (s, closed, NULL), ENOTSOCK);
    CHECK_ERR (zmq_proxy (s, s, closed), ENOTSOCK);
    CHECK_ERR (zmq_proxy_steerable (s, s, NULL, closed), ENOTSOCK);

    /*  After shutdown the proxy ends at once with ETERM.  */
    CHECK_OK (zmq_ctx_shutdown (ctx));
    CHECK_ERR (zmq_proxy (s, s, NULL), ETERM);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (device_constants)
{
    CHECK_EQ (ZMQ_STREAMER, 1);
    CHECK_EQ (ZMQ_FORWARDER, 2);
    CHECK_EQ (ZMQ_QUEUE, 3);
}

/*  ------------------------------------------------------------------------------------------
    Forwarding and capture  */

TEST (push_pull_with_capture_until_shutdown)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *src, *dst, *tap;
    void *front = bound_with_peer (ctx, ZMQ_PULL, "inproc://front", ZMQ_PUSH, &src);
    void *back = bound_with_peer (ctx, ZMQ_PUSH, "inproc://back", ZMQ_PULL, &dst);
    void *capture = bound_with_peer (ctx, ZMQ_PUSH, "inproc://capture", ZMQ_PULL, &tap);
    CHECK (front && back && capture);

    struct proxy_call p = call (CALL_PROXY, front, back, capture, NULL);
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, run_proxy, &p), 0);

    /*  Messages of one to three frames, some empty, all in order.  */
    char seq[16];
    const char *parts[3] = {seq, "", "payload"};
    for (int i = 0; i < 300; i++) {
        snprintf (seq, sizeof seq, "%d", i);
        CHECK_OK (send_parts (src, parts, 1 + i % 3));
    }
    for (int i = 0; i < 300; i++) {
        snprintf (seq, sizeof seq, "%d", i);
        CHECK_EQ (expect_parts (dst, parts, 1 + i % 3), 0);
        CHECK_EQ (expect_parts (tap, parts, 1 + i % 3), 0);
    }
    /*  Nothing more anywhere.  */
    char buf[8];
    CHECK_ERR (zmq_recv (dst, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERR (zmq_recv (tap, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    SHUTDOWN_ENDS_PROXY (ctx, t, p);
    CLOSE_ALL (front, back, capture, src, dst, tap);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (ends_with_eterm_on_ctx_term)
{
    /*  The guide's way to stop a proxy: the proxy thread closes its sockets once zmq_proxy
        returned (ETERM), which lets zmq_ctx_term complete.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *src, *dst;
    void *front = bound_with_peer (ctx, ZMQ_PULL, "inproc://front", ZMQ_PUSH, &src);
    void *back = bound_with_peer (ctx, ZMQ_PUSH, "inproc://back", ZMQ_PULL, &dst);
    CHECK (front && back);
    struct proxy_call p = call (CALL_PROXY, front, back, NULL, NULL);
    p.close_after = 1;
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, run_proxy, &p), 0);
    CHECK_EQ (zmq_send (src, "ping", 4, 0), 4);
    char buf[8];
    CHECK_EQ (zmq_recv (dst, buf, sizeof buf, 0), 4);
    CLOSE_ALL (src, dst);

    struct term_call c = {.ctx = ctx, .rc = -2};
    pthread_t tt;
    CHECK_EQ (pthread_create (&tt, NULL, call_term, &c), 0);
    CHECK_EQ (join_within (t, TU_TIMEOUT_MS), 0);
    CHECK_EQ (join_within (tt, TU_TIMEOUT_MS), 0);
    CHECK_EQ (p.rc, -1);
    CHECK_EQ (p.err, ETERM);
    CHECK_EQ (c.rc, 0);
}

TEST (device_queue_until_shutdown)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *src, *dst;
    void *front = bound_with_peer (ctx, ZMQ_PULL, "inproc://front", ZMQ_PUSH, &src);
    void *back = bound_with_peer (ctx, ZMQ_PUSH, "inproc://back", ZMQ_PULL, &dst);
    CHECK (front && back);
    struct proxy_call p = call (CALL_DEVICE, front, back, NULL, NULL);
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, run_proxy, &p), 0);
    const char *parts[2] = {"key", "value"};
    for (int i = 0; i < 10; i++)
        CHECK_OK (send_parts (src, parts, 2));
    for (int i = 0; i < 10; i++)
        CHECK_EQ (expect_parts (dst, parts, 2), 0);
    SHUTDOWN_ENDS_PROXY (ctx, t, p);
    CLOSE_ALL (front, back, src, dst);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (pair_both_ways)
{
    /*  Two PAIR sockets: requests one way, replies the other, the capture sees both, and the
        statistics count each side's frames and bytes in and out.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *a, *b, *tap, *boss;
    void *front = bound_with_peer (ctx, ZMQ_PAIR, "inproc://front", ZMQ_PAIR, &a);
    void *back = bound_with_peer (ctx, ZMQ_PAIR, "inproc://back", ZMQ_PAIR, &b);
    void *capture = bound_with_peer (ctx, ZMQ_PUSH, "inproc://capture", ZMQ_PULL, &tap);
    void *control = bound_with_peer (ctx, ZMQ_PAIR, "inproc://control", ZMQ_PAIR, &boss);
    CHECK (front && back && capture && control);
    struct proxy_call p = call (CALL_STEERABLE, front, back, capture, control);
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, run_proxy, &p), 0);
    char seq[16];
    const char *req[2] = {"request", seq};
    const char *rep[2] = {"reply", seq};
    for (int i = 0; i < 200; i++) {
        snprintf (seq, sizeof seq, "%d", i);
        CHECK_OK (send_parts (a, req, 2));
        CHECK_EQ (expect_parts (b, req, 2), 0);
        CHECK_OK (send_parts (b, rep, 2));
        CHECK_EQ (expect_parts (a, rep, 2), 0);
        CHECK_EQ (expect_parts (tap, req, 2), 0);
        CHECK_EQ (expect_parts (tap, rep, 2), 0);
    }
    /*  The sequence numbers 0..199 take 10 + 180 + 300 = 490 bytes.  */
    uint64_t st[8];
    CHECK_EQ (statistics (boss, st), 0);
    CHECK_STATS (st, 400, 7 * 200 + 490, 400, 5 * 200 + 490, 400, 5 * 200 + 490, 400,
                 7 * 200 + 490);
    SHUTDOWN_ENDS_PROXY (ctx, t, p);
    CLOSE_ALL (front, back, capture, control, a, b, tap, boss);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (same_socket_as_frontend_and_backend)
{
    /*  libzmq supports frontend == backend: the socket forwards to itself, here an echo to
        its PAIR peer. Frames received count on the frontend, frames sent on the backend.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *peer, *boss;
    void *echo = bound_with_peer (ctx, ZMQ_PAIR, "inproc://echo", ZMQ_PAIR, &peer);
    void *control = bound_with_peer (ctx, ZMQ_PAIR, "inproc://control", ZMQ_PAIR, &boss);
    CHECK (echo && control);
    struct proxy_call p = call (CALL_STEERABLE, echo, echo, NULL, control);
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, run_proxy, &p), 0);
    const char *parts[3] = {"one", "two", "three"};
    for (int i = 0; i < 20; i++) {
        CHECK_OK (send_parts (peer, parts, 3));
        CHECK_EQ (expect_parts (peer, parts, 3), 0);
    }
    uint64_t st[8];
    CHECK_EQ (statistics (boss, st), 0);
    CHECK_STATS (st, 60, 220, 0, 0, 0, 0, 60, 220);
    CHECK_EQ (zmq_send (boss, "TERMINATE", 9, 0), 9);
    CHECK_EQ (join_within (t, TU_TIMEOUT_MS), 0);
    CHECK_EQ (p.rc, 0);
    CLOSE_ALL (echo, control, peer, boss);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Steering  */

TEST (steerable_pair_control)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *src, *dst, *boss;
    void *front = bound_with_peer (ctx, ZMQ_PULL, "inproc://front", ZMQ_PUSH, &src);
    void *back = bound_with_peer (ctx, ZMQ_PUSH, "inproc://back", ZMQ_PULL, &dst);
    void *control = bound_with_peer (ctx, ZMQ_PAIR, "inproc://control", ZMQ_PAIR, &boss);
    CHECK (front && back && control);
    struct proxy_call p = call (CALL_STEERABLE, front, back, NULL, control);
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, run_proxy, &p), 0);

    uint64_t st[8];
    CHECK_EQ (statistics (boss, st), 0);
    CHECK_STATS (st, 0, 0, 0, 0, 0, 0, 0, 0);

    /*  4 frames (9 bytes) in two messages.  */
    const char *m1[3] = {"a", "", "hello"};
    const char *m2[1] = {"xyz"};
    CHECK_OK (send_parts (src, m1, 3));
    CHECK_OK (send_parts (src, m2, 1));
    CHECK_EQ (expect_parts (dst, m1, 3), 0);
    CHECK_EQ (expect_parts (dst, m2, 1), 0);
    CHECK_EQ (statistics (boss, st), 0);
    CHECK_STATS (st, 4, 9, 0, 0, 0, 0, 4, 9);

    /*  PAUSE has no reply on a PAIR: the next frame is STATISTICS' first. Once that reply
        is here the proxy is paused, so what src sends now stays put.  */
    CHECK_EQ (zmq_send (boss, "PAUSE", 5, 0), 5);
    CHECK_EQ (statistics (boss, st), 0);
    CHECK_STATS (st, 4, 9, 0, 0, 0, 0, 4, 9);
    const char *m3[1] = {"paused"};
    CHECK_OK (send_parts (src, m3, 1));
    /*  An unknown command is ignored (no reply, state unchanged).  */
    CHECK_EQ (zmq_send (boss, "HELLO", 5, 0), 5);
    CHECK_EQ (statistics (boss, st), 0);
    CHECK_STATS (st, 4, 9, 0, 0, 0, 0, 4, 9);
    char buf[16];
    CHECK_ERR (zmq_recv (dst, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    CHECK_EQ (zmq_send (boss, "RESUME", 6, 0), 6);
    CHECK_EQ (expect_parts (dst, m3, 1), 0);
    CHECK_EQ (statistics (boss, st), 0);
    CHECK_STATS (st, 5, 15, 0, 0, 0, 0, 5, 15);
    /*  No stray replies were queued for the PAIR.  */
    CHECK_ERR (zmq_recv (boss, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    CHECK_EQ (zmq_send (boss, "TERMINATE", 9, 0), 9);
    CHECK_EQ (join_within (t, TU_TIMEOUT_MS), 0);
    CHECK_EQ (p.rc, 0);
    CHECK_ERR (zmq_recv (boss, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CLOSE_ALL (front, back, control, src, dst, boss);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  REQ to the REP control socket: one command, one reply.  */
static int command (void *boss, const char *cmd)
{
    if (zmq_send (boss, cmd, strlen (cmd), 0) < 0)
        return -1;
    char buf[8];
    int rc = zmq_recv (boss, buf, sizeof buf, 0);
    return rc == 0 && rcvmore (boss) == 0 ? 0 : -1;
}

TEST (steerable_rep_control)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *src, *dst, *tap, *boss;
    void *front = bound_with_peer (ctx, ZMQ_PULL, "inproc://front", ZMQ_PUSH, &src);
    void *back = bound_with_peer (ctx, ZMQ_PUSH, "inproc://back", ZMQ_PULL, &dst);
    void *capture = bound_with_peer (ctx, ZMQ_PUSH, "inproc://capture", ZMQ_PULL, &tap);
    void *control = bound_with_peer (ctx, ZMQ_REP, "inproc://control", ZMQ_REQ, &boss);
    CHECK (front && back && capture && control);
    struct proxy_call p = call (CALL_STEERABLE, front, back, capture, control);
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, run_proxy, &p), 0);

    const char *m1[2] = {"ab", "cde"};
    CHECK_OK (send_parts (src, m1, 2));
    CHECK_EQ (expect_parts (dst, m1, 2), 0);
    CHECK_EQ (expect_parts (tap, m1, 2), 0);

    /*  Every command but STATISTICS gets an empty reply, unknown ones included.  */
    CHECK_EQ (command (boss, "PAUSE"), 0);
    const char *m2[1] = {"later"};
    CHECK_OK (send_parts (src, m2, 1));
    CHECK_EQ (command (boss, "NO-SUCH-COMMAND"), 0);
    uint64_t st[8];
    CHECK_EQ (statistics (boss, st), 0);
    CHECK_STATS (st, 2, 5, 0, 0, 0, 0, 2, 5);
    char buf[16];
    CHECK_ERR (zmq_recv (dst, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (command (boss, "RESUME"), 0);
    CHECK_EQ (expect_parts (dst, m2, 1), 0);
    CHECK_EQ (expect_parts (tap, m2, 1), 0);
    CHECK_EQ (statistics (boss, st), 0);
    CHECK_STATS (st, 3, 10, 0, 0, 0, 0, 3, 10);
    CHECK_EQ (command (boss, "TERMINATE"), 0);
    CHECK_EQ (join_within (t, TU_TIMEOUT_MS), 0);
    CHECK_EQ (p.rc, 0);
    CLOSE_ALL (front, back, capture, control, src, dst, tap, boss);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (steerable_without_control_is_proxy)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *src, *dst;
    void *front = bound_with_peer (ctx, ZMQ_PULL, "inproc://front", ZMQ_PUSH, &src);
    void *back = bound_with_peer (ctx, ZMQ_PUSH, "inproc://back", ZMQ_PULL, &dst);
    CHECK (front && back);
    struct proxy_call p = call (CALL_STEERABLE, front, back, NULL, NULL);
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, run_proxy, &p), 0);
    CHECK_EQ (zmq_send (src, "x", 1, 0), 1);
    char buf[4];
    CHECK_EQ (zmq_recv (dst, buf, sizeof buf, 0), 1);
    SHUTDOWN_ENDS_PROXY (ctx, t, p);
    CLOSE_ALL (front, back, src, dst);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (paused_proxy_still_ends_on_shutdown)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *front = mk (ctx, ZMQ_PULL);
    void *back = mk (ctx, ZMQ_PUSH);
    void *boss;
    void *control = bound_with_peer (ctx, ZMQ_PAIR, "inproc://control", ZMQ_PAIR, &boss);
    CHECK (control);
    struct proxy_call p = call (CALL_STEERABLE, front, back, NULL, control);
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, run_proxy, &p), 0);
    CHECK_EQ (zmq_send (boss, "PAUSE", 5, 0), 5);
    uint64_t st[8];
    CHECK_EQ (statistics (boss, st), 0);
    SHUTDOWN_ENDS_PROXY (ctx, t, p);
    CLOSE_ALL (front, back, control, boss);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Signals  */

TEST (signal_interrupts_proxy)
{
    /*  libzmq's poller returns EINTR to the proxy, which ends with it.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *front = mk (ctx, ZMQ_PULL);
    void *back = mk (ctx, ZMQ_PUSH);
    CHECK (front && back);
    struct sigaction old;
    CHECK_EQ (catch_sigusr1 (&old), 0);
    struct proxy_call p = call (CALL_PROXY, front, back, NULL, NULL);
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, run_proxy, &p), 0);
    /*  A signal that lands before the proxy waits is simply handled: another follows.  */
    for (int i = 0; i < 4000 && !atomic_load (&p.done); i++) {
        pthread_kill (t, SIGUSR1);
        msleep (5);
    }
    CHECK_EQ (join_within (t, TU_TIMEOUT_MS), 0);
    CHECK_EQ (sigaction (SIGUSR1, &old, NULL), 0);
    CHECK_EQ (p.rc, -1);
    CHECK_EQ (p.err, EINTR);
    CLOSE_ALL (front, back);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Pub-sub through XSUB/XPUB  */

TEST (xsub_xpub_forwards_subscriptions_and_messages)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    /*  An XPUB publisher sees the subscription arrive through the proxy, so it knows when
        it may publish.  */
    void *pub, *sub;
    void *front = bound_with_peer (ctx, ZMQ_XSUB, "inproc://publishers", ZMQ_XPUB, &pub);
    void *back = bound_with_peer (ctx, ZMQ_XPUB, "inproc://subscribers", ZMQ_SUB, &sub);
    CHECK (front && back);
    struct proxy_call p = call (CALL_PROXY, front, back, NULL, NULL);
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, run_proxy, &p), 0);
    CHECK_OK (subscribe (sub, "A"));
    char buf[32];
    CHECK_EQ (zmq_recv (pub, buf, sizeof buf, 0), 2);
    CHECK_MEM_EQ (buf, "\1A", 2);
    CHECK_EQ (zmq_send (pub, "A one", 5, 0), 5);
    CHECK_EQ (zmq_send (pub, "B skip", 6, 0), 6);
    const char *two[2] = {"A two", "tail"};
    CHECK_OK (send_parts (pub, two, 2));
    const char *one[1] = {"A one"};
    CHECK_EQ (expect_parts (sub, one, 1), 0);
    CHECK_EQ (expect_parts (sub, two, 2), 0);
    CHECK_ERR (zmq_recv (sub, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    /*  Unsubscribing travels the same way.  */
    CHECK_OK (unsubscribe (sub, "A"));
    CHECK_EQ (zmq_recv (pub, buf, sizeof buf, 0), 2);
    CHECK_MEM_EQ (buf, "\0A", 2);
    SHUTDOWN_ENDS_PROXY (ctx, t, p);
    CLOSE_ALL (front, back, pub, sub);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Many clients, many workers: a ROUTER/DEALER broker under load  */

#define CLIENTS 4
#define WORKERS 4
#define REQUESTS 2000
#define WINDOW 50

struct request
{
    int client;
    int seq;
};

struct client_arg
{
    void *ctx;
    int id;
    int failures;
    int replies;
};

/*  A DEALER client speaking to REP workers: [empty][request] out, [empty][reply] back. It
    keeps at most WINDOW requests outstanding and checks every reply is one it is owed.  */
static void *client_thread (void *arg)
{
    struct client_arg *c = (struct client_arg *) arg;
    void *s = mk (c->ctx, ZMQ_DEALER);
    if (!s || zmq_connect (s, "inproc://clients") != 0) {
        c->failures++;
        if (s)
            zmq_close (s);
        return NULL;
    }
    char *seen = (char *) calloc (REQUESTS, 1);
    int sent = 0;
    while (c->replies < REQUESTS && !c->failures) {
        while (sent < REQUESTS && sent - c->replies < WINDOW) {
            struct request r = {c->id, sent};
            if (zmq_send (s, "", 0, ZMQ_SNDMORE) != 0
                || zmq_send (s, &r, sizeof r, 0) != (int) sizeof r) {
                c->failures++;
                break;
            }
            sent++;
        }
        char empty[4];
        struct request r;
        if (zmq_recv (s, empty, sizeof empty, 0) != 0
            || zmq_recv (s, &r, sizeof r, 0) != (int) sizeof r) {
            fprintf (stderr, "client %d: reply %d missing: %s\n", c->id, c->replies,
                     zmq_strerror (errno));
            c->failures++;
            break;
        }
        /*  Workers send the request back with the sequence negated.  */
        int seq = -r.seq;
        if (r.client != c->id || seq < 0 || seq >= sent || seen[seq]) {
            fprintf (stderr, "client %d: bad reply (%d, %d)\n", c->id, r.client, r.seq);
            c->failures++;
            break;
        }
        seen[seq] = 1;
        c->replies++;
    }
    free (seen);
    zmq_close (s);
    return NULL;
}

struct worker_arg
{
    void *ctx;
    int handled;
    int rc;
    int err;
};

/*  A REP worker: answers until the context ends.  */
static void *worker_thread (void *arg)
{
    struct worker_arg *w = (struct worker_arg *) arg;
    void *s = zmq_socket (w->ctx, ZMQ_REP);
    if (!s || zmq_connect (s, "inproc://workers") != 0) {
        w->rc = -2;
        if (s)
            zmq_close (s);
        return NULL;
    }
    while (1) {
        struct request r;
        int rc = zmq_recv (s, &r, sizeof r, 0);
        if (rc != (int) sizeof r) {
            w->rc = rc;
            w->err = errno;
            break;
        }
        r.seq = -r.seq;
        if (zmq_send (s, &r, sizeof r, 0) != (int) sizeof r) {
            w->rc = -3;
            w->err = errno;
            break;
        }
        w->handled++;
    }
    zmq_close (s);
    return NULL;
}

TEST (router_dealer_broker_under_load)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *front = zmq_socket (ctx, ZMQ_ROUTER);
    void *back = zmq_socket (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_bind (front, "inproc://clients"));
    CHECK_OK (zmq_bind (back, "inproc://workers"));
    struct proxy_call p = call (CALL_PROXY, front, back, NULL, NULL);
    pthread_t pt;
    CHECK_EQ (pthread_create (&pt, NULL, run_proxy, &p), 0);

    struct worker_arg w[WORKERS];
    pthread_t wt[WORKERS];
    memset (w, 0, sizeof w);
    for (int i = 0; i < WORKERS; i++) {
        w[i].ctx = ctx;
        CHECK_EQ (pthread_create (&wt[i], NULL, worker_thread, &w[i]), 0);
    }
    struct client_arg c[CLIENTS];
    pthread_t ct[CLIENTS];
    memset (c, 0, sizeof c);
    for (int i = 0; i < CLIENTS; i++) {
        c[i].ctx = ctx;
        c[i].id = i;
        CHECK_EQ (pthread_create (&ct[i], NULL, client_thread, &c[i]), 0);
    }
    for (int i = 0; i < CLIENTS; i++)
        CHECK_EQ (join_within (ct[i], 120000), 0);

    CHECK_OK (zmq_ctx_shutdown (ctx));
    CHECK_EQ (join_within (pt, TU_TIMEOUT_MS), 0);
    int handled = 0;
    for (int i = 0; i < WORKERS; i++) {
        CHECK_EQ (join_within (wt[i], TU_TIMEOUT_MS), 0);
        CHECK_EQ (w[i].rc, -1);
        CHECK_EQ (w[i].err, ETERM);
        handled += w[i].handled;
    }
    for (int i = 0; i < CLIENTS; i++) {
        CHECK_EQ (c[i].failures, 0);
        CHECK_EQ (c[i].replies, REQUESTS);
    }
    CHECK_EQ (handled, CLIENTS * REQUESTS);
    CHECK_EQ (p.rc, -1);
    CHECK_EQ (p.err, ETERM);
    CLOSE_ALL (front, back);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN (null_and_closed_sockets);
    RUN (device_constants);
    RUN (push_pull_with_capture_until_shutdown);
    RUN (ends_with_eterm_on_ctx_term);
    RUN (device_queue_until_shutdown);
    RUN (pair_both_ways);
    RUN (same_socket_as_frontend_and_backend);
    RUN (steerable_pair_control);
    RUN (steerable_rep_control);
    RUN (steerable_without_control_is_proxy);
    RUN (paused_proxy_still_ends_on_shutdown);
    RUN (signal_interrupts_proxy);
    RUN (xsub_xpub_forwards_subscriptions_and_messages);
    RUN (router_dealer_broker_under_load);
    return test_summary ();
}
