/*  syncsub: a synchronized subscriber over tcp.

    Subscribes to everything, waits for the publisher's first "WELCOME" (its subscription is
    in place), checks in on the publisher's REP socket, then counts updates until "END". It
    must have received exactly UPDATES of them.

        usage: syncsub PUB_ENDPOINT SYNC_ENDPOINT UPDATES  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr, "usage: syncsub PUB_ENDPOINT SYNC_ENDPOINT UPDATES\n");
        return 2;
    }
    net_setup ();
    int expected = arg_count (argv[3]);
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  First, connect our subscriber socket  */
    void *subscriber = zmq_socket (context, ZMQ_SUB);
    DIE_IF (!subscriber, "zmq_socket");
    int unlimited = 0;
    MUST (zmq_setsockopt (subscriber, ZMQ_RCVHWM, &unlimited, sizeof unlimited));
    recv_timeout (subscriber, NET_TIMEOUT_MS);
    MUST (zmq_connect (subscriber, argv[1]));
    MUST (zmq_setsockopt (subscriber, ZMQ_SUBSCRIBE, "", 0));

    /*  The first WELCOME proves the publisher knows our subscription  */
    char *welcome = recv_str (subscriber);
    DIE_IF (!welcome, "receive a welcome");
    DIE_IF (strcmp (welcome, "WELCOME") != 0, "something other than WELCOME first");
    free (welcome);

    /*  Second, synchronize with publisher  */
    void *syncclient = zmq_socket (context, ZMQ_REQ);
    DIE_IF (!syncclient, "zmq_socket");
    recv_timeout (syncclient, NET_TIMEOUT_MS);
    MUST (zmq_connect (syncclient, argv[2]));
    MUST (send_str (syncclient, "ready"));
    char *reply = recv_str (syncclient);
    DIE_IF (!reply, "receive the sync reply");
    free (reply);

    /*  Third, get our updates and report how many we got  */
    int updates = 0;
    while (1) {
        char *update = recv_str (subscriber);
        DIE_IF (!update, "receive an update");
        int end = strcmp (update, "END") == 0;
        updates += strcmp (update, "Rhubarb") == 0;
        free (update);
        if (end)
            break;
    }
    printf ("syncsub %d: received %d updates (of %d)\n", (int) getpid (), updates, expected);
    zmq_close (subscriber);
    zmq_close (syncclient);
    MUST (zmq_ctx_term (context));
    return updates == expected ? 0 : 1;
}
