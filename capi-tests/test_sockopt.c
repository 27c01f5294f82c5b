/*  zmq_setsockopt / zmq_getsockopt: defaults on every socket type, size rules, ranges,
    type restrictions, strings, NULL values, and the socket-level options.  */
#include "testutil.h"

/*  Options from zmq.h's draft section that libzmq handles in every build (no draft gate),
    so they are tested with their numbers even against a header without the draft API.  */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif
#ifndef ZMQ_LOOPBACK_FASTPATH
#define ZMQ_LOOPBACK_FASTPATH 94
#endif
#ifndef ZMQ_METADATA
#define ZMQ_METADATA 95
#endif
#ifndef ZMQ_MULTICAST_LOOP
#define ZMQ_MULTICAST_LOOP 96
#endif
#ifndef ZMQ_XPUB_MANUAL_LAST_VALUE
#define ZMQ_XPUB_MANUAL_LAST_VALUE 98
#endif
#ifndef ZMQ_SOCKS_USERNAME
#define ZMQ_SOCKS_USERNAME 99
#endif
#ifndef ZMQ_SOCKS_PASSWORD
#define ZMQ_SOCKS_PASSWORD 100
#endif
#ifndef ZMQ_ONLY_FIRST_SUBSCRIBE
#define ZMQ_ONLY_FIRST_SUBSCRIBE 108
#endif
#ifndef ZMQ_RECONNECT_STOP
#define ZMQ_RECONNECT_STOP 109
#endif

/*  Socket types 12..20 (draft) are creatable in every build, so use their numbers.  */
#define NTYPES 21
#define T_SERVER 12
#define T_RADIO 14
#define T_DISH 15
#define T_DGRAM 18

static int thread_safe (int type)
{
    return type >= 12 && type <= 20 && type != T_DGRAM;
}

static void *ctx;

static void *sock (int type)
{
    void *s = zmq_socket (ctx, type);
    if (!s) {
        fprintf (stderr, "zmq_socket(%d) failed: %s\n", type,
                 zmq_strerror (errno));
        exit (2);
    }
    return s;
}

/*  Reads an int option with an exact buffer; -1 on error, -2 on a wrong length.  */
static int get_int_exact (void *s, int opt, int *v)
{
    size_t len = sizeof *v;
    int rc = zmq_getsockopt (s, opt, v, &len);
    if (rc == 0 && len != sizeof *v)
        return -2;
    return rc;
}

#define CHECK_INT_OPT(s, opt, want)                                            \
    do {                                                                       \
        int tv_ = -12345;                                                      \
        int trc_ = get_int_exact ((s), (opt), &tv_);                           \
        if (trc_ != 0)                                                         \
            TU_FAIL ("get %s: rc %d errno %d", #opt, trc_, errno);             \
        if (tv_ != (want))                                                     \
            TU_FAIL ("get %s == %d, expected %d", #opt, tv_, (int) (want));    \
    } while (0)

/*  A string option: exact bytes, NUL included, and *optvallen = strlen + 1.  */
#define CHECK_STR_OPT(s, opt, want)                                            \
    do {                                                                       \
        char tb_[300];                                                         \
        memset (tb_, 0x55, sizeof tb_);                                        \
        size_t tl_ = sizeof tb_;                                               \
        if (zmq_getsockopt ((s), (opt), tb_, &tl_) != 0)                       \
            TU_FAIL ("get %s: errno %d", #opt, errno);                         \
        CHECK_EQ (tl_, strlen (want) + 1);                                     \
        CHECK_STR_EQ (tb_, (want));                                            \
    } while (0)

/*  Every int option gettable on every type, with libzmq's default (LINGER is separate).  */
static const struct
{
    int opt;
    int dflt;
    const char *name;
} int_defaults[] = {
  {ZMQ_SNDHWM, 1000, "SNDHWM"},
  {ZMQ_RCVHWM, 1000, "RCVHWM"},
  {ZMQ_RATE, 100, "RATE"},
  {ZMQ_RECOVERY_IVL, 10000, "RECOVERY_IVL"},
  {ZMQ_SNDBUF, -1, "SNDBUF"},
  {ZMQ_RCVBUF, -1, "RCVBUF"},
  {ZMQ_RECONNECT_IVL, 100, "RECONNECT_IVL"},
  {ZMQ_BACKLOG, 100, "BACKLOG"},
  {ZMQ_RECONNECT_IVL_MAX, 0, "RECONNECT_IVL_MAX"},
  {ZMQ_MULTICAST_HOPS, 1, "MULTICAST_HOPS"},
  {ZMQ_RCVTIMEO, -1, "RCVTIMEO"},
  {ZMQ_SNDTIMEO, -1, "SNDTIMEO"},
  {ZMQ_IPV4ONLY, 1, "IPV4ONLY"},
  {ZMQ_TCP_KEEPALIVE, -1, "TCP_KEEPALIVE"},
  {ZMQ_TCP_KEEPALIVE_CNT, -1, "TCP_KEEPALIVE_CNT"},
  {ZMQ_TCP_KEEPALIVE_IDLE, -1, "TCP_KEEPALIVE_IDLE"},
  {ZMQ_TCP_KEEPALIVE_INTVL, -1, "TCP_KEEPALIVE_INTVL"},
  {ZMQ_IMMEDIATE, 0, "IMMEDIATE"},
  {ZMQ_IPV6, 0, "IPV6"},
  {ZMQ_MECHANISM, ZMQ_NULL, "MECHANISM"},
  {ZMQ_PLAIN_SERVER, 0, "PLAIN_SERVER"},
  {ZMQ_CONFLATE, 0, "CONFLATE"},
  {ZMQ_TOS, 0, "TOS"},
  {ZMQ_HANDSHAKE_IVL, 30000, "HANDSHAKE_IVL"},
  {ZMQ_INVERT_MATCHING, 0, "INVERT_MATCHING"},
  {ZMQ_HEARTBEAT_IVL, 0, "HEARTBEAT_IVL"},
  {ZMQ_HEARTBEAT_TTL, 0, "HEARTBEAT_TTL"},
  {ZMQ_HEARTBEAT_TIMEOUT, -1, "HEARTBEAT_TIMEOUT"},
  {ZMQ_CONNECT_TIMEOUT, 0, "CONNECT_TIMEOUT"},
  {ZMQ_TCP_MAXRT, 0, "TCP_MAXRT"},
  {ZMQ_MULTICAST_MAXTPDU, 1500, "MULTICAST_MAXTPDU"},
  {ZMQ_USE_FD, -1, "USE_FD"},
  {ZMQ_ZAP_ENFORCE_DOMAIN, 0, "ZAP_ENFORCE_DOMAIN"},
  {ZMQ_LOOPBACK_FASTPATH, 0, "LOOPBACK_FASTPATH"},
  {ZMQ_MULTICAST_LOOP, 1, "MULTICAST_LOOP"},
  {ZMQ_RECONNECT_STOP, 0, "RECONNECT_STOP"},
#ifdef ZMQ_BUILD_DRAFT_API
  {ZMQ_ROUTER_NOTIFY, 0, "ROUTER_NOTIFY"},
  {ZMQ_IN_BATCH_SIZE, 8192, "IN_BATCH_SIZE"},
  {ZMQ_OUT_BATCH_SIZE, 8192, "OUT_BATCH_SIZE"},
  {ZMQ_PRIORITY, 0, "PRIORITY"},
#endif
};
#define N_INT_DEFAULTS (sizeof int_defaults / sizeof int_defaults[0])

static const int string_options[] = {
  ZMQ_PLAIN_USERNAME, ZMQ_PLAIN_PASSWORD, ZMQ_ZAP_DOMAIN,    ZMQ_SOCKS_PROXY,
  ZMQ_SOCKS_USERNAME, ZMQ_SOCKS_PASSWORD, ZMQ_BINDTODEVICE,
};
#define N_STRINGS (sizeof string_options / sizeof string_options[0])

TEST (defaults_on_every_type)
{
    for (int t = 0; t < NTYPES; t++) {
        void *s = sock (t);
        for (size_t i = 0; i < N_INT_DEFAULTS; i++) {
            int v = -12345;
            if (get_int_exact (s, int_defaults[i].opt, &v) != 0
                || v != int_defaults[i].dflt) {
                zmq_close (s);
                TU_FAIL ("type %d: %s == %d (errno %d), expected %d", t,
                         int_defaults[i].name, v, errno, int_defaults[i].dflt);
            }
        }
        CHECK_INT_OPT (s, ZMQ_TYPE, t);
        /*  SUB, XSUB and DISH do not linger on pending subscriptions.  */
        CHECK_INT_OPT (s, ZMQ_LINGER,
                       (t == ZMQ_SUB || t == ZMQ_XSUB || t == T_DISH) ? 0 : -1);
        CHECK_INT_OPT (s, ZMQ_RCVMORE, 0);
        CHECK_INT_OPT (s, ZMQ_THREAD_SAFE, thread_safe (t));

        uint64_t affinity = 99;
        int64_t maxmsgsize = 99;
        size_t len = 8;
        CHECK_OK (zmq_getsockopt (s, ZMQ_AFFINITY, &affinity, &len));
        CHECK_EQ (len, 8);
        CHECK_EQ (affinity, 0);
        CHECK_OK (zmq_getsockopt (s, ZMQ_MAXMSGSIZE, &maxmsgsize, &len));
        CHECK_EQ (len, 8);
        CHECK_EQ (maxmsgsize, -1);

        char id[256];
        len = sizeof id;
        CHECK_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, id, &len));
        CHECK_EQ (len, 0);

        for (size_t i = 0; i < N_STRINGS; i++)
            CHECK_STR_OPT (s, string_options[i], "");
        CHECK_STR_OPT (s, ZMQ_LAST_ENDPOINT, "");
        CHECK_OK (zmq_close (s));
    }
}

TEST (int_round_trips)
{
    static const struct
    {
        int opt, value;
    } cases[] = {
      {ZMQ_SNDHWM, 5},          {ZMQ_RCVHWM, 0},
      {ZMQ_RATE, 200},          {ZMQ_RECOVERY_IVL, 0},
      {ZMQ_SNDBUF, 65536},      {ZMQ_RCVBUF, 0},
      {ZMQ_LINGER, 250},        {ZMQ_RECONNECT_IVL, -1},
      {ZMQ_RECONNECT_IVL_MAX, 4200}, {ZMQ_BACKLOG, 5},
      {ZMQ_MULTICAST_HOPS, 3},  {ZMQ_RCVTIMEO, 10},
      {ZMQ_SNDTIMEO, 0},        {ZMQ_IPV6, 1},
      {ZMQ_TCP_KEEPALIVE, 1},   {ZMQ_TCP_KEEPALIVE_CNT, 3},
      {ZMQ_TCP_KEEPALIVE_IDLE, 60}, {ZMQ_TCP_KEEPALIVE_INTVL, 0},
      {ZMQ_IMMEDIATE, 1},       {ZMQ_CONFLATE, 1},
      {ZMQ_TOS, 0x28},          {ZMQ_HANDSHAKE_IVL, 0},
      {ZMQ_INVERT_MATCHING, 1}, {ZMQ_HEARTBEAT_IVL, 1000},
      {ZMQ_HEARTBEAT_TIMEOUT, 0}, {ZMQ_CONNECT_TIMEOUT, 300},
      {ZMQ_TCP_MAXRT, 400},     {ZMQ_MULTICAST_MAXTPDU, 9000},
      {ZMQ_USE_FD, 1000},       {ZMQ_ZAP_ENFORCE_DOMAIN, 1},
      {ZMQ_LOOPBACK_FASTPATH, 1}, {ZMQ_MULTICAST_LOOP, 0},
      {ZMQ_RECONNECT_STOP, 7},
    };
    void *s = sock (ZMQ_DEALER);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int v = -12345;
        if (set_int (s, cases[i].opt, cases[i].value) != 0)
            TU_FAIL ("set %d = %d: errno %d", cases[i].opt, cases[i].value,
                     errno);
        if (get_int_exact (s, cases[i].opt, &v) != 0 || v != cases[i].value)
            TU_FAIL ("get %d == %d, expected %d", cases[i].opt, v,
                     cases[i].value);
    }
    /*  IPV4ONLY is the inverse of IPV6.  */
    CHECK_INT_OPT (s, ZMQ_IPV4ONLY, 0);
    CHECK_OK (set_int (s, ZMQ_IPV4ONLY, 1));
    CHECK_INT_OPT (s, ZMQ_IPV6, 0);
    /*  Relaxed booleans read back as 0/1.  */
    CHECK_OK (set_int (s, ZMQ_INVERT_MATCHING, -5));
    CHECK_INT_OPT (s, ZMQ_INVERT_MATCHING, 1);

    int64_t big = (int64_t) 1 << 40, got = 0;
    size_t len = sizeof got;
    CHECK_OK (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &big, sizeof big));
    CHECK_OK (zmq_getsockopt (s, ZMQ_MAXMSGSIZE, &got, &len));
    CHECK_EQ (got, big);
    uint64_t mask = 3, gotmask = 0;
    CHECK_OK (zmq_setsockopt (s, ZMQ_AFFINITY, &mask, sizeof mask));
    CHECK_OK (zmq_getsockopt (s, ZMQ_AFFINITY, &gotmask, &len));
    CHECK_EQ (gotmask, 3);
    CHECK_OK (zmq_close (s));
}

TEST (wrong_sizes)
{
    void *s = sock (ZMQ_DEALER);
    char buf[16] = {0};
    static const size_t bad_int_sizes[] = {0, 3, 5, 8};
    for (size_t i = 0; i < N_INT_DEFAULTS; i++) {
        for (size_t k = 0; k < 4; k++) {
            size_t len = bad_int_sizes[k];
            errno = 0;
            if (zmq_getsockopt (s, int_defaults[i].opt, buf, &len) != -1
                || errno != EINVAL)
                TU_FAIL ("get %s with %zu bytes: errno %d",
                         int_defaults[i].name, bad_int_sizes[k], errno);
            CHECK_EQ (len, bad_int_sizes[k]);
            if (int_defaults[i].opt == ZMQ_MECHANISM)
                continue; /*  read-only anyway  */
            errno = 0;
            if (zmq_setsockopt (s, int_defaults[i].opt, buf, bad_int_sizes[k])
                  != -1
                || errno != EINVAL)
                TU_FAIL ("set %s with %zu bytes: errno %d",
                         int_defaults[i].name, bad_int_sizes[k], errno);
        }
    }
    /*  Exact sizes for TYPE too.  */
    size_t len = 8;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_TYPE, buf, &len), EINVAL);
    /*  64-bit options need exactly 8 bytes.  */
    int opts64[] = {ZMQ_AFFINITY, ZMQ_MAXMSGSIZE};
    for (int i = 0; i < 2; i++) {
        len = 4;
        CHECK_ERR (zmq_getsockopt (s, opts64[i], buf, &len), EINVAL);
        len = 16;
        CHECK_ERR (zmq_getsockopt (s, opts64[i], buf, &len), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, opts64[i], buf, 4), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, opts64[i], buf, 16), EINVAL);
    }
    CHECK_OK (zmq_close (s));
}

TEST (out_of_range)
{
    static const struct
    {
        int opt, bad;
    } cases[] = {
      {ZMQ_LINGER, -2},          {ZMQ_SNDHWM, -1},
      {ZMQ_RCVHWM, -1},          {ZMQ_RCVTIMEO, -2},
      {ZMQ_SNDTIMEO, -2},        {ZMQ_SNDBUF, -2},
      {ZMQ_RCVBUF, -2},          {ZMQ_RATE, 0},
      {ZMQ_RECOVERY_IVL, -1},    {ZMQ_RECONNECT_IVL, -2},
      {ZMQ_RECONNECT_IVL_MAX, -1}, {ZMQ_BACKLOG, -1},
      {ZMQ_MULTICAST_HOPS, 0},   {ZMQ_MULTICAST_MAXTPDU, 0},
      {ZMQ_TCP_KEEPALIVE, 2},    {ZMQ_TCP_KEEPALIVE, -2},
      {ZMQ_TCP_KEEPALIVE_CNT, -2}, {ZMQ_TCP_KEEPALIVE_IDLE, -2},
      {ZMQ_TCP_KEEPALIVE_INTVL, -2}, {ZMQ_TOS, -1},
      {ZMQ_HANDSHAKE_IVL, -1},   {ZMQ_HEARTBEAT_IVL, -1},
      {ZMQ_HEARTBEAT_TIMEOUT, -1}, {ZMQ_HEARTBEAT_TTL, -100},
      {ZMQ_HEARTBEAT_TTL, 6553600}, {ZMQ_CONNECT_TIMEOUT, -1},
      {ZMQ_TCP_MAXRT, -1},       {ZMQ_USE_FD, -2},
      {ZMQ_IPV6, 2},             {ZMQ_IPV4ONLY, -1},
      {ZMQ_IMMEDIATE, 2},        {ZMQ_CONFLATE, 2},
      {ZMQ_PLAIN_SERVER, 2},
    };
    void *s = sock (ZMQ_DEALER);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        errno = 0;
        if (set_int (s, cases[i].opt, cases[i].bad) != -1 || errno != EINVAL)
            TU_FAIL ("set %d = %d: accepted or errno %d", cases[i].opt,
                     cases[i].bad, errno);
    }
    /*  Nothing changed.  */
    CHECK_INT_OPT (s, ZMQ_LINGER, -1);
    CHECK_INT_OPT (s, ZMQ_TCP_KEEPALIVE, -1);
    CHECK_INT_OPT (s, ZMQ_HEARTBEAT_TTL, 0);
    CHECK_OK (zmq_close (s));
}

TEST (heartbeat_ttl_is_deciseconds)
{
    void *s = sock (ZMQ_DEALER);
    CHECK_OK (set_int (s, ZMQ_HEARTBEAT_TTL, 1999));
    CHECK_INT_OPT (s, ZMQ_HEARTBEAT_TTL, 1900);
    CHECK_OK (set_int (s, ZMQ_HEARTBEAT_TTL, 99));
    CHECK_INT_OPT (s, ZMQ_HEARTBEAT_TTL, 0);
    CHECK_OK (set_int (s, ZMQ_HEARTBEAT_TTL, -99));
    CHECK_INT_OPT (s, ZMQ_HEARTBEAT_TTL, 0);
    CHECK_OK (set_int (s, ZMQ_HEARTBEAT_TTL, 6553599));
    CHECK_INT_OPT (s, ZMQ_HEARTBEAT_TTL, 6553500);
    CHECK_OK (zmq_close (s));
}

/*  Each type-specific option, value 1, on a fresh socket of every type.  */
TEST (type_restrictions)
{
    static const struct
    {
        int opt;
        const char *name;
        const char *types; /*  'y' at index t: accepted by type t  */
    } table[] = {
      /*                                     0123456789012345678901  */
      {ZMQ_ROUTER_MANDATORY, "ROUTER_MANDATORY", "....y.y.............."},
      {ZMQ_ROUTER_RAW, "ROUTER_RAW", "....y.y.............."},
      {ZMQ_ROUTER_HANDOVER, "ROUTER_HANDOVER", "....y.y.............."},
      {ZMQ_PROBE_ROUTER, "PROBE_ROUTER", "...yyyy.............."},
      {ZMQ_REQ_CORRELATE, "REQ_CORRELATE", "...y................."},
      {ZMQ_REQ_RELAXED, "REQ_RELAXED", "...y................."},
      {ZMQ_STREAM_NOTIFY, "STREAM_NOTIFY", "...........y........."},
      {ZMQ_XPUB_VERBOSE, "XPUB_VERBOSE", ".y.......y..........."},
      {ZMQ_XPUB_VERBOSER, "XPUB_VERBOSER", ".y.......y..........."},
      {ZMQ_XPUB_MANUAL, "XPUB_MANUAL", ".y.......y..........."},
      {ZMQ_XPUB_MANUAL_LAST_VALUE, "XPUB_MANUAL_LAST_VALUE",
       ".y.......y..........."},
      {ZMQ_XPUB_NODROP, "XPUB_NODROP", ".y.......y....y......"},
      {ZMQ_XPUB_WELCOME_MSG, "XPUB_WELCOME_MSG", ".y.......y..........."},
      {ZMQ_ONLY_FIRST_SUBSCRIBE, "ONLY_FIRST_SUBSCRIBE",
       ".y.......yy.........."},
      {ZMQ_SUBSCRIBE, "SUBSCRIBE", "..y.................."},
      {ZMQ_UNSUBSCRIBE, "UNSUBSCRIBE", "..y.................."},
      {ZMQ_CONNECT_ROUTING_ID, "CONNECT_ROUTING_ID", "....y.y....y........."},
      /*  Generic in libzmq: accepted everywhere, effective on some types.  */
      {ZMQ_CONFLATE, "CONFLATE", "yyyyyyyyyyyyyyyyyyyyy"},
      {ZMQ_INVERT_MATCHING, "INVERT_MATCHING", "yyyyyyyyyyyyyyyyyyyyy"},
#ifdef ZMQ_BUILD_DRAFT_API
      {ZMQ_ROUTER_NOTIFY, "ROUTER_NOTIFY", "....y.y.............."},
      {ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, "XSUB_VERBOSE_UNSUBSCRIBE",
       "..........y.........."},
#endif
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        for (int t = 0; t < NTYPES; t++) {
            void *s = sock (t);
            errno = 0;
            int rc = set_int (s, table[i].opt, 1);
            int e = errno;
            zmq_close (s);
            if (table[i].types[t] == 'y' && rc != 0)
                TU_FAIL ("%s on type %d: errno %d, expected success",
                         table[i].name, t, e);
            if (table[i].types[t] != 'y' && (rc != -1 || e != EINVAL))
                TU_FAIL ("%s on type %d: rc %d errno %d, expected EINVAL",
                         table[i].name, t, rc, e);
        }
    }
}

TEST (per_type_values)
{
    void *r = sock (ZMQ_ROUTER);
    CHECK_OK (set_int (r, ZMQ_ROUTER_MANDATORY, 7));
    CHECK_ERR (set_int (r, ZMQ_ROUTER_MANDATORY, -1), EINVAL);
    CHECK_ERR (set_int (r, ZMQ_PROBE_ROUTER, -1), EINVAL);
    CHECK_ERR (zmq_setsockopt (r, ZMQ_CONNECT_ROUTING_ID, "", 0), EINVAL);
    CHECK_ERR (zmq_setsockopt (r, ZMQ_CONNECT_ROUTING_ID, NULL, 0), EINVAL);
    CHECK_OK (zmq_setsockopt (r, ZMQ_CONNECT_ROUTING_ID, "peer-a", 6));
    CHECK_OK (zmq_close (r));

    void *st = sock (ZMQ_STREAM);
    CHECK_ERR (set_int (st, ZMQ_STREAM_NOTIFY, 2), EINVAL);
    CHECK_OK (set_int (st, ZMQ_STREAM_NOTIFY, 0));
    CHECK_OK (zmq_close (st));

    void *q = sock (ZMQ_REQ);
    CHECK_ERR (set_int (q, ZMQ_REQ_RELAXED, -1), EINVAL);
    CHECK_OK (set_int (q, ZMQ_REQ_RELAXED, 2));
    CHECK_OK (set_int (q, ZMQ_PROBE_ROUTER, 1));
    CHECK_OK (zmq_close (q));

    void *x = sock (ZMQ_XPUB);
    CHECK_ERR (set_int (x, ZMQ_XPUB_VERBOSE, -1), EINVAL);
    CHECK_ERR (zmq_setsockopt (x, ZMQ_XPUB_NODROP, "ab", 2), EINVAL);
    /*  SUBSCRIBE on XPUB only in manual mode.  */
    CHECK_ERR (zmq_setsockopt (x, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    CHECK_OK (set_int (x, ZMQ_XPUB_MANUAL, 1));
    CHECK_OK (zmq_setsockopt (x, ZMQ_SUBSCRIBE, "a", 1));
    CHECK_OK (zmq_setsockopt (x, ZMQ_UNSUBSCRIBE, "a", 1));
    CHECK_OK (zmq_setsockopt (x, ZMQ_XPUB_WELCOME_MSG, "hello", 5));
    CHECK_OK (zmq_setsockopt (x, ZMQ_XPUB_WELCOME_MSG, NULL, 0));
    CHECK_OK (zmq_close (x));

    void *sub = sock (ZMQ_SUB);
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, NULL, 0));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "topic", 5));
    CHECK_OK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "never", 5));
    CHECK_ERR (set_int (sub, ZMQ_ONLY_FIRST_SUBSCRIBE, 1), EINVAL);
    CHECK_OK (zmq_close (sub));
}

TEST (set_only_options_fail_on_get)
{
    static const int set_only[] = {
      ZMQ_SUBSCRIBE,        ZMQ_UNSUBSCRIBE,       ZMQ_ROUTER_MANDATORY,
      ZMQ_TCP_ACCEPT_FILTER, ZMQ_XPUB_VERBOSE,     ZMQ_ROUTER_RAW,
      ZMQ_PROBE_ROUTER,     ZMQ_REQ_CORRELATE,     ZMQ_REQ_RELAXED,
      ZMQ_ROUTER_HANDOVER,  ZMQ_IPC_FILTER_PID,    ZMQ_IPC_FILTER_UID,
      ZMQ_IPC_FILTER_GID,   ZMQ_CONNECT_ROUTING_ID, ZMQ_XPUB_NODROP,
      ZMQ_XPUB_MANUAL,      ZMQ_XPUB_WELCOME_MSG,  ZMQ_STREAM_NOTIFY,
      ZMQ_XPUB_VERBOSER,    ZMQ_METADATA,          ZMQ_XPUB_MANUAL_LAST_VALUE,
      ZMQ_ONLY_FIRST_SUBSCRIBE,
    };
    int types[] = {ZMQ_PAIR, ZMQ_PUB, ZMQ_SUB, ZMQ_REQ, ZMQ_ROUTER,
                   ZMQ_XPUB, ZMQ_XSUB, ZMQ_STREAM};
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        void *s = sock (types[k]);
        for (size_t i = 0; i < sizeof set_only / sizeof set_only[0]; i++) {
            char buf[64];
            size_t len = 4;
            errno = 0;
            int rc = zmq_getsockopt (s, set_only[i], buf, &len);
            int e = errno;
            len = sizeof buf;
            int rc2 = zmq_getsockopt (s, set_only[i], buf, &len);
            if (rc != -1 || e != EINVAL || rc2 != -1 || errno != EINVAL) {
                zmq_close (s);
                TU_FAIL ("get of set-only %d on type %d succeeded",
                         set_only[i], types[k]);
            }
        }
        CHECK_OK (zmq_close (s));
    }
    /*  Unknown and retired numbers.  */
    void *s = sock (ZMQ_PAIR);
    int retired[] = {0, 1, 2, 3, 10, 20, 26, 29, 30, 67, 70, 82, 83, 1000, -1};
    for (size_t i = 0; i < sizeof retired / sizeof retired[0]; i++) {
        char buf[8];
        size_t len = 4;
        CHECK_ERR (zmq_getsockopt (s, retired[i], buf, &len), EINVAL);
        CHECK_ERR (set_int (s, retired[i], 0), EINVAL);
    }
    CHECK_OK (zmq_close (s));
}

TEST (strings_with_nul)
{
    void *s = sock (ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, "global", 6));
    CHECK_STR_OPT (s, ZMQ_ZAP_DOMAIN, "global");
    /*  The exact size fits; one less does not; more is zero-filled.  */
    char buf[16];
    size_t len = 7;
    CHECK_OK (zmq_getsockopt (s, ZMQ_ZAP_DOMAIN, buf, &len));
    CHECK_EQ (len, 7);
    len = 6;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_ZAP_DOMAIN, buf, &len), EINVAL);
    CHECK_EQ (len, 6);
    memset (buf, 0x55, sizeof buf);
    len = sizeof buf;
    CHECK_OK (zmq_getsockopt (s, ZMQ_ZAP_DOMAIN, buf, &len));
    CHECK_EQ (len, 7);
    for (size_t i = 6; i < sizeof buf; i++)
        CHECK_EQ (buf[i], 0);
    /*  An empty string still needs room for its NUL.  */
    len = 0;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len), EINVAL);
    len = 0;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_PLAIN_PASSWORD, buf, &len), EINVAL);

    /*  ZAP_DOMAIN: 1..255 bytes.  */
    char long_str[257];
    memset (long_str, 'a', sizeof long_str);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, long_str, 256), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, "", 0), EINVAL);
    CHECK_OK (zmq_setsockopt (s, ZMQ_ZAP_DOMAIN, long_str, 255));

    /*  BINDTODEVICE: at most IFNAMSIZ bytes.  */
    CHECK_OK (zmq_setsockopt (s, ZMQ_BINDTODEVICE, "lo", 2));
    CHECK_STR_OPT (s, ZMQ_BINDTODEVICE, "lo");
    CHECK_OK (zmq_setsockopt (s, ZMQ_BINDTODEVICE, long_str, 16));
    CHECK_ERR (zmq_setsockopt (s, ZMQ_BINDTODEVICE, long_str, 17), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_BINDTODEVICE, "", 0), EINVAL);
    CHECK_OK (zmq_setsockopt (s, ZMQ_BINDTODEVICE, NULL, 0));
    CHECK_STR_OPT (s, ZMQ_BINDTODEVICE, "");

    /*  SOCKS_PROXY: NULL/0 clears, "" is refused.  */
    CHECK_OK (zmq_setsockopt (s, ZMQ_SOCKS_PROXY, "127.0.0.1:1080", 14));
    CHECK_STR_OPT (s, ZMQ_SOCKS_PROXY, "127.0.0.1:1080");
    CHECK_ERR (zmq_setsockopt (s, ZMQ_SOCKS_PROXY, "", 0), EINVAL);
    CHECK_OK (zmq_setsockopt (s, ZMQ_SOCKS_PROXY, NULL, 0));
    CHECK_STR_OPT (s, ZMQ_SOCKS_PROXY, "");

    /*  SOCKS credentials: NULL and "" both clear; at most 255 bytes.  */
    CHECK_OK (zmq_setsockopt (s, ZMQ_SOCKS_USERNAME, "user", 4));
    CHECK_STR_OPT (s, ZMQ_SOCKS_USERNAME, "user");
    CHECK_OK (zmq_setsockopt (s, ZMQ_SOCKS_USERNAME, "", 0));
    CHECK_STR_OPT (s, ZMQ_SOCKS_USERNAME, "");
    CHECK_OK (zmq_setsockopt (s, ZMQ_SOCKS_PASSWORD, "pw", 2));
    CHECK_OK (zmq_setsockopt (s, ZMQ_SOCKS_PASSWORD, NULL, 0));
    CHECK_STR_OPT (s, ZMQ_SOCKS_PASSWORD, "");
    CHECK_ERR (zmq_setsockopt (s, ZMQ_SOCKS_PASSWORD, long_str, 256), EINVAL);
    CHECK_OK (zmq_close (s));
}

TEST (plain_mechanism)
{
    void *s = sock (ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, "admin", 5));
    CHECK_INT_OPT (s, ZMQ_MECHANISM, ZMQ_PLAIN);
    CHECK_INT_OPT (s, ZMQ_PLAIN_SERVER, 0);
    CHECK_STR_OPT (s, ZMQ_PLAIN_USERNAME, "admin");
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, "secret", 6));
    CHECK_STR_OPT (s, ZMQ_PLAIN_PASSWORD, "secret");
    CHECK_ERR (zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, "", 0), EINVAL);
    /*  NULL/0 resets the mechanism but keeps the stored name.  */
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, NULL, 0));
    CHECK_INT_OPT (s, ZMQ_MECHANISM, ZMQ_NULL);
    CHECK_STR_OPT (s, ZMQ_PLAIN_USERNAME, "admin");
    CHECK_OK (set_int (s, ZMQ_PLAIN_SERVER, 1));
    CHECK_INT_OPT (s, ZMQ_PLAIN_SERVER, 1);
    CHECK_INT_OPT (s, ZMQ_MECHANISM, ZMQ_PLAIN);
    CHECK_OK (set_int (s, ZMQ_PLAIN_SERVER, 0));
    CHECK_INT_OPT (s, ZMQ_MECHANISM, ZMQ_NULL);
    /*  A value with an embedded NUL is kept whole.  */
    CHECK_OK (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, "ab\0", 3));
    char buf[8];
    size_t len = sizeof buf;
    CHECK_OK (zmq_getsockopt (s, ZMQ_PLAIN_USERNAME, buf, &len));
    CHECK_EQ (len, 4);
    CHECK_OK (zmq_close (s));
}

TEST (routing_id)
{
    void *s = sock (ZMQ_DEALER);
    unsigned char id[256];
    memset (id, 'i', sizeof id);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 0), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_ROUTING_ID, NULL, 0), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 256), EINVAL);
    CHECK_OK (zmq_setsockopt (s, ZMQ_ROUTING_ID, id, 255));
    unsigned char got[300];
    size_t len = sizeof got;
    CHECK_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, got, &len));
    CHECK_EQ (len, 255);
    CHECK_MEM_EQ (got, id, 255);
    len = 254;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_ROUTING_ID, got, &len), EINVAL);

    /*  ZMQ_IDENTITY is the same option; binary content is fine.  */
    CHECK_OK (zmq_setsockopt (s, ZMQ_IDENTITY, "\0\1\2", 3));
    len = sizeof got;
    CHECK_OK (zmq_getsockopt (s, ZMQ_IDENTITY, got, &len));
    CHECK_EQ (len, 3);
    CHECK_MEM_EQ (got, "\0\1\2", 3);
    len = 3;
    CHECK_OK (zmq_getsockopt (s, ZMQ_ROUTING_ID, got, &len));
    CHECK_EQ (len, 3);
    CHECK_OK (zmq_close (s));

    /*  Accepted on every type.  */
    for (int t = 0; t < NTYPES; t++) {
        void *x = sock (t);
        CHECK_OK (zmq_setsockopt (x, ZMQ_ROUTING_ID, "x", 1));
        CHECK_OK (zmq_close (x));
    }
}

TEST (fd_and_thread_safe)
{
    for (int t = 0; t < NTYPES; t++) {
        void *s = sock (t);
        unsigned char buf[16];
        memset (buf, 0x55, sizeof buf);
        size_t len = sizeof buf;
        if (thread_safe (t)) {
            CHECK_ERR (zmq_getsockopt (s, ZMQ_FD, buf, &len), EINVAL);
        } else {
            /*  A larger buffer is accepted; the rest is zeroed.  */
            CHECK_OK (zmq_getsockopt (s, ZMQ_FD, buf, &len));
            CHECK_EQ (len, sizeof (int));
            int fd;
            memcpy (&fd, buf, sizeof fd);
            CHECK (fd >= 0);
            for (size_t i = sizeof (int); i < sizeof buf; i++)
                CHECK_EQ (buf[i], 0);
            len = 3;
            CHECK_ERR (zmq_getsockopt (s, ZMQ_FD, buf, &len), EINVAL);
        }
        memset (buf, 0x55, sizeof buf);
        len = 8;
        CHECK_OK (zmq_getsockopt (s, ZMQ_THREAD_SAFE, buf, &len));
        CHECK_EQ (len, sizeof (int));
        int ts;
        memcpy (&ts, buf, sizeof ts);
        CHECK_EQ (ts, thread_safe (t));
        CHECK_EQ (buf[4] | buf[5] | buf[6] | buf[7], 0);
        CHECK_ERR (set_int (s, ZMQ_THREAD_SAFE, 1), EINVAL);
        CHECK_ERR (set_int (s, ZMQ_FD, 1), EINVAL);
        CHECK_OK (zmq_close (s));
    }
}

TEST (events_and_rcvmore_accept_larger_buffers)
{
    void *pub = sock (ZMQ_PUB);
    void *pair = sock (ZMQ_PAIR);
    unsigned char buf[12];
    memset (buf, 0x55, sizeof buf);
    size_t len = sizeof buf;
    CHECK_OK (zmq_getsockopt (pub, ZMQ_EVENTS, buf, &len));
    CHECK_EQ (len, sizeof (int));
    int v;
    memcpy (&v, buf, sizeof v);
    CHECK_EQ (v, ZMQ_POLLOUT);
    for (size_t i = sizeof (int); i < sizeof buf; i++)
        CHECK_EQ (buf[i], 0);
    len = 2;
    CHECK_ERR (zmq_getsockopt (pub, ZMQ_EVENTS, buf, &len), EINVAL);
    CHECK_INT_OPT (pair, ZMQ_EVENTS, 0);

    memset (buf, 0x55, sizeof buf);
    len = sizeof buf;
    CHECK_OK (zmq_getsockopt (pair, ZMQ_RCVMORE, buf, &len));
    CHECK_EQ (len, sizeof (int));
    memcpy (&v, buf, sizeof v);
    CHECK_EQ (v, 0);
    len = 3;
    CHECK_ERR (zmq_getsockopt (pair, ZMQ_RCVMORE, buf, &len), EINVAL);
    CHECK_ERR (set_int (pair, ZMQ_RCVMORE, 1), EINVAL);
    CHECK_ERR (set_int (pair, ZMQ_EVENTS, 1), EINVAL);
    CHECK_ERR (set_int (pair, ZMQ_TYPE, 1), EINVAL);
    CHECK_ERR (zmq_setsockopt (pair, ZMQ_LAST_ENDPOINT, "x", 1), EINVAL);
    CHECK_ERR (set_int (pair, ZMQ_MECHANISM, 0), EINVAL);
    CLOSE_ALL (pub, pair);
}

TEST (null_and_closed_sockets)
{
    int v = 0;
    size_t len = sizeof v;
    CHECK_ERR (zmq_setsockopt (NULL, ZMQ_LINGER, &v, sizeof v), ENOTSOCK);
    CHECK_ERR (zmq_getsockopt (NULL, ZMQ_LINGER, &v, &len), ENOTSOCK);
    void *s = sock (ZMQ_PAIR);
    CHECK_OK (zmq_close (s));
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, &v, sizeof v), ENOTSOCK);
    CHECK_ERR (zmq_getsockopt (s, ZMQ_LINGER, &v, &len), ENOTSOCK);
    CHECK_ERR (zmq_getsockopt (s, ZMQ_FD, &v, &len), ENOTSOCK);
}

TEST (eterm_after_shutdown)
{
    void *c = zmq_ctx_new ();
    CHECK (c);
    void *s = zmq_socket (c, ZMQ_DEALER);
    CHECK (s);
    CHECK_OK (zmq_ctx_shutdown (c));
    int v = 0;
    size_t len = sizeof v;
    /*  EVENTS processes the stop command; every later call sees ETERM.  */
    CHECK_ERR (zmq_getsockopt (s, ZMQ_EVENTS, &v, &len), ETERM);
    CHECK_ERR (zmq_getsockopt (s, ZMQ_LINGER, &v, &len), ETERM);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, &v, sizeof v), ETERM);
    /*  ETERM comes before any check of the option itself.  */
    CHECK_ERR (zmq_setsockopt (s, 9999, &v, 1), ETERM);
    CHECK_ERR (zmq_getsockopt (s, ZMQ_FD, &v, &len), ETERM);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (c));
}

TEST (context_defaults)
{
    void *c = zmq_ctx_new ();
    CHECK (c);
    CHECK_OK (zmq_ctx_set (c, ZMQ_IPV6, 1));
    CHECK_OK (zmq_ctx_set (c, ZMQ_BLOCKY, 0));
    void *s = zmq_socket (c, ZMQ_DEALER);
    CHECK (s);
    CHECK_INT_OPT (s, ZMQ_IPV6, 1);
    CHECK_INT_OPT (s, ZMQ_IPV4ONLY, 0);
    CHECK_INT_OPT (s, ZMQ_LINGER, 0);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_set (c, ZMQ_BLOCKY, 1));
    s = zmq_socket (c, ZMQ_DEALER);
    CHECK (s);
    CHECK_INT_OPT (s, ZMQ_LINGER, -1);
    CHECK_OK (zmq_close (s));
    s = zmq_socket (c, ZMQ_SUB);
    CHECK (s);
    CHECK_INT_OPT (s, ZMQ_LINGER, 0);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (c));
}

TEST (accept_and_ipc_filters)
{
    void *s = sock (ZMQ_ROUTER);
    CHECK_OK (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "127.0.0.1", 9));
    CHECK_OK (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "10.0.0.0/8", 10));
    CHECK_ERR (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "10.0.0.0/33", 11),
               EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "10.0.0.0/", 9),
               EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "localhost", 9),
               EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "::1", 3), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "", 0), EINVAL);
    CHECK_OK (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, NULL, 0));
    /*  IPv6 filters need ZMQ_IPV6 first.  */
    CHECK_OK (set_int (s, ZMQ_IPV6, 1));
    CHECK_OK (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "::1", 3));
    CHECK_OK (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "[fe80::]/10", 11));
    CHECK_ERR (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "::1/129", 7),
               EINVAL);

    unsigned int uid = 1000;
    CHECK_OK (zmq_setsockopt (s, ZMQ_IPC_FILTER_UID, &uid, sizeof uid));
    CHECK_OK (zmq_setsockopt (s, ZMQ_IPC_FILTER_GID, &uid, sizeof uid));
    CHECK_OK (zmq_setsockopt (s, ZMQ_IPC_FILTER_PID, &uid, sizeof uid));
    CHECK_ERR (zmq_setsockopt (s, ZMQ_IPC_FILTER_UID, &uid, 2), EINVAL);
    CHECK_OK (zmq_setsockopt (s, ZMQ_IPC_FILTER_UID, NULL, 0));
    CHECK_OK (zmq_close (s));
}

TEST (metadata)
{
    void *s = sock (ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (s, ZMQ_METADATA, "X-app:demo", 10));
    CHECK_ERR (zmq_setsockopt (s, ZMQ_METADATA, "app:demo", 8), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_METADATA, "X-app:", 6), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_METADATA, ":demo", 5), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_METADATA, "X-app", 5), EINVAL);
    /*  Exactly sizeof(int) bytes is refused, even if well-formed.  */
    CHECK_ERR (zmq_setsockopt (s, ZMQ_METADATA, "X-:v", 4), EINVAL);
    char buf[64];
    size_t len = sizeof buf;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_METADATA, buf, &len), EINVAL);
    CHECK_OK (zmq_close (s));
}

TEST (mechanisms_not_built)
{
    void *s = sock (ZMQ_DEALER);
    unsigned char key[41];
    memset (key, 'k', sizeof key);
    size_t len;
    if (!zmq_has ("curve")) {
        CHECK_ERR (set_int (s, ZMQ_CURVE_SERVER, 1), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, key, 32), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, key, 40), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, key, 41), EINVAL);
        len = 41;
        CHECK_ERR (zmq_getsockopt (s, ZMQ_CURVE_SERVERKEY, key, &len), EINVAL);
        len = 4;
        CHECK_ERR (zmq_getsockopt (s, ZMQ_CURVE_SERVER, key, &len), EINVAL);
    }
    if (!zmq_has ("gssapi")) {
        CHECK_ERR (set_int (s, ZMQ_GSSAPI_SERVER, 1), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, "p", 1), EINVAL);
        CHECK_ERR (set_int (s, ZMQ_GSSAPI_PLAINTEXT, 1), EINVAL);
        CHECK_ERR (set_int (s, ZMQ_GSSAPI_PRINCIPAL_NAMETYPE, 0), EINVAL);
        len = 4;
        CHECK_ERR (zmq_getsockopt (s, ZMQ_GSSAPI_SERVER, key, &len), EINVAL);
    }
    if (!zmq_has ("vmci")) {
        uint64_t size = 4096;
        CHECK_ERR (zmq_setsockopt (s, ZMQ_VMCI_BUFFER_SIZE, &size, sizeof size),
                   EINVAL);
        CHECK_ERR (set_int (s, ZMQ_VMCI_CONNECT_TIMEOUT, 1), EINVAL);
    }
    CHECK_INT_OPT (s, ZMQ_MECHANISM, ZMQ_NULL);
    CHECK_OK (zmq_close (s));
}

#ifdef ZMQ_BUILD_DRAFT_API
TEST (draft_options)
{
    void *r = sock (ZMQ_ROUTER);
    CHECK_ERR (set_int (r, ZMQ_ROUTER_NOTIFY, 4), EINVAL);
    CHECK_OK (set_int (r, ZMQ_ROUTER_NOTIFY,
                       ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT));
    CHECK_INT_OPT (r, ZMQ_ROUTER_NOTIFY, 3);
    CHECK_OK (zmq_setsockopt (r, ZMQ_HELLO_MSG, "hi", 2));
    CHECK_OK (zmq_setsockopt (r, ZMQ_DISCONNECT_MSG, "bye", 3));
    CHECK_OK (zmq_setsockopt (r, ZMQ_HELLO_MSG, NULL, 0));
    CHECK_ERR (set_int (r, ZMQ_IN_BATCH_SIZE, 0), EINVAL);
    CHECK_OK (set_int (r, ZMQ_IN_BATCH_SIZE, 1024));
    CHECK_INT_OPT (r, ZMQ_IN_BATCH_SIZE, 1024);
    CHECK_OK (set_int (r, ZMQ_OUT_BATCH_SIZE, 65536));
    CHECK_INT_OPT (r, ZMQ_OUT_BATCH_SIZE, 65536);
    CHECK_ERR (set_int (r, ZMQ_PRIORITY, -1), EINVAL);
    CHECK_OK (set_int (r, ZMQ_PRIORITY, 6));
    CHECK_INT_OPT (r, ZMQ_PRIORITY, 6);
    CHECK_OK (zmq_close (r));

#ifdef ZMQ_HICCUP_MSG
    void *d = sock (ZMQ_DEALER);
    CHECK_OK (zmq_setsockopt (d, ZMQ_HICCUP_MSG, "oops", 4));
    CHECK_OK (zmq_close (d));
#endif
#ifdef ZMQ_BUSY_POLL
    /*  libzmq 4.3.5 accepts BUSY_POLL but never returns it (a missing return).  */
    void *p = sock (ZMQ_PAIR);
    CHECK_OK (set_int (p, ZMQ_BUSY_POLL, 1));
    int v;
    size_t len = sizeof v;
    CHECK_ERR (zmq_getsockopt (p, ZMQ_BUSY_POLL, &v, &len), EINVAL);
    CHECK_OK (zmq_close (p));
#endif
}
#endif

#ifdef ZMQ_TOPICS_COUNT
TEST (topics_count)
{
    int with_topics[] = {ZMQ_PUB, ZMQ_SUB, ZMQ_XPUB, ZMQ_XSUB};
    for (int i = 0; i < 4; i++) {
        void *s = sock (with_topics[i]);
        unsigned char buf[8];
        memset (buf, 0x55, sizeof buf);
        size_t len = sizeof buf;
        CHECK_OK (zmq_getsockopt (s, ZMQ_TOPICS_COUNT, buf, &len));
        CHECK_EQ (len, sizeof (int));
        int v;
        memcpy (&v, buf, sizeof v);
        CHECK_EQ (v, 0);
        CHECK_EQ (buf[4] | buf[5] | buf[6] | buf[7], 0);
        CHECK_ERR (set_int (s, ZMQ_TOPICS_COUNT, 1), EINVAL);
        CHECK_OK (zmq_close (s));
    }
    void *s = sock (ZMQ_PAIR);
    int v;
    size_t len = sizeof v;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_TOPICS_COUNT, &v, &len), EINVAL);
    CHECK_OK (zmq_close (s));
}
#endif

#ifdef ZMQ_XSUB_VERBOSE_UNSUBSCRIBE
TEST (xsub_verbose_unsubscribe)
{
    void *s = sock (ZMQ_XSUB);
    CHECK_OK (set_int (s, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, 1));
    int v;
    size_t len = sizeof v;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, &v, &len),
               EINVAL);
    CHECK_OK (zmq_close (s));
    s = sock (ZMQ_SUB);
    CHECK_ERR (set_int (s, ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, 1), EINVAL);
    CHECK_OK (zmq_close (s));
}
#endif

int main (void)
{
    ctx = zmq_ctx_new ();
    if (!ctx)
        return 2;
    RUN (defaults_on_every_type);
    RUN (int_round_trips);
    RUN (wrong_sizes);
    RUN (out_of_range);
    RUN (heartbeat_ttl_is_deciseconds);
    RUN (type_restrictions);
    RUN (per_type_values);
    RUN (set_only_options_fail_on_get);
    RUN (strings_with_nul);
    RUN (plain_mechanism);
    RUN (routing_id);
    RUN (fd_and_thread_safe);
    RUN (events_and_rcvmore_accept_larger_buffers);
    RUN (null_and_closed_sockets);
    RUN (eterm_after_shutdown);
    RUN (context_defaults);
    RUN (accept_and_ipc_filters);
    RUN (metadata);
    RUN (mechanisms_not_built);
#ifdef ZMQ_BUILD_DRAFT_API
    RUN (draft_options);
#endif
#ifdef ZMQ_TOPICS_COUNT
    RUN (topics_count);
#endif
#ifdef ZMQ_XSUB_VERBOSE_UNSUBSCRIBE
    RUN (xsub_verbose_unsubscribe);
#endif
    zmq_ctx_term (ctx);
    return test_summary ();
}
