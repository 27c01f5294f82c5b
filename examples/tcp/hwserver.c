/*  hwserver: the "Hello World" server over tcp.

    Binds a REP socket to a free port, writes the endpoint to EPFILE, and answers COUNT
    requests, each "Hello", with "World". Any number of hwclient processes may share them.

        usage: hwserver EPFILE COUNT  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: hwserver EPFILE COUNT\n");
        return 2;
    }
    net_setup ();
    int count = arg_count (argv[2]);
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Socket to talk to clients  */
    void *responder = zmq_socket (context, ZMQ_REP);
    DIE_IF (!responder, "zmq_socket");
    recv_timeout (responder, NET_TIMEOUT_MS);
    char endpoint[1][256];
    bind_any (responder, endpoint[0], sizeof endpoint[0]);
    write_endpoints (argv[1], 1, endpoint);
    printf ("hwserver: listening on %s\n", endpoint[0]);

    for (int n = 1; n <= count; n++) {
        char *request = recv_str (responder);
        DIE_IF (!request, "receive a request");
        printf ("hwserver: received %s (%d of %d)\n", request, n, count);
        DIE_IF (strcmp (request, "Hello") != 0, "not a Hello");
        free (request);
        pause_ms (1); /*  Do some 'work'  */
        MUST (send_str (responder, "World"));
    }
    zmq_close (responder);
    MUST (zmq_ctx_term (context));
    printf ("hwserver: answered %d requests, done\n", count);
    return 0;
}
