/*  Sending and receiving over inproc: zmq_send/zmq_recv (truncation, empty and NULL
    buffers), zmq_send_const, zmq_msg_send/zmq_msg_recv (ownership, zero-copy free
    functions), the deprecated zmq_sendmsg/zmq_recvmsg/zmq_sendiov/zmq_recviov, ZMQ_RCVMORE,
    timeouts, ENOTSUP, EINTR and ETERM in blocked calls, large messages and ZMQ_CONFLATE.

    Expected results are libzmq's (4.3.x, checked by building this file against the system
    libzmq). No sleep decides an outcome; every blocking call is bounded.  */
#include "testutil.h"

#include <sys/uio.h>
#include <unistd.h>

/*  A connected pair of sockets of the given types in a new context.  */
struct duo
{
    void *ctx, *a, *b;
};

static int duo_open (struct duo *d, int type_a, int type_b, const char *ep)
{
    d->ctx = zmq_ctx_new ();
    if (!d->ctx)
        return -1;
    d->a = mk (d->ctx, type_a);
    d->b = mk (d->ctx, type_b);
    if (!d->a || !d->b || zmq_bind (d->a, ep) != 0 || zmq_connect (d->b, ep) != 0)
        return -1;
    return 0;
}

static int duo_close (struct duo *d)
{
    int rc = 0;
    if (d->a && zmq_close (d->a) != 0)
        rc = -1;
    if (d->b && zmq_close (d->b) != 0)
        rc = -1;
    if (zmq_ctx_term (d->ctx) != 0)
        rc = -1;
    return rc;
}

/*  ------------------------------------------------------------------------------------------
    zmq_send / zmq_recv  */

TEST (recv_truncates_but_reports_full_size)
{
    struct duo d;
    CHECK_EQ (duo_open (&d, ZMQ_PAIR, ZMQ_PAIR, "inproc://trunc"), 0);
    CHECK_EQ (zmq_send (d.b, "0123456789", 10, 0), 10);
    char buf[8];
    memset (buf, '#', sizeof buf);
    CHECK_EQ (zmq_recv (d.a, buf, 4, 0), 10);
    CHECK_MEM_EQ (buf, "0123####", 8);
    /*  A buffer of exactly the size, and a bigger one.  */
    CHECK_EQ (zmq_send (d.b, "abcdefgh", 8, 0), 8);
    CHECK_EQ (zmq_recv (d.a, buf, 8, 0), 8);
    CHECK_MEM_EQ (buf, "abcdefgh", 8);
    char big[64];
    memset (big, '#', sizeof big);
    CHECK_EQ (zmq_send (d.b, "xyz", 3, 0), 3);
    CHECK_EQ (zmq_recv (d.a, big, sizeof big, 0), 3);
    CHECK_MEM_EQ (big, "xyz####", 7);
    /*  A zero-length buffer takes nothing but still consumes the message.  */
    CHECK_EQ (zmq_send (d.b, "gone", 4, 0), 4);
    CHECK_EQ (zmq_recv (d.a, buf, 0, 0), 4);
    CHECK_ERR (zmq_recv (d.a, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (duo_close (&d), 0);
}

TEST (empty_messages_and_null_buffers)
{
    struct duo d;
    CHECK_EQ (duo_open (&d, ZMQ_PUSH, ZMQ_PULL, "inproc://empty"), 0);
    char buf[8];
    CHECK_EQ (zmq_send (d.a, "", 0, 0), 0);
    CHECK_EQ (zmq_send (d.a, NULL, 0, 0), 0);
    CHECK_EQ (zmq_send (d.a, NULL, 0, ZMQ_SNDMORE), 0);
    CHECK_EQ (zmq_send (d.a, "z", 1, 0), 1);
    CHECK_EQ (zmq_recv (d.b, buf, sizeof buf, 0), 0);
    CHECK_EQ (zmq_recv (d.b, NULL, 0, 0), 0);
    CHECK_EQ (zmq_recv (d.b, NULL, 0, 0), 0);
    CHECK_EQ (get_int (d.b, ZMQ_RCVMORE), 1);
    /*  NULL with length 0 still reports the real size.  */
    CHECK_EQ (zmq_recv (d.b, NULL, 0, 0), 1);
    CHECK_EQ (get_int (d.b, ZMQ_RCVMORE), 0);
    /*  Empty parts through zmq_msg_*.  */
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init (&m));
    CHECK_EQ (zmq_msg_send (&m, d.a, 0), 0);
    CHECK_OK (zmq_msg_init_size (&m, 0));
    CHECK_EQ (zmq_msg_recv (&m, d.b, 0), 0);
    CHECK_EQ (zmq_msg_size (&m), 0);
    CHECK_EQ (zmq_msg_more (&m), 0);
    CHECK_OK (zmq_msg_close (&m));
    CHECK_EQ (duo_close (&d), 0);
}

TEST (send_const)
{
    static const char text[] = "constant data, not copied";
    struct duo d;
    CHECK_EQ (duo_open (&d, ZMQ_PUSH, ZMQ_PULL, "inproc://const"), 0);
    CHECK_EQ (zmq_send_const (d.a, text, 8, ZMQ_SNDMORE), 8);
    CHECK_EQ (zmq_send_const (d.a, text, sizeof text, 0), (int) sizeof text);
    CHECK_EQ (zmq_send_const (d.a, NULL, 0, 0), 0);
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init (&m));
    CHECK_EQ (zmq_msg_recv (&m, d.b, 0), 8);
    CHECK_MEM_EQ (zmq_msg_data (&m), "constant", 8);
    CHECK_EQ (zmq_msg_more (&m), 1);
    CHECK_EQ (zmq_msg_recv (&m, d.b, 0), (int) sizeof text);
    CHECK_STR_EQ ((const char *) zmq_msg_data (&m), text);
    CHECK_EQ (zmq_msg_more (&m), 0);
    CHECK_EQ (zmq_msg_recv (&m, d.b, 0), 0);
    CHECK_OK (zmq_msg_close (&m));
    CHECK_ERR (zmq_send_const (d.b, text, 4, 0), ENOTSUP);
    CHECK_EQ (duo_close (&d), 0);
}

TEST (rcvmore_follows_parts)
{
    struct duo d;
    CHECK_EQ (duo_open (&d, ZMQ_PAIR, ZMQ_PAIR, "inproc://more"), 0);
    CHECK_EQ (get_int (d.a, ZMQ_RCVMORE), 0);
    CHECK_EQ (zmq_send (d.b, "1", 1, ZMQ_SNDMORE), 1);
    CHECK_EQ (zmq_send (d.b, "2", 1, ZMQ_SNDMORE | ZMQ_DONTWAIT), 1);
    CHECK_EQ (zmq_send (d.b, "3", 1, 0), 1);
    CHECK_EQ (zmq_send (d.b, "4", 1, 0), 1);
    char c;
    for (int i = 0; i < 4; i++) {
        CHECK_EQ (zmq_recv (d.a, &c, 1, 0), 1);
        CHECK_EQ (c, '1' + i);
        CHECK_EQ (get_int (d.a, ZMQ_RCVMORE), i < 2 ? 1 : 0);
    }
    /*  RCVMORE also accepts a bigger buffer (and says how much it wrote).  */
    CHECK_EQ (zmq_send (d.b, "x", 1, ZMQ_SNDMORE), 1);
    CHECK_EQ (zmq_send (d.b, "y", 1, 0), 1);
    CHECK_EQ (zmq_recv (d.a, &c, 1, 0), 1);
    long long wide = -1;
    size_t len = sizeof wide;
    CHECK_EQ (zmq_getsockopt (d.a, ZMQ_RCVMORE, &wide, &len), 0);
    CHECK_EQ (len, sizeof (int));
    CHECK_EQ ((int) wide, 1);
    CHECK_EQ (duo_close (&d), 0);
}

/*  ------------------------------------------------------------------------------------------
    zmq_msg_send / zmq_msg_recv  */

static atomic_int frees;
static void *last_hint;

static void count_free (void *data, void *hint)
{
    free (data);
    last_hint = hint;
    atomic_fetch_add (&frees, 1);
}

TEST (msg_send_recv_ownership)
{
    struct duo d;
    CHECK_EQ (duo_open (&d, ZMQ_PAIR, ZMQ_PAIR, "inproc://msg"), 0);
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init_size (&m, 5));
    memcpy (zmq_msg_data (&m), "hello", 5);
    CHECK_EQ (zmq_msg_send (&m, d.b, 0), 5);
    /*  The message was taken: it is now empty (and still has to be closed, harmlessly).  */
    CHECK_EQ (zmq_msg_size (&m), 0);
    CHECK_OK (zmq_msg_close (&m));

    /*  Receiving into a message that holds a zero-copy buffer releases that buffer.  */
    atomic_store (&frees, 0);
    char *old = malloc (100);
    CHECK (old != NULL);
    memset (old, 'o', 100);
    zmq_msg_t r;
    CHECK_OK (zmq_msg_init_data (&r, old, 100, count_free, (void *) 0x77));
    CHECK_EQ (zmq_msg_recv (&r, d.a, 0), 5);
    CHECK_EQ (atomic_load (&frees), 1);
    CHECK_PTR_EQ (last_hint, (void *) 0x77);
    CHECK_EQ (zmq_msg_size (&r), 5);
    CHECK_MEM_EQ (zmq_msg_data (&r), "hello", 5);
    CHECK_OK (zmq_msg_close (&r));
    /*  A receive that finds nothing (EAGAIN) releases the old content too and leaves an
        empty message: libzmq's routing closes the message before it looks for one.  */
    char *again = malloc (10);
    CHECK (again != NULL);
    CHECK_OK (zmq_msg_init_data (&r, again, 10, count_free, NULL));
    CHECK_ERR (zmq_msg_recv (&r, d.a, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (atomic_load (&frees), 2);
    CHECK_EQ (zmq_msg_size (&r), 0);
    CHECK_OK (zmq_msg_close (&r));
    /*  The same for a small message, whose bytes lie inside it (ours receives into such a
        message in place).  */
    CHECK_OK (zmq_msg_init_size (&r, 5));
    memcpy (zmq_msg_data (&r), "stale", 5);
    CHECK_ERR (zmq_msg_recv (&r, d.a, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (zmq_msg_size (&r), 0);
    CHECK_OK (zmq_msg_close (&r));
    /*  A receive refused before any routing (ENOTSUP) leaves it alone.  */
    void *push = mk (d.ctx, ZMQ_PUSH);
    CHECK (push != NULL);
    CHECK_OK (zmq_msg_init_size (&r, 4));
    memcpy (zmq_msg_data (&r), "keep", 4);
    CHECK_ERR (zmq_msg_recv (&r, push, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_EQ (zmq_msg_size (&r), 4);
    CHECK_MEM_EQ (zmq_msg_data (&r), "keep", 4);
    CHECK_OK (zmq_msg_close (&r));
    CHECK_OK (zmq_close (push));

    /*  A failed send leaves it with the caller, intact.  */
    void *lonely = mk (d.ctx, ZMQ_PUSH);
    CHECK (lonely != NULL);
    CHECK_OK (zmq_msg_init_size (&m, 3));
    memcpy (zmq_msg_data (&m), "abc", 3);
    CHECK_ERR (zmq_msg_send (&m, lonely, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (zmq_msg_size (&m), 3);
    CHECK_MEM_EQ (zmq_msg_data (&m), "abc", 3);
    CHECK_OK (zmq_msg_close (&m));
    CHECK_OK (zmq_close (lonely));

    /*  Deprecated aliases, with their own argument order.  */
    CHECK_OK (zmq_msg_init_size (&m, 2));
    memcpy (zmq_msg_data (&m), "ok", 2);
    CHECK_EQ (zmq_sendmsg (d.a, &m, 0), 2);
    CHECK_EQ (zmq_msg_size (&m), 0);
    CHECK_OK (zmq_msg_close (&m));
    CHECK_OK (zmq_msg_init (&r));
    CHECK_EQ (zmq_recvmsg (d.b, &r, 0), 2);
    CHECK_MEM_EQ (zmq_msg_data (&r), "ok", 2);
    CHECK_OK (zmq_msg_close (&r));
    CHECK_EQ (duo_close (&d), 0);
}

TEST (zero_copy_free_called_once_after_receiver_closes)
{
    struct duo d;
    CHECK_EQ (duo_open (&d, ZMQ_PUSH, ZMQ_PULL, "inproc://zc"), 0);
    atomic_store (&frees, 0);
    enum { SIZE = 1000 };
    char *data = malloc (SIZE);
    CHECK (data != NULL);
    for (int i = 0; i < SIZE; i++)
        data[i] = (char) i;
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init_data (&m, data, SIZE, count_free, (void *) 0x55));
    CHECK_EQ (zmq_msg_send (&m, d.a, 0), SIZE);
    CHECK_OK (zmq_msg_close (&m));
    CHECK_EQ (atomic_load (&frees), 0);
    zmq_msg_t r;
    CHECK_OK (zmq_msg_init (&r));
    CHECK_EQ (zmq_msg_recv (&r, d.b, 0), SIZE);
    /*  Zero-copy over inproc: the receiver holds the very buffer.  */
    CHECK_PTR_EQ (zmq_msg_data (&r), data);
    CHECK_EQ (atomic_load (&frees), 0);
    /*  A copy shares it; the buffer goes when the last holder closes.  */
    zmq_msg_t c;
    CHECK_OK (zmq_msg_init (&c));
    CHECK_OK (zmq_msg_copy (&c, &r));
    CHECK_OK (zmq_msg_close (&r));
    CHECK_EQ (atomic_load (&frees), 0);
    CHECK_EQ (((unsigned char *) zmq_msg_data (&c))[SIZE - 1], (unsigned char) (SIZE - 1));
    CHECK_OK (zmq_msg_close (&c));
    CHECK_EQ (atomic_load (&frees), 1);
    CHECK_PTR_EQ (last_hint, (void *) 0x55);

    /*  A zero-copy message never received is freed once, when its socket or the context
        goes.  */
    char *unread = malloc (SIZE);
    CHECK (unread != NULL);
    CHECK_OK (zmq_msg_init_data (&m, unread, SIZE, count_free, NULL));
    CHECK_EQ (zmq_msg_send (&m, d.a, 0), SIZE);
    CHECK_OK (zmq_msg_close (&m));
    CHECK_EQ (duo_close (&d), 0);
    CHECK_EQ (atomic_load (&frees), 2);
}

/*  ------------------------------------------------------------------------------------------
    zmq_sendiov / zmq_recviov  */

TEST (sendiov_recviov)
{
    struct duo d;
    CHECK_EQ (duo_open (&d, ZMQ_PAIR, ZMQ_PAIR, "inproc://iov"), 0);
    char p0[] = "first", p1[] = "", p2[] = "third part";
    struct iovec out[3] = {{p0, 5}, {p1, 0}, {p2, 10}};
    /*  With ZMQ_SNDMORE the parts form one message; the result is the last part's size.  */
    CHECK_EQ (zmq_sendiov (d.b, out, 3, ZMQ_SNDMORE), 10);
    struct iovec in[8];
    memset (in, 0, sizeof in);
    size_t count = 8;
    CHECK_EQ (zmq_recviov (d.a, in, &count, 0), 3);
    CHECK_EQ (count, 3);
    CHECK_EQ (in[0].iov_len, 5);
    CHECK_MEM_EQ (in[0].iov_base, "first", 5);
    CHECK_EQ (in[1].iov_len, 0);
    CHECK_EQ (in[2].iov_len, 10);
    CHECK_MEM_EQ (in[2].iov_base, "third part", 10);
    CHECK_EQ (get_int (d.a, ZMQ_RCVMORE), 0);
    for (size_t i = 0; i < count; i++)
        free (in[i].iov_base);

    /*  Without ZMQ_SNDMORE every part is a message of its own (libzmq passes the caller's
        flags through for all but the last part).  */
    CHECK_EQ (zmq_sendiov (d.b, out, 3, 0), 10);
    for (int i = 0; i < 3; i++) {
        count = 8;
        CHECK_EQ (zmq_recviov (d.a, in, &count, 0), 1);
        CHECK_EQ (count, 1);
        CHECK_EQ (in[0].iov_len, out[i].iov_len);
        if (out[i].iov_len)
            CHECK_MEM_EQ (in[0].iov_base, out[i].iov_base, out[i].iov_len);
        free (in[0].iov_base);
    }

    /*  Fewer slots than parts: the rest waits for the next call.  */
    CHECK_EQ (zmq_sendiov (d.b, out, 3, ZMQ_SNDMORE), 10);
    count = 2;
    CHECK_EQ (zmq_recviov (d.a, in, &count, 0), 2);
    CHECK_EQ (count, 2);
    CHECK_EQ (get_int (d.a, ZMQ_RCVMORE), 1);
    free (in[0].iov_base);
    free (in[1].iov_base);
    count = 2;
    CHECK_EQ (zmq_recviov (d.a, in, &count, 0), 1);
    CHECK_EQ (count, 1);
    CHECK_MEM_EQ (in[0].iov_base, "third part", 10);
    free (in[0].iov_base);

    /*  Nothing there.  */
    count = 4;
    CHECK_ERR (zmq_recviov (d.a, in, &count, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (count, 0);
    /*  Bad arguments.  */
    count = 0;
    CHECK_ERR (zmq_recviov (d.a, in, &count, 0), EINVAL);
    count = 4;
    CHECK_ERR (zmq_recviov (d.a, NULL, &count, 0), EINVAL);
    CHECK_ERR (zmq_recviov (d.a, in, NULL, 0), EINVAL);
    CHECK_ERR (zmq_sendiov (d.b, out, 0, 0), EINVAL);
    CHECK_ERR (zmq_sendiov (d.b, NULL, 1, 0), EINVAL);
    CHECK_ERR (zmq_sendiov (NULL, out, 1, 0), ENOTSOCK);
    count = 4;
    CHECK_ERR (zmq_recviov (NULL, in, &count, 0), ENOTSOCK);
    CHECK_EQ (duo_close (&d), 0);
}

TEST (iov_on_the_wrong_type)
{
    struct duo d;
    CHECK_EQ (duo_open (&d, ZMQ_PUSH, ZMQ_PULL, "inproc://iov-type"), 0);
    char p[] = "x";
    struct iovec v = {p, 1};
    CHECK_ERR (zmq_sendiov (d.b, &v, 1, 0), ENOTSUP);
    struct iovec in[2];
    size_t count = 2;
    CHECK_ERR (zmq_recviov (d.a, in, &count, 0), ENOTSUP);
    CHECK_EQ (count, 0);
    CHECK_EQ (duo_close (&d), 0);
}

/*  ------------------------------------------------------------------------------------------
    Errors: EAGAIN, ENOTSUP  */

TEST (timeouts_and_dontwait)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = zmq_socket (ctx, ZMQ_PULL), *push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (pull && push);
    char buf[4];
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init (&m));
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERR (zmq_msg_recv (&m, pull, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_ERR (zmq_msg_send (&m, push, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (set_int (pull, ZMQ_RCVTIMEO, 100), 0);
    CHECK_EQ (set_int (push, ZMQ_SNDTIMEO, 100), 0);
    long long start = now_ms ();
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, 0), EAGAIN);
    long long took = now_ms () - start;
    CHECK (took >= 99 && took < 5000);
    start = now_ms ();
    CHECK_ERR (zmq_msg_send (&m, push, 0), EAGAIN);
    took = now_ms () - start;
    CHECK (took >= 99 && took < 5000);
    CHECK_EQ (set_int (pull, ZMQ_RCVTIMEO, 0), 0);
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, 0), EAGAIN);
    CHECK_OK (zmq_msg_close (&m));
    CLOSE_ALL (pull, push);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (wrong_direction_is_enotsup)
{
    struct duo d;
    CHECK_EQ (duo_open (&d, ZMQ_PUSH, ZMQ_PULL, "inproc://dir"), 0);
    char buf[4];
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init_size (&m, 1));
    CHECK_ERR (zmq_send (d.b, "x", 1, 0), ENOTSUP);
    CHECK_ERR (zmq_send (d.b, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERR (zmq_msg_send (&m, d.b, 0), ENOTSUP);
    CHECK_EQ (zmq_msg_size (&m), 1);
    CHECK_ERR (zmq_recv (d.a, buf, sizeof buf, 0), ENOTSUP);
    CHECK_ERR (zmq_recv (d.a, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
    CHECK_ERR (zmq_msg_recv (&m, d.a, 0), ENOTSUP);
    CHECK_OK (zmq_msg_close (&m));
    /*  The sockets still work the right way round.  */
    CHECK_EQ (zmq_send (d.a, "ok", 2, 0), 2);
    CHECK_EQ (zmq_recv (d.b, buf, sizeof buf, 0), 2);
    CHECK_EQ (duo_close (&d), 0);
}

/*  ------------------------------------------------------------------------------------------
    EINTR and ETERM in blocked calls  */

/*  What a struct call does.  */
enum { OP_RECV, OP_SEND, OP_MSG_RECV };

struct call
{
    void *ctx;
    void *socket;
    int op; /* OP_RECV, OP_SEND or OP_MSG_RECV */
    atomic_int started;
    atomic_int done;
    int rc;
    int err;
    int close_rc;
    int close_after;
};

static void *do_call (void *arg)
{
    struct call *c = (struct call *) arg;
    char buf[16];
    atomic_store (&c->started, 1);
    if (c->op == OP_RECV)
        c->rc = zmq_recv (c->socket, buf, sizeof buf, 0);
    else if (c->op == OP_SEND)
        c->rc = zmq_send (c->socket, "blocked", 7, 0);
    else {
        zmq_msg_t m;
        zmq_msg_init (&m);
        c->rc = zmq_msg_recv (&m, c->socket, 0);
        zmq_msg_close (&m);
    }
    c->err = errno;
    if (c->close_after)
        c->close_rc = zmq_close (c->socket);
    atomic_store (&c->done, 1);
    return NULL;
}

/*  Runs op_ (OP_RECV, OP_SEND or OP_MSG_RECV) on socket_ in a thread, interrupted by SIGUSR1
    until it returns: it must fail with EINTR.  */
#define CHECK_INTERRUPTED(socket_, op_)                                        \
    do {                                                                       \
        struct call ci_c;                                                      \
        memset (&ci_c, 0, sizeof ci_c);                                        \
        ci_c.socket = (socket_);                                               \
        ci_c.op = (op_);                                                       \
        CHECK_EQ (interrupt_until_done (do_call, &ci_c, &ci_c.done, 2), 0);    \
        CHECK_EQ (ci_c.rc, -1);                                                \
        CHECK_EQ (ci_c.err, EINTR);                                            \
    } while (0)

TEST (signal_interrupts_blocked_recv_and_send)
{
    struct duo d;
    CHECK_EQ (duo_open (&d, ZMQ_PUSH, ZMQ_PULL, "inproc://eintr"), 0);
    /*  The 10 s timeouts only keep a broken library from hanging.  */
    CHECK_INTERRUPTED (d.b, OP_RECV);
    CHECK_INTERRUPTED (d.b, OP_MSG_RECV);

    /*  A send blocked at the high-water mark.  */
    CHECK_EQ (set_int (d.a, ZMQ_SNDHWM, 1), 0);
    void *push = mk (d.ctx, ZMQ_PUSH), *pull = mk (d.ctx, ZMQ_PULL);
    CHECK (push && pull);
    CHECK_EQ (set_int (push, ZMQ_SNDHWM, 1), 0);
    CHECK_EQ (set_int (pull, ZMQ_RCVHWM, 1), 0);
    CHECK_EQ (zmq_bind (pull, "inproc://eintr-send"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://eintr-send"), 0);
    CHECK_EQ (zmq_send (push, "1", 1, ZMQ_DONTWAIT), 1);
    CHECK_EQ (zmq_send (push, "2", 1, ZMQ_DONTWAIT), 1);
    CHECK_ERR (zmq_send (push, "3", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_INTERRUPTED (push, OP_SEND);
    /*  Both sockets are still usable, and nothing was lost or added.  */
    char buf[16];
    CHECK_EQ (zmq_recv (pull, buf, sizeof buf, 0), 1);
    CHECK_EQ (zmq_recv (pull, buf, sizeof buf, 0), 1);
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (zmq_send (d.a, "after", 5, 0), 5);
    CHECK_EQ (zmq_recv (d.b, buf, sizeof buf, 0), 5);
    CLOSE_ALL (push, pull);
    CHECK_EQ (duo_close (&d), 0);
}

TEST (term_makes_blocked_recv_eterm)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK (pull != NULL);
    /*  Bound only in case the library never delivers ETERM.  */
    CHECK_EQ (set_int (pull, ZMQ_RCVTIMEO, 20000), 0);
    CHECK_EQ (zmq_bind (pull, "inproc://eterm-recv"), 0);
    struct call c;
    memset (&c, 0, sizeof c);
    c.socket = pull;
    c.op = OP_RECV;
    c.close_after = 1;
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, do_call, &c), 0);
    wait_flag (&c.started);
    /*  Blocked or about to be: either way the receive ends with ETERM, and term returns
        once the thread closed its socket.  */
    long long start = now_ms ();
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    /*  The thread's done flag is set just after its zmq_close: read it once joined.  */
    pthread_join (t, NULL);
    CHECK (now_ms () - start < 15000);
    CHECK_EQ (atomic_load (&c.done), 1);
    CHECK_EQ (c.rc, -1);
    CHECK_EQ (c.err, ETERM);
    CHECK_EQ (c.close_rc, 0);
}

TEST (term_makes_blocked_send_eterm)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH), *pull = zmq_socket (ctx, ZMQ_PULL);
    CHECK (push && pull);
    CHECK_EQ (set_int (push, ZMQ_SNDTIMEO, 20000), 0);
    CHECK_EQ (set_int (push, ZMQ_SNDHWM, 2), 0);
    CHECK_EQ (set_int (pull, ZMQ_RCVHWM, 2), 0);
    CHECK_EQ (zmq_bind (pull, "inproc://eterm-send"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://eterm-send"), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ (zmq_send (push, "x", 1, ZMQ_DONTWAIT), 1);
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    struct call c;
    memset (&c, 0, sizeof c);
    c.socket = push;
    c.op = OP_SEND;
    c.close_after = 1;
    pthread_t t;
    CHECK_EQ (pthread_create (&t, NULL, do_call, &c), 0);
    wait_flag (&c.started);
    /*  The reader goes away with the messages unread; the sender stays blocked (no peer)
        until the context terminates.  */
    CHECK_OK (zmq_close (pull));
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    /*  zmq_ctx_term returned, so the thread's zmq_close had run; its done flag is set just
        after, so read it once the thread is joined.  */
    pthread_join (t, NULL);
    CHECK_EQ (atomic_load (&c.done), 1);
    CHECK_EQ (c.rc, -1);
    CHECK_EQ (c.err, ETERM);
    CHECK_EQ (c.close_rc, 0);
}

/*  ------------------------------------------------------------------------------------------
    Large messages, conflate  */

TEST (large_messages_intact)
{
    struct duo d;
    CHECK_EQ (duo_open (&d, ZMQ_PAIR, ZMQ_PAIR, "inproc://large"), 0);
    enum { SIZE = 8 * 1024 * 1024 };
    unsigned char *src = malloc (SIZE), *dst = malloc (SIZE + 16);
    CHECK (src && dst);
    unsigned x = 12345;
    for (size_t i = 0; i < SIZE; i++) {
        x = x * 1103515245u + 12345u;
        src[i] = (unsigned char) (x >> 16);
    }
    CHECK_EQ (zmq_send (d.b, src, SIZE, 0), SIZE);
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init_size (&m, SIZE));
    memcpy (zmq_msg_data (&m), src, SIZE);
    CHECK_EQ (zmq_msg_send (&m, d.b, 0), SIZE);
    CHECK_OK (zmq_msg_close (&m));
    int rc = zmq_recv (d.a, dst, SIZE + 16, 0);
    CHECK_EQ (rc, SIZE);
    int same = memcmp (src, dst, SIZE) == 0;
    CHECK (same);
    CHECK_OK (zmq_msg_init (&m));
    CHECK_EQ (zmq_msg_recv (&m, d.a, 0), SIZE);
    same = memcmp (src, zmq_msg_data (&m), SIZE) == 0;
    CHECK (same);
    CHECK_OK (zmq_msg_close (&m));
    free (src);
    free (dst);
    CHECK_EQ (duo_close (&d), 0);
}

TEST (conflate_keeps_only_the_newest)
{
    /*  libzmq decides conflation of an inproc connection by the connecting socket: a
        conflating PULL that connects sees only the newest message.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = mk (ctx, ZMQ_PUSH), *pull = mk (ctx, ZMQ_PULL);
    CHECK (push && pull);
    CHECK_EQ (set_int (pull, ZMQ_CONFLATE, 1), 0);
    CHECK_EQ (zmq_bind (push, "inproc://conflate"), 0);
    CHECK_EQ (zmq_connect (pull, "inproc://conflate"), 0);
    /*  No high-water mark applies (the default would stop at 2000).  */
    for (int i = 0; i < 5000; i++)
        CHECK_EQ (zmq_send (push, &i, sizeof i, ZMQ_DONTWAIT), (int) sizeof i);
    int v = -1;
    CHECK_EQ (zmq_recv (pull, &v, sizeof v, 0), (int) sizeof v);
    CHECK_EQ (v, 4999);
    CHECK_ERR (zmq_recv (pull, &v, sizeof v, ZMQ_DONTWAIT), EAGAIN);
    /*  And again, after a pause in the stream.  */
    for (int i = 0; i < 3; i++)
        CHECK_EQ (zmq_send (push, &i, sizeof i, 0), (int) sizeof i);
    CHECK_EQ (zmq_recv (pull, &v, sizeof v, 0), (int) sizeof v);
    CHECK_EQ (v, 2);
    CHECK_ERR (zmq_recv (pull, &v, sizeof v, ZMQ_DONTWAIT), EAGAIN);
    CLOSE_ALL (push, pull);

    /*  A conflating PUSH that connects conflates its connection too.  */
    push = mk (ctx, ZMQ_PUSH);
    pull = mk (ctx, ZMQ_PULL);
    CHECK (push && pull);
    CHECK_EQ (set_int (push, ZMQ_CONFLATE, 1), 0);
    CHECK_EQ (zmq_bind (pull, "inproc://conflate2"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://conflate2"), 0);
    for (int i = 0; i < 10; i++)
        CHECK_EQ (zmq_send (push, &i, sizeof i, 0), (int) sizeof i);
    CHECK_EQ (zmq_recv (pull, &v, sizeof v, 0), (int) sizeof v);
    CHECK_EQ (v, 9);
    CHECK_ERR (zmq_recv (pull, &v, sizeof v, ZMQ_DONTWAIT), EAGAIN);
    CLOSE_ALL (push, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (conflate_on_the_binder_is_ignored_over_inproc)
{
    /*  The binder's ZMQ_CONFLATE plays no part in an inproc connection (libzmq builds the
        pipe with the connecter's options), so every message arrives.  */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    void *push = mk (ctx, ZMQ_PUSH), *pull = mk (ctx, ZMQ_PULL);
    CHECK (push && pull);
    CHECK_EQ (set_int (pull, ZMQ_CONFLATE, 1), 0);
    CHECK_EQ (zmq_bind (pull, "inproc://conflate3"), 0);
    CHECK_EQ (zmq_connect (push, "inproc://conflate3"), 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ (zmq_send (push, &i, sizeof i, 0), (int) sizeof i);
    for (int i = 0; i < 3; i++) {
        int v = -1;
        CHECK_EQ (zmq_recv (pull, &v, sizeof v, 0), (int) sizeof v);
        CHECK_EQ (v, i);
    }
    CLOSE_ALL (push, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    alarm (120);
    RUN (recv_truncates_but_reports_full_size);
    RUN (empty_messages_and_null_buffers);
    RUN (send_const);
    RUN (rcvmore_follows_parts);
    RUN (msg_send_recv_ownership);
    RUN (zero_copy_free_called_once_after_receiver_closes);
    RUN (sendiov_recviov);
    RUN (iov_on_the_wrong_type);
    RUN (timeouts_and_dontwait);
    RUN (wrong_direction_is_enotsup);
    RUN (signal_interrupts_blocked_recv_and_send);
    RUN (term_makes_blocked_recv_eterm);
    RUN (term_makes_blocked_send_eterm);
    RUN (large_messages_intact);
    RUN (conflate_keeps_only_the_newest);
    RUN (conflate_on_the_binder_is_ignored_over_inproc);
    return test_summary ();
}
