/*
    Hostile handshakes against a PLAIN server (and a NULL one), sent by raw socket: truncated
    and malformed HELLO, 255-octet credentials, commands out of order, data before READY, a
    mechanism mismatch, ZMTP 2.0 downgrades (CVE-2014-7202/9721), half-open connections that
    must not hold legitimate peers up (CVE-2020-15166), and huge frame sizes before and
    after the handshake (CVE-2019-6250). Each is refused with libzmq's monitor event, the
    socket lives on and serves a good client afterwards, and memory stays bounded.
*/
#include "testutil.h"
#include "rawutil.h"
#include "monutil.h"

/*  A ZAP handler that accepts admin/secret, and remembers the last credentials' sizes.  */
typedef struct
{
    void *ctx;
    atomic_int ready, stop, requests;
    size_t user_len, pass_len;
    pthread_t thread;
} zap_t;

static void *zap_main (void *arg)
{
    zap_t *z = (zap_t *) arg;
    void *s = zmq_socket (z->ctx, ZMQ_REP);
    int to = 100, zero = 0;
    zmq_setsockopt (s, ZMQ_RCVTIMEO, &to, sizeof to);
    zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero);
    atomic_store (&z->ready, zmq_bind (s, "inproc://zeromq.zap.01") == 0 ? 1 : -1);
    while (!atomic_load (&z->stop)) {
        char f[9][300];
        int sz[9], n = 0, more = 1;
        while (more && n < 9) {
            int r = zmq_recv (s, f[n], sizeof f[n], 0);
            if (r < 0)
                break;
            sz[n++] = r > 300 ? 300 : r;
            more = rcvmore (s);
        }
        if (n < 6)
            continue;
        int ok = n == 8 && sz[6] == 5 && !memcmp (f[6], "admin", 5) && sz[7] == 6
                 && !memcmp (f[7], "secret", 6);
        if (n == 8) {
            z->user_len = (size_t) sz[6];
            z->pass_len = (size_t) sz[7];
        }
        atomic_fetch_add (&z->requests, 1);
        zmq_send (s, "1.0", 3, ZMQ_SNDMORE);
        zmq_send (s, f[1], sz[1], ZMQ_SNDMORE);
        zmq_send (s, ok ? "200" : "400", 3, ZMQ_SNDMORE);
        zmq_send (s, "", 0, ZMQ_SNDMORE);
        zmq_send (s, ok ? "admin" : "", ok ? 5 : 0, ZMQ_SNDMORE);
        zmq_send (s, "", 0, 0);
    }
    zmq_close (s);
    return NULL;
}

static void zap_begin (zap_t *z, void *ctx)
{
    memset (z, 0, sizeof *z);
    z->ctx = ctx;
    pthread_create (&z->thread, NULL, zap_main, z);
    while (atomic_load (&z->ready) == 0)
        sched_yield ();
}

static void zap_end (zap_t *z)
{
    atomic_store (&z->stop, 1);
    pthread_join (z->thread, NULL);
}

/*  A PLAIN (or NULL) server PULL on tcp with a monitor; options are set before the bind,
    since libzmq's listener takes them then.  */
typedef struct
{
    void *ctx, *server, *mon;
    zap_t zap;
    int port;
} server_t;

static void server_up_with (server_t *sv, int plain, const char *domain, int handshake_ivl,
                            int64_t maxmsgsize)
{
    static int n;
    sv->ctx = zmq_ctx_new ();
    zap_begin (&sv->zap, sv->ctx);
    sv->server = mk_nolinger (sv->ctx, ZMQ_PULL);
    if (plain)
        CHECK_OK (set_int (sv->server, ZMQ_PLAIN_SERVER, 1));
    if (domain)
        CHECK_OK (zmq_setsockopt (sv->server, ZMQ_ZAP_DOMAIN, domain, strlen (domain)));
    if (handshake_ivl)
        CHECK_OK (set_int (sv->server, ZMQ_HANDSHAKE_IVL, handshake_ivl));
    if (maxmsgsize)
        CHECK_OK (zmq_setsockopt (sv->server, ZMQ_MAXMSGSIZE, &maxmsgsize, sizeof maxmsgsize));
    char addr[48];
    snprintf (addr, sizeof addr, "inproc://hostile-mon-%d", n++);
    CHECK_OK (zmq_socket_monitor (sv->server, addr, ZMQ_EVENT_ALL));
    sv->mon = mon_reader (sv->ctx, addr);
    CHECK_OK (zmq_bind (sv->server, "tcp://127.0.0.1:*"));
    sv->port = zmq_port (sv->server);
}

static void server_up (server_t *sv, int plain)
{
    server_up_with (sv, plain, NULL, 0, 0);
}

/*  A good PLAIN client gets a message through: the server lives on.  */
static void server_still_serves (server_t *sv)
{
    void *c = mk_nolinger (sv->ctx, ZMQ_PUSH);
    CHECK_OK (zmq_setsockopt (c, ZMQ_PLAIN_USERNAME, "admin", 5));
    CHECK_OK (zmq_setsockopt (c, ZMQ_PLAIN_PASSWORD, "secret", 6));
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", sv->port);
    CHECK_OK (zmq_connect (c, ep));
    SEND_STR (c, "still here");
    RECV_STR (sv->server, "still here");
    zmq_close (c);
}

static void server_down (server_t *sv)
{
    CLOSE_ALL (sv->server, sv->mon);
    zap_end (&sv->zap);
    CHECK_OK (zmq_ctx_term (sv->ctx));
}

/*  Sends a command frame (short or long form).  */
static int send_command (int fd, const void *body, size_t n)
{
    unsigned char h[9];
    size_t hl;
    if (n < 256) {
        h[0] = 4;
        h[1] = (unsigned char) n;
        hl = 2;
    } else {
        h[0] = 6;
        for (int i = 0; i < 8; i++)
            h[1 + i] = (unsigned char) ((uint64_t) n >> (56 - 8 * i));
        hl = 9;
    }
    if (write_all (fd, h, hl) != 0)
        return -1;
    return write_all (fd, body, n);
}

/*  Connects and exchanges PLAIN greetings.  */
static int plain_greeted (int port)
{
    int fd = raw_connect (port);
    if (fd < 0)
        return -1;
    unsigned char g[64], peer[64];
    raw_greeting (g, "PLAIN");
    if (write_all (fd, g, sizeof g) != 0 || read_exact (fd, peer, sizeof peer) != 0) {
        close (fd);
        return -1;
    }
    return fd;
}

/*  HELLO with the given fields.  */
static int send_hello (int fd, const char *user, size_t ul, const char *pass, size_t pl)
{
    unsigned char b[600];
    size_t n = 0;
    memcpy (b, "\5HELLO", 6);
    n = 6;
    b[n++] = (unsigned char) ul;
    memcpy (b + n, user, ul);
    n += ul;
    b[n++] = (unsigned char) pl;
    memcpy (b + n, pass, pl);
    n += pl;
    return send_command (fd, b, n);
}

/*  The peer closes the connection (EOF) within the raw timeout.  */
static int closed_by_peer (int fd)
{
    unsigned char b[256];
    while (1) {
        ssize_t r = recv (fd, b, sizeof b, 0);
        if (r == 0)
            return 1;
        if (r < 0)
            return errno == ECONNRESET;
    }
}

static void expect_protocol_error (server_t *sv, uint32_t code)
{
    uint32_t v = 0;
    CHECK (wait_event (sv->mon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, &v, NULL, 0,
                       TU_TIMEOUT_MS));
    CHECK_EQ (v, code);
}

/*  The server's greeting, as libzmq's: 3.1, "PLAIN", and the as-server octet left 0.  */
TEST (server_greeting_bytes)
{
    server_t sv;
    server_up (&sv, 1);
    int fd = raw_connect (sv.port);
    CHECK (fd >= 0);
    unsigned char g[64], peer[64];
    raw_greeting (g, "PLAIN");
    CHECK_OK (write_all (fd, g, sizeof g));
    CHECK_OK (read_exact (fd, peer, sizeof peer));
    CHECK_EQ (peer[0], 0xff);
    CHECK_EQ (peer[9], 0x7f);
    CHECK_EQ (peer[10], 3);
    CHECK_EQ (peer[11], 1);
    CHECK_MEM_EQ (peer + 12, "PLAIN\0", 6);
    CHECK_EQ (peer[32], 0);
    close (fd);
    server_down (&sv);
}

TEST (truncated_hello)
{
    server_t sv;
    server_up (&sv, 1);
    int fd = plain_greeted (sv.port);
    CHECK (fd >= 0);
    CHECK_OK (send_command (fd, "\5HELLO\5adm", 10));
    expect_protocol_error (&sv, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO);
    CHECK (closed_by_peer (fd));
    close (fd);
    CHECK_EQ (atomic_load (&sv.zap.requests), 0);
    server_still_serves (&sv);
    server_down (&sv);
}

TEST (hello_with_trailing_bytes)
{
    server_t sv;
    server_up (&sv, 1);
    int fd = plain_greeted (sv.port);
    CHECK (fd >= 0);
    CHECK_OK (send_command (fd, "\5HELLO\1a\1bEXTRA", 15));
    expect_protocol_error (&sv, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO);
    close (fd);
    server_still_serves (&sv);
    server_down (&sv);
}

/*  A 300 KiB HELLO (long frame) is malformed, not a reason to fall over.  */
TEST (oversized_hello)
{
    server_t sv;
    server_up (&sv, 1);
    int fd = plain_greeted (sv.port);
    CHECK (fd >= 0);
    size_t n = 300 * 1024;
    unsigned char *b = calloc (1, n);
    memcpy (b, "\5HELLO\5admin\6secret", 19);
    CHECK_OK (send_command (fd, b, n));
    free (b);
    expect_protocol_error (&sv, ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO);
    close (fd);
    server_still_serves (&sv);
    server_down (&sv);
}

/*  255-octet username and password, the longest there are, reach ZAP whole; ZAP refuses
    them and the peer gets libzmq's ERROR.  */
TEST (hello_with_255_octet_fields)
{
    server_t sv;
    server_up (&sv, 1);
    int fd = plain_greeted (sv.port);
    CHECK (fd >= 0);
    char u[255], p[255];
    memset (u, 'u', sizeof u);
    memset (p, 'p', sizeof p);
    CHECK_OK (send_hello (fd, u, sizeof u, p, sizeof p));
    unsigned char body[64];
    int cmd = 0;
    long got = raw_read_frame (fd, body, sizeof body, &cmd);
    CHECK (cmd);
    CHECK_EQ (got, 9);
    CHECK_MEM_EQ (body, "^RROR\003400", 9);
    CHECK_EQ (atomic_load (&sv.zap.requests), 1);
    CHECK_EQ (sv.zap.user_len, 255);
    CHECK_EQ (sv.zap.pass_len, 255);
    uint32_t v = 0;
    CHECK (wait_event (sv.mon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, &v, NULL, 0, TU_TIMEOUT_MS));
    CHECK_EQ (v, 400);
    close (fd);
    server_still_serves (&sv);
    server_down (&sv);
}

TEST (initiate_before_hello)
{
    server_t sv;
    server_up (&sv, 1);
    int fd = plain_greeted (sv.port);
    CHECK (fd >= 0);
    CHECK_OK (send_command (fd, "\10INITIATE", 9));
    expect_protocol_error (&sv, ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND);
    close (fd);
    server_still_serves (&sv);
    server_down (&sv);
}

/*  A message before the handshake is done is never delivered.  */
TEST (message_before_ready)
{
    server_t sv;
    server_up (&sv, 1);
    int fd = plain_greeted (sv.port);
    CHECK (fd >= 0);
    CHECK_OK (send_hello (fd, "admin", 5, "secret", 6));
    unsigned char body[64];
    int cmd = 0;
    CHECK_EQ (raw_read_frame (fd, body, sizeof body, &cmd), 8);
    CHECK_MEM_EQ (body, "\7WELCOME", 8);
    /*  A data frame instead of INITIATE.  */
    CHECK_OK (write_all (fd, "\0\5sneak", 7));
    CHECK (closed_by_peer (fd));
    close (fd);
    char buf[8];
    CHECK_ERR (zmq_recv (sv.server, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    server_still_serves (&sv);
    server_down (&sv);
}

TEST (mechanism_mismatch)
{
    server_t sv;
    server_up (&sv, 1);
    int fd = raw_connect (sv.port);
    CHECK (fd >= 0);
    unsigned char g[64];
    raw_greeting (g, "NULL");
    CHECK_OK (write_all (fd, g, sizeof g));
    expect_protocol_error (&sv, ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH);
    close (fd);
    server_still_serves (&sv);
    server_down (&sv);
}

/*  A ZMTP 2.0 peer cannot authenticate: a PLAIN server (or a NULL one with a ZAP domain)
    drops it after the version octets (CVE-2014-7202, CVE-2014-9721).  */
TEST (zmtp2_downgrade_refused)
{
    for (int plain = 0; plain <= 1; plain++) {
        server_t sv;
        server_up_with (&sv, plain, plain ? NULL : "d", 0, 0);
        int fd = raw_connect (sv.port);
        CHECK (fd >= 0);
        /*  2.0 greeting: signature, revision 01, socket type PUSH (8), then an identity.  */
        CHECK_OK (write_all (fd, "\xff\0\0\0\0\0\0\0\1\x7f\1\x08\0\0", 14));
        CHECK (closed_by_peer (fd));
        close (fd);
        /*  Then a 2.0 message that would be delivered if the downgrade were accepted.  */
        char buf[8];
        CHECK_ERR (zmq_recv (sv.server, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
        server_down (&sv);
    }
}

/*  Half-open connections (greeting, then nothing) do not hold up a legitimate client, and
    the handshake timer ends them (CVE-2020-15166).  */
TEST (half_open_connections_do_not_block)
{
    server_t sv;
    server_up_with (&sv, 1, NULL, 300, 0);
    int fds[20];
    for (int i = 0; i < 20; i++) {
        fds[i] = plain_greeted (sv.port);
        CHECK (fds[i] >= 0);
    }
    void *c = mk_nolinger (sv.ctx, ZMQ_PUSH);
    CHECK_OK (zmq_setsockopt (c, ZMQ_PLAIN_USERNAME, "admin", 5));
    CHECK_OK (zmq_setsockopt (c, ZMQ_PLAIN_PASSWORD, "secret", 6));
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", sv.port);
    CHECK_OK (zmq_connect (c, ep));
    for (int i = 0; i < 100; i++)
        SEND_STR (c, "legit");
    for (int i = 0; i < 100; i++)
        RECV_STR (sv.server, "legit");
    /*  The half-open ones are closed when their handshake time is up.  */
    for (int i = 0; i < 20; i++)
        CHECK (closed_by_peer (fds[i]));
    for (int i = 0; i < 20; i++)
        close (fds[i]);
    zmq_close (c);
    server_down (&sv);
}

/*  Frames that claim near 2^64 octets, in the handshake and after it (CVE-2019-6250): the
    connection is dropped, nothing is allocated for them, the socket lives on.  */
TEST (huge_frame_sizes)
{
    server_t sv;
    server_up (&sv, 0);
    long before = rss_kib ();
    for (int after = 0; after <= 1; after++) {
        int fd = raw_connect (sv.port);
        CHECK (fd >= 0);
        if (after) {
            CHECK_OK (raw_handshake (fd, "PUSH"));
        } else {
            unsigned char g[64], peer[64];
            raw_greeting (g, "NULL");
            CHECK_OK (write_all (fd, g, sizeof g));
            CHECK_OK (read_exact (fd, peer, sizeof peer));
        }
        /*  Long frame (command in the handshake, message after), size 2^64 - 2.  */
        unsigned char h[9] = {after ? 0x02 : 0x06, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0xfe};
        CHECK_OK (write_all (fd, h, sizeof h));
        (void) write_all (fd, "\5READY", 6);
        CHECK (closed_by_peer (fd));
        close (fd);
    }
    /*  And one whose size is merely large (1 TiB): closed once ZMQ_MAXMSGSIZE says so.  */
    server_t sv2;
    server_up_with (&sv2, 0, NULL, 0, 1 << 20);
    int fd = raw_connect (sv2.port);
    CHECK (fd >= 0);
    CHECK_OK (raw_handshake (fd, "PUSH"));
    unsigned char h[9] = {0x02, 0, 0, 0x01, 0, 0, 0, 0, 0};
    CHECK_OK (write_all (fd, h, sizeof h));
    CHECK (closed_by_peer (fd));
    close (fd);
    server_down (&sv2);
    CHECK (rss_kib () - before < 64 * 1024);
    /*  Still serving: a NULL client this time.  */
    void *c = mk_nolinger (sv.ctx, ZMQ_PUSH);
    char ep[64];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", sv.port);
    CHECK_OK (zmq_connect (c, ep));
    SEND_STR (c, "alive");
    RECV_STR (sv.server, "alive");
    zmq_close (c);
    server_down (&sv);
}

int main (void)
{
    RUN (server_greeting_bytes);
    RUN (truncated_hello);
    RUN (hello_with_trailing_bytes);
    RUN (oversized_hello);
    RUN (hello_with_255_octet_fields);
    RUN (initiate_before_hello);
    RUN (message_before_ready);
    RUN (mechanism_mismatch);
    RUN (zmtp2_downgrade_refused);
    RUN (half_open_connections_do_not_block);
    RUN (huge_frame_sizes);
    return test_summary ();
}
