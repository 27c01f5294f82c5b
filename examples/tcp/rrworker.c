/*  rrworker: a worker behind the request-reply broker (rrbroker or msgqueue), over tcp.

    A REP socket connected to the broker's backend answers every "Hello" with "World"; a SUB
    socket connected to the broker's control publisher brings "KILL" when the broker is done.
    zmq_poll watches both.

        usage: rrworker BACKEND_ENDPOINT CONTROL_ENDPOINT NAME  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr, "usage: rrworker BACKEND_ENDPOINT CONTROL_ENDPOINT NAME\n");
        return 2;
    }
    net_setup ();
    const char *name = argv[3];
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    void *controller = kill_subscriber (context, argv[2]);
    void *responder = zmq_socket (context, ZMQ_REP);
    DIE_IF (!responder, "zmq_socket");
    MUST (zmq_connect (responder, argv[1]));

    int served = 0;
    while (1) {
        zmq_pollitem_t items[] = {
          {responder, 0, ZMQ_POLLIN, 0},
          {controller, 0, ZMQ_POLLIN, 0},
        };
        int ready = zmq_poll (items, 2, NET_TIMEOUT_MS);
        DIE_IF (ready == -1, "zmq_poll");
        DIE_IF (ready == 0, "nothing to do for a minute");
        if (items[0].revents & ZMQ_POLLIN) {
            char *request = recv_str (responder);
            DIE_IF (!request, "receive a request");
            DIE_IF (strcmp (request, "Hello") != 0, "not a Hello");
            free (request);
            pause_ms (1); /*  Do some 'work'  */
            MUST (send_str (responder, "World"));
            served++;
        }
        if (items[1].revents & ZMQ_POLLIN)
            break; /*  KILL  */
    }
    printf ("rrworker %s: served %d requests, killed by the broker\n", name, served);
    zmq_close (responder);
    zmq_close (controller);
    MUST (zmq_ctx_term (context));
    return 0;
}
