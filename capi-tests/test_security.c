/*
    PLAIN and ZAP (RFC 24, 27) through the C API: a ZAP handler bound at
    inproc://zeromq.zap.01 sees libzmq's request frames, its verdicts (200/300/400/500)
    decide the handshake with libzmq's monitor events, malformed replies fail it with the
    ZAP protocol errors, NULL asks ZAP when a domain is set, and messages carry the
    connection's properties (User-Id, ZAP metadata, Peer-Address, Socket-Type, X-*).
*/
#include "testutil.h"
#include "monutil.h"

/*  What the handler answers, and what it saw.  */
typedef struct
{
    void *ctx;
    int router;             /*  bind a ROUTER instead of a REP  */
    const char *status;     /*  "200", "400", ...  */
    const char *user_id;
    const char *version;    /*  NULL: "1.0"  */
    const char *request_id; /*  NULL: echo the request's  */
    const void *metadata;
    size_t metadata_len;
    int short_reply; /*  leave out the metadata frame  */
    /*  Out: the request's frames.  */
    char frames[10][300];
    size_t sizes[10];
    int nframes;
    int requests;
    atomic_int ready;
    atomic_int stop;
    pthread_t thread;
} zap_handler_t;

static void *zap_main (void *arg)
{
    zap_handler_t *h = (zap_handler_t *) arg;
    void *s = zmq_socket (h->ctx, h->router ? ZMQ_ROUTER : ZMQ_REP);
    int to = 100, zero = 0;
    zmq_setsockopt (s, ZMQ_RCVTIMEO, &to, sizeof to);
    zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_bind (s, "inproc://zeromq.zap.01") != 0) {
        zmq_close (s);
        atomic_store (&h->ready, -1);
        return NULL;
    }
    atomic_store (&h->ready, 1);
    while (!atomic_load (&h->stop)) {
        char id[256];
        int idlen = 0;
        if (h->router) {
            idlen = zmq_recv (s, id, sizeof id, 0);
            if (idlen < 0)
                continue;
        }
        int n = 0, more = 1;
        while (more && n < 10) {
            int r = zmq_recv (s, h->frames[n], sizeof h->frames[n], 0);
            if (r < 0) {
                if (n == 0 && errno == EAGAIN && !h->router)
                    goto next;
                break;
            }
            h->sizes[n++] = (size_t) r;
            more = rcvmore (s);
        }
        h->nframes = n;
        h->requests++;
        if (h->router) {
            zmq_send (s, id, idlen, ZMQ_SNDMORE);
            /*  A ROUTER handler echoes the delimiter (the first frame) itself.  */
            zmq_send (s, "", 0, ZMQ_SNDMORE);
        }
        {
            int off = h->router ? 1 : 0; /*  REP strips the delimiter  */
            const char *version = h->version ? h->version : "1.0";
            zmq_send (s, version, strlen (version), ZMQ_SNDMORE);
            if (h->request_id)
                zmq_send (s, h->request_id, strlen (h->request_id), ZMQ_SNDMORE);
            else
                zmq_send (s, h->frames[1 + off], h->sizes[1 + off], ZMQ_SNDMORE);
            zmq_send (s, h->status, strlen (h->status), ZMQ_SNDMORE);
            zmq_send (s, "text", 4, ZMQ_SNDMORE);
            const char *uid = h->user_id ? h->user_id : "";
            if (h->short_reply) {
                zmq_send (s, uid, strlen (uid), 0);
            } else {
                zmq_send (s, uid, strlen (uid), ZMQ_SNDMORE);
                zmq_send (s, h->metadata, h->metadata_len, 0);
            }
        }
    next:;
    }
    zmq_close (s);
    return NULL;
}

static void zap_start (zap_handler_t *h, void *ctx, const char *status)
{
    memset (h, 0, sizeof *h);
    h->ctx = ctx;
    h->status = status;
}

static int zap_run (zap_handler_t *h)
{
    if (pthread_create (&h->thread, NULL, zap_main, h) != 0)
        return -1;
    while (atomic_load (&h->ready) == 0)
        sched_yield ();
    return atomic_load (&h->ready) == 1 ? 0 : -1;
}

static void zap_stop (zap_handler_t *h)
{
    atomic_store (&h->stop, 1);
    pthread_join (h->thread, NULL);
}

/*  The request frame i (as REP delivers them: without the delimiter) equals str.  */
#define CHECK_FRAME(h, i, str)                                                 \
    do {                                                                       \
        CHECK_EQ ((h)->sizes[i], strlen (str));                                \
        CHECK_MEM_EQ ((h)->frames[i], str, strlen (str));                      \
    } while (0)

/*  A PLAIN server PULL (with a monitor) and a PLAIN client PUSH connected to it.  */
typedef struct
{
    void *server, *client, *smon, *cmon;
} pair_t;

static void plain_pair (void *ctx, pair_t *p, const char *user, const char *pass,
                        const char *transport)
{
    static int n;
    char addr[64];
    p->server = mk_nolinger (ctx, ZMQ_PULL);
    CHECK_OK (set_int (p->server, ZMQ_PLAIN_SERVER, 1));
    CHECK_OK (zmq_setsockopt (p->server, ZMQ_ROUTING_ID, "srv", 3));
    CHECK_OK (zmq_setsockopt (p->server, ZMQ_ZAP_DOMAIN, "dom", 3));
    snprintf (addr, sizeof addr, "inproc://smon-%d", n);
    CHECK_OK (zmq_socket_monitor (p->server, addr, ZMQ_EVENT_ALL));
    p->smon = mon_reader (ctx, addr);
    if (strcmp (transport, "ipc") == 0) {
        char ep[128];
        snprintf (ep, sizeof ep, "ipc:///tmp/test_security_%d_%d.ipc", (int) getpid (), n);
        CHECK_OK (zmq_bind (p->server, ep));
    } else {
        CHECK_OK (zmq_bind (p->server, "tcp://127.0.0.1:*"));
    }
    char ep[128];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (p->server, ZMQ_LAST_ENDPOINT, ep, &len));
    p->client = mk_nolinger (ctx, ZMQ_PUSH);
    CHECK_OK (zmq_setsockopt (p->client, ZMQ_PLAIN_USERNAME, user, strlen (user)));
    CHECK_OK (zmq_setsockopt (p->client, ZMQ_PLAIN_PASSWORD, pass, strlen (pass)));
    snprintf (addr, sizeof addr, "inproc://cmon-%d", n++);
    CHECK_OK (zmq_socket_monitor (p->client, addr, ZMQ_EVENT_ALL));
    p->cmon = mon_reader (ctx, addr);
    CHECK_OK (zmq_connect (p->client, ep));
}

static void pair_close (pair_t *p)
{
    char ep[128];
    size_t len = sizeof ep;
    if (zmq_getsockopt (p->server, ZMQ_LAST_ENDPOINT, ep, &len) == 0
        && strncmp (ep, "ipc://", 6) == 0)
        unlink (ep + 6);
    CLOSE_ALL (p->client, p->server, p->smon, p->cmon);
}

TEST (plain_accepted_by_zap_carries_properties)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t h;
    zap_start (&h, ctx, "200");
    h.user_id = "alice";
    h.metadata = "\x06X-Role\x00\x00\x00\x05" "admin";
    h.metadata_len = 16;
    CHECK_OK (zap_run (&h));
    pair_t p;
    plain_pair (ctx, &p, "admin", "secret", "tcp");
    uint32_t v;
    CHECK (wait_event (p.smon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &v, NULL, 0, TU_TIMEOUT_MS));
    CHECK (wait_event (p.cmon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &v, NULL, 0, TU_TIMEOUT_MS));
    SEND_STR (p.client, "hello");
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK_EQ (zmq_msg_recv (&m, p.server, 0), 5);
    CHECK_STR_EQ (zmq_msg_gets (&m, "User-Id"), "alice");
    CHECK_STR_EQ (zmq_msg_gets (&m, "X-Role"), "admin");
    CHECK_STR_EQ (zmq_msg_gets (&m, "Peer-Address"), "127.0.0.1");
    CHECK_STR_EQ (zmq_msg_gets (&m, "Socket-Type"), "PUSH");
    CHECK_NULL_ERR (zmq_msg_gets (&m, "X-Nothing"), EINVAL);
    zmq_msg_close (&m);
    /*  The request, as libzmq sends it (REP strips the delimiter).  */
    CHECK_EQ (h.requests, 1);
    CHECK_EQ (h.nframes, 8);
    CHECK_FRAME (&h, 0, "1.0");
    CHECK_FRAME (&h, 1, "1");
    CHECK_FRAME (&h, 2, "dom");
    CHECK_FRAME (&h, 3, "127.0.0.1");
    CHECK_FRAME (&h, 4, "srv");
    CHECK_FRAME (&h, 5, "PLAIN");
    CHECK_FRAME (&h, 6, "admin");
    CHECK_FRAME (&h, 7, "secret");
    pair_close (&p);
    zap_stop (&h);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (plain_over_ipc_with_a_router_handler)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t h;
    zap_start (&h, ctx, "200");
    h.router = 1;
    h.user_id = "bob";
    CHECK_OK (zap_run (&h));
    pair_t p;
    plain_pair (ctx, &p, "bob", "pw", "ipc");
    SEND_STR (p.client, "over ipc");
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK_EQ (zmq_msg_recv (&m, p.server, 0), 8);
    CHECK_STR_EQ (zmq_msg_gets (&m, "User-Id"), "bob");
    /*  libzmq's form for ipc: "localhost:" uid:gid:pid of the peer process.  */
    char want[64];
    snprintf (want, sizeof want, "localhost:%d:%d:%d", (int) getuid (), (int) getgid (),
              (int) getpid ());
    CHECK_STR_EQ (zmq_msg_gets (&m, "Peer-Address"), want);
    zmq_msg_close (&m);
    /*  A ROUTER handler gets the delimiter as a frame of its own.  */
    CHECK_EQ (h.nframes, 9);
    CHECK_EQ (h.sizes[0], 0);
    CHECK_FRAME (&h, 6, "PLAIN");
    CHECK_FRAME (&h, 4, want);
    pair_close (&p);
    zap_stop (&h);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  A refusal: AUTH with the status on the server and (from its ERROR) on the client;
    nothing is delivered.  */
static void refused_with (const char *status, int client_hears)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t h;
    zap_start (&h, ctx, status);
    CHECK_OK (zap_run (&h));
    pair_t p;
    plain_pair (ctx, &p, "admin", "wrong", "tcp");
    CHECK_EQ (zmq_send (p.client, "secret", 6, ZMQ_DONTWAIT), 6);
    uint32_t v = 0;
    CHECK (wait_event (p.smon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, &v, NULL, 0, TU_TIMEOUT_MS));
    CHECK_EQ (v, (uint32_t) atoi (status));
    if (client_hears) {
        v = 0;
        CHECK (wait_event (p.cmon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, &v, NULL, 0,
                           TU_TIMEOUT_MS));
        CHECK_EQ (v, (uint32_t) atoi (status));
    }
    char buf[16];
    CHECK_ERR (zmq_recv (p.server, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    pair_close (&p);
    zap_stop (&h);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (plain_refused_400)
{
    refused_with ("400", 1);
}

TEST (plain_refused_500)
{
    refused_with ("500", 1);
}

/*  300 is temporary: no ERROR goes to the client (CurveZMQ says close silently).  */
TEST (plain_refused_300_silently)
{
    refused_with ("300", 0);
}

TEST (plain_without_a_handler_fails_with_efault)
{
    void *ctx = zmq_ctx_new ();
    pair_t p;
    plain_pair (ctx, &p, "admin", "secret", "tcp");
    uint32_t v = 0;
    CHECK (wait_event (p.smon, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, &v, NULL, 0,
                       TU_TIMEOUT_MS));
    CHECK_EQ (v, EFAULT);
    pair_close (&p);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  A malformed reply fails the handshake with its ZAP protocol error.  */
static void bad_reply (zap_handler_t *h, int want)
{
    void *ctx = h->ctx;
    CHECK_OK (zap_run (h));
    pair_t p;
    plain_pair (ctx, &p, "admin", "secret", "tcp");
    uint32_t v = 0;
    CHECK (wait_event (p.smon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, &v, NULL, 0,
                       TU_TIMEOUT_MS));
    CHECK_EQ (v, (uint32_t) want);
    pair_close (&p);
    zap_stop (h);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (zap_reply_bad_version)
{
    zap_handler_t h;
    zap_start (&h, zmq_ctx_new (), "200");
    h.version = "2.0";
    bad_reply (&h, ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION);
}

TEST (zap_reply_bad_request_id)
{
    zap_handler_t h;
    zap_start (&h, zmq_ctx_new (), "200");
    h.request_id = "7";
    bad_reply (&h, ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID);
}

TEST (zap_reply_invalid_status)
{
    zap_handler_t h;
    zap_start (&h, zmq_ctx_new (), "201");
    bad_reply (&h, ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE);
}

TEST (zap_reply_invalid_metadata)
{
    zap_handler_t h;
    zap_start (&h, zmq_ctx_new (), "200");
    h.metadata = "\x06X-Role\x00\x00\x00\x09" "ad";
    h.metadata_len = 13;
    bad_reply (&h, ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA);
}

TEST (zap_reply_too_short)
{
    zap_handler_t h;
    zap_start (&h, zmq_ctx_new (), "200");
    h.short_reply = 1;
    bad_reply (&h, ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY);
}

/*  NULL asks ZAP only when a domain is set; the domain and mechanism reach the handler.  */
TEST (null_with_a_domain_asks_zap)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t h;
    zap_start (&h, ctx, "200");
    h.user_id = "anon";
    CHECK_OK (zap_run (&h));
    void *server = mk_nolinger (ctx, ZMQ_PULL);
    CHECK_OK (zmq_setsockopt (server, ZMQ_ZAP_DOMAIN, "realm", 5));
    CHECK_OK (zmq_bind (server, "tcp://127.0.0.1:*"));
    char ep[128];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, ep, &len));
    void *client = mk_nolinger (ctx, ZMQ_PUSH);
#ifdef ZMQ_BUILD_DRAFT_API
    CHECK_OK (zmq_setsockopt (client, ZMQ_METADATA, "X-App:demo", 10));
#endif
    CHECK_OK (zmq_connect (client, ep));
    SEND_STR (client, "x");
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK_EQ (zmq_msg_recv (&m, server, 0), 1);
    CHECK_STR_EQ (zmq_msg_gets (&m, "User-Id"), "anon");
#ifdef ZMQ_BUILD_DRAFT_API
    CHECK_STR_EQ (zmq_msg_gets (&m, "X-App"), "demo");
#endif
    zmq_msg_close (&m);
    CHECK_EQ (h.requests, 1);
    CHECK_EQ (h.nframes, 6);
    CHECK_FRAME (&h, 2, "realm");
    CHECK_FRAME (&h, 5, "NULL");
    CLOSE_ALL (client, server);
    zap_stop (&h);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (null_refused_by_zap)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t h;
    zap_start (&h, ctx, "400");
    CHECK_OK (zap_run (&h));
    void *server = mk_nolinger (ctx, ZMQ_PULL);
    CHECK_OK (zmq_setsockopt (server, ZMQ_ZAP_DOMAIN, "realm", 5));
    CHECK_OK (zmq_socket_monitor (server, "inproc://null-mon", ZMQ_EVENT_ALL));
    void *smon = mon_reader (ctx, "inproc://null-mon");
    CHECK_OK (zmq_bind (server, "tcp://127.0.0.1:*"));
    char ep[128];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, ep, &len));
    void *client = mk_nolinger (ctx, ZMQ_PUSH);
    CHECK_OK (zmq_connect (client, ep));
    CHECK_EQ (zmq_send (client, "x", 1, ZMQ_DONTWAIT), 1);
    uint32_t v = 0;
    CHECK (wait_event (smon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, &v, NULL, 0, TU_TIMEOUT_MS));
    CHECK_EQ (v, 400);
    char buf[4];
    CHECK_ERR (zmq_recv (server, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CLOSE_ALL (client, server, smon);
    zap_stop (&h);
    CHECK_OK (zmq_ctx_term (ctx));
}

#ifdef ZMQ_BUILD_DRAFT_API
/*  Without a handler, NULL with a domain goes on; with ZMQ_ZAP_ENFORCE_DOMAIN it fails.  */
TEST (null_domain_without_handler)
{
    void *ctx = zmq_ctx_new ();
    for (int enforce = 0; enforce <= 1; enforce++) {
        void *server = mk_nolinger (ctx, ZMQ_PULL);
        CHECK_OK (zmq_setsockopt (server, ZMQ_ZAP_DOMAIN, "realm", 5));
        CHECK_OK (set_int (server, ZMQ_ZAP_ENFORCE_DOMAIN, enforce));
        char addr[32];
        snprintf (addr, sizeof addr, "inproc://enf-mon-%d", enforce);
        CHECK_OK (zmq_socket_monitor (server, addr, ZMQ_EVENT_ALL));
        void *smon = mon_reader (ctx, addr);
        CHECK_OK (zmq_bind (server, "tcp://127.0.0.1:*"));
        char ep[128];
        size_t len = sizeof ep;
        CHECK_OK (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, ep, &len));
        void *client = mk_nolinger (ctx, ZMQ_PUSH);
        CHECK_OK (zmq_connect (client, ep));
        uint32_t v = 0;
        if (enforce) {
            CHECK (wait_event (smon, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, &v, NULL, 0,
                               TU_TIMEOUT_MS));
            CHECK_EQ (v, EFAULT);
        } else {
            SEND_STR (client, "y");
            RECV_STR (server, "y");
        }
        CLOSE_ALL (client, server, smon);
    }
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  Messages over tcp carry Peer-Address, the peer's Socket-Type and Identity, and its
    ZMQ_METADATA, as libzmq's do; "Routing-Id" is not among them.  */
TEST (tcp_messages_carry_connection_properties)
{
    void *ctx = zmq_ctx_new ();
    void *a = mk_nolinger (ctx, ZMQ_DEALER);
    void *b = mk_nolinger (ctx, ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (b, ZMQ_ROUTING_ID, "bee", 3));
    CHECK_OK (zmq_setsockopt (b, ZMQ_METADATA, "X-Foo:bar", 9));
    CHECK_OK (zmq_bind (a, "tcp://127.0.0.1:*"));
    char ep[128];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (a, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK_OK (zmq_connect (b, ep));
    SEND_STR (b, "x");
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK_EQ (zmq_msg_recv (&m, a, 0), 1);
    CHECK_STR_EQ (zmq_msg_gets (&m, "Peer-Address"), "127.0.0.1");
    CHECK_STR_EQ (zmq_msg_gets (&m, "Socket-Type"), "DEALER");
    CHECK_STR_EQ (zmq_msg_gets (&m, "Identity"), "bee");
    CHECK_STR_EQ (zmq_msg_gets (&m, "X-Foo"), "bar");
    CHECK_NULL_ERR (zmq_msg_gets (&m, "Routing-Id"), EINVAL);
    CHECK_NULL_ERR (zmq_msg_gets (&m, "User-Id"), EINVAL);
    /*  A copy carries them too.  */
    zmq_msg_t c;
    zmq_msg_init (&c);
    CHECK_OK (zmq_msg_copy (&c, &m));
    CHECK_STR_EQ (zmq_msg_gets (&c, "X-Foo"), "bar");
    zmq_msg_close (&c);
    zmq_msg_close (&m);
    CLOSE_ALL (a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}
#endif

/*  CURVE test keys (Z85).  */
static const char *SRV_PUB = "mE=OUa40Mm^WZ%eB)jVV[#zHn3lEQJIN@jq7$@7j";
static const char *SRV_SEC = "ukw%!>XUPLlOZ#rg@Fd+B#[{/Z2T}nDc!BuYoHOh";
static const char *CLI_PUB = "7B%<dH7g(8]82*/OJuP&B.@.YrpBmIT1Y99OJ7mF";
static const char *CLI_SEC = "?D=t}U)@-l-Yx{+[Ld/X2$!xp.#:Rdf:QYj7?:0]";

static void curve_server (void *s)
{
    CHECK_OK (set_int (s, ZMQ_CURVE_SERVER, 1));
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, SRV_SEC, 40));
}

static void curve_client (void *s, const char *server_key)
{
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server_key, 40));
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, CLI_PUB, 40));
    CHECK_OK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, CLI_SEC, 40));
}

static void endpoint (void *s, char *ep, size_t n)
{
    size_t len = n;
    CHECK_OK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
}

/*  The ZAP request for CURVE carries the client's 32-octet public key; the handler's
    User-Id reaches the messages.  */
TEST (curve_asks_zap_with_the_client_key)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t h;
    zap_start (&h, ctx, "200");
    h.user_id = "carol";
    CHECK_OK (zap_run (&h));
    void *server = mk_nolinger (ctx, ZMQ_PULL);
    curve_server (server);
    CHECK_OK (zmq_bind (server, "tcp://127.0.0.1:*"));
    char ep[128];
    endpoint (server, ep, sizeof ep);
    void *client = mk_nolinger (ctx, ZMQ_PUSH);
    curve_client (client, SRV_PUB);
    CHECK_OK (zmq_connect (client, ep));
    SEND_STR (client, "boxed");
    zmq_msg_t m;
    zmq_msg_init (&m);
    CHECK_EQ (zmq_msg_recv (&m, server, 0), 5);
    CHECK_STR_EQ (zmq_msg_gets (&m, "User-Id"), "carol");
    zmq_msg_close (&m);
    CHECK_EQ (h.nframes, 7);
    CHECK_FRAME (&h, 5, "CURVE");
    uint8_t key[32];
    CHECK (zmq_z85_decode (key, CLI_PUB) != NULL);
    CHECK_EQ (h.sizes[6], 32);
    CHECK_MEM_EQ (h.frames[6], key, 32);
    CLOSE_ALL (client, server);
    zap_stop (&h);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ZAP's 400 for a CURVE client: AUTH on both sides, nothing delivered.  */
TEST (curve_refused_by_zap)
{
    void *ctx = zmq_ctx_new ();
    zap_handler_t h;
    zap_start (&h, ctx, "400");
    CHECK_OK (zap_run (&h));
    void *server = mk_nolinger (ctx, ZMQ_PULL);
    curve_server (server);
    CHECK_OK (zmq_socket_monitor (server, "inproc://cz-s", ZMQ_EVENT_ALL));
    void *smon = mon_reader (ctx, "inproc://cz-s");
    CHECK_OK (zmq_bind (server, "tcp://127.0.0.1:*"));
    char ep[128];
    endpoint (server, ep, sizeof ep);
    void *client = mk_nolinger (ctx, ZMQ_PUSH);
    curve_client (client, SRV_PUB);
    CHECK_OK (zmq_socket_monitor (client, "inproc://cz-c", ZMQ_EVENT_ALL));
    void *cmon = mon_reader (ctx, "inproc://cz-c");
    CHECK_OK (zmq_connect (client, ep));
    CHECK_EQ (zmq_send (client, "x", 1, ZMQ_DONTWAIT), 1);
    uint32_t v = 0;
    CHECK (wait_event (smon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, &v, NULL, 0, TU_TIMEOUT_MS));
    CHECK_EQ (v, 400);
    v = 0;
    CHECK (wait_event (cmon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, &v, NULL, 0, TU_TIMEOUT_MS));
    CHECK_EQ (v, 400);
    char buf[4];
    CHECK_ERR (zmq_recv (server, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CLOSE_ALL (client, server, smon, cmon);
    zap_stop (&h);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  A client with the wrong server key: the server cannot open its HELLO.  */
TEST (curve_wrong_server_key)
{
    void *ctx = zmq_ctx_new ();
    void *server = mk_nolinger (ctx, ZMQ_PULL);
    curve_server (server);
    CHECK_OK (zmq_socket_monitor (server, "inproc://cw-s", ZMQ_EVENT_ALL));
    void *smon = mon_reader (ctx, "inproc://cw-s");
    CHECK_OK (zmq_bind (server, "tcp://127.0.0.1:*"));
    char ep[128];
    endpoint (server, ep, sizeof ep);
    void *client = mk_nolinger (ctx, ZMQ_PUSH);
    curve_client (client, CLI_PUB); /*  not the server's key  */
    CHECK_OK (zmq_connect (client, ep));
    uint32_t v = 0;
    CHECK (wait_event (smon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, &v, NULL, 0,
                       TU_TIMEOUT_MS));
    CHECK_EQ (v, ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
    CLOSE_ALL (client, server, smon);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  PUB/SUB under CURVE, over ipc: subscriptions travel in boxes and filter; heartbeats
    (PING/PONG in boxes) keep the connection up.  */
TEST (curve_pubsub_with_heartbeats)
{
    void *ctx = zmq_ctx_new ();
    void *pub = mk_nolinger (ctx, ZMQ_XPUB);
    curve_server (pub);
    CHECK_OK (set_int (pub, ZMQ_HEARTBEAT_IVL, 50));
    char ep[128];
    snprintf (ep, sizeof ep, "ipc:///tmp/test_security_curve_%d.ipc", (int) getpid ());
    CHECK_OK (zmq_bind (pub, ep));
    void *sub = mk_nolinger (ctx, ZMQ_SUB);
    curve_client (sub, SRV_PUB);
    CHECK_OK (set_int (sub, ZMQ_HEARTBEAT_IVL, 50));
    CHECK_OK (zmq_socket_monitor (sub, "inproc://cp-c", ZMQ_EVENT_ALL));
    void *cmon = mon_reader (ctx, "inproc://cp-c");
    CHECK_OK (subscribe (sub, "A"));
    CHECK_OK (zmq_connect (sub, ep));
    /*  XPUB sees the subscription: it came through the box.  */
    char buf[8];
    CHECK_EQ (zmq_recv (pub, buf, sizeof buf, 0), 2);
    CHECK_MEM_EQ (buf, "A", 2);
    SEND_STR (pub, "B-skip");
    SEND_STR (pub, "A-keep");
    RECV_STR (sub, "A-keep");
    /*  Several heartbeat rounds pass; the connection stays (no DISCONNECTED).  */
    uint32_t v;
    CHECK (wait_event (cmon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, &v, NULL, 0, TU_TIMEOUT_MS));
    CHECK (!wait_event (cmon, ZMQ_EVENT_DISCONNECTED, &v, NULL, 0, 400));
    SEND_STR (pub, "A-again");
    RECV_STR (sub, "A-again");
    CLOSE_ALL (sub, pub, cmon);
    unlink (ep + 6);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN (plain_accepted_by_zap_carries_properties);
    RUN (plain_over_ipc_with_a_router_handler);
    RUN (plain_refused_400);
    RUN (plain_refused_500);
    RUN (plain_refused_300_silently);
    RUN (plain_without_a_handler_fails_with_efault);
    RUN (zap_reply_bad_version);
    RUN (zap_reply_bad_request_id);
    RUN (zap_reply_invalid_status);
    RUN (zap_reply_invalid_metadata);
    RUN (zap_reply_too_short);
    RUN (curve_asks_zap_with_the_client_key);
    RUN (curve_refused_by_zap);
    RUN (curve_wrong_server_key);
    RUN (curve_pubsub_with_heartbeats);
    RUN (null_with_a_domain_asks_zap);
    RUN (null_refused_by_zap);
#ifdef ZMQ_BUILD_DRAFT_API
    RUN (null_domain_without_handler);
    RUN (tcp_messages_carry_connection_properties);
#endif
    return test_summary ();
}
