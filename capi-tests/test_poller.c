/*
    The draft poller (zmq_poller_*): sockets and raw fds with user data, waited on with
    zmq_poller_wait / zmq_poller_wait_all, and libzmq's errors for misuse.
*/
#include "testutil.h"

#ifdef ZMQ_BUILD_DRAFT_API

TEST (new_size_destroy)
{
    void *p = zmq_poller_new ();
    CHECK (p != NULL);
    CHECK_EQ (zmq_poller_size (p), 0);
    CHECK_OK (zmq_poller_destroy (&p));
    CHECK (p == NULL);
    CHECK_ERR (zmq_poller_destroy (&p), EFAULT);
    CHECK_ERR (zmq_poller_destroy (NULL), EFAULT);
    CHECK_ERR (zmq_poller_size (NULL), EFAULT);
    zmq_poller_event_t ev;
    CHECK_ERR (zmq_poller_wait (NULL, &ev, 0), EFAULT);
}

TEST (misuse_errors)
{
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PULL);
    void *p = zmq_poller_new ();
    int dummy;
    CHECK_OK (zmq_poller_add (p, s, &dummy, ZMQ_POLLIN));
    CHECK_ERR (zmq_poller_add (p, s, NULL, ZMQ_POLLIN), EINVAL);
    CHECK_ERR (zmq_poller_add (p, NULL, NULL, ZMQ_POLLIN), ENOTSOCK);
    CHECK_ERR (zmq_poller_add (p, &dummy, NULL, ZMQ_POLLIN), ENOTSOCK);
    CHECK_ERR (zmq_poller_add_fd (p, -1, NULL, ZMQ_POLLIN), EBADF);
    int fds[2];
    CHECK_OK (pipe (fds));
    CHECK_OK (zmq_poller_add_fd (p, fds[0], NULL, ZMQ_POLLIN));
    CHECK_ERR (zmq_poller_add_fd (p, fds[0], NULL, ZMQ_POLLIN), EINVAL);
    CHECK_EQ (zmq_poller_size (p), 2);
    CHECK_ERR (zmq_poller_modify_fd (p, fds[1], ZMQ_POLLIN), EINVAL);
    CHECK_ERR (zmq_poller_remove_fd (p, fds[1]), EINVAL);
    void *other = zmq_socket (ctx, ZMQ_PULL);
    CHECK_ERR (zmq_poller_modify (p, other, ZMQ_POLLIN), EINVAL);
    CHECK_ERR (zmq_poller_remove (p, other), EINVAL);
    CHECK_OK (zmq_poller_remove (p, s));
    CHECK_OK (zmq_poller_remove_fd (p, fds[0]));
    CHECK_EQ (zmq_poller_size (p), 0);
    zmq_fd_t fd;
    CHECK_ERR (zmq_poller_fd (p, &fd), EINVAL);
    zmq_poller_event_t ev[2];
    CHECK_ERR (zmq_poller_wait_all (p, NULL, 1, 0), EFAULT);
    CHECK_ERR (zmq_poller_wait_all (p, ev, -1, 0), EINVAL);
    /*  Nothing in it: EAGAIN at once, EFAULT rather than waiting forever.  */
    CHECK_ERR (zmq_poller_wait (p, ev, 0), EAGAIN);
    CHECK_ERR (zmq_poller_wait (p, ev, -1), EFAULT);
    CHECK_OK (zmq_poller_destroy (&p));
    close (fds[0]);
    close (fds[1]);
    CLOSE_ALL (s, other);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (sockets_and_user_data)
{
    void *ctx = zmq_ctx_new ();
    void *a = mk (ctx, ZMQ_PULL), *b = mk (ctx, ZMQ_PULL);
    void *pa = mk (ctx, ZMQ_PUSH), *pb = mk (ctx, ZMQ_PUSH);
    CHECK_OK (zmq_bind (a, "inproc://poller-a"));
    CHECK_OK (zmq_bind (b, "inproc://poller-b"));
    CHECK_OK (zmq_connect (pa, "inproc://poller-a"));
    CHECK_OK (zmq_connect (pb, "inproc://poller-b"));
    void *p = zmq_poller_new ();
    int tag_a = 1, tag_b = 2;
    CHECK_OK (zmq_poller_add (p, a, &tag_a, ZMQ_POLLIN));
    CHECK_OK (zmq_poller_add (p, b, &tag_b, ZMQ_POLLIN));
    zmq_poller_event_t ev[4];
    CHECK_ERR (zmq_poller_wait (p, ev, 0), EAGAIN);
    CHECK (ev[0].socket == NULL && ev[0].events == 0);
    SEND_STR (pb, "to b");
    CHECK_OK (zmq_poller_wait (p, ev, TU_TIMEOUT_MS));
    CHECK (ev[0].socket == b);
    CHECK (ev[0].user_data == &tag_b);
    CHECK_EQ (ev[0].events, ZMQ_POLLIN);
    SEND_STR (pa, "to a");
    /*  Both ready: wait_all reports both, or as many as asked for.  */
    CHECK_EQ (zmq_poller_wait_all (p, ev, 4, TU_TIMEOUT_MS), 2);
    CHECK_EQ (zmq_poller_wait_all (p, ev, 1, 0), 1);
    /*  An item asking for nothing is never reported.  */
    CHECK_OK (zmq_poller_modify (p, a, 0));
    CHECK_EQ (zmq_poller_wait_all (p, ev, 4, 0), 1);
    CHECK (ev[0].socket == b);
    RECV_STR (b, "to b");
    CHECK_ERR (zmq_poller_wait_all (p, ev, 4, 0), EAGAIN);
    /*  POLLOUT on a PUSH with room.  */
    CHECK_OK (zmq_poller_add (p, pa, NULL, ZMQ_POLLOUT));
    CHECK_EQ (zmq_poller_wait_all (p, ev, 4, 0), 1);
    CHECK (ev[0].socket == pa);
    CHECK_EQ (ev[0].events, ZMQ_POLLOUT);
    CHECK_OK (zmq_poller_destroy (&p));
    RECV_STR (a, "to a");
    CLOSE_ALL (a, b, pa, pb);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (raw_fd_and_tcp)
{
    void *ctx = zmq_ctx_new ();
    void *pull = mk (ctx, ZMQ_PULL), *push = mk (ctx, ZMQ_PUSH);
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    char ep[64];
    size_t len = sizeof ep;
    CHECK_OK (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, ep, &len));
    CHECK_OK (zmq_connect (push, ep));
    int fds[2];
    CHECK_OK (pipe (fds));
    void *p = zmq_poller_new ();
    int tag = 7;
    CHECK_OK (zmq_poller_add_fd (p, fds[0], &tag, ZMQ_POLLIN));
    CHECK_OK (zmq_poller_add (p, pull, NULL, ZMQ_POLLIN));
    zmq_poller_event_t ev[2];
    CHECK_ERR (zmq_poller_wait_all (p, ev, 2, 0), EAGAIN);
    CHECK_EQ (write (fds[1], "x", 1), 1);
    CHECK_EQ (zmq_poller_wait_all (p, ev, 2, TU_TIMEOUT_MS), 1);
    CHECK (ev[0].socket == NULL);
    CHECK_EQ (ev[0].fd, fds[0]);
    CHECK (ev[0].user_data == &tag);
    CHECK_EQ (ev[0].events, ZMQ_POLLIN);
    CHECK_OK (zmq_poller_remove_fd (p, fds[0]));
    SEND_STR (push, "over tcp");
    CHECK_OK (zmq_poller_wait (p, ev, TU_TIMEOUT_MS));
    CHECK (ev[0].socket == pull);
    RECV_STR (pull, "over tcp");
    CHECK_OK (zmq_poller_destroy (&p));
    close (fds[0]);
    close (fds[1]);
    CLOSE_ALL (pull, push);
    CHECK_OK (zmq_ctx_term (ctx));
}

#endif

int main (void)
{
#ifdef ZMQ_BUILD_DRAFT_API
    RUN (new_size_destroy);
    RUN (misuse_errors);
    RUN (sockets_and_user_data);
    RUN (raw_fd_and_tcp);
#else
    /*  Built against a header without the draft API: no poller, no cases.  */
    (void) tu_case;
    (void) tu_case_failed;
#endif
    return test_summary ();
}
