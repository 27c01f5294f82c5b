/*
    A small test harness for the C API tests.

    Each test file defines cases with TEST(name) { ... } and lists them in main() with
    RUN(name). An assertion that fails prints where and why, marks the case failed and returns
    from it. main() ends with `return test_summary();`, which prints "N passed, N failed".

    Environment: ZMQ_TEST_EXPECT_OURS=1 makes test_summary() also fail unless the library that
    served the calls is this project's (version 4.3.5 and a mapping whose path contains the
    value of ZMQ_TEST_OUR_LIB), so a binary linked to the system libzmq proves it ran on ours.

    sockutil.h, included at the end, adds the helpers the tests share.
*/
#ifndef ZMQ_TESTUTIL_H
#define ZMQ_TESTUTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static int tu_passed, tu_failed, tu_case_failed;
static const char *tu_case;

#define TEST(name) static void name (void)

#define RUN(name)                                                              \
    do {                                                                       \
        tu_case = #name;                                                       \
        tu_case_failed = 0;                                                    \
        name ();                                                               \
        if (tu_case_failed) {                                                  \
            tu_failed++;                                                       \
            printf ("FAIL %s\n", #name);                                       \
        } else {                                                               \
            tu_passed++;                                                       \
            printf ("ok   %s\n", #name);                                       \
        }                                                                      \
        fflush (stdout);                                                       \
    } while (0)

#define TU_FAIL(...)                                                           \
    do {                                                                       \
        fprintf (stderr, "%s:%d: %s: ", __FILE__, __LINE__, tu_case);          \
        fprintf (stderr, __VA_ARGS__);                                         \
        fprintf (stderr, "\n");                                                \
        tu_case_failed = 1;                                                    \
        return;                                                                \
    } while (0)

/*  cond must hold.  */
#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            TU_FAIL ("check failed: %s", #cond);                               \
    } while (0)

/*  Two integers (any integer type) must be equal.  */
#define CHECK_EQ(a, b)                                                         \
    do {                                                                       \
        long long tu_a = (long long) (a), tu_b = (long long) (b);              \
        if (tu_a != tu_b)                                                      \
            TU_FAIL ("%s == %lld, expected %s == %lld", #a, tu_a, #b, tu_b);   \
    } while (0)

/*  Two pointers must be equal.  */
#define CHECK_PTR_EQ(a, b)                                                     \
    do {                                                                       \
        const void *tu_a = (const void *) (a), *tu_b = (const void *) (b);     \
        if (tu_a != tu_b)                                                      \
            TU_FAIL ("%s == %p, expected %s == %p", #a, tu_a, #b, tu_b);       \
    } while (0)

/*  Two NUL-terminated strings must be equal.  */
#define CHECK_STR_EQ(a, b)                                                     \
    do {                                                                       \
        const char *tu_a = (a), *tu_b = (b);                                   \
        if (!tu_a || !tu_b || strcmp (tu_a, tu_b) != 0)                        \
            TU_FAIL ("%s == \"%s\", expected \"%s\"", #a,                      \
                     tu_a ? tu_a : "(null)", tu_b ? tu_b : "(null)");          \
    } while (0)

/*  n bytes must be equal.  */
#define CHECK_MEM_EQ(a, b, n)                                                  \
    do {                                                                       \
        if (memcmp ((a), (b), (n)) != 0)                                       \
            TU_FAIL ("%s differs from %s in its %zu bytes", #a, #b,            \
                     (size_t) (n));                                            \
    } while (0)

/*  An int call must succeed (return >= 0).  */
#define CHECK_OK(expr)                                                         \
    do {                                                                       \
        errno = 0;                                                             \
        int tu_rc = (int) (expr);                                              \
        if (tu_rc < 0)                                                         \
            TU_FAIL ("%s returned %d, errno %d (%s)", #expr, tu_rc, errno,     \
                     zmq_strerror (errno));                                    \
    } while (0)

/*  An int call must fail with -1 and errno == err (zmq_errno() must agree).  */
#define CHECK_ERR(expr, err)                                                   \
    do {                                                                       \
        errno = 0;                                                             \
        int tu_rc = (int) (expr);                                              \
        int tu_e = errno;                                                      \
        if (tu_rc != -1)                                                       \
            TU_FAIL ("%s returned %d, expected -1 with %s", #expr, tu_rc,      \
                     #err);                                                    \
        if (tu_e != (err))                                                     \
            TU_FAIL ("%s set errno %d (%s), expected %s (%d)", #expr, tu_e,    \
                     zmq_strerror (tu_e), #err, (int) (err));                  \
        if (zmq_errno () != tu_e)                                              \
            TU_FAIL ("zmq_errno() %d disagrees with errno %d", zmq_errno (),   \
                     tu_e);                                                    \
    } while (0)

/*  A pointer call must fail with NULL and errno == err.  */
#define CHECK_NULL_ERR(expr, err)                                              \
    do {                                                                       \
        errno = 0;                                                             \
        const void *tu_p = (const void *) (expr);                              \
        int tu_e = errno;                                                      \
        if (tu_p != NULL)                                                      \
            TU_FAIL ("%s returned %p, expected NULL with %s", #expr, tu_p,     \
                     #err);                                                    \
        if (tu_e != (err))                                                     \
            TU_FAIL ("%s set errno %d (%s), expected %s (%d)", #expr, tu_e,    \
                     zmq_strerror (tu_e), #err, (int) (err));                  \
    } while (0)

static int tu_check_ours (void)
{
    const char *want = getenv ("ZMQ_TEST_EXPECT_OURS");
    if (!want || strcmp (want, "1") != 0)
        return 1;
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    if (major != 4 || minor != 3 || patch != 5) {
        fprintf (stderr, "served by libzmq %d.%d.%d, not ours (4.3.5)\n",
                 major, minor, patch);
        return 0;
    }
    const char *path = getenv ("ZMQ_TEST_OUR_LIB");
    FILE *maps = fopen ("/proc/self/maps", "r");
    char line[4096];
    int found = 0;
    while (path && maps && fgets (line, sizeof line, maps))
        if (strstr (line, path) && strstr (line, "libzmq.so"))
            found = 1;
    if (maps)
        fclose (maps);
    if (!found) {
        fprintf (stderr, "no mapping of our libzmq under %s\n",
                 path ? path : "(ZMQ_TEST_OUR_LIB unset)");
        return 0;
    }
    return 1;
}

static int test_summary (void)
{
    if (!tu_check_ours ()) {
        printf ("FAIL loaded-library-is-ours\n");
        tu_failed++;
    }
    printf ("%d passed, %d failed\n", tu_passed, tu_failed);
    return tu_failed == 0 ? 0 : 1;
}

/*  The helpers shared by the tests (sockets, options, messages, time, signals).  */
#include "sockutil.h"

#endif
