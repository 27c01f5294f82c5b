/*  msgqueue: the request-reply broker again, with zmq_proxy doing the work.

    The same three sockets as rrbroker (ROUTER frontend, DEALER backend, XPUB control;
    endpoints to EPFILE), the same clients and workers; but the message loop is the library's
    own: zmq_proxy_steerable, with a capture socket through which a thread counts the replies
    and, after REPLIES of them, tells the proxy to TERMINATE. Then "KILL" for the WORKERS.

        usage: msgqueue EPFILE REPLIES WORKERS  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr, "usage: msgqueue EPFILE REPLIES WORKERS\n");
        return 2;
    }
    net_setup ();
    int replies = arg_count (argv[2]);
    int workers = arg_count (argv[3]);
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Socket facing clients  */
    void *frontend = zmq_socket (context, ZMQ_ROUTER);
    /*  Socket facing services  */
    void *backend = zmq_socket (context, ZMQ_DEALER);
    DIE_IF (!frontend || !backend, "zmq_socket");
    char endpoints[3][256];
    bind_any (frontend, endpoints[0], sizeof endpoints[0]);
    bind_any (backend, endpoints[1], sizeof endpoints[1]);
    void *control = control_publisher (context, endpoints[2]);
    write_endpoints (argv[1], 3, endpoints);
    printf ("msgqueue: clients on %s, workers on %s\n", endpoints[0], endpoints[1]);

    /*  Start the proxy  */
    int passed = proxy_until (context, frontend, backend, "World", replies);
    printf ("msgqueue: the proxy passed %d replies\n", passed);
    send_kill (control, workers);
    printf ("msgqueue: sent KILL to %d workers\n", workers);
    zmq_close (frontend);
    zmq_close (backend);
    zmq_close (control);
    MUST (zmq_ctx_term (context));
    return 0;
}
