/* One side of an interop scenario between the real libzmq and ours.
 *
 * Compiled once against the system zmq.h and linked to the system libzmq.so.5; the driver
 * (run.sh) runs it either as is (the real libzmq) or with LD_LIBRARY_PATH pointing at our
 * build. The first argument says which library this process must be running on, checked
 * with zmq_version(): "ours" is 4.3.5, "sys" is 4.3.4.
 *
 *   peer LIB SCENARIO SIDE bind     ENDPOINT [ENDPOINT2]   prints the bound endpoints
 *   peer LIB SCENARIO SIDE connect  ENDPOINT [ENDPOINT2]     on one stdout line
 *   peer LIB restart pull bind|connect ENDPOINT PHASE LAST (see the restart scenario)
 *
 * SCENARIO/SIDE: pair-pair, dealer-dealer, router-router, req-rep, req-router, dealer-rep,
 * dealer-router, heartbeat (client|server); push-pull (push|pull); pub-sub, pub-xsub,
 * xpub-xsub, xpub-sub (pub|sub; the first two take a second endpoint, a back channel);
 * restart (push|pull).
 *
 * Exit 0 when this side saw everything it expected; on any mismatch it prints what was
 * expected and what arrived on stderr and exits 1 (3: wrong library, 4: usage).
 */
#include <zmq.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RCV_TIMEOUT_MS 3000
#define SND_TIMEOUT_MS 3000
#define MAX_FRAMES 16

static const char *g_lib, *g_scenario, *g_side;
static void *g_ctx;
/* "curve+SCENARIO": every socket of the run is a CURVE server (pub and server sides) or a
 * CURVE client (the others); set in main. */
static int g_curve_role; /* 0 none, 1 server, 2 client */
static void curve_socket (void *s, int server);

static void die (const char *fmt, ...)
{
    va_list ap;
    fprintf (stderr, "[%s %s/%s] FAIL: ", g_lib, g_scenario, g_side);
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fputc ('\n', stderr);
    fflush (stderr);
    _exit (1);
}

static void note (const char *fmt, ...)
{
    va_list ap;
    fprintf (stderr, "[%s %s/%s] ", g_lib, g_scenario, g_side);
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fputc ('\n', stderr);
    fflush (stderr);
}

static void check_library (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    int want_patch = strcmp (g_lib, "ours") == 0 ? 5 : 4;
    if (major != 4 || minor != 3 || patch != want_patch) {
        fprintf (stderr, "[%s] wrong library: zmq_version says %d.%d.%d, expected 4.3.%d\n",
                 g_lib, major, minor, patch, want_patch);
        exit (3);
    }
}

/* ---- the payload suite ------------------------------------------------------------- */

#define MIB (1024 * 1024)
typedef struct {
    int n;
    size_t size[MAX_FRAMES];
} shape_t;

static const shape_t suite[] = {
    {1, {0}},
    {1, {1}},
    {1, {255}},
    {1, {256}},
    {1, {65536}},
    {1, {8 * MIB}},
    {3, {0, 0, 0}},
    {5, {1, 0, 255, 0, 256}},
    {4, {65536, 8 * MIB, 0, 1}},
    {10, {3, 5, 7, 11, 13, 17, 19, 23, 29, 31}},
    {6, {254, 255, 256, 257, 65535, 65537}},
};
#define SUITE_LEN ((int) (sizeof suite / sizeof suite[0]))

static uint8_t pattern (int msg, int frame, size_t j)
{
    return (uint8_t) (j * 131u + (j >> 8) * 7u + (unsigned) msg * 17u + (unsigned) frame * 29u + 1u);
}

static void fill (uint8_t *buf, size_t n, int msg, int frame)
{
    for (size_t j = 0; j < n; j++)
        buf[j] = pattern (msg, frame, j);
}

/* ---- frame helpers ------------------------------------------------------------------- */

static void setint (void *s, int opt, int v)
{
    if (zmq_setsockopt (s, opt, &v, sizeof v) != 0)
        die ("setsockopt %d: %s", opt, zmq_strerror (errno));
}

static void *mksock (int type)
{
    void *s = zmq_socket (g_ctx, type);
    if (!s)
        die ("zmq_socket %d: %s", type, zmq_strerror (errno));
    setint (s, ZMQ_RCVTIMEO, RCV_TIMEOUT_MS);
    setint (s, ZMQ_SNDTIMEO, SND_TIMEOUT_MS);
    if (g_curve_role)
        curve_socket (s, g_curve_role == 1);
    return s;
}

static void send_bytes (void *s, const void *data, size_t n, int more)
{
    if (zmq_send (s, data, n, more ? ZMQ_SNDMORE : 0) != (int) n)
        die ("send of %zu bytes: %s", n, zmq_strerror (errno));
}

static void send_str (void *s, const char *str, int more)
{
    send_bytes (s, str, strlen (str), more);
}

static void send_frame (void *s, int msg, int frame, size_t n, int more)
{
    zmq_msg_t m;
    if (zmq_msg_init_size (&m, n) != 0)
        die ("msg_init_size %zu", n);
    fill ((uint8_t *) zmq_msg_data (&m), n, msg, frame);
    if (zmq_msg_send (&m, s, more ? ZMQ_SNDMORE : 0) != (int) n)
        die ("send of frame %d/%d (%zu bytes): %s", msg, frame, n, zmq_strerror (errno));
}

/* Sends suite message i's frames (the caller may have sent envelope frames before). */
static void send_suite (void *s, int i)
{
    for (int f = 0; f < suite[i].n; f++)
        send_frame (s, i, f, suite[i].size[f], f + 1 < suite[i].n);
}

/* Receives one frame into m (initialised here); returns whether more frames follow. */
static int recv_frame (void *s, zmq_msg_t *m, const char *what)
{
    zmq_msg_init (m);
    if (zmq_msg_recv (m, s, 0) < 0)
        die ("recv (%s): %s", what, zmq_strerror (errno));
    return zmq_msg_more (m);
}

static void show (const zmq_msg_t *m, char *out, size_t cap)
{
    const uint8_t *d = (const uint8_t *) zmq_msg_data ((zmq_msg_t *) m);
    size_t n = zmq_msg_size ((zmq_msg_t *) m), k = 0;
    for (size_t j = 0; j < n && j < 24 && k + 5 < cap; j++)
        k += (size_t) snprintf (out + k, cap - k, (d[j] >= 32 && d[j] < 127 && d[j] != '\\') ? "%c" : "\\x%02x", d[j]);
    if (n > 24 && k + 4 < cap)
        snprintf (out + k, cap - k, "...");
    if (k == 0 && cap)
        out[0] = 0;
}

/* Expects one frame equal to data[0..n), with the given MORE flag. */
static void expect_bytes (void *s, const void *data, size_t n, int more, const char *what)
{
    zmq_msg_t m;
    int got_more = recv_frame (s, &m, what);
    if (zmq_msg_size (&m) != n || memcmp (zmq_msg_data (&m), data, n) != 0) {
        char buf[160], want[160];
        show (&m, buf, sizeof buf);
        zmq_msg_t w;
        zmq_msg_init_size (&w, n);
        memcpy (zmq_msg_data (&w), data, n);
        show (&w, want, sizeof want);
        zmq_msg_close (&w);
        die ("%s: expected frame \"%s\" (%zu bytes), got \"%s\" (%zu bytes)", what, want, n, buf,
             zmq_msg_size (&m));
    }
    if (got_more != more)
        die ("%s: frame has MORE=%d, expected %d", what, got_more, more);
    zmq_msg_close (&m);
}

static void expect_str (void *s, const char *str, int more, const char *what)
{
    expect_bytes (s, str, strlen (str), more, what);
}

/* Checks a received frame against suite message i, frame f. */
static void check_frame (const zmq_msg_t *m, int i, int f, int more)
{
    size_t want = suite[i].size[f], n = zmq_msg_size ((zmq_msg_t *) m);
    if (n != want) {
        char buf[160];
        show (m, buf, sizeof buf);
        die ("message %d frame %d: expected %zu bytes, got %zu (\"%s\")", i, f, want, n, buf);
    }
    const uint8_t *d = (const uint8_t *) zmq_msg_data ((zmq_msg_t *) m);
    for (size_t j = 0; j < n; j++)
        if (d[j] != pattern (i, f, j))
            die ("message %d frame %d (%zu bytes): byte %zu is 0x%02x, expected 0x%02x", i, f, n,
                 j, d[j], pattern (i, f, j));
    int want_more = f + 1 < suite[i].n;
    if (more != want_more)
        die ("message %d frame %d: MORE=%d, expected %d", i, f, more, want_more);
}

/* Receives the rest of suite message i (after any envelope) and checks it byte for byte. */
static void expect_suite (void *s, int i)
{
    for (int f = 0; f < suite[i].n; f++) {
        zmq_msg_t m;
        char what[64];
        snprintf (what, sizeof what, "message %d frame %d", i, f);
        int more = recv_frame (s, &m, what);
        check_frame (&m, i, f, more);
        zmq_msg_close (&m);
    }
}

static void close_all (zmq_msg_t *fr, int n)
{
    for (int k = 0; k < n; k++)
        zmq_msg_close (&fr[k]);
}

/* Sends back frames fr[0..n) (e.g. an echo), keeping their contents. */
static void send_all (void *s, zmq_msg_t *fr, int n)
{
    for (int k = 0; k < n; k++) {
        size_t sz = zmq_msg_size (&fr[k]);
        if (zmq_msg_send (&fr[k], s, k + 1 < n ? ZMQ_SNDMORE : 0) != (int) sz)
            die ("echo send frame %d: %s", k, zmq_strerror (errno));
    }
}

/* ---- endpoints ---------------------------------------------------------------------- */

static void endpoint_of (void *s, char *buf, size_t cap)
{
    size_t len = cap;
    if (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len) != 0)
        die ("ZMQ_LAST_ENDPOINT: %s", zmq_strerror (errno));
}

/* Binds or connects each socket in socks to the matching endpoint; a binder prints the
 * resolved endpoints (ZMQ_LAST_ENDPOINT) on one stdout line. */
static void attach (int bind, void **socks, int n, char **eps)
{
    char line[1024] = "";
    for (int k = 0; k < n; k++) {
        if (bind) {
            if (zmq_bind (socks[k], eps[k]) != 0)
                die ("bind %s: %s", eps[k], zmq_strerror (errno));
            char ep[256];
            endpoint_of (socks[k], ep, sizeof ep);
            if (k)
                strcat (line, " ");
            strncat (line, ep, sizeof line - strlen (line) - 2);
        } else if (zmq_connect (socks[k], eps[k]) != 0)
            die ("connect %s: %s", eps[k], zmq_strerror (errno));
    }
    if (bind) {
        printf ("%s\n", line);
        fflush (stdout);
    }
}

/* ---- scenarios ---------------------------------------------------------------------- */

/* Echo pairs: the client sends every suite message (with its envelope), the server checks
 * it and sends it back, the client checks the echo. */
static void run_echo (const char *scn, const char *side, int bind, char **eps)
{
    int client = 0, ctype = 0, stype = 0;
    if (!strcmp (scn, "pair-pair")) ctype = stype = ZMQ_PAIR;
    else if (!strcmp (scn, "dealer-dealer")) ctype = stype = ZMQ_DEALER;
    else if (!strcmp (scn, "req-rep")) ctype = ZMQ_REQ, stype = ZMQ_REP;
    else if (!strcmp (scn, "req-router")) ctype = ZMQ_REQ, stype = ZMQ_ROUTER;
    else if (!strcmp (scn, "dealer-rep")) ctype = ZMQ_DEALER, stype = ZMQ_REP;
    else if (!strcmp (scn, "dealer-router")) ctype = ZMQ_DEALER, stype = ZMQ_ROUTER;
    else if (!strcmp (scn, "router-router")) ctype = stype = ZMQ_ROUTER;
    else die ("unknown scenario");
    if (!strcmp (side, "client")) client = 1;
    else if (strcmp (side, "server")) die ("unknown side");

    void *s = mksock (client ? ctype : stype);
    if (!strcmp (scn, "dealer-router") && client)
        zmq_setsockopt (s, ZMQ_ROUTING_ID, "dealer-id", 9);
    if (!strcmp (scn, "router-router")) {
        const char *id = client ? "client-id" : "server-id";
        zmq_setsockopt (s, ZMQ_ROUTING_ID, id, strlen (id));
        setint (s, ZMQ_ROUTER_MANDATORY, 1);
    }
    attach (bind, &s, 1, eps);

    if (client) {
        for (int i = 0; i < SUITE_LEN; i++) {
            if (!strcmp (scn, "router-router")) {
                /* Address the server by its routing id; until the handshake is done the
                 * peer is unknown (EHOSTUNREACH): retry only for the first message. */
                int waited = 0;
                while (zmq_send (s, "server-id", 9, ZMQ_SNDMORE) != 9) {
                    if (errno != EHOSTUNREACH || i > 0 || waited > RCV_TIMEOUT_MS)
                        die ("send to server-id: %s", zmq_strerror (errno));
                    usleep (10000);
                    waited += 10;
                }
            }
            if (!strcmp (scn, "dealer-rep"))
                send_bytes (s, "", 0, 1);
            send_suite (s, i);
            if (!strcmp (scn, "router-router"))
                expect_str (s, "server-id", 1, "server's routing id");
            if (!strcmp (scn, "dealer-rep"))
                expect_str (s, "", 1, "empty delimiter from REP");
            expect_suite (s, i);
        }
    } else {
        for (int i = 0; i < SUITE_LEN; i++) {
            zmq_msg_t env[2];
            int nenv = 0;
            if (stype == ZMQ_ROUTER) {
                int more = recv_frame (s, &env[nenv++], "routing id");
                if (!more)
                    die ("routing id frame without MORE");
                const char *want = !strcmp (scn, "dealer-router") ? "dealer-id"
                                   : !strcmp (scn, "router-router") ? "client-id" : NULL;
                size_t n = zmq_msg_size (&env[0]);
                if (want ? (n != strlen (want) || memcmp (zmq_msg_data (&env[0]), want, n))
                         : (n != 5 || ((uint8_t *) zmq_msg_data (&env[0]))[0] != 0)) {
                    char buf[160];
                    show (&env[0], buf, sizeof buf);
                    die ("message %d: routing id \"%s\" (%zu bytes), expected %s", i, buf, n,
                         want ? want : "a generated 5-byte id");
                }
                if (ctype == ZMQ_REQ) {
                    zmq_msg_t d;
                    if (!recv_frame (s, &d, "REQ delimiter") || zmq_msg_size (&d) != 0)
                        die ("message %d: REQ's empty delimiter missing (%zu bytes)", i, zmq_msg_size (&d));
                    env[nenv++] = d;
                }
            }
            zmq_msg_t body[MAX_FRAMES];
            for (int f = 0; f < suite[i].n; f++) {
                char what[64];
                snprintf (what, sizeof what, "message %d frame %d", i, f);
                int more = recv_frame (s, &body[f], what);
                check_frame (&body[f], i, f, more);
            }
            for (int k = 0; k < nenv; k++)
                if (zmq_msg_send (&env[k], s, ZMQ_SNDMORE) < 0)
                    die ("reply envelope: %s", zmq_strerror (errno));
            send_all (s, body, suite[i].n);
            close_all (body, suite[i].n);
        }
        /* Wait for nothing more: the client has its last echo when it exits; linger flushes. */
    }
    zmq_close (s);
}

static void push_pull (const char *side, int bind, char **eps)
{
    if (!strcmp (side, "push")) {
        void *s = mksock (ZMQ_PUSH);
        attach (bind, &s, 1, eps);
        for (int i = 0; i < SUITE_LEN; i++)
            send_suite (s, i);
        send_str (s, "end", 0);
        zmq_close (s); /* default linger: zmq_ctx_term waits for delivery */
    } else {
        void *s = mksock (ZMQ_PULL);
        attach (bind, &s, 1, eps);
        for (int i = 0; i < SUITE_LEN; i++)
            expect_suite (s, i);
        expect_str (s, "end", 0, "end marker");
        zmq_close (s);
    }
}

static const char *topic_of (int i)
{
    static const char *t[] = {"A", "B", "C"};
    return t[i % 3];
}

/* Publisher half: data messages on topics A, B, C (each a topic frame then a suite message),
 * an end marker; with phase 2 only topics A and B. */
static void publish_round (void *s)
{
    for (int i = 0; i < SUITE_LEN; i++) {
        send_str (s, topic_of (i), 1);
        send_suite (s, i);
    }
    send_str (s, "A-end", 0);
}

/* Subscriber half: receives the round, skipping probes; expects only topics in `want`. */
static void expect_round (void *s, const char *want, const char *phase)
{
    int i = 0;
    while (1) {
        zmq_msg_t t;
        char what[80];
        snprintf (what, sizeof what, "%s: topic of the message after %d", phase, i - 1);
        int more = recv_frame (s, &t, what);
        size_t n = zmq_msg_size (&t);
        const char *d = (const char *) zmq_msg_data (&t);
        if (!more && n == 7 && !memcmp (d + 1, "-probe", 6) && strchr (want, d[0])) {
            zmq_msg_close (&t);
            continue;
        }
        if (!more && n == 5 && !memcmp (d, "A-end", 5)) {
            zmq_msg_close (&t);
            break;
        }
        while (i < SUITE_LEN && !strchr (want, topic_of (i)[0]))
            i++;
        if (i >= SUITE_LEN || n != 1 || d[0] != topic_of (i)[0] || !more) {
            char buf[160];
            show (&t, buf, sizeof buf);
            die ("%s: expected topic \"%s\" of message %d (MORE), got \"%s\" (%zu bytes, MORE=%d)",
                 phase, i < SUITE_LEN ? topic_of (i) : "A-end", i, buf, n, more);
        }
        zmq_msg_close (&t);
        expect_suite (s, i);
        i++;
    }
    while (i < SUITE_LEN && !strchr (want, topic_of (i)[0]))
        i++;
    if (i != SUITE_LEN)
        die ("%s: \"A-end\" arrived before message %d (topic %s)", phase, i, topic_of (i));
}

/* PUB (or XPUB-as-PUB) with a PULL back channel: probes until the subscriber says it sees
 * both topics, then data; after the subscriber's unsubscription, data again. */
static void pub_side (int type, int bind, char **eps)
{
    void *socks[2] = {mksock (type), mksock (ZMQ_PULL)};
    attach (bind, socks, 2, eps);
    void *s = socks[0], *back = socks[1];
    int rounds = 0;
    for (;; rounds++) {
        send_str (s, "A-probe", 0);
        send_str (s, "B-probe", 0);
        send_str (s, "C-probe", 0);
        zmq_pollitem_t it = {back, 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&it, 1, 20) < 0)
            die ("poll: %s", zmq_strerror (errno));
        if (it.revents & ZMQ_POLLIN)
            break;
        if (rounds > 250)
            die ("the subscriber never confirmed seeing probes on A and B");
    }
    expect_str (back, "subscribed", 0, "back channel");
    publish_round (s);
    expect_str (back, "unsubscribed B", 0, "back channel");
    /* Until the subscriber sees a round whose B probe was filtered out. */
    for (rounds = 0;; rounds++) {
        send_str (s, "B-probe", 0);
        send_str (s, "A-probe", 0);
        zmq_pollitem_t it = {back, 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&it, 1, 20) < 0)
            die ("poll: %s", zmq_strerror (errno));
        if (it.revents & ZMQ_POLLIN)
            break;
        if (rounds > 250)
            die ("the subscriber never saw B filtered out after its unsubscription");
    }
    expect_str (back, "B filtered", 0, "back channel");
    publish_round (s);
    expect_str (back, "bye", 0, "back channel");
    zmq_close (s);
    zmq_close (back);
}

static void sub_side (int type, int bind, char **eps)
{
    void *socks[2] = {mksock (type), mksock (ZMQ_PUSH)};
    void *s = socks[0], *back = socks[1];
    if (type == ZMQ_SUB) {
        zmq_setsockopt (s, ZMQ_SUBSCRIBE, "A", 1);
        zmq_setsockopt (s, ZMQ_SUBSCRIBE, "B", 1);
    }
    attach (bind, socks, 2, eps);
    if (type == ZMQ_XSUB) {
        send_bytes (s, "\001A", 2, 0);
        send_bytes (s, "\001B", 2, 0);
    }
    int seen_a = 0, seen_b = 0;
    while (!(seen_a && seen_b)) {
        zmq_msg_t m;
        int more = recv_frame (s, &m, "probe");
        size_t n = zmq_msg_size (&m);
        const char *d = (const char *) zmq_msg_data (&m);
        if (more || n != 7)
            die ("expected a probe, got %zu bytes (MORE=%d)", n, more);
        if (!memcmp (d, "A-probe", 7)) seen_a = 1;
        else if (!memcmp (d, "B-probe", 7)) seen_b = 1;
        else {
            char buf[160];
            show (&m, buf, sizeof buf);
            die ("unexpected probe \"%s\" (not subscribed)", buf);
        }
        zmq_msg_close (&m);
    }
    send_str (back, "subscribed", 0);
    expect_round (s, "AB", "subscribed to A and B");
    if (type == ZMQ_SUB)
        zmq_setsockopt (s, ZMQ_UNSUBSCRIBE, "B", 1);
    else
        send_bytes (s, "\000B", 2, 0);
    send_str (back, "unsubscribed B", 0);
    /* Probe rounds are B then A: an A probe right after another A probe (or first) means the
     * publisher dropped that round's B probe, so the cancel reached it. */
    int prev_b = 0;
    while (1) {
        zmq_msg_t m;
        int more = recv_frame (s, &m, "probe after the unsubscription");
        size_t n = zmq_msg_size (&m);
        const char *d = (const char *) zmq_msg_data (&m);
        if (more || n != 7 || (memcmp (d, "A-probe", 7) && memcmp (d, "B-probe", 7))) {
            char buf[160];
            show (&m, buf, sizeof buf);
            die ("expected an A or B probe after unsubscribing, got \"%s\" (%zu bytes, MORE=%d)", buf, n, more);
        }
        int is_a = d[0] == 'A';
        zmq_msg_close (&m);
        if (is_a && !prev_b)
            break;
        prev_b = !is_a;
    }
    send_str (back, "B filtered", 0);
    expect_round (s, "A", "unsubscribed from B");
    send_str (back, "bye", 0);
    zmq_close (s);
    zmq_close (back);
}

/* XPUB side of xpub-xsub / xpub-sub: reads the subscriptions themselves, so it needs no
 * back channel. */
static void xpub_side (int bind, char **eps)
{
    void *s = mksock (ZMQ_XPUB);
    attach (bind, &s, 1, eps);
    /* Subscriptions made before connecting may arrive in either order. */
    int seen_a = 0, seen_b = 0;
    for (int k = 0; k < 2; k++) {
        zmq_msg_t m;
        int more = recv_frame (s, &m, "subscription");
        const char *d = (const char *) zmq_msg_data (&m);
        if (!more && zmq_msg_size (&m) == 2 && !memcmp (d, "\001A", 2) && !seen_a) seen_a = 1;
        else if (!more && zmq_msg_size (&m) == 2 && !memcmp (d, "\001B", 2) && !seen_b) seen_b = 1;
        else {
            char buf[160];
            show (&m, buf, sizeof buf);
            die ("expected subscription \\x01A or \\x01B, got \"%s\" (%zu bytes, MORE=%d)", buf,
                 zmq_msg_size (&m), more);
        }
        zmq_msg_close (&m);
    }
    publish_round (s);
    expect_bytes (s, "\000B", 2, 0, "unsubscription from B");
    publish_round (s);
    expect_bytes (s, "\001Z", 2, 0, "closing subscription to Z");
    zmq_close (s);
}

static void xsub_side (int type, int bind, char **eps)
{
    void *s = mksock (type);
    if (type == ZMQ_SUB) {
        zmq_setsockopt (s, ZMQ_SUBSCRIBE, "A", 1);
        zmq_setsockopt (s, ZMQ_SUBSCRIBE, "B", 1);
    }
    attach (bind, &s, 1, eps);
    if (type == ZMQ_XSUB) {
        send_bytes (s, "\001A", 2, 0);
        send_bytes (s, "\001B", 2, 0);
    }
    expect_round (s, "AB", "subscribed to A and B");
    if (type == ZMQ_SUB)
        zmq_setsockopt (s, ZMQ_UNSUBSCRIBE, "B", 1);
    else
        send_bytes (s, "\000B", 2, 0);
    expect_round (s, "A", "unsubscribed from B");
    if (type == ZMQ_SUB)
        zmq_setsockopt (s, ZMQ_SUBSCRIBE, "Z", 1);
    else
        send_bytes (s, "\001Z", 2, 0);
    zmq_close (s);
}

/* ---- heartbeat: both sides ping (ZMQ_HEARTBEAT_IVL/TIMEOUT/TTL) across an idle second --
 * The side on the real libzmq watches its socket with zmq_socket_monitor: one handshake, no
 * disconnection, or the other side failed to answer PINGs (or dropped a live connection). */

#define HB_IDLE_MS 1000

static void check_monitor (void *mon)
{
    if (!mon)
        return;
    int handshakes = 0, disconnects = 0;
    while (1) {
        zmq_msg_t ev, addr;
        zmq_msg_init (&ev);
        if (zmq_msg_recv (&ev, mon, 0) < 0)
            break;
        uint16_t event;
        if (zmq_msg_size (&ev) < 6)
            die ("short monitor event");
        memcpy (&event, zmq_msg_data (&ev), 2);
        recv_frame (mon, &addr, "monitor address");
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            handshakes++;
        if (event == ZMQ_EVENT_DISCONNECTED)
            disconnects++;
        zmq_msg_close (&ev);
        zmq_msg_close (&addr);
    }
    if (handshakes != 1 || disconnects != 0)
        die ("the real libzmq saw %d handshakes and %d disconnections across the idle second "
             "(expected 1 and 0): the heartbeats were not answered or a live connection was dropped",
             handshakes, disconnects);
}

static void heartbeat (const char *side, int bind, char **eps)
{
    int client = !strcmp (side, "client");
    void *s = mksock (ZMQ_PAIR), *mon = NULL;
    setint (s, ZMQ_HEARTBEAT_IVL, 50);
    setint (s, ZMQ_HEARTBEAT_TIMEOUT, 250);
    setint (s, ZMQ_HEARTBEAT_TTL, 500);
    if (!strcmp (g_lib, "sys")) {
        if (zmq_socket_monitor (s, "inproc://monitor", ZMQ_EVENT_ALL) != 0)
            die ("zmq_socket_monitor: %s", zmq_strerror (errno));
        mon = mksock (ZMQ_PAIR);
        setint (mon, ZMQ_RCVTIMEO, 0);
        if (zmq_connect (mon, "inproc://monitor") != 0)
            die ("connect to the monitor: %s", zmq_strerror (errno));
    }
    attach (bind, &s, 1, eps);
    /* Each side reads its monitor while the other still waits for it, so the other's final
     * close cannot show up as a disconnection. */
    if (client) {
        send_str (s, "hello", 0);
        expect_str (s, "hello", 0, "first reply");
        usleep (HB_IDLE_MS * 1000);
        send_str (s, "after idle", 0);
        expect_str (s, "idle ok", 0, "reply after the idle second");
        check_monitor (mon);
        send_str (s, "bye", 0);
    } else {
        expect_str (s, "hello", 0, "first message");
        send_str (s, "hello", 0);
        expect_str (s, "after idle", 0, "message after the idle second");
        check_monitor (mon);
        send_str (s, "idle ok", 0);
        expect_str (s, "bye", 0, "last message");
    }
    if (mon) {
        zmq_socket_monitor (s, NULL, 0);
        zmq_close (mon);
    }
    zmq_close (s);
}

/* ---- restart: a PULL binder killed mid-stream and restarted on the same endpoint ---- */

#define RESTART_COUNT 1000
#define RESTART_SIZE 65536
#define RESTART_FIRST 50

static void fill_seq (uint8_t *b, uint32_t seq)
{
    for (int k = 0; k < 4; k++)
        b[k] = (uint8_t) (seq >> (24 - 8 * k));
    for (size_t j = 4; j < RESTART_SIZE; j++)
        b[j] = (uint8_t) (j * 13u + seq * 7u);
}

static uint32_t check_seq (zmq_msg_t *m)
{
    if (zmq_msg_size (m) != RESTART_SIZE)
        die ("restart: message of %zu bytes, expected %d", zmq_msg_size (m), RESTART_SIZE);
    const uint8_t *b = (const uint8_t *) zmq_msg_data (m);
    uint32_t seq = ((uint32_t) b[0] << 24) | ((uint32_t) b[1] << 16) | ((uint32_t) b[2] << 8) | b[3];
    for (size_t j = 4; j < RESTART_SIZE; j++)
        if (b[j] != (uint8_t) (j * 13u + seq * 7u))
            die ("restart: message %u corrupt at byte %zu", seq, j);
    return seq;
}

static void restart_push (int bind, char **eps)
{
    void *s = mksock (ZMQ_PUSH);
    setint (s, ZMQ_SNDHWM, 10);
    setint (s, ZMQ_SNDTIMEO, 20000);
    attach (bind, &s, 1, eps);
    static uint8_t buf[RESTART_SIZE];
    for (uint32_t seq = 1; seq <= RESTART_COUNT; seq++) {
        fill_seq (buf, seq);
        send_bytes (s, buf, sizeof buf, 0);
    }
    zmq_close (s);
}

/* phase 1: receive 1..RESTART_FIRST in order, print "last N", wait to be killed.
 * phase 2: the first message comes after `last`, then every next one, up to the end. */
static void restart_pull (int bind, char **eps, int phase, uint32_t last)
{
    void *s = mksock (ZMQ_PULL);
    setint (s, ZMQ_RCVHWM, 10);
    attach (bind, &s, 1, eps);
    uint32_t prev = phase == 1 ? 0 : last, got = 0;
    while (prev < RESTART_COUNT) {
        zmq_msg_t m;
        recv_frame (s, &m, phase == 1 ? "restart phase 1" : "restart phase 2 (after the restart)");
        uint32_t seq = check_seq (&m);
        zmq_msg_close (&m);
        if (seq <= prev)
            die ("phase %d: message %u after %u: %s", phase, seq, prev,
                 seq == prev ? "duplicate" : "out of order / duplicate");
        if (seq != prev + 1 && !(phase == 2 && got == 0))
            die ("phase %d: message %u after %u: messages lost on one connection", phase, seq, prev);
        if (phase == 2 && got == 0)
            note ("phase 2: first message %u after %u (%u lost with the killed process)", seq,
                  last, seq - last - 1);
        prev = seq;
        got++;
        if (phase == 1 && seq == RESTART_FIRST) {
            printf ("last %u pid %d\n", seq, (int) getpid ());
            fflush (stdout);
            while (1)
                pause (); /* the driver kills us here */
        }
    }
    note ("phase %d: received %u messages, last %u", phase, got, prev);
    zmq_close (s);
}

/* ---- stream-stream: raw bytes between STREAM sockets ---- */

#define STREAM_BYTES (300 * 1024)

static uint8_t stream_byte (size_t j)
{
    return (uint8_t) (j * 31u + (j >> 8) * 7u);
}

/* Receives one [id, data] pair from a STREAM socket: the id into id (its size into *id_len),
   the data into buf (at most cap); returns the data size. */
static size_t stream_recv (void *s, uint8_t *id, size_t *id_len, uint8_t *buf, size_t cap,
                           const char *what)
{
    zmq_msg_t m;
    if (!recv_frame (s, &m, what))
        die ("%s: an id frame without data after it", what);
    if (zmq_msg_size (&m) > 255)
        die ("%s: id of %zu bytes", what, zmq_msg_size (&m));
    *id_len = zmq_msg_size (&m);
    memcpy (id, zmq_msg_data (&m), *id_len);
    zmq_msg_close (&m);
    if (recv_frame (s, &m, what))
        die ("%s: more than two frames", what);
    size_t n = zmq_msg_size (&m);
    if (n > cap)
        die ("%s: %zu bytes, room for %zu", what, n, cap);
    memcpy (buf, zmq_msg_data (&m), n);
    zmq_msg_close (&m);
    return n;
}

/* Receives exactly `total` patterned bytes from connection id (in whatever pieces TCP gives). */
static void stream_expect (void *s, const uint8_t *id, size_t id_len, size_t total,
                           const char *what)
{
    static uint8_t buf[STREAM_BYTES];
    uint8_t from[256];
    size_t from_len, got = 0;
    while (got < total) {
        size_t n = stream_recv (s, from, &from_len, buf, sizeof buf, what);
        if (from_len != id_len || memcmp (from, id, id_len))
            die ("%s: data from another connection", what);
        if (n == 0)
            die ("%s: the connection closed after %zu of %zu bytes", what, got, total);
        for (size_t j = 0; j < n; j++)
            if (buf[j] != stream_byte (got + j))
                die ("%s: byte %zu differs", what, got + j);
        got += n;
    }
    if (got != total)
        die ("%s: %zu bytes, expected %zu", what, got, total);
}

/* The client connects, sends STREAM_BYTES to the server, which echoes them; the client
   checks the echo and closes the connection with an empty frame; the server must see the
   disconnect notification (an empty frame from the same id). */
static void stream_stream (const char *side, int bind, char **eps)
{
    void *s = mksock (ZMQ_STREAM);
    attach (bind, &s, 1, eps);
    static uint8_t data[STREAM_BYTES];
    for (size_t j = 0; j < sizeof data; j++)
        data[j] = stream_byte (j);
    uint8_t id[256], tmp[16];
    size_t id_len, n;
    n = stream_recv (s, id, &id_len, tmp, sizeof tmp, "connect notification");
    if (n != 0)
        die ("connect notification: %zu bytes of data instead of an empty frame", n);
    if (!strcmp (side, "client")) {
        send_bytes (s, id, id_len, 1);
        send_bytes (s, data, sizeof data, 0);
        stream_expect (s, id, id_len, sizeof data, "echo");
        send_bytes (s, id, id_len, 1);
        send_bytes (s, "", 0, 0);
    } else {
        stream_expect (s, id, id_len, sizeof data, "client's data");
        send_bytes (s, id, id_len, 1);
        send_bytes (s, data, sizeof data, 0);
        uint8_t from[256];
        size_t from_len;
        n = stream_recv (s, from, &from_len, tmp, sizeof tmp, "disconnect notification");
        if (n != 0 || from_len != id_len || memcmp (from, id, id_len))
            die ("disconnect notification: %zu bytes from %s id", n,
                 from_len == id_len && !memcmp (from, id, id_len) ? "the same" : "another");
    }
    setint (s, ZMQ_LINGER, 0);
    zmq_close (s);
}

/* ---- security: PLAIN and CURVE, with and without a ZAP handler ----------------------
 * Scenarios: plain (ZAP accepts admin/secret), plain-denied (wrong password: ZAP says 400),
 * curve (no ZAP handler: any client with the server's key gets in), curve-zap (ZAP accepts
 * the client's key), curve-denied (a client key ZAP does not know: 400), curve-badkey (the
 * client has the wrong server key: the server cannot open HELLO).
 * The client is a DEALER, the server a DEALER that echoes the suite; with ZAP the server
 * checks that every message carries User-Id. Refusals are awaited on both monitors and
 * nothing may be delivered. */

static const char *SERVER_PUBLIC = "mE=OUa40Mm^WZ%eB)jVV[#zHn3lEQJIN@jq7$@7j";
static const char *SERVER_SECRET = "ukw%!>XUPLlOZ#rg@Fd+B#[{/Z2T}nDc!BuYoHOh";
static const char *CLIENT_PUBLIC = "7B%<dH7g(8]82*/OJuP&B.@.YrpBmIT1Y99OJ7mF";
static const char *CLIENT_SECRET = "?D=t}U)@-l-Yx{+[Ld/X2$!xp.#:Rdf:QYj7?:0]";
static const char *OTHER_PUBLIC = "BNKBF}Qfd5bq?z4D.EqCh(f$v&5XWbHk+Y[l7S&K";
static const char *OTHER_SECRET = ")#bMcaJMt@l3%vp?[a8y==fM]PpdGiQ<xD>)%lj*";

static volatile int g_zap_stop;

/* Makes s a CURVE server or client with the test keys. */
static void curve_socket (void *s, int server)
{
    int rc;
    if (server) {
        int one = 1;
        rc = zmq_setsockopt (s, ZMQ_CURVE_SERVER, &one, sizeof one)
             || zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, SERVER_SECRET, 40);
    } else {
        rc = zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, SERVER_PUBLIC, 40)
             || zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, CLIENT_PUBLIC, 40)
             || zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, CLIENT_SECRET, 40);
    }
    if (rc)
        die ("CURVE options: %s", zmq_strerror (errno));
}

/* A REP at inproc://zeromq.zap.01: 200 with User-Id "user-admin" for admin/secret (PLAIN)
 * or the client's public key (CURVE), 400 for anything else. */
static void *zap_handler (void *sock)
{
    uint8_t client_key[32];
    zmq_z85_decode (client_key, CLIENT_PUBLIC);
    while (!g_zap_stop) {
        char f[9][256];
        int n = 0, more = 1, sz[9];
        while (more && n < 9) {
            int r = zmq_recv (sock, f[n], sizeof f[n], 0);
            if (r < 0)
                break;
            sz[n++] = r;
            more = 0;
            size_t len = sizeof more;
            zmq_getsockopt (sock, ZMQ_RCVMORE, &more, &len);
        }
        if (n < 6)
            continue;
        int ok = 0;
        if (sz[5] == 5 && !memcmp (f[5], "PLAIN", 5) && n == 8)
            ok = sz[6] == 5 && !memcmp (f[6], "admin", 5) && sz[7] == 6 && !memcmp (f[7], "secret", 6);
        else if (sz[5] == 5 && !memcmp (f[5], "CURVE", 5) && n == 7)
            ok = sz[6] == 32 && !memcmp (f[6], client_key, 32);
        zmq_send (sock, "1.0", 3, ZMQ_SNDMORE);
        zmq_send (sock, f[1], sz[1], ZMQ_SNDMORE);
        zmq_send (sock, ok ? "200" : "400", 3, ZMQ_SNDMORE);
        zmq_send (sock, ok ? "OK" : "denied", ok ? 2 : 6, ZMQ_SNDMORE);
        zmq_send (sock, ok ? "user-admin" : "", ok ? 10 : 0, ZMQ_SNDMORE);
        zmq_send (sock, "", 0, 0);
    }
    return NULL;
}

/* Waits for monitor event `want` (its value must be `value` unless -1). */
static void await_event (void *mon, int want, long value, const char *why)
{
    while (1) {
        zmq_msg_t ev, addr;
        zmq_msg_init (&ev);
        if (zmq_msg_recv (&ev, mon, 0) < 0)
            die ("no monitor event %#x (%s) came: %s", want, why, zmq_strerror (errno));
        uint16_t event;
        uint32_t v;
        memcpy (&event, zmq_msg_data (&ev), 2);
        memcpy (&v, (char *) zmq_msg_data (&ev) + 2, 4);
        recv_frame (mon, &addr, "monitor address");
        zmq_msg_close (&ev);
        zmq_msg_close (&addr);
        if (getenv ("PEER_DEBUG"))
            note ("event %#x value %u", event, v);
        if (event == want) {
            if (value >= 0 && v != (uint32_t) value)
                die ("monitor event %#x (%s) has value %u, expected %ld", want, why, v, value);
            return;
        }
    }
}

static void secure (const char *scn, const char *side, int bind, char **eps)
{
    int client = !strcmp (side, "client");
    if (!client && strcmp (side, "server"))
        die ("unknown side");
    int plain = !strncmp (scn, "plain", 5);
    int denied = strstr (scn, "denied") != NULL;
    int badkey = !strcmp (scn, "curve-badkey");
    int zap = plain || !strcmp (scn, "curve-zap") || !strcmp (scn, "curve-denied");
    void *s = mksock (ZMQ_DEALER);
    setint (s, ZMQ_LINGER, 0);
    if (zmq_socket_monitor (s, "inproc://sec-mon", ZMQ_EVENT_ALL) != 0)
        die ("monitor: %s", zmq_strerror (errno));
    void *mon = mksock (ZMQ_PAIR);
    setint (mon, ZMQ_RCVTIMEO, 10000);
    if (zmq_connect (mon, "inproc://sec-mon") != 0)
        die ("monitor connect");
    void *zsock = NULL;
    pthread_t zt;
    if (!client && zap) {
        zsock = mksock (ZMQ_REP);
        setint (zsock, ZMQ_RCVTIMEO, 100);
        setint (zsock, ZMQ_LINGER, 0);
        if (zmq_bind (zsock, "inproc://zeromq.zap.01") != 0)
            die ("bind ZAP: %s", zmq_strerror (errno));
        pthread_create (&zt, NULL, zap_handler, zsock);
    }
    if (plain && client) {
        const char *pass = denied ? "wrong" : "secret";
        zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, "admin", 5);
        zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, pass, strlen (pass));
    } else if (plain) {
        setint (s, ZMQ_PLAIN_SERVER, 1);
    } else if (client) {
        /* badkey: the wrong server key; denied: a client key ZAP does not know. */
        const char *skey = badkey ? OTHER_PUBLIC : SERVER_PUBLIC;
        const char *cpub = denied ? OTHER_PUBLIC : CLIENT_PUBLIC;
        const char *csec = denied ? OTHER_SECRET : CLIENT_SECRET;
        if (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, skey, 40)
            || zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, cpub, 40)
            || zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, csec, 40))
            die ("CURVE client options: %s", zmq_strerror (errno));
    } else {
        setint (s, ZMQ_CURVE_SERVER, 1);
        if (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, SERVER_SECRET, 40))
            die ("CURVE server key: %s", zmq_strerror (errno));
    }
    attach (bind, &s, 1, eps);

    if (denied || badkey) {
        if (denied) {
            await_event (mon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400, "refused by ZAP");
            /* The server stays until the client, told by ERROR, has dropped the connection. */
            if (!client)
                await_event (mon, ZMQ_EVENT_DISCONNECTED, -1, "client gone after ERROR");
        } else if (client)
            await_event (mon, ZMQ_EVENT_DISCONNECTED, -1, "dropped by the server");
        else
            await_event (mon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                         ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, "HELLO for another key");
        char buf[8];
        if (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
            die ("a message was delivered over a refused connection");
    } else if (client) {
        for (int i = 0; i < SUITE_LEN; i++) {
            send_suite (s, i);
            expect_suite (s, i);
        }
    } else {
        for (int i = 0; i < SUITE_LEN; i++) {
            zmq_msg_t body[MAX_FRAMES];
            for (int f = 0; f < suite[i].n; f++) {
                char what[64];
                snprintf (what, sizeof what, "message %d frame %d", i, f);
                int more = recv_frame (s, &body[f], what);
                check_frame (&body[f], i, f, more);
                const char *uid = zmq_msg_gets (&body[f], "User-Id");
                if (zap && (!uid || strcmp (uid, "user-admin")))
                    die ("message %d frame %d: User-Id is %s", i, f, uid ? uid : "missing");
            }
            send_all (s, body, suite[i].n);
        }
        /* The client closes once it has the last echo; wait for that. */
        await_event (mon, ZMQ_EVENT_DISCONNECTED, -1, "client done");
    }
    if (zsock) {
        g_zap_stop = 1;
        pthread_join (zt, NULL);
        zmq_close (zsock);
    }
    zmq_socket_monitor (s, NULL, 0);
    zmq_close (mon);
    zmq_close (s);
}

int main (int argc, char **argv)
{
    if (argc < 6) {
        fprintf (stderr, "usage: peer ours|sys SCENARIO SIDE bind|connect ENDPOINT [ENDPOINT2]\n");
        return 4;
    }
    g_lib = argv[1];
    g_scenario = argv[2];
    g_side = argv[3];
    if (strcmp (g_lib, "ours") && strcmp (g_lib, "sys")) {
        fprintf (stderr, "LIB must be ours or sys\n");
        return 4;
    }
    check_library ();
    int bind = !strcmp (argv[4], "bind");
    if (!bind && strcmp (argv[4], "connect"))
        return 4;
    char **eps = argv + 5;
    int neps = argc - 5;
    g_ctx = zmq_ctx_new ();
    if (!g_ctx)
        die ("zmq_ctx_new");

    const char *scn = g_scenario, *side = g_side;
    if (!strncmp (scn, "curve+", 6)) {
        scn += 6;
        g_curve_role = (!strcmp (side, "pub") || !strcmp (side, "server") || !strcmp (side, "pull")) ? 1 : 2;
    }
    if (!strcmp (scn, "push-pull"))
        push_pull (side, bind, eps);
    else if (!strcmp (scn, "pub-sub") || !strcmp (scn, "pub-xsub")) {
        if (neps < 2)
            die ("needs two endpoints (data, back channel)");
        if (!strcmp (side, "pub"))
            pub_side (ZMQ_PUB, bind, eps);
        else
            sub_side (!strcmp (scn, "pub-sub") ? ZMQ_SUB : ZMQ_XSUB, bind, eps);
    } else if (!strcmp (scn, "xpub-xsub") || !strcmp (scn, "xpub-sub")) {
        if (!strcmp (side, "pub"))
            xpub_side (bind, eps);
        else
            xsub_side (!strcmp (scn, "xpub-xsub") ? ZMQ_XSUB : ZMQ_SUB, bind, eps);
    } else if (!strcmp (scn, "heartbeat")) {
        heartbeat (side, bind, eps);
    } else if (!strncmp (scn, "plain", 5) || !strncmp (scn, "curve", 5)) {
        secure (scn, side, bind, eps);
    } else if (!strcmp (scn, "stream-stream")) {
        stream_stream (side, bind, eps);
    } else if (!strcmp (scn, "restart")) {
        if (!strcmp (side, "push"))
            restart_push (bind, eps);
        else {
            if (neps < 3)
                die ("restart pull needs ENDPOINT PHASE LAST");
            restart_pull (bind, eps, atoi (eps[1]), (uint32_t) strtoul (eps[2], NULL, 10));
        }
    } else
        run_echo (scn, side, bind, eps);

    if (zmq_ctx_term (g_ctx) != 0)
        die ("zmq_ctx_term: %s", zmq_strerror (errno));
    return 0;
}
