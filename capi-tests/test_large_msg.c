/*
    Messages over 2 GiB (pyzmq relies on them): zmq_msg_size and zmq_msg_recv give the whole
    size, zmq_msg_send and zmq_send clamp their return to INT_MAX (as libzmq's int return does),
    and the bytes arrive intact over inproc and ipc. Not run under valgrind (memcheck would
    shadow several GiB; the cases are not counted there).
*/
#include "testutil.h"

#define BIG ((size_t) 2 * 1024 * 1024 * 1024 + 4096)

/*  Sends one BIG message from a to b and checks it on arrival.  */
static void big_round_trip (void *a, void *b)
{
    zmq_msg_t m;
    CHECK_OK (zmq_msg_init_size (&m, BIG));
    CHECK (zmq_msg_size (&m) == BIG);
    unsigned char *d = (unsigned char *) zmq_msg_data (&m);
    /*  Marks at the start, across the 2 GiB line and at the end.  */
    d[0] = 1;
    d[(size_t) 1 << 31] = 2;
    d[BIG - 1] = 3;
    CHECK_EQ (zmq_msg_send (&m, a, 0), INT_MAX);
    zmq_msg_t r;
    zmq_msg_init (&r);
    CHECK_EQ (zmq_msg_recv (&r, b, 0), INT_MAX);
    CHECK (zmq_msg_size (&r) == BIG);
    const unsigned char *e = (const unsigned char *) zmq_msg_data (&r);
    CHECK_EQ (e[0], 1);
    CHECK_EQ (e[(size_t) 1 << 31], 2);
    CHECK_EQ (e[BIG - 1], 3);
    zmq_msg_close (&r);
}

TEST (over_2gib_inproc)
{
    void *ctx = zmq_ctx_new ();
    void *a = mk (ctx, ZMQ_PAIR), *b = mk (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_bind (a, "inproc://big"));
    CHECK_OK (zmq_connect (b, "inproc://big"));
    big_round_trip (a, b);
    CLOSE_ALL (a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (over_2gib_ipc)
{
    void *ctx = zmq_ctx_new ();
    void *a = mk (ctx, ZMQ_PAIR), *b = mk (ctx, ZMQ_PAIR);
    CHECK_OK (set_int (b, ZMQ_RCVTIMEO, 60000));
    CHECK_OK (zmq_bind (a, "ipc://*"));
    char ep[256];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (a, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK_OK (zmq_connect (b, ep));
    big_round_trip (a, b);
    CLOSE_ALL (a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  zmq_send of a buffer over INT_MAX: the return is clamped, the receiver gets all of it, and
    zmq_recv into a small buffer reports the (clamped) full size.  */
TEST (send_and_recv_clamp)
{
    void *ctx = zmq_ctx_new ();
    void *a = mk (ctx, ZMQ_PAIR), *b = mk (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_bind (a, "inproc://big2"));
    CHECK_OK (zmq_connect (b, "inproc://big2"));
    char *buf = (char *) malloc (BIG);
    CHECK (buf != NULL);
    memset (buf, 'z', 16);
    CHECK_EQ (zmq_send (a, buf, BIG, 0), INT_MAX);
    free (buf);
    char small[16];
    CHECK_EQ (zmq_recv (b, small, sizeof small, 0), INT_MAX);
    CHECK_MEM_EQ (small, "zzzzzzzzzzzzzzzz", 16);
    CLOSE_ALL (a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    if (!under_valgrind ()) {
        RUN (over_2gib_inproc);
        RUN (over_2gib_ipc);
        RUN (send_and_recv_clamp);
    }
    return test_summary ();
}
