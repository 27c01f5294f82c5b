/*
    Helpers shared by the C API tests: time and threads, int socket options, sockets whose
    blocking calls are bounded, strings sent and received as messages, signals that interrupt
    a blocked call. testutil.h includes this file at its end (the macros below use its CHECK
    and TU_FAIL); a test includes testutil.h only.

    Everything is static inline, so a test pays only for what it uses. Nothing here needs
    the draft API or libzmq 4.3.5: it compiles against the system zmq.h (4.3.4) as well.
    It brings in <limits.h>, <pthread.h>, <sched.h>, <signal.h>, <stdatomic.h> and <time.h>
    for the tests too.

    The assertion macros (SEND_*, RECV_*, CLOSE_ALL) fail the current case and return from it,
    as CHECK does, so they belong in a TEST body, not in a helper function or a thread.
*/
#ifndef ZMQ_SOCKUTIL_H
#define ZMQ_SOCKUTIL_H

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

/*  How long the blocking calls of a mk() socket wait before they give up, in ms.  */
#define TU_TIMEOUT_MS 10000
/*  The receive timeout of a mk_nolinger() socket, in ms.  */
#define TU_SHORT_TIMEOUT_MS 2000

/*  ------------------------------------------------------------------------------------------
    Time and threads  */

/*  Milliseconds on the monotonic clock.  */
static inline long long now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void msleep (int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    nanosleep (&ts, NULL);
}

/*  Joins t, waiting at most ms; 0 on success (ETIMEDOUT if t is still running).  */
static inline int join_within (pthread_t t, int ms)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long) (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return pthread_timedjoin_np (t, NULL, &ts);
}

/*  Yields until *flag is set (by another thread).  */
static inline void wait_flag (atomic_int *flag)
{
    while (!atomic_load (flag))
        sched_yield ();
}

/*  ------------------------------------------------------------------------------------------
    Int socket options  */

static inline int set_int (void *s, int option, int value)
{
    return zmq_setsockopt (s, option, &value, sizeof value);
}

/*  The value of an int option, or -12345 if zmq_getsockopt fails.  */
static inline int get_int (void *s, int option)
{
    int v = -12345;
    size_t len = sizeof v;
    if (zmq_getsockopt (s, option, &v, &len) != 0)
        return -12345;
    return v;
}

/*  ZMQ_RCVMORE, or -1 if it cannot be read.  */
static inline int rcvmore (void *s)
{
    int more = -1;
    size_t size = sizeof more;
    zmq_getsockopt (s, ZMQ_RCVMORE, &more, &size);
    return more;
}

/*  ZMQ_EVENTS (reading it also makes the socket take in pending commands), or -1 if it
    cannot be read.  */
static inline int events (void *s)
{
    int ev = -1;
    size_t size = sizeof ev;
    zmq_getsockopt (s, ZMQ_EVENTS, &ev, &size);
    return ev;
}

/*  ------------------------------------------------------------------------------------------
    Sockets  */

/*  An mk_socket() argument that leaves that option at the library's default.  */
#define TU_DEFAULT INT_MIN

/*  A socket of `type` with ZMQ_RCVTIMEO, ZMQ_SNDTIMEO and ZMQ_LINGER set as given (each may
    be TU_DEFAULT); NULL if the socket or one of the options fails.  */
static inline void *mk_socket (void *ctx, int type, int rcvtimeo, int sndtimeo, int linger)
{
    void *s = zmq_socket (ctx, type);
    if (s
        && ((rcvtimeo != TU_DEFAULT && set_int (s, ZMQ_RCVTIMEO, rcvtimeo) != 0)
            || (sndtimeo != TU_DEFAULT && set_int (s, ZMQ_SNDTIMEO, sndtimeo) != 0)
            || (linger != TU_DEFAULT && set_int (s, ZMQ_LINGER, linger) != 0))) {
        zmq_close (s);
        return NULL;
    }
    return s;
}

/*  A socket whose receives and sends give up after TU_TIMEOUT_MS (10 s): a bug fails the
    test, it does not hang it. Linger stays at the default.  */
static inline void *mk (void *ctx, int type)
{
    return mk_socket (ctx, type, TU_TIMEOUT_MS, TU_TIMEOUT_MS, TU_DEFAULT);
}

/*  A socket whose receives give up after TU_SHORT_TIMEOUT_MS (2 s) and whose close does not
    linger; sends keep the default (block).  */
static inline void *mk_nolinger (void *ctx, int type)
{
    return mk_socket (ctx, type, TU_SHORT_TIMEOUT_MS, TU_DEFAULT, 0);
}

/*  Closes each socket listed, in order; every close must succeed.  */
#define CLOSE_ALL(...)                                                         \
    do {                                                                       \
        void *ca_socks[] = {__VA_ARGS__};                                      \
        size_t ca_n = sizeof ca_socks / sizeof *ca_socks;                      \
        for (size_t ca_i = 0; ca_i < ca_n; ca_i++)                             \
            CHECK_OK (zmq_close (ca_socks[ca_i]));                             \
    } while (0)

/*  Binds, retrying (up to 10 s) while the name is still taken: libzmq releases the names of
    a closed socket in its reaper thread, a moment after zmq_close returns.  */
static inline int bind_retry (void *s, const char *ep)
{
    long long deadline = now_ms () + 10000;
    int rc;
    while ((rc = zmq_bind (s, ep)) != 0 && errno == EADDRINUSE && now_ms () < deadline)
        msleep (1);
    return rc;
}

/*  1 if s becomes readable within ms milliseconds (zmq_poll for ZMQ_POLLIN), else 0.  */
static inline int wait_in (void *s, int ms)
{
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    return zmq_poll (&item, 1, ms) == 1 && (item.revents & ZMQ_POLLIN);
}

static inline int subscribe (void *s, const char *topic)
{
    return zmq_setsockopt (s, ZMQ_SUBSCRIBE, topic, strlen (topic));
}

static inline int unsubscribe (void *s, const char *topic)
{
    return zmq_setsockopt (s, ZMQ_UNSUBSCRIBE, topic, strlen (topic));
}

/*  ------------------------------------------------------------------------------------------
    Strings as message parts  */

/*  Sends str as a part with more to follow; returns what zmq_send does.  */
static inline int sendm (void *s, const char *str)
{
    return zmq_send (s, str, strlen (str), ZMQ_SNDMORE);
}

/*  Sends str as the last (or only) part; returns what zmq_send does.  */
static inline int sendl (void *s, const char *str)
{
    return zmq_send (s, str, strlen (str), 0);
}

/*  Sends str as the last (or only) part; all of it must go.  */
#define SEND_STR(s, str) CHECK_EQ (zmq_send ((s), (str), strlen (str), 0), (int) strlen (str))

/*  Sends str as a part with more to follow; all of it must go.  */
#define SEND_MORE(s, str)                                                      \
    CHECK_EQ (zmq_send ((s), (str), strlen (str), ZMQ_SNDMORE), (int) strlen (str))

/*  Sends the strings given ("" is an empty part) as parts of a message, the last one ending
    it: ZMQ_SNDMORE on all but the last; every part must go whole.  */
#define SEND_PARTS(s, ...)                                                     \
    do {                                                                       \
        const char *sm_parts[] = {__VA_ARGS__};                                \
        size_t sm_n = sizeof sm_parts / sizeof *sm_parts;                      \
        for (size_t sm_i = 0; sm_i < sm_n; sm_i++) {                           \
            int sm_len = (int) strlen (sm_parts[sm_i]);                        \
            errno = 0;                                                         \
            int sm_rc = zmq_send ((s), sm_parts[sm_i], sm_len,                 \
                                  sm_i + 1 < sm_n ? ZMQ_SNDMORE : 0);          \
            if (sm_rc != sm_len)                                               \
                TU_FAIL ("%s: part %zu of %zu \"%s\": sent %d (%s)", #s,       \
                         sm_i + 1, sm_n, sm_parts[sm_i], sm_rc,                \
                         zmq_strerror (errno));                                \
        }                                                                      \
    } while (0)

/*  Receives one part and compares it, as a string, with str (up to 255 bytes; RCVMORE is
    not looked at).  */
#define RECV_STR(s, str)                                                       \
    do {                                                                       \
        char rs_buf[256];                                                      \
        int rs_n = zmq_recv ((s), rs_buf, sizeof rs_buf - 1, 0);               \
        if (rs_n < 0)                                                          \
            TU_FAIL ("receive on %s failed: %s (expected \"%s\")", #s,         \
                     zmq_strerror (errno), (str));                             \
        rs_buf[rs_n < 255 ? rs_n : 255] = 0;                                   \
        CHECK_STR_EQ (rs_buf, (str));                                          \
    } while (0)

/*  Nothing to receive right now: a ZMQ_DONTWAIT receive fails with EAGAIN.  */
#define RECV_NONE(s)                                                           \
    do {                                                                       \
        char rn_buf[64];                                                       \
        CHECK_ERR (zmq_recv ((s), rn_buf, sizeof rn_buf, ZMQ_DONTWAIT),        \
                   EAGAIN);                                                    \
    } while (0)

/*  Receives one frame: 0 if it is exactly the len bytes at data with ZMQ_RCVMORE == more;
    otherwise -1 with what went wrong in why. (For the RECV_FRAME and RECV_PARTS macros.)  */
static inline int tu_recv_frame (void *s, const void *data, size_t len, int more, char *why,
                                 size_t why_size)
{
    char buf[300];
    errno = 0;
    int n = zmq_recv (s, buf, sizeof buf, 0);
    if (n < 0) {
        snprintf (why, why_size, "recv failed (%s)", zmq_strerror (errno));
        return -1;
    }
    int shown = n < (int) sizeof buf ? n : (int) sizeof buf;
    if (n != (int) len || len > sizeof buf || memcmp (buf, data, len) != 0) {
        snprintf (why, why_size, "got a frame of %d bytes \"%.*s\"", n, shown, buf);
        return -1;
    }
    int got_more = rcvmore (s);
    if (got_more != more) {
        snprintf (why, why_size, "RCVMORE %d, expected %d", got_more, more);
        return -1;
    }
    return 0;
}

/*  The next frame must be the len bytes at data, with ZMQ_RCVMORE == more.  */
#define RECV_FRAME_MEM(s, data, len, more)                                     \
    do {                                                                       \
        char rf_why[400];                                                      \
        if (tu_recv_frame ((s), (data), (len), (more), rf_why,                 \
                           sizeof rf_why) != 0)                                \
            TU_FAIL ("%s, expecting %s: %s", #s, #data, rf_why);               \
    } while (0)

/*  The next frame must be the string str (no NUL), with ZMQ_RCVMORE == more.  */
#define RECV_FRAME(s, str, more) RECV_FRAME_MEM (s, str, strlen (str), more)

/*  The next parts must be exactly the strings given, the last one ending the message:
    ZMQ_RCVMORE 1 after all but the last, 0 after the last.  */
#define RECV_PARTS(s, ...)                                                     \
    do {                                                                       \
        const char *rm_parts[] = {__VA_ARGS__};                                \
        size_t rm_n = sizeof rm_parts / sizeof *rm_parts;                      \
        for (size_t rm_i = 0; rm_i < rm_n; rm_i++) {                           \
            char rm_why[400];                                                  \
            if (tu_recv_frame ((s), rm_parts[rm_i], strlen (rm_parts[rm_i]),   \
                               rm_i + 1 < rm_n, rm_why, sizeof rm_why) != 0)   \
                TU_FAIL ("%s, part %zu of %zu, expecting \"%s\": %s", #s,      \
                         rm_i + 1, rm_n, rm_parts[rm_i], rm_why);              \
        }                                                                      \
    } while (0)

/*  The next frame (a routing id or a request id) goes into the array buf, its size into n;
    it must have ZMQ_RCVMORE.  */
#define RECV_ID(s, buf, n)                                                     \
    do {                                                                       \
        errno = 0;                                                             \
        (n) = zmq_recv ((s), (buf), sizeof (buf), 0);                          \
        if ((n) < 0)                                                           \
            TU_FAIL ("recv of an id frame failed (%s)", zmq_strerror (errno)); \
        if (rcvmore (s) != 1)                                                  \
            TU_FAIL ("an id frame without MORE");                              \
    } while (0)

/*  ------------------------------------------------------------------------------------------
    Signals  */

static inline void tu_ignore_signal (int sig)
{
    (void) sig;
}

/*  Makes SIGUSR1 run a handler that does nothing, without SA_RESTART, so that a blocked call
    it lands in returns EINTR; the previous action goes to *old (restore it with
    sigaction (SIGUSR1, old, NULL)). 0 on success.  */
static inline int catch_sigusr1 (struct sigaction *old)
{
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = tu_ignore_signal;
    sigemptyset (&sa.sa_mask);
    sa.sa_flags = 0;
    return sigaction (SIGUSR1, &sa, old);
}

/*  Runs fn(arg) in a thread and sends it SIGUSR1 (see catch_sigusr1) every every_ms until
    *done is set (fn sets it as it returns), then joins it and restores SIGUSR1. A signal that
    lands before the thread blocks is simply handled: another follows, so only the outcome
    (EINTR) is for the caller to check, never the timing. 0 on success.  */
static inline int interrupt_until_done (void *(*fn) (void *), void *arg, atomic_int *done,
                                        int every_ms)
{
    struct sigaction old;
    if (catch_sigusr1 (&old) != 0)
        return -1;
    pthread_t t;
    if (pthread_create (&t, NULL, fn, arg) != 0)
        return -1;
    while (!atomic_load (done)) {
        pthread_kill (t, SIGUSR1);
        msleep (every_ms);
    }
    pthread_join (t, NULL);
    return sigaction (SIGUSR1, &old, NULL);
}

/*  zmq_ctx_term on a thread (for interrupt_until_done): its result and errno.  */
struct term_call
{
    void *ctx;
    atomic_int done;
    int rc;
    int err;
};

static inline void *call_term (void *arg)
{
    struct term_call *c = (struct term_call *) arg;
    c->rc = zmq_ctx_term (c->ctx);
    c->err = errno;
    atomic_store (&c->done, 1);
    return NULL;
}

/*  Running under valgrind (it preloads its vgpreload objects).  */
static inline int under_valgrind (void)
{
    const char *p = getenv ("LD_PRELOAD");
    return p && strstr (p, "vgpreload");
}

/*  This process's resident memory in KiB (/proc/self/statm), 0 if unknown.  */
static inline long rss_kib (void)
{
    FILE *f = fopen ("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf (f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose (f);
    }
    return rss * (sysconf (_SC_PAGESIZE) / 1024);
}

#endif
