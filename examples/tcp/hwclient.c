/*  hwclient: the "Hello World" client over tcp.

    Connects a REQ socket to ENDPOINT (hwserver or mtserver) and sends COUNT requests, one at
    a time, waiting for the "World" that answers each. Exits 0 when every one was answered.

        usage: hwclient ENDPOINT COUNT  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: hwclient ENDPOINT COUNT\n");
        return 2;
    }
    net_setup ();
    int count = arg_count (argv[2]);
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    printf ("hwclient %d: connecting to hello world server at %s\n", (int) getpid (), argv[1]);
    void *requester = zmq_socket (context, ZMQ_REQ);
    DIE_IF (!requester, "zmq_socket");
    recv_timeout (requester, NET_TIMEOUT_MS);
    MUST (zmq_connect (requester, argv[1]));

    for (int n = 1; n <= count; n++) {
        printf ("hwclient %d: sending Hello %d\n", (int) getpid (), n);
        MUST (send_str (requester, "Hello"));
        char *reply = recv_str (requester);
        DIE_IF (!reply, "receive the reply");
        printf ("hwclient %d: received %s %d\n", (int) getpid (), reply, n);
        DIE_IF (strcmp (reply, "World") != 0, "not a World");
        free (reply);
    }
    zmq_close (requester);
    MUST (zmq_ctx_term (context));
    return 0;
}
