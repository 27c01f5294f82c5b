/*  rrclient: a client of the request-reply broker (rrbroker or msgqueue), over tcp.

    A REQ socket connected to the broker's frontend: COUNT requests "Hello", each answered by
    whichever worker the broker picked with "World".

        usage: rrclient FRONTEND_ENDPOINT COUNT NAME  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr, "usage: rrclient FRONTEND_ENDPOINT COUNT NAME\n");
        return 2;
    }
    net_setup ();
    int count = arg_count (argv[2]);
    const char *name = argv[3];
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Socket to talk to server  */
    void *requester = zmq_socket (context, ZMQ_REQ);
    DIE_IF (!requester, "zmq_socket");
    recv_timeout (requester, NET_TIMEOUT_MS);
    MUST (zmq_connect (requester, argv[1]));

    for (int n = 1; n <= count; n++) {
        MUST (send_str (requester, "Hello"));
        char *reply = recv_str (requester);
        DIE_IF (!reply, "receive the reply");
        DIE_IF (strcmp (reply, "World") != 0, "not a World");
        printf ("rrclient %s: received reply %d [%s]\n", name, n, reply);
        free (reply);
    }
    zmq_close (requester);
    MUST (zmq_ctx_term (context));
    return 0;
}
