/*  rrbroker: a request-reply broker over tcp, with zmq_poll.

    A ROUTER frontend for rrclient processes, a DEALER backend for rrworker processes, and an
    XPUB control socket for stopping the workers (endpoints to EPFILE in that order). The
    broker polls both sides and moves whole multipart messages across: requests go to the
    workers in turn, replies back to the client that asked (the ROUTER's identity frame
    finds it). After REPLIES replies it sends "KILL" to its WORKERS workers and ends.

        usage: rrbroker EPFILE REPLIES WORKERS  */
#include "net.h"

/*  Moves one whole message from one socket to another.  */
static void relay (void *from, void *to)
{
    while (1) {
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        DIE_IF (zmq_msg_recv (&frame, from, 0) == -1, "relay receive");
        int more = zmq_msg_more (&frame);
        DIE_IF (zmq_msg_send (&frame, to, more ? ZMQ_SNDMORE : 0) == -1, "relay send");
        if (!more)
            break;
    }
}

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr, "usage: rrbroker EPFILE REPLIES WORKERS\n");
        return 2;
    }
    net_setup ();
    int replies = arg_count (argv[2]);
    int workers = arg_count (argv[3]);
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Prepare our sockets  */
    void *frontend = zmq_socket (context, ZMQ_ROUTER);
    void *backend = zmq_socket (context, ZMQ_DEALER);
    DIE_IF (!frontend || !backend, "zmq_socket");
    char endpoints[3][256];
    bind_any (frontend, endpoints[0], sizeof endpoints[0]);
    bind_any (backend, endpoints[1], sizeof endpoints[1]);
    void *control = control_publisher (context, endpoints[2]);
    write_endpoints (argv[1], 3, endpoints);
    printf ("rrbroker: clients on %s, workers on %s\n", endpoints[0], endpoints[1]);

    /*  Switch messages between sockets  */
    int requests = 0, relayed = 0;
    while (relayed < replies) {
        zmq_pollitem_t items[] = {
          {frontend, 0, ZMQ_POLLIN, 0},
          {backend, 0, ZMQ_POLLIN, 0},
        };
        int ready = zmq_poll (items, 2, NET_TIMEOUT_MS);
        DIE_IF (ready == -1, "zmq_poll");
        DIE_IF (ready == 0, "no traffic for a minute");
        if (items[0].revents & ZMQ_POLLIN) {
            relay (frontend, backend);
            requests++;
        }
        if (items[1].revents & ZMQ_POLLIN) {
            relay (backend, frontend);
            relayed++;
        }
    }
    printf ("rrbroker: relayed %d requests and %d replies\n", requests, relayed);
    send_kill (control, workers);
    printf ("rrbroker: sent KILL to %d workers\n", workers);
    zmq_close (frontend);
    zmq_close (backend);
    zmq_close (control);
    MUST (zmq_ctx_term (context));
    return 0;
}
