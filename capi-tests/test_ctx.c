/*  Contexts and the socket basics: context options, handle checks, socket limits and types,
    shutdown/term and ETERM, blocking and EINTR, send/recv permissions, ZMQ_TYPE/FD/EVENTS/LINGER,
    endpoint argument checks and zmq_poll over sockets and raw fds.

    Expected results are libzmq's (4.3.x: src/ctx.cpp, src/thread.cpp, src/socket_base.cpp,
    src/zmq.cpp). Nothing here decides an outcome by sleeping: threads are coordinated with
    atomics, joins and retries bounded by generous deadlines.  */
#include "testutil.h"

#include <fcntl.h>
#include <unistd.h>

/*  Sockets of these types exist in every build (the draft constants may not be defined).  */
#define TYPE_SERVER 12
#define TYPE_CHANNEL 20

/*  ------------------------------------------------------------------------------------------
    Context options  */

TEST (ctx_defaults)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 1);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS), 1023);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_SOCKET_LIMIT), 65535);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IPV6), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_BLOCKY), 1);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ), INT_MAX);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MSG_T_SIZE), 64);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MSG_T_SIZE), (int) sizeof (zmq_msg_t));
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_SCHED_POLICY), -1);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX), 0);
    /*  THREAD_PRIORITY and SOCKET_LIMIT share the number 3: a get returns the socket limit.  */
    CHECK_EQ (ZMQ_THREAD_PRIORITY, ZMQ_SOCKET_LIMIT);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_PRIORITY), 65535);
    CHECK_EQ (ZMQ_IO_THREADS_DFLT, 1);
    CHECK_EQ (ZMQ_MAX_SOCKETS_DFLT, 1023);
    CHECK_EQ (ZMQ_THREAD_PRIORITY_DFLT, -1);
    CHECK_EQ (ZMQ_THREAD_SCHED_POLICY_DFLT, -1);
#ifdef ZMQ_ZERO_COPY_RECV
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_ZERO_COPY_RECV), 1);
#endif
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (ctx_set_get_round_trips)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 3), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 3);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 0), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 0);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 50), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS), 50);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 1), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS), 1);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_IPV6, 1), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IPV6), 1);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_IPV6, 0), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IPV6), 0);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_BLOCKY, 0), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_BLOCKY), 0);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_BLOCKY, 1), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_BLOCKY), 1);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, 1000), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ), 1000);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, 0), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ), 0);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, 1), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_SCHED_POLICY), 1);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, 0), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_SCHED_POLICY), 0);
    /*  Set-only: accepted, and a get of 3 still reports the socket limit.  */
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, 10), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_PRIORITY), 65535);
    /*  The integer form of the name prefix is stored as its decimal text; get is atoi().  */
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, 42), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX), 42);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, -5), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX), -5);
    /*  CPU affinity: add, remove, and removing one that is not there fails.  */
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 0), 0);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 1), 0);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 1), 0);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 1), EINVAL);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 0), 0);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 7), EINVAL);
#ifdef ZMQ_ZERO_COPY_RECV
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_ZERO_COPY_RECV, 0), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_ZERO_COPY_RECV), 0);
#endif
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (ctx_set_get_invalid)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    /*  Negative values.  */
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_IO_THREADS, -1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, -1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_IPV6, -1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_BLOCKY, -1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_MAX_MSGSZ, -1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, -1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, -1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, -1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, -1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_IO_THREADS, INT_MIN), EINVAL);
    /*  MAX_SOCKETS must be at least 1.  */
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 0), EINVAL);
    /*  Unknown, get-only and set-only options.  */
    CHECK_ERR (zmq_ctx_set (ctx, 0, 1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, 11, 1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, 9999, 1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, -1, 1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_MSG_T_SIZE, 64), EINVAL);
    CHECK_ERR (zmq_ctx_get (ctx, 0), EINVAL);
    CHECK_ERR (zmq_ctx_get (ctx, 9999), EINVAL);
    CHECK_ERR (zmq_ctx_get (ctx, -1), EINVAL);
    CHECK_ERR (zmq_ctx_get (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD), EINVAL);
    CHECK_ERR (zmq_ctx_get (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE), EINVAL);
    /*  Nothing was changed by the failures.  */
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 1);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS), 1023);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IPV6), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_BLOCKY), 1);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ), INT_MAX);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_SCHED_POLICY), -1);
    CHECK_OK (zmq_ctx_term (ctx));
}

#ifdef ZMQ_BUILD_DRAFT_API
TEST (ctx_ext_name_prefix)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    const char *prefix = "abc";
    CHECK_EQ (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, prefix, strlen (prefix)), 0);
    char buf[32];
    memset (buf, 0, sizeof buf);
    size_t len = sizeof buf;
    CHECK_EQ (zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, buf, &len), 0);
    CHECK_MEM_EQ (buf, "abc", 3);
    CHECK_EQ (buf[3], 0);
    /*  The int form of a non-numeric prefix is atoi() of it.  */
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX), 0);

    /*  Up to 16 bytes (a thread name's limit) are accepted, 17 are not.  */
    const char *sixteen = "0123456789abcdef";
    CHECK_EQ (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, sixteen, 16), 0);
    memset (buf, 0, sizeof buf);
    len = sizeof buf;
    CHECK_EQ (zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, buf, &len), 0);
    CHECK_MEM_EQ (buf, sixteen, 16);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX), 123456789);
    CHECK_ERR (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, "0123456789abcdefg", 17), EINVAL);
    CHECK_ERR (zmq_ctx_set_ext (ctx, ZMQ_THREAD_NAME_PREFIX, "", 0), EINVAL);
    /*  The failed sets left the 16-byte prefix.  */
    memset (buf, 0, sizeof buf);
    len = sizeof buf;
    CHECK_EQ (zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, buf, &len), 0);
    CHECK_MEM_EQ (buf, sixteen, 16);
    /*  A buffer shorter than the prefix is refused.  */
    len = 8;
    CHECK_ERR (zmq_ctx_get_ext (ctx, ZMQ_THREAD_NAME_PREFIX, buf, &len), EINVAL);

    /*  Integer options through _ext need exactly sizeof (int).  */
    int v = 2;
    CHECK_EQ (zmq_ctx_set_ext (ctx, ZMQ_IO_THREADS, &v, sizeof v), 0);
    v = -1;
    len = sizeof v;
    CHECK_EQ (zmq_ctx_get_ext (ctx, ZMQ_IO_THREADS, &v, &len), 0);
    CHECK_EQ (v, 2);
    long long big = 5;
    CHECK_ERR (zmq_ctx_set_ext (ctx, ZMQ_IO_THREADS, &big, sizeof big), EINVAL);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 2);
    v = 1;
    CHECK_ERR (zmq_ctx_set_ext (ctx, 9999, &v, sizeof v), EINVAL);
    CHECK_ERR (zmq_ctx_set_ext (NULL, ZMQ_IO_THREADS, &v, sizeof v), EFAULT);
    len = sizeof v;
    CHECK_ERR (zmq_ctx_get_ext (NULL, ZMQ_IO_THREADS, &v, &len), EFAULT);
    CHECK_OK (zmq_ctx_term (ctx));
}
#endif

/*  ------------------------------------------------------------------------------------------
    Context handles and lifetime  */

TEST (ctx_null_is_efault)
{
    CHECK_ERR (zmq_ctx_term (NULL), EFAULT);
    CHECK_ERR (zmq_ctx_shutdown (NULL), EFAULT);
    CHECK_ERR (zmq_ctx_set (NULL, ZMQ_IO_THREADS, 1), EFAULT);
    CHECK_ERR (zmq_ctx_get (NULL, ZMQ_IO_THREADS), EFAULT);
    CHECK_ERR (zmq_term (NULL), EFAULT);
    CHECK_ERR (zmq_ctx_destroy (NULL), EFAULT);
    CHECK_NULL_ERR (zmq_socket (NULL, ZMQ_PUB), EFAULT);
}

TEST (ctx_terminated_handle_is_efault)
{
    /*  libzmq clears the tag of a terminated context; this library also keeps the handle's
        memory readable, so the check is safe under valgrind.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = zmq_socket (ctx, ZMQ_PUB);
    CHECK (s != NULL);
    CHECK_OK (zmq_close (s));
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    CHECK_ERR (zmq_ctx_term (ctx), EFAULT);
    CHECK_ERR (zmq_ctx_shutdown (ctx), EFAULT);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 1), EFAULT);
    CHECK_ERR (zmq_ctx_get (ctx, ZMQ_IO_THREADS), EFAULT);
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PUB), EFAULT);
    /*  A socket handle is not a context.  */
    void *ctx2 = zmq_ctx_new ();
    CHECK (ctx2 != NULL);
    void *s2 = zmq_socket (ctx2, ZMQ_PUB);
    CHECK (s2 != NULL);
    CHECK_ERR (zmq_ctx_get (s2, ZMQ_IO_THREADS), EFAULT);
    CHECK_NULL_ERR (zmq_socket (s2, ZMQ_PUB), EFAULT);
    CHECK_OK (zmq_close (s2));
    CHECK_OK (zmq_ctx_term (ctx2));
}

TEST (legacy_init_term_destroy)
{
    CHECK_NULL_ERR (zmq_init (-1), EINVAL);
    void *ctx = zmq_init (1);
    CHECK (ctx != NULL);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 1);
    CHECK_EQ (zmq_term (ctx), 0);

    ctx = zmq_init (3);
    CHECK (ctx != NULL);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 3);
    CHECK_EQ (zmq_ctx_destroy (ctx), 0);

    ctx = zmq_init (0);
    CHECK (ctx != NULL);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 0);
    CHECK_EQ (zmq_ctx_term (ctx), 0);
}

TEST (ctx_shutdown_then_term_without_sockets)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_EQ (zmq_ctx_shutdown (ctx), 0);
    CHECK_EQ (zmq_ctx_shutdown (ctx), 0);
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PUB), ETERM);
    /*  Options stay readable until term.  */
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 1);
    CHECK_EQ (zmq_ctx_term (ctx), 0);
}

/*  ------------------------------------------------------------------------------------------
    Socket limits and types  */

/*  Creates a socket, retrying while EMFILE persists: libzmq frees the slot of a closed socket
    in its reaper thread, a moment after zmq_close returns.  */
static void *socket_when_slot_free (void *ctx, int type)
{
    long long deadline = now_ms () + 10000;
    void *s;
    while ((s = zmq_socket (ctx, type)) == NULL && errno == EMFILE && now_ms () < deadline)
        msleep (1);
    return s;
}

TEST (max_sockets_limit)
{
    enum { N = 5 };
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, N), 0);
    void *s[N];
    for (int i = 0; i < N; i++) {
        s[i] = zmq_socket (ctx, ZMQ_PUB);
        CHECK (s[i] != NULL);
    }
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PUB), EMFILE);
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PULL), EMFILE);
    /*  Closing one frees a slot (once the close has completed).  */
    CHECK_OK (zmq_close (s[2]));
    s[2] = socket_when_slot_free (ctx, ZMQ_PULL);
    CHECK (s[2] != NULL);
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PUB), EMFILE);
    for (int i = 0; i < N; i++)
        CHECK_OK (zmq_close (s[i]));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (max_sockets_fixed_at_first_socket)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 2), 0);
    void *a = zmq_socket (ctx, ZMQ_PUB);
    CHECK (a != NULL);
    /*  Accepted and reported, but the context sized its socket table when it started.  */
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 10), 0);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS), 10);
    void *b = zmq_socket (ctx, ZMQ_PUB);
    CHECK (b != NULL);
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PUB), EMFILE);
    CLOSE_ALL (a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (socket_types)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_NULL_ERR (zmq_socket (ctx, 21), EINVAL);
    CHECK_NULL_ERR (zmq_socket (ctx, -1), EINVAL);
    CHECK_NULL_ERR (zmq_socket (ctx, 1000), EINVAL);
    /*  Every type, draft ones included, is creatable in any build, and reports its type.  */
    for (int type = 0; type <= 20; type++) {
        void *s = zmq_socket (ctx, type);
        if (!s)
            TU_FAIL ("zmq_socket (ctx, %d) failed: %s", type, zmq_strerror (errno));
        int got = -1;
        size_t len = sizeof got;
        CHECK_EQ (zmq_getsockopt (s, ZMQ_TYPE, &got, &len), 0);
        CHECK_EQ (got, type);
        CHECK_EQ (len, sizeof (int));
        CHECK_EQ (zmq_close (s), 0);
    }
    /*  A failed creation used no slot.  */
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 1), 0); /* no effect: already started */
    CHECK_OK (zmq_ctx_term (ctx));

    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 1), 0);
    CHECK_NULL_ERR (zmq_socket (ctx, 21), EINVAL);
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (s != NULL);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (socket_type_constants)
{
    CHECK_EQ (ZMQ_PAIR, 0);
    CHECK_EQ (ZMQ_PUB, 1);
    CHECK_EQ (ZMQ_SUB, 2);
    CHECK_EQ (ZMQ_REQ, 3);
    CHECK_EQ (ZMQ_REP, 4);
    CHECK_EQ (ZMQ_DEALER, 5);
    CHECK_EQ (ZMQ_ROUTER, 6);
    CHECK_EQ (ZMQ_PULL, 7);
    CHECK_EQ (ZMQ_PUSH, 8);
    CHECK_EQ (ZMQ_XPUB, 9);
    CHECK_EQ (ZMQ_XSUB, 10);
    CHECK_EQ (ZMQ_STREAM, 11);
    CHECK_EQ (ZMQ_XREQ, ZMQ_DEALER);
    CHECK_EQ (ZMQ_XREP, ZMQ_ROUTER);
#ifdef ZMQ_BUILD_DRAFT_API
    CHECK_EQ (ZMQ_SERVER, TYPE_SERVER);
    CHECK_EQ (ZMQ_CHANNEL, TYPE_CHANNEL);
#endif
}

/*  ------------------------------------------------------------------------------------------
    Shutdown and term  */

TEST (shutdown_makes_calls_eterm)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = zmq_socket (ctx, ZMQ_PULL);
    CHECK (s != NULL);
    CHECK_EQ (zmq_ctx_shutdown (ctx), 0);
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PUB), ETERM);
    char buf[8];
    /*  The receive comes first: it is the call that takes in the context's stop command (in
        libzmq, options, bind and getsockopt only look at the flag it sets).  */
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, 0), ETERM);
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), ETERM);
    CHECK_ERR (zmq_send (s, "x", 1, 0), ETERM);
    int linger = 0;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger), ETERM);
    CHECK_ERR (zmq_bind (s, "inproc://after-shutdown"), ETERM);
    CHECK_ERR (zmq_connect (s, "inproc://after-shutdown"), ETERM);
    int type = -1;
    size_t len = sizeof type;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_TYPE, &type, &len), ETERM);
    CHECK_EQ (zmq_close (s), 0);
    CHECK_EQ (zmq_ctx_term (ctx), 0);
}

struct blocked_recv
{
    void *ctx;
    void *socket;
    atomic_int entered; /* about to call zmq_recv */
    int rc;
    int err;
    atomic_int closed; /* set just before zmq_close */
    int close_rc;
};

static void *recv_then_close (void *arg)
{
    struct blocked_recv *b = (struct blocked_recv *) arg;
    char buf[16];
    atomic_store (&b->entered, 1);
    b->rc = zmq_recv (b->socket, buf, sizeof buf, 0);
    b->err = errno;
    atomic_store (&b->closed, 1);
    b->close_rc = zmq_close (b->socket);
    return NULL;
}

TEST (term_waits_for_blocked_socket)
{
    struct blocked_recv b;
    memset (&b, 0, sizeof b);
    b.ctx = zmq_ctx_new ();
    CHECK (b.ctx != NULL);
    b.socket = zmq_socket (b.ctx, ZMQ_PULL);
    CHECK (b.socket != NULL);
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, recv_then_close, &b), 0);
    /*  Whether or not the thread is already blocked, term makes its receive fail with ETERM,
        and cannot return before the thread closed the socket.  */
    wait_flag (&b.entered);
    int rc = zmq_ctx_term (b.ctx);
    int closed_before_term_returned = atomic_load (&b.closed);
    pthread_join (t, NULL);
    CHECK_EQ (rc, 0);
    CHECK_EQ (closed_before_term_returned, 1);
    CHECK_EQ (b.rc, -1);
    CHECK_EQ (b.err, ETERM);
    CHECK_EQ (b.close_rc, 0);
}

struct shutdown_arg
{
    void *ctx;
    atomic_int go;
    int rc;
};

static void *shutdown_ctx (void *arg)
{
    struct shutdown_arg *a = (struct shutdown_arg *) arg;
    wait_flag (&a->go);
    a->rc = zmq_ctx_shutdown (a->ctx);
    return NULL;
}

TEST (shutdown_from_another_thread_unblocks_recv)
{
    /*  The main thread blocks in zmq_recv; another thread shuts the context down.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = zmq_socket (ctx, ZMQ_PULL);
    CHECK (s != NULL);
    struct shutdown_arg a;
    memset (&a, 0, sizeof a);
    a.ctx = ctx;
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, shutdown_ctx, &a), 0);
    atomic_store (&a.go, 1);
    char buf[16];
    errno = 0;
    int rc = zmq_recv (s, buf, sizeof buf, 0);
    int err = errno;
    pthread_join (t, NULL);
    CHECK_EQ (a.rc, 0);
    CHECK_EQ (rc, -1);
    CHECK_EQ (err, ETERM);
    CHECK_EQ (zmq_close (s), 0);
    CHECK_EQ (zmq_ctx_term (ctx), 0);

    /*  And the other way round: a thread blocked in zmq_recv, shutdown from the main thread.  */
    struct blocked_recv b;
    memset (&b, 0, sizeof b);
    b.ctx = zmq_ctx_new ();
    CHECK (b.ctx != NULL);
    b.socket = zmq_socket (b.ctx, ZMQ_PULL);
    CHECK (b.socket != NULL);
    CHECK_EQ (pthread_create (&t, NULL, recv_then_close, &b), 0);
    wait_flag (&b.entered);
    CHECK_EQ (zmq_ctx_shutdown (b.ctx), 0);
    pthread_join (t, NULL);
    CHECK_EQ (b.rc, -1);
    CHECK_EQ (b.err, ETERM);
    CHECK_EQ (b.close_rc, 0);
    CHECK_EQ (zmq_ctx_term (b.ctx), 0);
}

/*  ------------------------------------------------------------------------------------------
    Blocking, timeouts, signals  */

TEST (recv_timeouts)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = zmq_socket (ctx, ZMQ_PULL);
    CHECK (s != NULL);
    char buf[16];
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (ZMQ_NOBLOCK, ZMQ_DONTWAIT);
    int timeout = 10;
    CHECK_EQ (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout), 0);
    long long start = now_ms ();
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, 0), EAGAIN);
    CHECK (now_ms () - start >= 9);
    timeout = 0;
    CHECK_EQ (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout), 0);
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, 0), EAGAIN);

    /*  A PUSH socket with no peer cannot send: it blocks like a receive does.  */
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (push != NULL);
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    timeout = 10;
    CHECK_EQ (zmq_setsockopt (push, ZMQ_SNDTIMEO, &timeout, sizeof timeout), 0);
    CHECK_ERR (zmq_send (push, "x", 1, 0), EAGAIN);
    CLOSE_ALL (push, s);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (send_recv_not_supported_by_type)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (sub && pull && pub && push);
    char buf[16];
    CHECK_ERR (zmq_send (sub, "x", 1, 0), ENOTSUP);
    CHECK_ERR (zmq_send (pull, "x", 1, 0), ENOTSUP);
    CHECK_ERR (zmq_send (pull, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERR (zmq_recv (pub, buf, sizeof buf, 0), ENOTSUP);
    CHECK_ERR (zmq_recv (push, buf, sizeof buf, 0), ENOTSUP);
    CHECK_ERR (zmq_recv (push, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    /*  PUB with no subscribers drops the message and reports it sent.  */
    CHECK_EQ (zmq_send (pub, "hello", 5, 0), 5);
    CHECK_EQ (zmq_send (pub, "hello", 5, ZMQ_DONTWAIT), 5);
    CHECK_EQ (zmq_send (pub, "", 0, 0), 0);
    CHECK_EQ (zmq_send (pub, NULL, 0, 0), 0);
    CLOSE_ALL (sub, pull, pub, push);
    CHECK_OK (zmq_ctx_term (ctx));
}

struct recv_call
{
    void *socket;
    atomic_int done;
    int rc;
    int err;
};

static void *call_recv (void *arg)
{
    struct recv_call *x = (struct recv_call *) arg;
    char buf[16];
    x->rc = zmq_recv (x->socket, buf, sizeof buf, 0);
    x->err = errno;
    atomic_store (&x->done, 1);
    return NULL;
}

TEST (signal_interrupts_recv)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = zmq_socket (ctx, ZMQ_PULL);
    CHECK (s != NULL);
    /*  A long timeout only keeps a broken library from hanging the test: the expected result
        is EINTR, long before it.  */
    int timeout = 20000;
    CHECK_EQ (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout), 0);
    struct recv_call x;
    memset (&x, 0, sizeof x);
    x.socket = s;
    CHECK_EQ (interrupt_until_done (call_recv, &x, &x.done, 5), 0);
    CHECK_EQ (x.rc, -1);
    CHECK_EQ (x.err, EINTR);
    /*  The socket is still usable.  */
    char buf[4];
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (signal_interrupts_ctx_term)
{
    /*  A socket stays open, so term can only return through the signal: -1/EINTR. The
        context stays valid; once the socket is closed, term completes.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = zmq_socket (ctx, ZMQ_PULL);
    CHECK (s != NULL);
    struct term_call c;
    memset (&c, 0, sizeof c);
    c.ctx = ctx;
    CHECK_EQ (interrupt_until_done (call_term, &c, &c.done, 5), 0);
    CHECK_EQ (c.rc, -1);
    CHECK_EQ (c.err, EINTR);
    /*  Shut down by the interrupted term: no new sockets; the open one gets ETERM.  */
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PUB), ETERM);
    char buf[4];
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, 0), ETERM);
    CHECK_EQ (zmq_close (s), 0);
    CHECK_EQ (zmq_ctx_term (ctx), 0);
}

struct poll_call
{
    zmq_pollitem_t item;
    atomic_int done;
    int rc;
    int err;
};

static void *call_poll (void *arg)
{
    struct poll_call *p = (struct poll_call *) arg;
    p->rc = zmq_poll (&p->item, 1, 20000);
    p->err = errno;
    atomic_store (&p->done, 1);
    return NULL;
}

TEST (signal_interrupts_poll)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = zmq_socket (ctx, ZMQ_PULL);
    CHECK (s != NULL);
    struct poll_call p;
    memset (&p, 0, sizeof p);
    p.item.socket = s;
    p.item.events = ZMQ_POLLIN;
    /*  The 20 s timeout only keeps a broken library from hanging the test.  */
    CHECK_EQ (interrupt_until_done (call_poll, &p, &p.done, 5), 0);
    CHECK_EQ (p.rc, -1);
    CHECK_EQ (p.err, EINTR);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Socket handles and basic options  */

TEST (socket_null_and_closed_is_enotsock)
{
    char buf[8];
    int v = 0;
    size_t len = sizeof v;
    CHECK_ERR (zmq_close (NULL), ENOTSOCK);
    CHECK_ERR (zmq_send (NULL, "x", 1, 0), ENOTSOCK);
    CHECK_ERR (zmq_recv (NULL, buf, sizeof buf, 0), ENOTSOCK);
    CHECK_ERR (zmq_setsockopt (NULL, ZMQ_LINGER, &v, sizeof v), ENOTSOCK);
    CHECK_ERR (zmq_getsockopt (NULL, ZMQ_LINGER, &v, &len), ENOTSOCK);
    CHECK_ERR (zmq_bind (NULL, "inproc://x"), ENOTSOCK);
    CHECK_ERR (zmq_connect (NULL, "inproc://x"), ENOTSOCK);

    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = zmq_socket (ctx, ZMQ_PUB);
    CHECK (s != NULL);
    CHECK_EQ (zmq_close (s), 0);
    /*  This library keeps closed handles readable, so these are safe under valgrind.  */
    CHECK_ERR (zmq_close (s), ENOTSOCK);
    CHECK_ERR (zmq_send (s, "x", 1, 0), ENOTSOCK);
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, 0), ENOTSOCK);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, &v, sizeof v), ENOTSOCK);
    len = sizeof v;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_LINGER, &v, &len), ENOTSOCK);
    CHECK_ERR (zmq_bind (s, "inproc://x"), ENOTSOCK);
    CHECK_ERR (zmq_connect (s, "inproc://x"), ENOTSOCK);
    /*  A context handle is not a socket.  */
    CHECK_ERR (zmq_close (ctx), ENOTSOCK);
    CHECK_ERR (zmq_send (ctx, "x", 1, 0), ENOTSOCK);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (getsockopt_type_fd_events)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK (pub && pull);
    int v = -1;
    size_t len = sizeof v;
    CHECK_EQ (zmq_getsockopt (pull, ZMQ_TYPE, &v, &len), 0);
    CHECK_EQ (v, ZMQ_PULL);
    CHECK_EQ (len, sizeof (int));

    zmq_fd_t fd = -1;
    len = sizeof fd;
    CHECK_EQ (zmq_getsockopt (pub, ZMQ_FD, &fd, &len), 0);
    CHECK_EQ (len, sizeof fd);
    CHECK (fd >= 0);
    CHECK (fcntl (fd, F_GETFD) != -1);
    zmq_fd_t fd2 = -1;
    len = sizeof fd2;
    CHECK_EQ (zmq_getsockopt (pull, ZMQ_FD, &fd2, &len), 0);
    CHECK (fd2 >= 0 && fd2 != fd);
    /*  The same descriptor every time.  */
    zmq_fd_t again = -1;
    len = sizeof again;
    CHECK_EQ (zmq_getsockopt (pub, ZMQ_FD, &again, &len), 0);
    CHECK_EQ (again, fd);

    /*  PUB can always send (it drops without subscribers); PULL has nothing to receive.  */
    len = sizeof v;
    CHECK_EQ (zmq_getsockopt (pub, ZMQ_EVENTS, &v, &len), 0);
    CHECK_EQ (v, ZMQ_POLLOUT);
    len = sizeof v;
    CHECK_EQ (zmq_getsockopt (pull, ZMQ_EVENTS, &v, &len), 0);
    CHECK_EQ (v, 0);

    /*  Thread-safe types have no ZMQ_FD.  */
    void *server = zmq_socket (ctx, TYPE_SERVER);
    CHECK (server != NULL);
    len = sizeof fd;
    CHECK_ERR (zmq_getsockopt (server, ZMQ_FD, &fd, &len), EINVAL);
    CHECK_OK (zmq_close (server));

    /*  Too small a buffer.  */
    char small[2];
    len = sizeof small;
    CHECK_ERR (zmq_getsockopt (pub, ZMQ_TYPE, small, &len), EINVAL);
    /*  Unknown option.  */
    len = sizeof v;
    CHECK_ERR (zmq_getsockopt (pub, 9999, &v, &len), EINVAL);
    CHECK_ERR (zmq_setsockopt (pub, 9999, &v, sizeof v), EINVAL);
    CLOSE_ALL (pub, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (linger_default_follows_blocky)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (s != NULL);
    int linger = 12345;
    size_t len = sizeof linger;
    CHECK_EQ (zmq_getsockopt (s, ZMQ_LINGER, &linger, &len), 0);
    CHECK_EQ (linger, -1);
    linger = 250;
    CHECK_EQ (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger), 0);
    linger = 0;
    len = sizeof linger;
    CHECK_EQ (zmq_getsockopt (s, ZMQ_LINGER, &linger, &len), 0);
    CHECK_EQ (linger, 250);
    linger = -2;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, &linger, 2), EINVAL);
    CHECK_OK (zmq_close (s));

    /*  BLOCKY=0: new sockets get linger 0; existing ones keep theirs.  */
    void *before = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (before != NULL);
    CHECK_EQ (zmq_ctx_set (ctx, ZMQ_BLOCKY, 0), 0);
    void *after = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (after != NULL);
    len = sizeof linger;
    CHECK_EQ (zmq_getsockopt (after, ZMQ_LINGER, &linger, &len), 0);
    CHECK_EQ (linger, 0);
    len = sizeof linger;
    CHECK_EQ (zmq_getsockopt (before, ZMQ_LINGER, &linger, &len), 0);
    CHECK_EQ (linger, -1);
    CLOSE_ALL (before, after);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (endpoint_arguments)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *s = zmq_socket (ctx, ZMQ_PUB);
    CHECK (s != NULL);
    /*  tcp works; a tcp connect only checks the syntax (the connection is made later).  */
    CHECK_OK (zmq_bind (s, "tcp://127.0.0.1:*"));
    CHECK_OK (zmq_connect (s, "tcp://127.0.0.1:5555"));
    CHECK_ERR (zmq_connect (s, "tcp://127.0.0.1:*"), EINVAL);
    /*  A transport this library is built without (as libzmq without VMCI).  */
    CHECK_ERR (zmq_bind (s, "vmci://1:5555"), EPROTONOSUPPORT);
    /*  Unknown schemes are EPROTONOSUPPORT in any build.  */
    CHECK_ERR (zmq_bind (s, "nosuchproto://x"), EPROTONOSUPPORT);
    CHECK_ERR (zmq_connect (s, "nosuchproto://x"), EPROTONOSUPPORT);
    /*  Malformed.  */
    CHECK_ERR (zmq_bind (s, "nonsense"), EINVAL);
    CHECK_ERR (zmq_connect (s, "nonsense"), EINVAL);
    CHECK_ERR (zmq_bind (s, ""), EINVAL);
    CHECK_ERR (zmq_bind (s, "tcp://"), EINVAL);
    CHECK_ERR (zmq_bind (s, NULL), EINVAL);
    CHECK_ERR (zmq_connect (s, NULL), EINVAL);
    CHECK_OK (zmq_close (s));
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    zmq_poll  */

TEST (poll_basics)
{
    CHECK_EQ (zmq_poll (NULL, 0, 0), 0);
    CHECK_ERR (zmq_poll (NULL, 1, 0), EFAULT);

    int fds[2];
    CHECK_EQ (pipe (fds), 0);
    zmq_pollitem_t item;
    memset (&item, 0, sizeof item);
    item.socket = NULL;
    item.fd = fds[0];
    item.events = ZMQ_POLLIN;
    item.revents = 77;
    CHECK_EQ (zmq_poll (&item, 1, 0), 0);
    CHECK_EQ (item.revents, 0);
    CHECK_EQ (write (fds[1], "x", 1), 1);
    CHECK_EQ (zmq_poll (&item, 1, -1), 1);
    CHECK_EQ (item.revents, ZMQ_POLLIN);
    /*  The write end is writable.  */
    zmq_pollitem_t w = {NULL, fds[1], ZMQ_POLLOUT, 0};
    CHECK_EQ (zmq_poll (&w, 1, 0), 1);
    CHECK_EQ (w.revents, ZMQ_POLLOUT);
    close (fds[0]);
    close (fds[1]);

    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK (pub && pull);
    zmq_pollitem_t items[2] = {{pub, -1, ZMQ_POLLIN | ZMQ_POLLOUT, 0},
                               {pull, -1, ZMQ_POLLIN, 0}};
    CHECK_EQ (zmq_poll (items, 2, 0), 1);
    CHECK_EQ (items[0].revents, ZMQ_POLLOUT);
    CHECK_EQ (items[1].revents, 0);
    /*  Nothing to receive: the timeout expires with no events.  */
    long long start = now_ms ();
    CHECK_EQ (zmq_poll (&items[1], 1, 10), 0);
    CHECK (now_ms () - start >= 9);
    CHECK_EQ (items[1].revents, 0);
    /*  A closed socket in the set.  */
    CHECK_OK (zmq_close (pull));
    CHECK_ERR (zmq_poll (items, 2, 0), ENOTSOCK);
    CHECK_OK (zmq_close (pub));
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    RUN (ctx_defaults);
    RUN (ctx_set_get_round_trips);
    RUN (ctx_set_get_invalid);
#ifdef ZMQ_BUILD_DRAFT_API
    RUN (ctx_ext_name_prefix);
#endif
    RUN (ctx_null_is_efault);
    RUN (ctx_terminated_handle_is_efault);
    RUN (legacy_init_term_destroy);
    RUN (ctx_shutdown_then_term_without_sockets);
    RUN (max_sockets_limit);
    RUN (max_sockets_fixed_at_first_socket);
    RUN (socket_types);
    RUN (socket_type_constants);
    RUN (shutdown_makes_calls_eterm);
    RUN (term_waits_for_blocked_socket);
    RUN (shutdown_from_another_thread_unblocks_recv);
    RUN (recv_timeouts);
    RUN (send_recv_not_supported_by_type);
    RUN (signal_interrupts_recv);
    RUN (signal_interrupts_ctx_term);
    RUN (signal_interrupts_poll);
    RUN (socket_null_and_closed_is_enotsock);
    RUN (getsockopt_type_fd_events);
    RUN (linger_default_follows_blocky);
    RUN (endpoint_arguments);
    RUN (poll_basics);
    return test_summary ();
}
