/* Shared helpers for the benchmark programs in bench/.
 *
 * Every program prints, on stdout:
 *   VERSION <major.minor.patch>        from zmq_version()
 *   LIBPATH <path>                     the libzmq.so.5 mapped into this process (/proc/self/maps)
 *   RESULT key=value key=value ...     the measurement (one line)
 * Errors go to stderr and the program exits nonzero. A watchdog (alarm) turns a hang into a failure.
 */
#ifndef ZBENCH_H
#define ZBENCH_H

#define _GNU_SOURCE
#include <zmq.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_WATCHDOG_S
#define BENCH_WATCHDOG_S 60
#endif

static inline void bench_die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "FATAL: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    fflush(stdout);
    fflush(stderr);
    _exit(2);
}

/* Check the result of a zmq call that returns -1 (or NULL) on failure. */
#define CHK(expr)                                                                \
    do {                                                                         \
        if ((expr) == -1)                                                        \
            bench_die("%s:%d: %s failed: %s (errno %d)", __FILE__, __LINE__,    \
                      #expr, zmq_strerror(zmq_errno()), zmq_errno());            \
    } while (0)
#define CHKPTR(expr)                                                             \
    do {                                                                         \
        if ((expr) == NULL)                                                      \
            bench_die("%s:%d: %s returned NULL: %s (errno %d)", __FILE__,        \
                      __LINE__, #expr, zmq_strerror(zmq_errno()), zmq_errno());  \
    } while (0)
#define PCHK(expr)                                                               \
    do {                                                                         \
        int rc_ = (expr);                                                        \
        if (rc_ != 0)                                                            \
            bench_die("%s:%d: %s failed: %s", __FILE__, __LINE__, #expr,         \
                      strerror(rc_));                                            \
    } while (0)

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static inline void bench_watchdog_handler(int sig)
{
    (void) sig;
    static const char msg[] = "FATAL: watchdog expired (hang?)\n";
    ssize_t n = write(2, msg, sizeof msg - 1);
    (void) n;
    _exit(3);
}

/* Print the loaded library's version and path; arm the watchdog. Call first in main(). */
static inline void bench_init(int watchdog_s)
{
    signal(SIGALRM, bench_watchdog_handler);
    alarm(watchdog_s > 0 ? watchdog_s : BENCH_WATCHDOG_S);

    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    printf("VERSION %d.%d.%d\n", major, minor, patch);

    char line[4096];
    char path[4096] = "";
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        bench_die("cannot open /proc/self/maps");
    while (fgets(line, sizeof line, f)) {
        char *p = strchr(line, '/');
        if (p && strstr(p, "libzmq.so")) {
            size_t n = strcspn(p, "\n");
            if (n >= sizeof path)
                n = sizeof path - 1;
            memcpy(path, p, n);
            path[n] = 0;
            break;
        }
    }
    fclose(f);
    if (!path[0])
        bench_die("no libzmq.so mapped in /proc/self/maps");
    printf("LIBPATH %s\n", path);
    fflush(stdout);
}

static inline void bench_set_int(void *s, int opt, int val)
{
    if (zmq_setsockopt(s, opt, &val, sizeof val) == -1)
        bench_die("zmq_setsockopt(%d, %d) failed: %s", opt, val, zmq_strerror(zmq_errno()));
}

static inline void bench_close(void *s)
{
    bench_set_int(s, ZMQ_LINGER, 0);
    CHK(zmq_close(s));
}

static inline void bench_ctx_term(void *ctx)
{
    int rc;
    while ((rc = zmq_ctx_term(ctx)) == -1 && zmq_errno() == EINTR)
        ;
    if (rc == -1)
        bench_die("zmq_ctx_term failed: %s", zmq_strerror(zmq_errno()));
}

/* Bind to a wildcard endpoint for the transport; writes the resolved endpoint into ep. */
static inline void bench_bind(void *s, const char *transport, const char *inproc_name, char *ep, size_t eplen)
{
    char want[256];
    if (strcmp(transport, "tcp") == 0)
        snprintf(want, sizeof want, "tcp://127.0.0.1:*");
    else if (strcmp(transport, "ipc") == 0)
        snprintf(want, sizeof want, "ipc://*");
    else if (strcmp(transport, "inproc") == 0)
        snprintf(want, sizeof want, "inproc://%s", inproc_name);
    else
        bench_die("unknown transport '%s'", transport);
    if (zmq_bind(s, want) == -1)
        bench_die("zmq_bind(%s) failed: %s", want, zmq_strerror(zmq_errno()));
    size_t len = eplen;
    CHK(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &len));
    if (len == 0 || ep[0] == 0)
        bench_die("ZMQ_LAST_ENDPOINT empty after binding %s", want);
}

static inline void bench_connect(void *s, const char *ep)
{
    if (zmq_connect(s, ep) == -1)
        bench_die("zmq_connect(%s) failed: %s", ep, zmq_strerror(zmq_errno()));
}

/* Send a message of `size` bytes (contents: first byte `tag`, rest zero). */
static inline void bench_send(void *s, size_t size, char tag, int flags)
{
    zmq_msg_t m;
    CHK(zmq_msg_init_size(&m, size));
    if (size > 0) {
        memset(zmq_msg_data(&m), 0, size < 64 ? size : 64);
        ((char *) zmq_msg_data(&m))[0] = tag;
    }
    if (zmq_msg_send(&m, s, flags) == -1)
        bench_die("zmq_msg_send(%zu bytes) failed: %s", size, zmq_strerror(zmq_errno()));
}

/* Receive one message part; returns its size, copies the first byte into *tag (0 if empty). */
static inline size_t bench_recv(void *s, char *tag, int *more)
{
    zmq_msg_t m;
    CHK(zmq_msg_init(&m));
    if (zmq_msg_recv(&m, s, 0) == -1)
        bench_die("zmq_msg_recv failed: %s", zmq_strerror(zmq_errno()));
    size_t size = zmq_msg_size(&m);
    if (tag)
        *tag = size ? ((char *) zmq_msg_data(&m))[0] : 0;
    if (more)
        *more = zmq_msg_more(&m);
    CHK(zmq_msg_close(&m));
    return size;
}

static inline long bench_maxrss_kib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        bench_die("getrusage failed");
    return ru.ru_maxrss;
}

/* Peak RSS of this process image in KiB: VmHWM from /proc/self/status.
 * (ru_maxrss is NOT used for the comparison: Linux carries the pre-exec high-water mark over execve,
 * so a child of a big parent -- e.g. the Python runner -- starts with the parent's RSS as its peak.) */
static inline long bench_peak_rss_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        bench_die("cannot open /proc/self/status");
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose(f);
    if (kib < 0)
        bench_die("no VmHWM in /proc/self/status");
    return kib;
}

/* Current RSS in KiB from /proc/self/statm. */
static inline long bench_cur_rss_kib(void)
{
    long pages_total = 0, pages_rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%ld %ld", &pages_total, &pages_rss) != 2)
        bench_die("cannot read /proc/self/statm");
    fclose(f);
    return pages_rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static inline void bench_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        bench_die("getrlimit failed");
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        bench_die("setrlimit(RLIMIT_NOFILE, %ld) failed", (long) rl.rlim_max);
}

static inline long bench_atol(const char *s, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0)
        bench_die("bad %s '%s'", what, s);
    return v;
}

#endif
