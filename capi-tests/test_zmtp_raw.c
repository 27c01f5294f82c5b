/*
    ZMTP on the wire, byte for byte: raw BSD sockets talk to our sockets over tcp and check
    the greeting, the NULL handshake, framing, subscriptions (3.0 and 3.1), PING/PONG, and
    that hostile input drops only the offending connection.

    Every raw socket has SO_RCVTIMEO/SO_SNDTIMEO, so a bug fails a case instead of hanging it.
    The bytes written here by hand come from the ZMTP RFCs (23, 37) and libzmq's behaviour on
    the wire (its signature padding is routing-id length + 1).
*/
#include "testutil.h"

#include "rawutil.h"

#include <sys/un.h>

/*  ------------------------------------------------------------------------------------------
    Raw socket helpers (plain functions: they report, the TEST bodies assert); the basic
    ones (timeouts, connect, listen, accept, exact reads and writes) are rawutil.h's.  */

/*  A raw TCP connection to 127.0.0.1:port with timeouts and TCP_NODELAY (what is written
    by hand goes out as written); -1 on error.  */
static int raw_connect_nodelay (int port)
{
    int fd = raw_connect (port);
    if (fd >= 0) {
        int one = 1;
        setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

/*  1 if the peer closes the connection within ms (EOF or reset), whatever it sends first;
    0 if it is still open then. Bounded: at most 1 MiB is read and thrown away.  */
static int closed_within (int fd, int ms)
{
    long long deadline = now_ms () + ms;
    char buf[4096];
    size_t total = 0;
    while (now_ms () < deadline && total < (1u << 20)) {
        struct pollfd p = {fd, POLLIN, 0};
        int left = (int) (deadline - now_ms ());
        if (poll (&p, 1, left > 0 ? left : 0) != 1)
            continue;
        ssize_t r = recv (fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
            return 1;
        if (r > 0)
            total += (size_t) r;
    }
    return 0;
}

/*  1 if nothing arrives within ms.  */
static int quiet_for (int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll (&p, 1, ms) == 0;
}

/*  Our signature for an empty routing id, and the rest of a NULL greeting.  */
static const unsigned char sig_empty[10] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f};

/*  A 3.x greeting (64 bytes) with the given minor version and mechanism.  */
static void make_greeting (unsigned char *g, int minor, const char *mech)
{
    memset (g, 0, 64);
    memcpy (g, sig_empty, 10);
    g[10] = 3;
    g[11] = (unsigned char) minor;
    memcpy (g + 12, mech, strlen (mech));
}

/*  Appends a frame to buf at *n: flags (MORE/COMMAND as given; LONG when size > 255).  */
static void put_frame (unsigned char *buf, size_t *n, int flags, const void *body,
                       size_t size)
{
    if (size > 255) {
        buf[(*n)++] = (unsigned char) (flags | 2);
        for (int i = 7; i >= 0; i--)
            buf[(*n)++] = (unsigned char) ((uint64_t) size >> (8 * i));
    } else {
        buf[(*n)++] = (unsigned char) flags;
        buf[(*n)++] = (unsigned char) size;
    }
    memcpy (buf + *n, body, size);
    *n += size;
}

/*  A READY command body announcing Socket-Type type (and Identity id if id is not NULL).  */
static size_t ready_body (unsigned char *b, const char *type, const char *id)
{
    size_t n = 0, tl = strlen (type);
    memcpy (b, "\x05READY\x0bSocket-Type\x00\x00\x00", 21);
    n = 21;
    b[n++] = (unsigned char) tl;
    memcpy (b + n, type, tl);
    n += tl;
    if (id) {
        size_t il = strlen (id);
        memcpy (b + n, "\x08Identity\x00\x00\x00", 12);
        n += 12;
        b[n++] = (unsigned char) il;
        memcpy (b + n, id, il);
        n += il;
    }
    return n;
}

/*  Sends a READY command announcing type; 0 on success.  */
static int send_ready (int fd, const char *type)
{
    unsigned char body[300], frame[310];
    size_t bn = ready_body (body, type, NULL), fn = 0;
    put_frame (frame, &fn, 4, body, bn);
    return write_all (fd, frame, fn);
}

/*  Reads one frame (header and body) into body (up to cap bytes); its flags into *flags.
    Returns the body size, or -1.  */
static long read_frame (int fd, int *flags, unsigned char *body, size_t cap)
{
    unsigned char h[9];
    if (read_exact (fd, h, 2) != 0)
        return -1;
    uint64_t size = h[1];
    if (h[0] & 2) {
        if (read_exact (fd, h + 2, 7) != 0)
            return -1;
        size = 0;
        for (int i = 1; i < 9; i++)
            size = (size << 8) | h[i];
    }
    if (size > cap || read_exact (fd, body, (size_t) size) != 0)
        return -1;
    *flags = h[0];
    return (long) size;
}

/*  The peer side of a whole greeting with our socket, then READY exchanged: reads our 64
    greeting bytes, sends a greeting with the given minor, reads our READY (into ready, its
    size into *ready_len if ready is not NULL) and sends READY with Socket-Type type (unless
    type is NULL). 0 on success, else the step that failed.  */
static int zmtp_handshake (int fd, int minor, const char *type, unsigned char *ready,
                          long *ready_len)
{
    unsigned char g[64], theirs[64], rb[512];
    make_greeting (g, minor, "NULL");
    if (write_all (fd, g, 64) != 0)
        return 1;
    if (read_exact (fd, theirs, 64) != 0)
        return 2;
    if (theirs[0] != 0xff || theirs[9] != 0x7f || theirs[10] != 3)
        return 3;
    int flags;
    long n = read_frame (fd, &flags, rb, sizeof rb);
    if (n < 6 || flags != 4 || memcmp (rb, "\x05READY", 6) != 0)
        return 4;
    if (ready) {
        memcpy (ready, rb, (size_t) n);
        *ready_len = n;
    }
    if (type && send_ready (fd, type) != 0)
        return 5;
    return 0;
}

/*  A raw PUSH peer that shakes hands with the PULL bound at port and sends "ok": the bound
    socket must still serve well-behaved peers. 0 on success.  */
static int good_peer_sends_ok (int port)
{
    int fd = raw_connect_nodelay (port);
    if (fd < 0)
        return -1;
    int rc = zmtp_handshake (fd, 1, "PUSH", NULL, NULL);
    if (rc == 0)
        rc = write_all (fd, "\x00\x02ok", 4);
    close (fd);
    return rc;
}

/*  A bound PULL on tcp://127.0.0.1:* with short receive timeouts; its port in *port.  */
static void *bound (void *ctx, int type, int *port)
{
    void *s = mk_socket (ctx, type, 3000, 3000, 0);
    if (!s)
        return NULL;
    if (zmq_bind (s, "tcp://127.0.0.1:*") != 0) {
        zmq_close (s);
        return NULL;
    }
    *port = zmq_port (s);
    return s;
}

/*  The bound PULL still works: a well-behaved raw peer's "ok" arrives.  */
#define STILL_SERVES(pull, port)                                               \
    do {                                                                       \
        CHECK_EQ (good_peer_sends_ok (port), 0);                               \
        RECV_STR ((pull), "ok");                                               \
    } while (0)

/*  ------------------------------------------------------------------------------------------
    The greeting, READY and data frames  */

TEST (greeting_is_staged_and_exact)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);

    /*  First only the signature: FF, padding = routing-id length + 1, 7F.  */
    unsigned char sig[10];
    CHECK_EQ (read_exact (fd, sig, 10), 0);
    CHECK_MEM_EQ (sig, sig_empty, 10);
    CHECK (quiet_for (fd, 100));

    /*  Our signature: the major version follows, and only it.  */
    CHECK_EQ (write_all (fd, sig_empty, 10), 0);
    unsigned char major;
    CHECK_EQ (read_exact (fd, &major, 1), 0);
    CHECK_EQ (major, 3);
    CHECK (quiet_for (fd, 100));

    /*  Our major: the rest of the greeting (minor 1, "NULL", as-server 0, filler).  */
    CHECK_EQ (write_all (fd, "\x03", 1), 0);
    unsigned char rest[53], want_rest[53];
    memset (want_rest, 0, sizeof want_rest);
    want_rest[0] = 1;
    memcpy (want_rest + 1, "NULL", 4);
    CHECK_EQ (read_exact (fd, rest, 53), 0);
    CHECK_MEM_EQ (rest, want_rest, 53);

    /*  The rest of a 3.1 greeting: READY comes, byte for byte.  */
    unsigned char g[64];
    make_greeting (g, 1, "NULL");
    CHECK_EQ (write_all (fd, g + 11, 53), 0);
    unsigned char ready[64];
    const unsigned char want_ready[] = "\x04\x1a\x05READY\x0bSocket-Type\x00\x00\x00\x04PULL";
    CHECK_EQ (read_exact (fd, ready, 28), 0);
    CHECK_MEM_EQ (ready, want_ready, 28);
    CHECK (quiet_for (fd, 50));

    /*  Our READY as PUSH, then data: short, multipart, long (8-byte size), empty.  */
    CHECK_EQ (send_ready (fd, "PUSH"), 0);
    unsigned char big[300];
    for (int i = 0; i < 300; i++)
        big[i] = (unsigned char) i;
    unsigned char wire[400];
    size_t n = 0;
    put_frame (wire, &n, 0, "hello", 5);
    put_frame (wire, &n, 1, "a", 1);
    put_frame (wire, &n, 0, "b", 1);
    CHECK_EQ (write_all (fd, wire, n), 0);
    n = 0;
    put_frame (wire, &n, 0, big, 300);
    CHECK_EQ (wire[0], 2);
    CHECK_EQ (wire[7], 1);
    CHECK_EQ (wire[8], 44);
    CHECK_EQ (write_all (fd, wire, n), 0);
    CHECK_EQ (write_all (fd, "\x00\x00", 2), 0);

    RECV_FRAME (pull, "hello", 0);
    RECV_PARTS (pull, "a", "b");
    unsigned char got[400];
    CHECK_EQ (zmq_recv (pull, got, sizeof got, 0), 300);
    CHECK_MEM_EQ (got, big, 300);
    CHECK_EQ (zmq_recv (pull, got, sizeof got, 0), 0);

    close (fd);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  The long-size form for a small frame is accepted too (the size decides, not the form).  */
TEST (long_form_for_a_short_frame)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "PUSH", NULL, NULL), 0);
    CHECK_EQ (write_all (fd, "\x02\x00\x00\x00\x00\x00\x00\x00\x03xyz", 12), 0);
    RECV_STR (pull, "xyz");
    close (fd);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  READY carries Identity only from REQ, DEALER and ROUTER; the routing id shows in the
    signature padding (length + 1).  */
TEST (ready_identity_per_type)
{
    void *ctx = zmq_ctx_new ();
    struct {
        int type;
        const char *name;
        const char *id; /* NULL: no Identity property */
    } cases[] = {
        {ZMQ_DEALER, "DEALER", ""}, {ZMQ_ROUTER, "ROUTER", ""}, {ZMQ_REP, "REP", NULL},
        {ZMQ_PUB, "PUB", NULL},     {ZMQ_XSUB, "XSUB", NULL},   {ZMQ_PAIR, "PAIR", NULL},
        {ZMQ_PUSH, "PUSH", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int port;
        void *s = bound (ctx, cases[i].type, &port);
        CHECK (s);
        int fd = raw_connect_nodelay (port);
        CHECK (fd >= 0);
        unsigned char got[512], want[512];
        long gn = 0;
        CHECK_EQ (zmtp_handshake (fd, 1, NULL, got, &gn), 0);
        size_t wn = ready_body (want, cases[i].name, cases[i].id);
        if ((size_t) gn != wn)
            TU_FAIL ("%s: READY of %ld bytes, expected %zu", cases[i].name, gn, wn);
        CHECK_MEM_EQ (got, want, wn);
        close (fd);
        CLOSE_ALL (s);
    }

    /*  A DEALER with routing id "abc": padding 4, Identity "abc".  */
    void *d = mk_socket (ctx, ZMQ_DEALER, 3000, 3000, 0);
    CHECK (d);
    CHECK_OK (zmq_setsockopt (d, ZMQ_ROUTING_ID, "abc", 3));
    CHECK_OK (zmq_bind (d, "tcp://127.0.0.1:*"));
    int fd = raw_connect_nodelay (zmq_port (d));
    CHECK (fd >= 0);
    unsigned char sig[10];
    const unsigned char want_sig[10] = {0xff, 0, 0, 0, 0, 0, 0, 0, 4, 0x7f};
    CHECK_EQ (read_exact (fd, sig, 10), 0);
    CHECK_MEM_EQ (sig, want_sig, 10);
    unsigned char g[64], rest[54], got[512], want[512];
    make_greeting (g, 1, "NULL");
    CHECK_EQ (write_all (fd, g, 64), 0);
    CHECK_EQ (read_exact (fd, rest, 54), 0);
    int flags;
    long gn = read_frame (fd, &flags, got, sizeof got);
    size_t wn = ready_body (want, "DEALER", "abc");
    CHECK_EQ (flags, 4);
    CHECK_EQ (gn, (long) wn);
    CHECK_MEM_EQ (got, want, wn);
    close (fd);
    CLOSE_ALL (d);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  zmq_send on a PUSH to a raw PULL peer: exact frame bytes.  */
TEST (push_frames_exact)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *push = bound (ctx, ZMQ_PUSH, &port);
    CHECK (push);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "PULL", NULL, NULL), 0);

    SEND_STR (push, "hello");
    SEND_PARTS (push, "a", "", "b");
    unsigned char big[300];
    memset (big, 'x', sizeof big);
    CHECK_EQ (zmq_send (push, big, sizeof big, 0), 300);

    unsigned char want[400];
    size_t n = 0;
    put_frame (want, &n, 0, "hello", 5);
    put_frame (want, &n, 1, "a", 1);
    put_frame (want, &n, 1, "", 0);
    put_frame (want, &n, 0, "b", 1);
    unsigned char got[400];
    CHECK_EQ (read_exact (fd, got, n), 0);
    CHECK_MEM_EQ (got, want, n);
    const unsigned char long_hdr[9] = {2, 0, 0, 0, 0, 0, 0, 1, 44};
    CHECK_EQ (read_exact (fd, got, 9 + 300), 0);
    CHECK_MEM_EQ (got, long_hdr, 9);
    CHECK_MEM_EQ (got + 9, big, 300);

    close (fd);
    CLOSE_ALL (push);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  The greeting, READY and three messages in one write: nothing is lost between the
    stages.  */
TEST (everything_in_one_write)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    unsigned char wire[256], body[64];
    size_t n = 0;
    make_greeting (wire, 1, "NULL");
    n = 64;
    put_frame (wire, &n, 4, body, ready_body (body, "PUSH", NULL));
    put_frame (wire, &n, 0, "one", 3);
    put_frame (wire, &n, 1, "two", 3);
    put_frame (wire, &n, 0, "three", 5);
    CHECK_EQ (write_all (fd, wire, n), 0);
    RECV_STR (pull, "one");
    RECV_PARTS (pull, "two", "three");
    unsigned char theirs[64 + 28];
    CHECK_EQ (read_exact (fd, theirs, sizeof theirs), 0);
    close (fd);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  A 3 MiB message (bigger than what is allocated up front) in one piece, and one in
    small writes.  */
TEST (large_message_arrives_whole)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "PUSH", NULL, NULL), 0);
    size_t size = 3u << 20;
    unsigned char *big = malloc (size + 9), *got = malloc (size + 1);
    CHECK (big && got);
    size_t n = 0;
    unsigned char h[9] = {2, 0, 0, 0, 0, 0, 0x30, 0, 0};
    memcpy (big, h, 9);
    n = 9;
    for (size_t i = 0; i < size; i++)
        big[n++] = (unsigned char) (i * 7 + (i >> 12));
    int ok = write_all (fd, big, n) == 0;
    for (size_t off = 0; ok && off < n; off += 4099)
        ok = write_all (fd, big + off, n - off < 4099 ? n - off : 4099) == 0;
    int r1 = ok ? zmq_recv (pull, got, size + 1, 0) : -1;
    int same1 = r1 == (int) size && memcmp (got, big + 9, size) == 0;
    int r2 = ok ? zmq_recv (pull, got, size + 1, 0) : -1;
    int same2 = r2 == (int) size && memcmp (got, big + 9, size) == 0;
    free (big);
    free (got);
    close (fd);
    CHECK (ok);
    CHECK_EQ (r1, (int) size);
    CHECK (same1);
    CHECK_EQ (r2, (int) size);
    CHECK (same2);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  A raw peer sends far more than ZMQ_RCVHWM: reading pauses and resumes, and every message
    arrives once, in order.  */
TEST (flow_control_with_a_raw_peer)
{
    void *ctx = zmq_ctx_new ();
    void *pull = mk_socket (ctx, ZMQ_PULL, 3000, 3000, 0);
    CHECK (pull);
    CHECK_OK (set_int (pull, ZMQ_RCVHWM, 10));
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    int fd = raw_connect_nodelay (zmq_port (pull));
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "PUSH", NULL, NULL), 0);
    enum { COUNT = 20000 };
    static unsigned char wire[COUNT * 12];
    size_t n = 0;
    for (int i = 0; i < COUNT; i++) {
        char num[12];
        int len = snprintf (num, sizeof num, "%d", i);
        /*  Every tenth message has two parts.  */
        if (i % 10 == 0)
            put_frame (wire, &n, 1, "m", 1);
        put_frame (wire, &n, 0, num, (size_t) len);
    }
    CHECK_EQ (write_all (fd, wire, n), 0);
    for (int i = 0; i < COUNT; i++) {
        char num[12], got[16];
        snprintf (num, sizeof num, "%d", i);
        if (i % 10 == 0) {
            int r = zmq_recv (pull, got, sizeof got, 0);
            if (r != 1 || !rcvmore (pull))
                TU_FAIL ("message %d: first part %d", i, r);
        }
        int r = zmq_recv (pull, got, sizeof got - 1, 0);
        if (r < 0)
            TU_FAIL ("message %d: %s", i, zmq_strerror (errno));
        got[r] = 0;
        if (strcmp (got, num) != 0)
            TU_FAIL ("message %d: got \"%s\"", i, got);
    }
    RECV_NONE (pull);
    close (fd);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  A subscriber floods a PUB with data messages: PUB drops them, and the subscription that
    follows still gets through (GHSA-4p5v-h92w-6wxw's shape).  */
TEST (pub_drops_data_from_subscribers)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pub = bound (ctx, ZMQ_PUB, &port);
    CHECK (pub);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "SUB", NULL, NULL), 0);
    static unsigned char wire[10000 * 7 + 32];
    size_t n = 0;
    for (int i = 0; i < 10000; i++)
        put_frame (wire, &n, 0, "hello", 5);
    put_frame (wire, &n, 4, "\x09SUBSCRIBEx", 11);
    CHECK_EQ (write_all (fd, wire, n), 0);
    int got_it = 0;
    unsigned char got[7];
    long long deadline = now_ms () + 5000;
    while (!got_it && now_ms () < deadline) {
        SEND_STR (pub, "xdata");
        got_it = !quiet_for (fd, 20);
    }
    CHECK (got_it);
    CHECK_EQ (read_exact (fd, got, 7), 0);
    CHECK_MEM_EQ (got, "\x00\x05xdata", 7);
    close (fd);
    CLOSE_ALL (pub);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  A peer that sends PINGs and never reads the PONGs does not grow our memory without
    bound; the connection stays up and carries data.  */
TEST (ping_flood_without_reading)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    /*  A small receive buffer, so our PONGs back up quickly.  */
    int small = 4096;
    setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    CHECK_EQ (zmtp_handshake (fd, 1, "PUSH", NULL, NULL), 0);
    enum { PER_WRITE = 8192 };
    static unsigned char wire[PER_WRITE * 9];
    size_t n = 0;
    for (int i = 0; i < PER_WRITE; i++)
        put_frame (wire, &n, 4, "\x04PING\x00\x00", 7);
    long before = rss_kib ();
    int rounds = under_valgrind () ? 40 : 400; /* 400 x 72 KiB = 28 MiB of PINGs */
    for (int r = 0; r < rounds; r++)
        CHECK_EQ (write_all (fd, wire, n), 0);
    CHECK_EQ (write_all (fd, "\x00\x02ok", 4), 0);
    RECV_STR (pull, "ok");
    long after = rss_kib ();
    if (!under_valgrind () && before > 0 && after - before > 16 * 1024)
        TU_FAIL ("RSS grew by %ld KiB under a PING flood", after - before);
    close (fd);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  A connecting socket reconnects while a handshake timer of its first connection is still
    pending: that timer must not cut the second connection's handshake short.  */
TEST (old_handshake_timer_spares_the_new_connection)
{
    void *ctx = zmq_ctx_new ();
    void *push = mk_socket (ctx, ZMQ_PUSH, 3000, 3000, 0);
    CHECK (push);
    CHECK_OK (set_int (push, ZMQ_HANDSHAKE_IVL, 1000));
    CHECK_OK (set_int (push, ZMQ_RECONNECT_IVL, 600));
    int lport, lfd = raw_listen (&lport);
    CHECK (lfd >= 0);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", lport);
    CHECK_OK (zmq_connect (push, ep));
    /*  The first connection: closed by us at once (its timer ends at ~t0 + 1000).  */
    int fd = raw_accept (lfd);
    long long t0 = now_ms ();
    CHECK (fd >= 0);
    close (fd);
    /*  The second (at ~t0 + 600, its own timer ~t0 + 1600): the handshake is finished at
        ~t0 + 1250, after the first timer.  */
    fd = raw_accept (lfd);
    CHECK (fd >= 0);
    long long wait = t0 + 1250 - now_ms ();
    if (wait > 0)
        msleep ((int) wait);
    unsigned char sig[10], g[64], rest[54], body[64];
    int flags;
    CHECK_EQ (read_exact (fd, sig, 10), 0);
    make_greeting (g, 1, "NULL");
    CHECK_EQ (write_all (fd, g, 64), 0);
    CHECK_EQ (read_exact (fd, rest, 54), 0);
    CHECK_EQ (read_frame (fd, &flags, body, sizeof body), 26);
    CHECK_EQ (send_ready (fd, "PULL"), 0);
    SEND_STR (push, "kept");
    unsigned char got[6];
    CHECK_EQ (read_exact (fd, got, 6), 0);
    CHECK_MEM_EQ (got, "\x00\x04kept", 6);
    close (fd);
    close (lfd);
    CLOSE_ALL (push);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ROUTER and REP envelopes on the wire: a raw DEALER's Identity is its routing id; a raw
    REQ's delimiter frame is there in both directions.  */
TEST (router_and_rep_envelopes)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *router = bound (ctx, ZMQ_ROUTER, &port);
    CHECK (router);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    unsigned char g[64], theirs[64], body[128], frame[160];
    make_greeting (g, 1, "NULL");
    CHECK_EQ (write_all (fd, g, 64), 0);
    CHECK_EQ (read_exact (fd, theirs, 64), 0);
    int flags;
    CHECK (read_frame (fd, &flags, body, sizeof body) > 0);
    size_t n = 0;
    put_frame (frame, &n, 4, body, ready_body (body, "DEALER", "peer-1"));
    put_frame (frame, &n, 0, "hi", 2);
    CHECK_EQ (write_all (fd, frame, n), 0);
    RECV_PARTS (router, "peer-1", "hi");
    SEND_PARTS (router, "peer-1", "back");
    unsigned char got[8];
    CHECK_EQ (read_exact (fd, got, 6), 0);
    CHECK_MEM_EQ (got, "\x00\x04" "back", 6);
    close (fd);
    CLOSE_ALL (router);

    int rport;
    void *rep = bound (ctx, ZMQ_REP, &rport);
    CHECK (rep);
    fd = raw_connect_nodelay (rport);
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "REQ", NULL, NULL), 0);
    CHECK_EQ (write_all (fd, "\x01\x00\x00\x03req", 7), 0);
    RECV_FRAME (rep, "req", 0);
    SEND_STR (rep, "rep");
    unsigned char got2[7];
    CHECK_EQ (read_exact (fd, got2, 7), 0);
    CHECK_MEM_EQ (got2, "\x01\x00\x00\x03rep", 7);
    close (fd);
    CLOSE_ALL (rep);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  After the handshake, commands we do not act on (PONG, a second READY, unknown names)
    are ignored: the connection stays and carries data.  */
TEST (other_commands_after_the_handshake_are_ignored)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "PUSH", NULL, NULL), 0);
    CHECK_EQ (write_all (fd, "\x04\x08\x04PONGabc", 10), 0);
    CHECK_EQ (send_ready (fd, "PUSH"), 0);
    CHECK_EQ (write_all (fd, "\x04\x08\x05XYZZYab", 10), 0);
    CHECK_EQ (write_all (fd, "\x00\x02ok", 4), 0);
    RECV_STR (pull, "ok");
    RECV_NONE (pull);
    CHECK (!closed_within (fd, 100));
    close (fd);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  Half-open connections (handshake never finished) get nothing from a PUSH's round robin:
    every message goes to the one peer that finished (CVE-2020-15166's shape).  */
TEST (half_open_peers_get_no_messages)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *push = bound (ctx, ZMQ_PUSH, &port);
    CHECK (push);
    enum { HALF = 10 };
    int half[HALF];
    for (int i = 0; i < HALF; i++) {
        half[i] = raw_connect_nodelay (port);
        CHECK (half[i] >= 0);
        /*  Some stop after our signature, some after a whole greeting.  */
        if (i % 2)
            CHECK_EQ (write_all (half[i], sig_empty, 10), 0);
        else {
            unsigned char g[64];
            make_greeting (g, 1, "NULL");
            CHECK_EQ (write_all (half[i], g, 64), 0);
        }
    }
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "PULL", NULL, NULL), 0);
    for (int i = 0; i < 20; i++)
        SEND_STR (push, "m");
    for (int i = 0; i < 20; i++) {
        unsigned char got[3];
        if (read_exact (fd, got, 3) != 0 || memcmp (got, "\x00\x01m", 3) != 0)
            TU_FAIL ("message %d did not reach the finished peer", i);
    }
    for (int i = 0; i < HALF; i++)
        close (half[i]);
    close (fd);
    CLOSE_ALL (push);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  The same bytes over ipc: a handshake and a message, then garbage on another connection
    is closed and the socket lives on.  */
TEST (ipc_raw_peer)
{
    void *ctx = zmq_ctx_new ();
    void *pull = mk_socket (ctx, ZMQ_PULL, 3000, 3000, 0);
    CHECK (pull);
    char path[96], ep[128];
    snprintf (path, sizeof path, "/tmp/zmtp-raw-%d.sock", (int) getpid ());
    snprintf (ep, sizeof ep, "ipc://%s", path);
    CHECK_OK (zmq_bind (pull, ep));
    for (int round = 0; round < 2; round++) {
        int fd = socket (AF_UNIX, SOCK_STREAM, 0);
        CHECK (fd >= 0);
        raw_timeouts (fd, RAW_TIMEOUT_MS);
        struct sockaddr_un a;
        memset (&a, 0, sizeof a);
        a.sun_family = AF_UNIX;
        strcpy (a.sun_path, path);
        CHECK_OK (connect (fd, (struct sockaddr *) &a, sizeof a));
        if (round == 0) {
            /*  A 3.x greeting of all FF (no such mechanism).  */
            unsigned char junk[64];
            memset (junk, 0xff, sizeof junk);
            CHECK_EQ (write_all (fd, junk, sizeof junk), 0);
            CHECK (closed_within (fd, 3000));
        } else {
            unsigned char ready[64];
            long rn = 0;
            CHECK_EQ (zmtp_handshake (fd, 1, "PUSH", ready, &rn), 0);
            CHECK_EQ (rn, 26);
            CHECK_EQ (write_all (fd, "\x00\x03ipc", 5), 0);
            RECV_STR (pull, "ipc");
        }
        close (fd);
    }
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  READY with large metadata (CVE-2019-13132's shape, here without CURVE): values of 255,
    256, 64 KiB and 1 MiB bytes, and 1000 small properties, are parsed safely and the
    connection works.  */
TEST (ready_with_large_metadata)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    size_t sizes[] = {255, 256, 65536, 1u << 20, 0};
    for (int k = 0; k < 5; k++) {
        size_t cap = (2u << 20) + 32768;
        unsigned char *body = malloc (cap), *frame = malloc (cap + 16);
        CHECK (body && frame);
        size_t bn = ready_body (body, "PUSH", NULL);
        if (sizes[k]) {
            memcpy (body + bn, "\x05X-Big", 6);
            bn += 6;
            uint32_t len = htonl ((uint32_t) sizes[k]);
            memcpy (body + bn, &len, 4);
            bn += 4;
            memset (body + bn, 'v', sizes[k]);
            bn += sizes[k];
        } else {
            for (int i = 0; i < 1000; i++) {
                char name[16];
                int nl = snprintf (name, sizeof name, "X-P%d", i);
                body[bn++] = (unsigned char) nl;
                memcpy (body + bn, name, (size_t) nl);
                bn += (size_t) nl;
                memcpy (body + bn, "\x00\x00\x00\x01z", 5);
                bn += 5;
            }
        }
        size_t fn = 0;
        put_frame (frame, &fn, 4, body, bn);
        put_frame (frame, &fn, 0, "ok", 2);
        int fd = raw_connect_nodelay (port);
        unsigned char g[64], theirs[64], ready[64];
        make_greeting (g, 1, "NULL");
        int flags;
        int ok = fd >= 0 && write_all (fd, g, 64) == 0 && read_exact (fd, theirs, 64) == 0
                 && read_frame (fd, &flags, ready, sizeof ready) > 0
                 && write_all (fd, frame, fn) == 0;
        free (body);
        free (frame);
        if (!ok)
            TU_FAIL ("metadata case %d: handshake I/O failed", k);
        RECV_STR (pull, "ok");
        close (fd);
    }
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Subscriptions: 3.0 peers use messages, 3.1 peers commands  */

TEST (xpub_gets_subscriptions_from_30_and_31_peers)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *xpub = bound (ctx, ZMQ_XPUB, &port);
    CHECK (xpub);

    /*  3.0: "\x01topic" as a data message.  */
    int fd30 = raw_connect_nodelay (port);
    CHECK (fd30 >= 0);
    CHECK_EQ (zmtp_handshake (fd30, 0, "SUB", NULL, NULL), 0);
    CHECK_EQ (write_all (fd30, "\x00\x06\x01topic", 8), 0);
    RECV_FRAME_MEM (xpub, "\x01topic", 6, 0);

    /*  3.1: a SUBSCRIBE command, and a CANCEL.  */
    int fd31 = raw_connect_nodelay (port);
    CHECK (fd31 >= 0);
    CHECK_EQ (zmtp_handshake (fd31, 1, "SUB", NULL, NULL), 0);
    CHECK_EQ (write_all (fd31, "\x04\x0d\x09SUBSCRIBEnew", 15), 0);
    RECV_FRAME_MEM (xpub, "\x01new", 4, 0);

    /*  Published data reaches both, as plain data frames.  */
    SEND_STR (xpub, "topic-data");
    unsigned char got[16];
    CHECK_EQ (read_exact (fd30, got, 12), 0);
    CHECK_MEM_EQ (got, "\x00\x0atopic-data", 12);

    SEND_STR (xpub, "new-data");
    CHECK_EQ (read_exact (fd31, got, 10), 0);
    CHECK_MEM_EQ (got, "\x00\x08new-data", 10);

    CHECK_EQ (write_all (fd31, "\x04\x0a\x06" "CANCELnew", 12), 0);
    RECV_FRAME_MEM (xpub, "\x00new", 4, 0);

    close (fd30);
    close (fd31);
    CLOSE_ALL (xpub);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  A SUB or XSUB connecting to a raw publisher: from SUB to 3.1 the subscription is a
    SUBSCRIBE command (and UNSUBSCRIBE a CANCEL), to 3.0 a "\x01topic" data frame. XSUB sends
    what its user wrote, a data frame, to either (as libzmq does).  */
static int sub_to_raw_publisher (int type, int minor, char *why, size_t why_size)
{
    int rc = -1, lport, fd = -1;
    void *ctx = zmq_ctx_new ();
    void *sub = mk_socket (ctx, type, 3000, 3000, 0);
    int lfd = raw_listen (&lport);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", lport);
    unsigned char sig[10], g[64], rest[54], body[256], want[256];
    int flags;
    long n;
    size_t wn;
    if (!sub || lfd < 0 || zmq_connect (sub, ep) != 0) {
        snprintf (why, why_size, "setup");
        goto out;
    }
    fd = raw_accept (lfd);
    make_greeting (g, minor, "NULL");
    if (fd < 0 || read_exact (fd, sig, 10) != 0 || memcmp (sig, sig_empty, 10) != 0
        || write_all (fd, g, 64) != 0 || read_exact (fd, rest, 54) != 0 || rest[0] != 3
        || rest[1] != 1) {
        snprintf (why, why_size, "greeting");
        goto out;
    }
    n = read_frame (fd, &flags, body, sizeof body);
    wn = ready_body (want, type == ZMQ_SUB ? "SUB" : "XSUB", NULL);
    if (n != (long) wn || flags != 4 || memcmp (body, want, wn) != 0) {
        snprintf (why, why_size, "READY");
        goto out;
    }
    if (send_ready (fd, "PUB") != 0) {
        snprintf (why, why_size, "sending READY");
        goto out;
    }
    if (type == ZMQ_SUB)
        rc = subscribe (sub, "topic");
    else
        rc = zmq_send (sub, "\x01topic", 6, 0) == 6 ? 0 : -1;
    if (rc != 0) {
        snprintf (why, why_size, "subscribe");
        goto out;
    }
    rc = -1;
    n = read_frame (fd, &flags, body, sizeof body);
    if (minor >= 1 && type == ZMQ_SUB ? (flags != 4 || n != 15 || memcmp (body, "\x09SUBSCRIBEtopic", 15) != 0)
                   : (flags != 0 || n != 6 || memcmp (body, "\x01topic", 6) != 0)) {
        snprintf (why, why_size, "subscription frame: flags %d, %ld bytes", flags, n);
        goto out;
    }
    if (type == ZMQ_SUB ? unsubscribe (sub, "topic") != 0
                        : zmq_send (sub, "\x00topic", 6, 0) != 6) {
        snprintf (why, why_size, "unsubscribe");
        goto out;
    }
    n = read_frame (fd, &flags, body, sizeof body);
    if (minor >= 1 && type == ZMQ_SUB ? (flags != 4 || n != 12 || memcmp (body, "\x06" "CANCELtopic", 12) != 0)
                   : (flags != 0 || n != 6 || memcmp (body, "\x00topic", 6) != 0)) {
        snprintf (why, why_size, "cancel frame: flags %d, %ld bytes", flags, n);
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close (fd);
    if (lfd >= 0)
        close (lfd);
    if (sub)
        zmq_close (sub);
    zmq_ctx_term (ctx);
    return rc;
}

TEST (sub_subscriptions_on_the_wire)
{
    char why[128] = "";
    int types[] = {ZMQ_SUB, ZMQ_XSUB};
    for (int t = 0; t < 2; t++)
        for (int minor = 0; minor <= 1; minor++)
            if (sub_to_raw_publisher (types[t], minor, why, sizeof why) != 0)
                TU_FAIL ("%s to a 3.%d peer: %s", t ? "XSUB" : "SUB", minor, why);
}

/*  ------------------------------------------------------------------------------------------
    PING / PONG  */

TEST (ping_gets_pong_with_context)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "PUSH", NULL, NULL), 0);

    /*  TTL 10 ds, context "ctx-1".  */
    CHECK_EQ (write_all (fd, "\x04\x0c\x04PING\x00\x0a" "ctx-1", 14), 0);
    unsigned char got[16];
    CHECK_EQ (read_exact (fd, got, 12), 0);
    CHECK_MEM_EQ (got, "\x04\x0a\x04PONGctx-1", 12);

    /*  No context: an empty PONG.  */
    CHECK_EQ (write_all (fd, "\x04\x07\x04PING\x00\x00", 9), 0);
    CHECK_EQ (read_exact (fd, got, 7), 0);
    CHECK_MEM_EQ (got, "\x04\x05\x04PONG", 7);

    /*  A 16-byte context, the most there is.  */
    CHECK_EQ (write_all (fd, "\x04\x17\x04PING\x01\x00" "0123456789abcdef", 25), 0);
    CHECK_EQ (read_exact (fd, got, 2), 0);
    CHECK_MEM_EQ (got, "\x04\x15", 2);
    unsigned char body[21];
    CHECK_EQ (read_exact (fd, body, 21), 0);
    CHECK_MEM_EQ (body, "\x04PONG0123456789abcdef", 21);

    /*  The connection still carries data.  */
    CHECK_EQ (write_all (fd, "\x00\x02ok", 4), 0);
    RECV_STR (pull, "ok");
    close (fd);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  A SUBSCRIBE command to a socket that takes no subscriptions is no message for it.
    (libzmq 4.3.4 hands its body, "\x09SUBSCRIBEabc", to the PULL user as a message; we
    deliberately do not.)  */
TEST (subscribe_command_to_pull_is_ignored)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "PUSH", NULL, NULL), 0);
    CHECK_EQ (write_all (fd, "\x04\x0d\x09SUBSCRIBEabc", 15), 0);
    CHECK_EQ (write_all (fd, "\x00\x02ok", 4), 0);
    RECV_STR (pull, "ok");
    RECV_NONE (pull);
    close (fd);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Hostile inputs: each on its own connection; we close it, the socket lives on.  */

/*  Connects to port, sends len bytes of data (after a full handshake as PUSH when
    handshake is set), and checks that we close the connection.  */
static int hostile (int port, int handshake, const void *data, size_t len)
{
    int fd = raw_connect_nodelay (port);
    if (fd < 0)
        return -1;
    int rc = 0;
    if (handshake)
        rc = zmtp_handshake (fd, 1, "PUSH", NULL, NULL);
    if (rc == 0 && len > 0)
        rc = write_all (fd, data, len);
    if (rc == 0)
        rc = closed_within (fd, 3000) ? 0 : -2;
    close (fd);
    return rc;
}

TEST (garbage_instead_of_a_greeting)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    /*  An HTTP request: not FF, so it reads as a ZMTP 1.0 peer (as in libzmq) whose first
        frame ("G" = 71 octets) never completes: nothing is delivered, and the socket serves
        the next peer while that connection stays open.  */
    const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    int hfd = raw_connect_nodelay (port);
    CHECK (hfd >= 0);
    CHECK_EQ (write_all (hfd, http, sizeof http - 1), 0);
    STILL_SERVES (pull, port);
    RECV_NONE (pull);
    close (hfd);
    /*  A valid signature and major, then 53 bytes of noise (mechanism "\x01\x02...").  */
    unsigned char g[64];
    for (int i = 0; i < 64; i++)
        g[i] = (unsigned char) (i * 37 + 1);
    memcpy (g, sig_empty, 10);
    g[10] = 3;
    CHECK_EQ (hostile (port, 0, g, 64), 0);
    STILL_SERVES (pull, port);
    /*  All 0xFF.  */
    memset (g, 0xff, 64);
    CHECK_EQ (hostile (port, 0, g, 64), 0);
    STILL_SERVES (pull, port);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (wrong_mechanism)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    const char *mechs[] = {"PLAIN", "CURVE", "null", "NULLX"};
    for (int i = 0; i < 4; i++) {
        unsigned char g[64];
        make_greeting (g, 1, mechs[i]);
        if (hostile (port, 0, g, 64) != 0)
            TU_FAIL ("mechanism %s: not closed", mechs[i]);
    }
    STILL_SERVES (pull, port);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (bad_frames_after_the_handshake)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    /*  Reserved flag bits (each of bits 3..7).  */
    for (int bit = 3; bit < 8; bit++) {
        unsigned char f[3] = {(unsigned char) (1 << bit), 1, 'x'};
        if (hostile (port, 1, f, 3) != 0)
            TU_FAIL ("flag bit %d: not closed", bit);
    }
    /*  A command with MORE.  */
    CHECK_EQ (hostile (port, 1, "\x05\x05\x04PING", 7), 0);
    /*  A long frame announcing 2^63 - 1 bytes, and one near 2^64 (CVE-2019-6250's shape),
        followed by some bytes: refused at the header, nothing is reserved for it.  */
    unsigned char huge[9 + 64] = {2, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    memset (huge + 9, 'A', 64);
    CHECK_EQ (hostile (port, 1, huge, sizeof huge), 0);
    memset (huge + 1, 0xff, 8);
    huge[0] = 3;
    CHECK_EQ (hostile (port, 1, huge, sizeof huge), 0);
    /*  A command announcing 2^63 - 1 bytes.  */
    unsigned char hugecmd[9] = {6, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK_EQ (hostile (port, 1, hugecmd, sizeof hugecmd), 0);
    /*  A malformed command: name length past the end; PING without a TTL.  */
    CHECK_EQ (hostile (port, 1, "\x04\x03\x09SU", 5), 0);
    CHECK_EQ (hostile (port, 1, "\x04\x06\x04PING\x00", 8), 0);
    /*  An ERROR command ends the connection.  */
    CHECK_EQ (hostile (port, 1, "\x04\x09\x05" "ERROR\x02no", 11), 0);
    /*  Nothing of the above reached the socket.  */
    RECV_NONE (pull);
    STILL_SERVES (pull, port);
    RECV_NONE (pull);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (message_over_maxmsgsize)
{
    void *ctx = zmq_ctx_new ();
    void *pull = mk_socket (ctx, ZMQ_PULL, 3000, 3000, 0);
    CHECK (pull);
    int64_t max = 100;
    CHECK_OK (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &max, sizeof max));
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    int port = zmq_port (pull);
    /*  101 bytes, short form; then 1000 in the long form.  */
    unsigned char f[2 + 101];
    f[0] = 0;
    f[1] = 101;
    memset (f + 2, 'y', 101);
    CHECK_EQ (hostile (port, 1, f, sizeof f), 0);
    unsigned char l[9] = {2, 0, 0, 0, 0, 0, 0, 0x03, 0xe8};
    CHECK_EQ (hostile (port, 1, l, sizeof l), 0);
    RECV_NONE (pull);
    /*  Exactly 100 is fine.  */
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "PUSH", NULL, NULL), 0);
    f[1] = 100;
    CHECK_EQ (write_all (fd, f, 102), 0);
    unsigned char got[128];
    CHECK_EQ (zmq_recv (pull, got, sizeof got, 0), 100);
    close (fd);
    STILL_SERVES (pull, port);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  The handshake goes wrong after a good greeting.  */
TEST (bad_handshakes)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    struct {
        const char *what;
        const char *bytes;
        size_t len;
    } cases[] = {
        /*  An unknown command during the handshake.  */
        {"HELLO", "\x04\x06\x05HELLO", 8},
        {"unknown", "\x04\x06\x05XYZZY", 8},
        /*  Data before READY.  */
        {"data", "\x00\x02hi", 4},
        /*  READY with malformed properties: value length past the end, name length past
            the end, an empty name, a character outside the allowed set, a value length
            with the top bit set.  */
        {"value past end", "\x04\x1a\x05READY\x0bSocket-Type\x00\x00\x00\x09PUSH", 28},
        {"name past end", "\x04\x08\x05READY\x0bSo", 10},
        {"empty name", "\x04\x0b\x05READY\x00\x00\x00\x00\x00", 13},
        {"bad name", "\x04\x0c\x05READY\x01!\x00\x00\x00\x00", 14},
        {"huge value", "\x04\x1a\x05READY\x0bSocket-Type\x80\x00\x00\x04PUSH", 28},
        /*  An incompatible Socket-Type (PUSH to PULL is fine; PULL, PUB and junk are not).  */
        {"PULL to PULL", "\x04\x1a\x05READY\x0bSocket-Type\x00\x00\x00\x04PULL", 28},
        {"PUB to PULL", "\x04\x19\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB", 27},
        {"push", "\x04\x1a\x05READY\x0bSocket-Type\x00\x00\x00\x04push", 28},
        /*  An ERROR instead of READY.  */
        {"ERROR", "\x04\x09\x05" "ERROR\x02no", 11},
        /*  A malformed ERROR.  */
        {"bad ERROR", "\x04\x07\x05" "ERROR\x09", 9},
        /*  Empty command body; command name length past the end.  */
        {"empty command", "\x04\x00", 2},
        {"name past end", "\x04\x02\x09R", 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int fd = raw_connect_nodelay (port);
        CHECK (fd >= 0);
        unsigned char g[64], theirs[64];
        make_greeting (g, 1, "NULL");
        int rc = write_all (fd, g, 64) == 0 && read_exact (fd, theirs, 64) == 0 ? 0 : -1;
        if (rc == 0)
            rc = write_all (fd, cases[i].bytes, cases[i].len);
        int closed = rc == 0 && closed_within (fd, 3000);
        close (fd);
        if (!closed)
            TU_FAIL ("%s: not closed", cases[i].what);
    }
    RECV_NONE (pull);
    STILL_SERVES (pull, port);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (push_to_push_is_refused)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *push = bound (ctx, ZMQ_PUSH, &port);
    CHECK (push);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "PUSH", NULL, NULL), 0);
    CHECK (closed_within (fd, 3000));
    close (fd);
    /*  No pipe was attached for it: a send finds no peer.  */
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    /*  A PULL peer works.  */
    fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "PULL", NULL, NULL), 0);
    SEND_STR (push, "fine");
    unsigned char got[6];
    CHECK_EQ (read_exact (fd, got, 6), 0);
    CHECK_MEM_EQ (got, "\x00\x04" "fine", 6);
    close (fd);
    CLOSE_ALL (push);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (stalled_handshake_is_closed)
{
    void *ctx = zmq_ctx_new ();
    void *pull = mk_socket (ctx, ZMQ_PULL, 3000, 3000, 0);
    CHECK (pull);
    CHECK_OK (set_int (pull, ZMQ_HANDSHAKE_IVL, 200));
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    int port = zmq_port (pull);
    /*  Silent from the start; after the signature; after the greeting; READY half sent.  */
    CHECK_EQ (hostile (port, 0, NULL, 0), 0);
    CHECK_EQ (hostile (port, 0, sig_empty, 10), 0);
    unsigned char g[64];
    make_greeting (g, 1, "NULL");
    CHECK_EQ (hostile (port, 0, g, 64), 0);
    unsigned char gr[64 + 10];
    memcpy (gr, g, 64);
    memcpy (gr + 64, "\x04\x1a\x05READY\x0bS", 10);
    CHECK_EQ (hostile (port, 0, gr, sizeof gr), 0);
    /*  A completed handshake is not closed by the handshake timer.  */
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (zmtp_handshake (fd, 1, "PUSH", NULL, NULL), 0);
    msleep (500);
    CHECK_EQ (write_all (fd, "\x00\x02ok", 4), 0);
    RECV_STR (pull, "ok");
    CHECK (!closed_within (fd, 100));
    close (fd);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  A connecting socket with a short HANDSHAKE_IVL to a raw server that never answers: it
    drops the connection and connects again.  */
TEST (stalled_handshake_connecting_side)
{
    void *ctx = zmq_ctx_new ();
    void *push = mk_socket (ctx, ZMQ_PUSH, 3000, 3000, 0);
    CHECK (push);
    CHECK_OK (set_int (push, ZMQ_HANDSHAKE_IVL, 200));
    CHECK_OK (set_int (push, ZMQ_RECONNECT_IVL, 50));
    int lport, lfd = raw_listen (&lport);
    CHECK (lfd >= 0);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", lport);
    CHECK_OK (zmq_connect (push, ep));
    int fd = raw_accept (lfd);
    CHECK (fd >= 0);
    CHECK (closed_within (fd, 3000));
    close (fd);
    /*  It comes back, and a proper handshake this time carries the message.  */
    fd = raw_accept (lfd);
    CHECK (fd >= 0);
    unsigned char sig[10], g[64], rest[54];
    CHECK_EQ (read_exact (fd, sig, 10), 0);
    make_greeting (g, 1, "NULL");
    CHECK_EQ (write_all (fd, g, 64), 0);
    CHECK_EQ (read_exact (fd, rest, 54), 0);
    unsigned char body[64];
    int flags;
    CHECK_EQ (read_frame (fd, &flags, body, sizeof body), 26);
    CHECK_EQ (send_ready (fd, "PULL"), 0);
    SEND_STR (push, "late");
    unsigned char got[6];
    CHECK_EQ (read_exact (fd, got, 6), 0);
    CHECK_MEM_EQ (got, "\x00\x04late", 6);
    close (fd);
    close (lfd);
    CLOSE_ALL (push);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Reconnecting  */

/*  Accepts our connecting socket on lfd and plays a peer of the given type and minor
    version through READY; the connection, or -1.  */
static int accept_and_shake (int lfd, int minor, const char *type)
{
    int fd = raw_accept (lfd);
    unsigned char sig[10], g[64], rest[54], body[256];
    int flags;
    make_greeting (g, minor, "NULL");
    if (fd < 0 || read_exact (fd, sig, 10) != 0 || write_all (fd, g, 64) != 0
        || read_exact (fd, rest, 54) != 0 || read_frame (fd, &flags, body, sizeof body) < 0
        || send_ready (fd, type) != 0) {
        if (fd >= 0)
            close (fd);
        return -1;
    }
    return fd;
}

/*  A SUB that reconnects (its publisher restarted) sends the subscriptions in force again,
    each topic once, in the new peer's form; cancelled ones are not sent. (libzmq does the
    same when the socket next processes its commands, hence the DONTWAIT receives.)  */
TEST (sub_resubscribes_after_reconnect)
{
    void *ctx = zmq_ctx_new ();
    void *sub = mk_socket (ctx, ZMQ_SUB, 3000, 3000, 0);
    CHECK (sub);
    CHECK_OK (set_int (sub, ZMQ_RECONNECT_IVL, 50));
    int lport, lfd = raw_listen (&lport);
    CHECK (lfd >= 0);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", lport);
    CHECK_OK (zmq_connect (sub, ep));
    int fd = accept_and_shake (lfd, 1, "PUB");
    CHECK (fd >= 0);
    CHECK_OK (subscribe (sub, "a"));
    CHECK_OK (subscribe (sub, "a"));
    CHECK_OK (subscribe (sub, "b"));
    CHECK_OK (subscribe (sub, "c"));
    CHECK_OK (unsubscribe (sub, "c"));
    CHECK_OK (unsubscribe (sub, "a"));
    const char *first[] = {"\x09SUBSCRIBEa", "\x09SUBSCRIBEa", "\x09SUBSCRIBEb",
                           "\x09SUBSCRIBEc", "\x06" "CANCELc"};
    unsigned char body[64];
    int flags;
    /*  Each subscribe goes out; a cancel only when its topic's last subscription goes.  */
    for (int i = 0; i < 5; i++) {
        long n = read_frame (fd, &flags, body, sizeof body);
        if (n != (long) strlen (first[i]) || flags != 4 || memcmp (body, first[i], (size_t) n))
            TU_FAIL ("first connection, frame %d: %ld bytes, flags %d", i, n, flags);
    }
    CHECK (quiet_for (fd, 100));
    close (fd);

    /*  The publisher comes back speaking 3.0: "\x01a" and "\x01b" as messages.  */
    fd = accept_and_shake (lfd, 0, "PUB");
    CHECK (fd >= 0);
    for (int i = 0; i < 200 && quiet_for (fd, 10); i++) {
        char b[8];
        zmq_recv (sub, b, sizeof b, ZMQ_DONTWAIT);
    }
    int seen_a = 0, seen_b = 0;
    for (int i = 0; i < 2; i++) {
        long n = read_frame (fd, &flags, body, sizeof body);
        CHECK_EQ (n, 2);
        CHECK_EQ (flags, 0);
        CHECK_EQ (body[0], 1);
        seen_a += body[1] == 'a';
        seen_b += body[1] == 'b';
    }
    CHECK_EQ (seen_a, 1);
    CHECK_EQ (seen_b, 1);
    CHECK (quiet_for (fd, 100));
    close (fd);
    close (lfd);
    CLOSE_ALL (sub);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  The connection breaks while the first part of a multipart message is on its way: the
    rest of that message is not sent to the next connection as a message of its own.  */
TEST (half_sent_message_is_not_resumed_elsewhere)
{
    void *ctx = zmq_ctx_new ();
    void *push = mk_socket (ctx, ZMQ_PUSH, 3000, 3000, 0);
    CHECK (push);
    CHECK_OK (set_int (push, ZMQ_RECONNECT_IVL, 50));
    int lport, lfd = raw_listen (&lport);
    CHECK (lfd >= 0);
    int small = 4096;
    setsockopt (lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", lport);
    CHECK_OK (zmq_connect (push, ep));
    size_t big = 16u << 20;
    char *part = calloc (1, big);
    CHECK (part);
    int sent = zmq_send (push, part, big, ZMQ_SNDMORE);
    free (part);
    CHECK_EQ (sent, (int) big);
    SEND_STR (push, "tail");
    SEND_STR (push, "next");
    int fd = accept_and_shake (lfd, 1, "PULL");
    CHECK (fd >= 0);
    unsigned char got[64];
    CHECK_EQ (read_exact (fd, got, 9), 0);
    CHECK_EQ (got[0], 3); /* MORE | LONG */
    close (fd);             /* unread data: a reset */
    fd = accept_and_shake (lfd, 1, "PULL");
    CHECK (fd >= 0);
    int flags;
    long n = read_frame (fd, &flags, got, sizeof got);
    CHECK_EQ (n, 4);
    CHECK_EQ (flags, 0);
    CHECK_MEM_EQ (got, "next", 4);
    close (fd);
    close (lfd);
    CLOSE_ALL (push);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ZMTP 2.0 and 1.0 peers, served as libzmq 4.3.5 serves them when no security is set: to
    a 2.0 peer (revision 01 after the signature) we send our socket-type octet and talk 2.0
    framing from an identity frame on; a revision 00 peer gets the same greeting and 1.0
    framing; a 1.0 peer without a greeting (first octet not FF, or octet 9 with bit 0 clear)
    reads our signature as the header of our identity message, whose body follows.  */

/*  Reads n bytes from fd and compares them with want; 0 if equal.  */
static int expect_bytes (int fd, const void *want, size_t n)
{
    unsigned char got[64];
    if (n > sizeof got || read_exact (fd, got, n) != 0)
        return -1;
    return memcmp (got, want, n) == 0 ? 0 : 1;
}

/*  The start of a 2.0-style greeting, staged as libzmq stages it: our signature comes, the
    peer's goes, our major (3) comes; then the peer's revision and socket type go. 0 on
    success, else the step that failed.  */
static int old_greeting (int fd, const char *rev_and_type)
{
    if (expect_bytes (fd, sig_empty, 10) != 0)
        return 1;
    if (write_all (fd, sig_empty, 10) != 0)
        return 2;
    if (expect_bytes (fd, "\x03", 1) != 0)
        return 3;
    return write_all (fd, rev_and_type, 2) != 0 ? 4 : 0;
}

TEST (zmtp_20_peer_talks_20)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *router = bound (ctx, ZMQ_ROUTER, &port);
    CHECK (router);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    /*  Staged as libzmq: our signature, our major once theirs came, then our socket type
        (ROUTER = 6) once their revision (01, DEALER) showed a 2.0 peer.  */
    CHECK_EQ (old_greeting (fd, "\x01\x05"), 0);
    CHECK_EQ (expect_bytes (fd, "\x06", 1), 0);
    /*  Our (empty) identity in 2.0 framing, then theirs, then messages.  */
    CHECK_EQ (expect_bytes (fd, "\x00\x00", 2), 0);
    CHECK_EQ (write_all (fd, "\x00\x03" "abc" "\x00\x05hello" "\x01\x01" "a" "\x00\x01" "b", 18),
              0);
    RECV_PARTS (router, "abc", "hello");
    RECV_PARTS (router, "abc", "a", "b");
    SEND_PARTS (router, "abc", "world");
    SEND_PARTS (router, "abc", "x", "y");
    CHECK_EQ (expect_bytes (fd, "\x00\x05world\x01\x01x\x00\x01y", 13), 0);
    close (fd);
    CLOSE_ALL (router);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  Our connecting DEALER with a 2.0 peer listening.  */
TEST (zmtp_20_peer_connecting_side)
{
    void *ctx = zmq_ctx_new ();
    int port;
    int lfd = raw_listen (&port);
    CHECK (lfd >= 0);
    void *dealer = mk_socket (ctx, ZMQ_DEALER, 3000, 3000, 0);
    CHECK (dealer);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    CHECK_OK (zmq_connect (dealer, ep));
    int fd = raw_accept (lfd);
    CHECK (fd >= 0);
    CHECK_EQ (old_greeting (fd, "\x01\x06"), 0);
    CHECK_EQ (write_all (fd, "\x00\x02id", 4), 0);
    CHECK_EQ (expect_bytes (fd, "\x05\x00\x00", 3), 0);
    SEND_STR (dealer, "up");
    CHECK_EQ (expect_bytes (fd, "\x00\x02up", 4), 0);
    CHECK_EQ (write_all (fd, "\x00\x04" "down", 6), 0);
    RECV_STR (dealer, "down");
    close (fd);
    close (lfd);
    CLOSE_ALL (dealer);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  Revision 00: the 2.0-style greeting, then 1.0 framing (length counts the flags octet).  */
TEST (zmtp_10_versioned_peer)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (old_greeting (fd, "\x00\x08"), 0);
    /*  PULL = 7, then our empty identity as a 1.0 frame.  */
    CHECK_EQ (expect_bytes (fd, "\x07\x01\x00", 3), 0);
    CHECK_EQ (write_all (fd, "\x01\x00" "\x06\x00hello" "\x02\x01" "a" "\x02\x00" "b", 15), 0);
    RECV_STR (pull, "hello");
    RECV_PARTS (pull, "a", "b");
    close (fd);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  A 1.0 peer without greeting: an XPUB sees it subscribed to everything (1.0 subscribers
    send no subscriptions) and sends it 1.0 frames.  */
TEST (zmtp_10_unversioned_subscriber)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *xpub = bound (ctx, ZMQ_XPUB, &port);
    CHECK (xpub);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (write_all (fd, "\x01\x00", 2), 0);
    /*  Our signature is the header of our identity message (empty: nothing follows).  */
    CHECK_EQ (expect_bytes (fd, sig_empty, 10), 0);
    RECV_STR (xpub, "\x01");
    SEND_STR (xpub, "news");
    CHECK_EQ (expect_bytes (fd, "\x05\x00news", 6), 0);
    close (fd);
    CLOSE_ALL (xpub);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  A 1.0 peer whose signature octet 9 has bit 0 clear, to a DEALER with a routing id: our
    signature's padding is the id's length + 1, and the id follows.  */
TEST (zmtp_10_unversioned_with_identity)
{
    void *ctx = zmq_ctx_new ();
    void *dealer = mk_socket (ctx, ZMQ_DEALER, 3000, 3000, 0);
    CHECK (dealer);
    CHECK_OK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "me", 2));
    CHECK_OK (zmq_bind (dealer, "tcp://127.0.0.1:*"));
    int port = zmq_port (dealer);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    /*  A long-form 1.0 identity frame: FF, length 3 in 8 octets, flags 00, "id".  */
    CHECK_EQ (write_all (fd, "\xff\x00\x00\x00\x00\x00\x00\x00\x03\x00id", 12), 0);
    CHECK_EQ (expect_bytes (fd, "\xff\x00\x00\x00\x00\x00\x00\x00\x03\x7fme", 12), 0);
    CHECK_EQ (write_all (fd, "\x04\x00yes", 5), 0);
    RECV_STR (dealer, "yes");
    SEND_STR (dealer, "hi");
    CHECK_EQ (expect_bytes (fd, "\x03\x00hi", 4), 0);
    close (fd);
    CLOSE_ALL (dealer);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  With a ZAP domain set (as with any security mechanism) 1.0 and 2.0 peers are refused:
    they cannot authenticate.  */
TEST (old_peers_refused_when_zap_is_on)
{
    void *ctx = zmq_ctx_new ();
    void *pull = mk_socket (ctx, ZMQ_PULL, 3000, 3000, 0);
    CHECK (pull);
    CHECK_OK (zmq_setsockopt (pull, ZMQ_ZAP_DOMAIN, "global", 6));
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    int port = zmq_port (pull);
    CHECK_EQ (hostile (port, 0, "\x01\x00\x06\x00hello", 9), 0);
    int fd = raw_connect_nodelay (port);
    CHECK (fd >= 0);
    CHECK_EQ (old_greeting (fd, "\x01\x08"), 0);
    CHECK_EQ (write_all (fd, "\x00\x00\x00\x02hi", 6), 0);
    CHECK (closed_within (fd, 3000));
    close (fd);
    RECV_NONE (pull);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  Many hostile connections in a row leave the socket working and memory flat: a large
    frame announced but never finished is freed with its connection.  */
TEST (half_sent_large_frames_are_freed)
{
    void *ctx = zmq_ctx_new ();
    int port;
    void *pull = bound (ctx, ZMQ_PULL, &port);
    CHECK (pull);
    static unsigned char chunk[65536];
    memset (chunk, 'z', sizeof chunk);
    for (int i = 0; i < 20; i++) {
        int fd = raw_connect_nodelay (port);
        CHECK (fd >= 0);
        CHECK_EQ (zmtp_handshake (fd, 1, "PUSH", NULL, NULL), 0);
        /*  4 MiB announced, 64 KiB sent, then gone; and a MORE part left dangling.  */
        unsigned char h[9] = {2, 0, 0, 0, 0, 0, 0x40, 0, 0};
        CHECK_EQ (write_all (fd, "\x01\x04part", 6), 0);
        CHECK_EQ (write_all (fd, h, 9), 0);
        CHECK_EQ (write_all (fd, chunk, sizeof chunk), 0);
        close (fd);
    }
    RECV_NONE (pull);
    STILL_SERVES (pull, port);
    RECV_NONE (pull);
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN (greeting_is_staged_and_exact);
    RUN (long_form_for_a_short_frame);
    RUN (ready_identity_per_type);
    RUN (push_frames_exact);
    RUN (everything_in_one_write);
    RUN (large_message_arrives_whole);
    RUN (flow_control_with_a_raw_peer);
    RUN (router_and_rep_envelopes);
    RUN (other_commands_after_the_handshake_are_ignored);
    RUN (half_open_peers_get_no_messages);
    RUN (ipc_raw_peer);
    RUN (ready_with_large_metadata);
    RUN (xpub_gets_subscriptions_from_30_and_31_peers);
    RUN (sub_subscriptions_on_the_wire);
    RUN (ping_gets_pong_with_context);
    RUN (subscribe_command_to_pull_is_ignored);
    RUN (garbage_instead_of_a_greeting);
    RUN (wrong_mechanism);
    RUN (bad_frames_after_the_handshake);
    RUN (message_over_maxmsgsize);
    RUN (bad_handshakes);
    RUN (push_to_push_is_refused);
    RUN (stalled_handshake_is_closed);
    RUN (stalled_handshake_connecting_side);
    RUN (sub_resubscribes_after_reconnect);
    RUN (half_sent_message_is_not_resumed_elsewhere);
    RUN (zmtp_20_peer_talks_20);
    RUN (zmtp_20_peer_connecting_side);
    RUN (zmtp_10_versioned_peer);
    RUN (zmtp_10_unversioned_subscriber);
    RUN (zmtp_10_unversioned_with_identity);
    RUN (old_peers_refused_when_zap_is_on);
    RUN (half_sent_large_frames_are_freed);
    RUN (pub_drops_data_from_subscribers);
    RUN (ping_flood_without_reading);
    RUN (old_handshake_timer_spares_the_new_connection);
    return test_summary ();
}
