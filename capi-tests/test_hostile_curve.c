/*
    Hostile CURVE handshakes against a CURVE server, sent by raw socket. The test speaks
    CurveZMQ (RFC 25/26) by hand with libsodium's crypto_box: first a correct client (HELLO,
    WELCOME, INITIATE with cookie and vouch, READY, MESSAGE), then attacks: truncated and
    oversized HELLO, a HELLO whose box does not open, a cookie replayed on a new connection,
    MESSAGE nonces replayed or going backwards (CVE-2014-7203), a MESSAGE before the handshake
    is done, a mechanism mismatch, large INITIATE metadata (CVE-2019-13132) and stalled
    handshakes that must not hold a legitimate client up (CVE-2020-15166). Each is refused
    with libzmq's monitor event, nothing reaches the socket, and a good client still gets a
    message through afterwards.
*/
#include "testutil.h"
#include "rawutil.h"
#include "monutil.h"

#include <sodium.h>

/*  ------------------------------------------------------------------------------------------
    The server: a CURVE PULL on tcp, monitored; options are set before the bind, since
    libzmq's listener takes them then.  */

typedef struct
{
    void *ctx, *server, *mon;
    int port;
    unsigned char pk[32], sk[32];
} server_t;

static void server_up_with (server_t *sv, int handshake_ivl)
{
    static int n;
    sv->ctx = zmq_ctx_new ();
    crypto_box_keypair (sv->pk, sv->sk);
    sv->server = mk_nolinger (sv->ctx, ZMQ_PULL);
    CHECK (sv->server);
    CHECK_OK (set_int (sv->server, ZMQ_CURVE_SERVER, 1));
    CHECK_OK (zmq_setsockopt (sv->server, ZMQ_CURVE_SECRETKEY, sv->sk, 32));
    if (handshake_ivl)
        CHECK_OK (set_int (sv->server, ZMQ_HANDSHAKE_IVL, handshake_ivl));
    char addr[48];
    snprintf (addr, sizeof addr, "inproc://hostile-curve-mon-%d", n++);
    CHECK_OK (zmq_socket_monitor (sv->server, addr, ZMQ_EVENT_ALL));
    sv->mon = mon_reader (sv->ctx, addr);
    CHECK (sv->mon);
    CHECK_OK (zmq_bind (sv->server, "tcp://127.0.0.1:*"));
    sv->port = zmq_port (sv->server);
    CHECK (sv->port > 0);
}

static void server_up (server_t *sv)
{
    server_up_with (sv, 0);
}

/*  A real CURVE PUSH with the server's key, connected to the server.  */
static void *good_client (server_t *sv)
{
    void *c = mk_nolinger (sv->ctx, ZMQ_PUSH);
    if (!c)
        return NULL;
    unsigned char pk[32], sk[32];
    crypto_box_keypair (pk, sk);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", sv->port);
    if (zmq_setsockopt (c, ZMQ_CURVE_SERVERKEY, sv->pk, 32) != 0
        || zmq_setsockopt (c, ZMQ_CURVE_PUBLICKEY, pk, 32) != 0
        || zmq_setsockopt (c, ZMQ_CURVE_SECRETKEY, sk, 32) != 0
        || set_int (c, ZMQ_SNDTIMEO, TU_TIMEOUT_MS) != 0 || zmq_connect (c, ep) != 0) {
        zmq_close (c);
        return NULL;
    }
    return c;
}

/*  A good client gets a message through: the server lives on.  */
static void server_still_serves (server_t *sv)
{
    void *c = good_client (sv);
    CHECK (c);
    SEND_STR (c, "still here");
    RECV_STR (sv->server, "still here");
    zmq_close (c);
}

static void server_down (server_t *sv)
{
    CLOSE_ALL (sv->server, sv->mon);
    CHECK_OK (zmq_ctx_term (sv->ctx));
}

/*  The next handshake outcome on the monitor (HANDSHAKE_SUCCEEDED, a HANDSHAKE_FAILED_*
    event, or DISCONNECTED when the connection went without one; others are skipped), with
    its value; -1 if none comes within ms.  */
static int next_handshake_event (server_t *sv, uint32_t *value, int ms)
{
    *value = 0;
    long long deadline = now_ms () + ms;
    while (now_ms () < deadline) {
        int left = (int) (deadline - now_ms ());
        int e = get_event (sv->mon, value, NULL, 0, left > 0 ? left : 1);
        if (e < 0)
            return -1;
        if (e == ZMQ_EVENT_HANDSHAKE_SUCCEEDED || e == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
            || e == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || e == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
            || e == ZMQ_EVENT_DISCONNECTED)
            return e;
    }
    return -1;
}

static const char *event_name (int e)
{
    switch (e) {
        case -1:
            return "nothing within the timeout";
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            return "HANDSHAKE_SUCCEEDED";
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            return "HANDSHAKE_FAILED_NO_DETAIL";
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
            return "HANDSHAKE_FAILED_PROTOCOL";
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
            return "HANDSHAKE_FAILED_AUTH";
        case ZMQ_EVENT_DISCONNECTED:
            return "DISCONNECTED (without a handshake event)";
        default:
            return "another event";
    }
}

/*  The next handshake outcome must be HANDSHAKE_FAILED_PROTOCOL with `code`.  */
#define EXPECT_PROTOCOL_ERROR(sv, code)                                        \
    do {                                                                       \
        uint32_t ep_v = 0;                                                     \
        int ep_e = next_handshake_event ((sv), &ep_v, TU_TIMEOUT_MS);          \
        if (ep_e != ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL                        \
            || ep_v != (uint32_t) (code))                                      \
            TU_FAIL ("monitor: %s, value 0x%x; expected "                      \
                     "HANDSHAKE_FAILED_PROTOCOL with %s (0x%x)",               \
                     event_name (ep_e), (unsigned) ep_v, #code,                \
                     (unsigned) (code));                                       \
    } while (0)

#define EXPECT_SUCCEEDED(sv)                                                   \
    do {                                                                       \
        uint32_t es_v = 0;                                                     \
        int es_e = next_handshake_event ((sv), &es_v, TU_TIMEOUT_MS);          \
        if (es_e != ZMQ_EVENT_HANDSHAKE_SUCCEEDED)                             \
            TU_FAIL ("monitor: %s, value 0x%x; expected "                      \
                     "HANDSHAKE_SUCCEEDED", event_name (es_e),                 \
                     (unsigned) es_v);                                         \
    } while (0)

/*  Nothing has reached the server socket.  */
#define NOTHING_DELIVERED(sv)                                                  \
    do {                                                                       \
        char nd_buf[64];                                                       \
        CHECK_ERR (zmq_recv ((sv)->server, nd_buf, sizeof nd_buf,              \
                             ZMQ_DONTWAIT),                                    \
                   EAGAIN);                                                    \
    } while (0)

/*  ------------------------------------------------------------------------------------------
    Raw wire helpers  */

static void put_be64 (unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char) (v >> (56 - 8 * i));
}

static void put_be32 (unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char) (v >> (24 - 8 * i));
}

/*  Sends a frame (flags 4 for a command, 0 for data), short or long form.  */
static int send_frame (int fd, unsigned char flags, const void *body, size_t n)
{
    unsigned char h[9];
    size_t hl;
    if (n < 256) {
        h[0] = flags;
        h[1] = (unsigned char) n;
        hl = 2;
    } else {
        h[0] = flags | 2;
        put_be64 (h + 1, (uint64_t) n);
        hl = 9;
    }
    if (write_all (fd, h, hl) != 0)
        return -1;
    return write_all (fd, body, n);
}

static int send_command (int fd, const void *body, size_t n)
{
    return send_frame (fd, 4, body, n);
}

/*  Reads until the peer closes the connection (1), or the raw timeout passes (0); the
    number of bytes read on the way goes to *got if given.  */
static int closed_by_peer_counting (int fd, size_t *got)
{
    unsigned char b[4096];
    size_t total = 0;
    int closed;
    while (1) {
        ssize_t r = recv (fd, b, sizeof b, 0);
        if (r > 0) {
            total += (size_t) r;
            continue;
        }
        closed = r == 0 || errno == ECONNRESET;
        break;
    }
    if (got)
        *got = total;
    return closed;
}

static int closed_by_peer (int fd)
{
    return closed_by_peer_counting (fd, NULL);
}

/*  One property in ZMTP metadata form at p; returns its size.  */
static size_t put_property (unsigned char *p, const char *name, const void *value, size_t vl)
{
    size_t nl = strlen (name);
    p[0] = (unsigned char) nl;
    memcpy (p + 1, name, nl);
    put_be32 (p + 1 + nl, (uint32_t) vl);
    memcpy (p + 5 + nl, value, vl);
    return 5 + nl + vl;
}

/*  ------------------------------------------------------------------------------------------
    A CurveZMQ client written by hand  */

typedef struct
{
    int fd;
    unsigned char server_pk[32];          /*  S  */
    unsigned char pk[32], sk[32];         /*  C, c  */
    unsigned char tpk[32], tsk[32];       /*  C', c'  */
    unsigned char server_tpk[32];         /*  S'  */
    unsigned char cookie[96];             /*  from WELCOME  */
    unsigned char k[crypto_box_BEFORENMBYTES]; /*  C' with S'  */
    uint64_t nonce;                       /*  last short nonce sent  */
    unsigned char initiate[1024];         /*  the last INITIATE body sent, if it fitted  */
    size_t initiate_len;
    unsigned char message_frame;          /*  frame flags of MESSAGE: 0, data, as libzmq  */
} cz_t;

static void short_nonce (unsigned char n[24], const char *prefix16, uint64_t v)
{
    memcpy (n, prefix16, 16);
    put_be64 (n + 16, v);
}

/*  Connects, sends a CURVE greeting as client and reads the server's (which must name
    CURVE; libzmq leaves its as-server octet at 0, so that is not looked at). 0 on success.  */
static int cz_connect (cz_t *c, server_t *sv)
{
    memset (c, 0, sizeof *c);
    memcpy (c->server_pk, sv->pk, 32);
    crypto_box_keypair (c->pk, c->sk);
    crypto_box_keypair (c->tpk, c->tsk);
    c->fd = raw_connect (sv->port);
    if (c->fd < 0)
        return -1;
    unsigned char g[64], peer[64];
    raw_greeting (g, "CURVE");
    if (write_all (c->fd, g, sizeof g) != 0 || read_exact (c->fd, peer, sizeof peer) != 0)
        return -1;
    if (peer[0] != 0xff || peer[9] != 0x7f || peer[10] != 3 || memcmp (peer + 12, "CURVE\0", 6))
        return -1;
    return 0;
}

/*  Builds a HELLO body (200 octets) with short nonce `nonce`.  */
static int cz_hello_body (cz_t *c, unsigned char b[200], uint64_t nonce)
{
    memset (b, 0, 200);
    memcpy (b, "\5HELLO\1\0", 8);
    /*  72 octets of zero padding, then C', the short nonce and box[64 zeros](C'->S).  */
    memcpy (b + 80, c->tpk, 32);
    put_be64 (b + 112, nonce);
    unsigned char n[24], zeros[64];
    memset (zeros, 0, sizeof zeros);
    short_nonce (n, "CurveZMQHELLO---", nonce);
    return crypto_box_easy (b + 120, zeros, sizeof zeros, n, c->server_pk, c->tsk);
}

static int cz_send_hello (cz_t *c)
{
    unsigned char b[200];
    if (cz_hello_body (c, b, ++c->nonce) != 0)
        return -1;
    return send_command (c->fd, b, sizeof b);
}

/*  Reads WELCOME and opens it: S' and the cookie. 0 on success.  */
static int cz_read_welcome (cz_t *c)
{
    unsigned char b[300];
    int cmd = 0;
    long got = raw_read_frame (c->fd, b, sizeof b, &cmd);
    if (got != 168 || !cmd || memcmp (b, "\7WELCOME", 8) != 0)
        return -1;
    unsigned char n[24], plain[128];
    memcpy (n, "WELCOME-", 8);
    memcpy (n + 8, b + 8, 16);
    if (crypto_box_open_easy (plain, b + 24, 144, n, c->server_pk, c->tsk) != 0)
        return -1;
    memcpy (c->server_tpk, plain, 32);
    /*  The cookie: the 16 varying octets of its nonce (whose prefix "COOKIE--" is not sent),
        then box[C' + s'](K), K being the server's cookie key. Opaque to the client.  */
    memcpy (c->cookie, plain + 32, 96);
    return crypto_box_beforenm (c->k, c->server_tpk, c->tsk);
}

/*  Builds an INITIATE body carrying `cookie` and the metadata given, into a new buffer
    (*len its size); NULL on failure.  */
static unsigned char *cz_initiate_body (cz_t *c, const unsigned char cookie[96],
                                        const unsigned char *md, size_t mdlen, size_t *len)
{
    /*  Vouch: long nonce + box[C' + S](C->S').  */
    unsigned char vouch[96], vn[24], vplain[64];
    memcpy (vn, "VOUCH---", 8);
    randombytes_buf (vn + 8, 16);
    memcpy (vouch, vn + 8, 16);
    memcpy (vplain, c->tpk, 32);
    memcpy (vplain + 32, c->server_pk, 32);
    if (crypto_box_easy (vouch + 16, vplain, 64, vn, c->server_tpk, c->sk) != 0)
        return NULL;
    /*  Plaintext: C + vouch + metadata.  */
    size_t plen = 32 + 96 + mdlen;
    unsigned char *plain = malloc (plen);
    *len = 9 + 96 + 8 + crypto_box_MACBYTES + plen;
    unsigned char *b = malloc (*len);
    if (!plain || !b) {
        free (plain);
        free (b);
        return NULL;
    }
    memcpy (plain, c->pk, 32);
    memcpy (plain + 32, vouch, 96);
    if (mdlen)
        memcpy (plain + 128, md, mdlen);
    memcpy (b, "\10INITIATE", 9);
    memcpy (b + 9, cookie, 96);
    uint64_t nonce = ++c->nonce;
    put_be64 (b + 105, nonce);
    unsigned char n[24];
    short_nonce (n, "CurveZMQINITIATE", nonce);
    int rc = crypto_box_easy_afternm (b + 113, plain, plen, n, c->k);
    free (plain);
    if (rc != 0) {
        free (b);
        return NULL;
    }
    return b;
}

static int cz_send_initiate_with (cz_t *c, const unsigned char cookie[96],
                                  const unsigned char *md, size_t mdlen)
{
    size_t len = 0;
    unsigned char *b = cz_initiate_body (c, cookie, md, mdlen, &len);
    if (!b)
        return -1;
    if (len <= sizeof c->initiate) {
        memcpy (c->initiate, b, len);
        c->initiate_len = len;
    }
    int rc = send_command (c->fd, b, len);
    free (b);
    return rc;
}

/*  The metadata of a PUSH: Socket-Type only.  */
static size_t push_metadata (unsigned char *md)
{
    return put_property (md, "Socket-Type", "PUSH", 4);
}

static int cz_send_initiate (cz_t *c)
{
    unsigned char md[64];
    size_t n = push_metadata (md);
    return cz_send_initiate_with (c, c->cookie, md, n);
}

/*  Reads READY and opens it; its metadata must name a PULL. 0 on success.  */
static int cz_read_ready (cz_t *c)
{
    unsigned char b[512];
    int cmd = 0;
    long got = raw_read_frame (c->fd, b, sizeof b, &cmd);
    if (got < 30 || !cmd || memcmp (b, "\5READY", 6) != 0)
        return -1;
    uint64_t nonce = 0;
    for (int i = 0; i < 8; i++)
        nonce = (nonce << 8) | b[6 + i];
    unsigned char n[24], plain[512];
    short_nonce (n, "CurveZMQREADY---", nonce);
    size_t plen = (size_t) got - 14 - crypto_box_MACBYTES;
    if (crypto_box_open_easy_afternm (plain, b + 14, (size_t) got - 14, n, c->k) != 0)
        return -1;
    /*  Socket-Type = PULL somewhere in it.  */
    static const unsigned char want[] = "\13Socket-Type\0\0\0\4PULL";
    for (size_t i = 0; i + sizeof want - 1 <= plen; i++)
        if (memcmp (plain + i, want, sizeof want - 1) == 0)
            return 0;
    return -1;
}

/*  Sends MESSAGE with short nonce `nonce`: box[flags + payload](C'->S'). libzmq sends it in
    a data frame (flags 0), and after the handshake takes it only in one: a MESSAGE in a
    command frame is opened and then dropped as an unknown command.  */
static int cz_send_message (cz_t *c, uint64_t nonce, unsigned char flags, const void *data,
                            size_t len)
{
    size_t plen = 1 + len;
    unsigned char *plain = malloc (plen);
    size_t blen = 16 + crypto_box_MACBYTES + plen;
    unsigned char *b = malloc (blen);
    if (!plain || !b) {
        free (plain);
        free (b);
        return -1;
    }
    plain[0] = flags;
    memcpy (plain + 1, data, len);
    memcpy (b, "\7MESSAGE", 8);
    put_be64 (b + 8, nonce);
    unsigned char n[24];
    short_nonce (n, "CurveZMQMESSAGEC", nonce);
    int rc = crypto_box_easy_afternm (b + 16, plain, plen, n, c->k);
    if (nonce > c->nonce)
        c->nonce = nonce;
    if (rc == 0)
        rc = send_frame (c->fd, c->message_frame, b, blen);
    free (plain);
    free (b);
    return rc;
}

/*  The whole handshake, metadata given. 0 on success.  */
static int cz_handshake_with (cz_t *c, server_t *sv, const unsigned char *md, size_t mdlen)
{
    if (cz_connect (c, sv) != 0 || cz_send_hello (c) != 0 || cz_read_welcome (c) != 0
        || cz_send_initiate_with (c, c->cookie, md, mdlen) != 0 || cz_read_ready (c) != 0)
        return -1;
    return 0;
}

static int cz_handshake (cz_t *c, server_t *sv)
{
    unsigned char md[64];
    size_t n = push_metadata (md);
    return cz_handshake_with (c, sv, md, n);
}

static void cz_close (cz_t *c)
{
    if (c->fd >= 0)
        close (c->fd);
    c->fd = -1;
}

/*  ------------------------------------------------------------------------------------------
    The cases  */

/*  The hand-written client is right: a full handshake, then messages the server receives.  */
TEST (raw_client_handshake_and_message)
{
    server_t sv;
    server_up (&sv);
    cz_t c;
    CHECK_OK (cz_connect (&c, &sv));
    CHECK_OK (cz_send_hello (&c));
    CHECK_OK (cz_read_welcome (&c));
    CHECK_OK (cz_send_initiate (&c));
    CHECK_OK (cz_read_ready (&c));
    EXPECT_SUCCEEDED (&sv);
    CHECK_OK (cz_send_message (&c, 3, 0, "hello curve", 11));
    RECV_STR (sv.server, "hello curve");
    /*  A two-part message, MORE on the first.  */
    CHECK_OK (cz_send_message (&c, 4, 1, "part1", 5));
    CHECK_OK (cz_send_message (&c, 5, 0, "part2", 5));
    RECV_STR (sv.server, "part1");
    CHECK_EQ (rcvmore (sv.server), 1);
    RECV_STR (sv.server, "part2");
    CHECK_EQ (rcvmore (sv.server), 0);
    cz_close (&c);
    server_still_serves (&sv);
    server_down (&sv);
}

/*  HELLO must be exactly 200 octets: 150, 300 and a 64 KiB long frame are malformed.  */
TEST (hello_of_wrong_size)
{
    static const size_t sizes[] = {150, 300, 64 * 1024};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        server_t sv;
        server_up (&sv);
        cz_t c;
        CHECK_OK (cz_connect (&c, &sv));
        size_t n = sizes[i];
        unsigned char *b = calloc (1, n);
        CHECK (b);
        unsigned char good[200];
        CHECK_OK (cz_hello_body (&c, good, 1));
        memcpy (b, good, n < 200 ? n : 200);
        CHECK_OK (send_command (c.fd, b, n));
        free (b);
        EXPECT_PROTOCOL_ERROR (&sv, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO);
        size_t got = 0;
        CHECK (closed_by_peer_counting (c.fd, &got));
        CHECK_EQ (got, 0);
        cz_close (&c);
        NOTHING_DELIVERED (&sv);
        server_still_serves (&sv);
        server_down (&sv);
    }
}

/*  A HELLO whose box does not open (garbage, or boxed to another server key): no WELCOME.  */
TEST (hello_with_bad_box)
{
    for (int variant = 0; variant < 2; variant++) {
        server_t sv;
        server_up (&sv);
        cz_t c;
        CHECK_OK (cz_connect (&c, &sv));
        unsigned char b[200];
        if (variant == 0) {
            CHECK_OK (cz_hello_body (&c, b, 1));
            randombytes_buf (b + 120, 80);
        } else {
            unsigned char other_pk[32], other_sk[32];
            crypto_box_keypair (other_pk, other_sk);
            memcpy (c.server_pk, other_pk, 32);
            CHECK_OK (cz_hello_body (&c, b, 1));
        }
        CHECK_OK (send_command (c.fd, b, sizeof b));
        EXPECT_PROTOCOL_ERROR (&sv, ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
        size_t got = 0;
        CHECK (closed_by_peer_counting (c.fd, &got));
        CHECK_EQ (got, 0);
        cz_close (&c);
        NOTHING_DELIVERED (&sv);
        server_still_serves (&sv);
        server_down (&sv);
    }
}

/*  A cookie from an earlier connection is refused on a new one: in an INITIATE built for the
    new connection, and in the old INITIATE replayed verbatim.  */
TEST (replayed_cookie)
{
    server_t sv;
    server_up (&sv);
    cz_t first;
    CHECK_OK (cz_handshake (&first, &sv));
    EXPECT_SUCCEEDED (&sv);
    CHECK_OK (cz_send_message (&first, 3, 0, "first", 5));
    RECV_STR (sv.server, "first");
    cz_close (&first);
    CHECK (wait_event (sv.mon, ZMQ_EVENT_DISCONNECTED, NULL, NULL, 0, TU_TIMEOUT_MS));
    for (int verbatim = 0; verbatim <= 1; verbatim++) {
        cz_t c;
        CHECK_OK (cz_connect (&c, &sv));
        if (verbatim) {
            /*  The old exchange again: a HELLO from the old C' (a new one would not match
                the old cookie anyway), then the old INITIATE byte for byte.  */
            memcpy (c.tpk, first.tpk, 32);
            memcpy (c.tsk, first.tsk, 32);
            CHECK_OK (cz_send_hello (&c));
            CHECK_OK (cz_read_welcome (&c));
            CHECK (first.initiate_len > 0);
            CHECK_OK (send_command (c.fd, first.initiate, first.initiate_len));
        } else {
            CHECK_OK (cz_send_hello (&c));
            CHECK_OK (cz_read_welcome (&c));
            CHECK (memcmp (c.cookie, first.cookie, 96) != 0);
            unsigned char md[64];
            size_t n = push_metadata (md);
            CHECK_OK (cz_send_initiate_with (&c, first.cookie, md, n));
        }
        EXPECT_PROTOCOL_ERROR (&sv, ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
        size_t got = 0;
        CHECK (closed_by_peer_counting (c.fd, &got));
        CHECK_EQ (got, 0);
        cz_close (&c);
        CHECK (wait_event (sv.mon, ZMQ_EVENT_DISCONNECTED, NULL, NULL, 0, TU_TIMEOUT_MS));
        NOTHING_DELIVERED (&sv);
    }
    server_still_serves (&sv);
    server_down (&sv);
}

/*  Short nonces must strictly increase (CVE-2014-7203): MESSAGE 5, then 5 again (a replay)
    or 4. libzmq 4.3.4 reports INVALID_SEQUENCE and then stops reading the connection without
    closing it, so closing is not required; delivering is what must not happen: neither the
    bad message nor one with a good nonce after it.  */
TEST (message_nonce_replayed_or_backwards)
{
    static const uint64_t second[] = {5, 4};
    for (size_t i = 0; i < 2; i++) {
        server_t sv;
        server_up (&sv);
        cz_t c;
        CHECK_OK (cz_handshake (&c, &sv));
        EXPECT_SUCCEEDED (&sv);
        CHECK_OK (cz_send_message (&c, 5, 0, "nonce5", 6));
        RECV_STR (sv.server, "nonce5");
        CHECK_OK (cz_send_message (&c, second[i], 0, "again", 5));
        (void) cz_send_message (&c, 6, 0, "six", 3);
        EXPECT_PROTOCOL_ERROR (&sv, ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE);
        char buf[16];
        CHECK_OK (set_int (sv.server, ZMQ_RCVTIMEO, 300));
        CHECK_ERR (zmq_recv (sv.server, buf, sizeof buf, 0), EAGAIN);
        CHECK_OK (set_int (sv.server, ZMQ_RCVTIMEO, TU_SHORT_TIMEOUT_MS));
        cz_close (&c);
        server_still_serves (&sv);
        NOTHING_DELIVERED (&sv);
        server_down (&sv);
    }
}

/*  A MESSAGE (properly boxed with C' and S') where INITIATE belongs, in a data frame as
    libzmq sends MESSAGE and in a command frame: never delivered. libzmq hands every frame of
    the handshake to the mechanism, whatever its COMMAND flag, and reports both the same.  */
TEST (message_before_ready)
{
    for (int as_command = 0; as_command <= 1; as_command++) {
        server_t sv;
        server_up (&sv);
        cz_t c;
        CHECK_OK (cz_connect (&c, &sv));
        c.message_frame = as_command ? 4 : 0;
        CHECK_OK (cz_send_hello (&c));
        CHECK_OK (cz_read_welcome (&c));
        CHECK_OK (cz_send_message (&c, 2, 0, "sneak", 5));
        EXPECT_PROTOCOL_ERROR (&sv, ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND);
        size_t got = 0;
        CHECK (closed_by_peer_counting (c.fd, &got));
        CHECK_EQ (got, 0);
        cz_close (&c);
        NOTHING_DELIVERED (&sv);
        server_still_serves (&sv);
        server_down (&sv);
    }
}

/*  A MESSAGE straight after HELLO, before WELCOME is even read.  */
TEST (message_right_after_hello)
{
    server_t sv;
    server_up (&sv);
    cz_t c;
    CHECK_OK (cz_connect (&c, &sv));
    CHECK_OK (cz_send_hello (&c));
    /*  Without S' the box can only be to S.  */
    memcpy (c.server_tpk, c.server_pk, 32);
    CHECK_OK (crypto_box_beforenm (c.k, c.server_tpk, c.tsk));
    CHECK_OK (cz_send_message (&c, 2, 0, "sneak", 5));
    EXPECT_PROTOCOL_ERROR (&sv, ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND);
    CHECK (closed_by_peer (c.fd));
    cz_close (&c);
    NOTHING_DELIVERED (&sv);
    server_still_serves (&sv);
    server_down (&sv);
}

/*  A PLAIN greeting to the CURVE server.  */
TEST (mechanism_mismatch)
{
    server_t sv;
    server_up (&sv);
    int fd = raw_connect (sv.port);
    CHECK (fd >= 0);
    unsigned char g[64];
    raw_greeting (g, "PLAIN");
    CHECK_OK (write_all (fd, g, sizeof g));
    EXPECT_PROTOCOL_ERROR (&sv, ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH);
    CHECK (closed_by_peer (fd));
    close (fd);
    NOTHING_DELIVERED (&sv);
    server_still_serves (&sv);
    server_down (&sv);
}

/*  Large INITIATE metadata (CVE-2019-13132): one property of 255 B, 256 B, 4 KiB, 64 KiB
    and 1 MiB, and a list of 1000 properties. libzmq takes them all; the handshake completes,
    the properties reach the message metadata whole, and memory stays bounded.  */
TEST (initiate_with_large_metadata)
{
    static const size_t sizes[] = {255, 256, 4096, 64 * 1024, 1024 * 1024, 0};
    server_t sv;
    server_up (&sv);
    long before = rss_kib ();
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t vl = sizes[i];
        size_t cap = 64 + (vl ? vl + 16 : 1000 * 32);
        unsigned char *md = malloc (cap);
        CHECK (md);
        size_t n = push_metadata (md);
        char last_name[16] = "X-Big";
        if (vl) {
            unsigned char *v = malloc (vl);
            CHECK (v);
            memset (v, 'v', vl);
            n += put_property (md + n, "X-Big", v, vl);
            free (v);
        } else {
            for (int p = 0; p < 1000; p++) {
                snprintf (last_name, sizeof last_name, "X-P%04d", p);
                n += put_property (md + n, last_name, "value", 5);
            }
        }
        cz_t c;
        int rc = cz_handshake_with (&c, &sv, md, n);
        free (md);
        if (rc != 0)
            TU_FAIL ("metadata case %zu (value %zu B): handshake refused", i, vl);
        EXPECT_SUCCEEDED (&sv);
        CHECK_OK (cz_send_message (&c, 3, 0, "meta", 4));
        zmq_msg_t m;
        zmq_msg_init (&m);
        CHECK_EQ (zmq_msg_recv (&m, sv.server, 0), 4);
        CHECK_MEM_EQ (zmq_msg_data (&m), "meta", 4);
        const char *got = zmq_msg_gets (&m, last_name);
        const char *type = zmq_msg_gets (&m, "Socket-Type");
        size_t got_len = got ? strlen (got) : 0;
        int type_ok = type && strcmp (type, "PUSH") == 0;
        zmq_msg_close (&m);
        CHECK (got);
        CHECK_EQ (got_len, vl ? vl : 5);
        CHECK (type_ok);
        cz_close (&c);
        CHECK (wait_event (sv.mon, ZMQ_EVENT_DISCONNECTED, NULL, NULL, 0, TU_TIMEOUT_MS));
    }
    long grown = rss_kib () - before;
    if (grown > 64 * 1024)
        TU_FAIL ("resident memory grew by %ld KiB", grown);
    server_still_serves (&sv);
    server_down (&sv);
}

/*  Twenty connections that send the greeting and HELLO and then stall do not hold up a
    legitimate client's 100 messages; ZMQ_HANDSHAKE_IVL (300 ms) closes them
    (CVE-2020-15166).  */
TEST (stalled_handshakes_do_not_block)
{
    server_t sv;
    server_up_with (&sv, 300);
    cz_t stalled[20];
    for (int i = 0; i < 20; i++) {
        CHECK_OK (cz_connect (&stalled[i], &sv));
        CHECK_OK (cz_send_hello (&stalled[i]));
    }
    void *c = good_client (&sv);
    CHECK (c);
    for (int i = 0; i < 100; i++)
        SEND_STR (c, "legit");
    for (int i = 0; i < 100; i++)
        RECV_STR (sv.server, "legit");
    /*  The stalled ones are closed when their handshake time is up (each read its WELCOME
        on the way, and nothing else).  */
    for (int i = 0; i < 20; i++) {
        size_t got = 0;
        CHECK (closed_by_peer_counting (stalled[i].fd, &got));
        CHECK_EQ (got, 2 + 168);
    }
    for (int i = 0; i < 20; i++)
        cz_close (&stalled[i]);
    /*  Each reported as a handshake that failed (libzmq: NO_DETAIL, the value an errno).  */
    for (int i = 0; i < 20; i++)
        if (!wait_event (sv.mon, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, NULL, NULL, 0,
                         TU_TIMEOUT_MS))
            TU_FAIL ("%d HANDSHAKE_FAILED_NO_DETAIL events, expected 20", i);
    zmq_close (c);
    NOTHING_DELIVERED (&sv);
    server_down (&sv);
}

int main (void)
{
    if (sodium_init () < 0) {
        printf ("sodium_init failed\n");
        return 1;
    }
    RUN (raw_client_handshake_and_message);
    RUN (hello_of_wrong_size);
    RUN (hello_with_bad_box);
    RUN (replayed_cookie);
    RUN (message_nonce_replayed_or_backwards);
    RUN (message_before_ready);
    RUN (message_right_after_hello);
    RUN (mechanism_mismatch);
    RUN (initiate_with_large_metadata);
    RUN (stalled_handshakes_do_not_block);
    return test_summary ();
}
