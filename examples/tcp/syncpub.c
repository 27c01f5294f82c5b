/*  syncpub: the synchronized publisher over tcp.

    A PUB socket for the data and a REP socket for synchronization (endpoints to EPFILE).
    Until SUBSCRIBERS subscribers have checked in on the REP socket, it publishes "WELCOME"
    every 10 ms: a subscriber that has received one knows its subscription has reached the
    publisher, and only then checks in. So once everyone has checked in, everyone gets
    every one of the UPDATES updates that follow, and the "END" after them. No high-water
    mark: nothing is ever dropped.

        usage: syncpub EPFILE SUBSCRIBERS UPDATES  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr, "usage: syncpub EPFILE SUBSCRIBERS UPDATES\n");
        return 2;
    }
    net_setup ();
    int subscribers = arg_count (argv[2]);
    int updates = arg_count (argv[3]);
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Socket to talk to clients  */
    void *publisher = zmq_socket (context, ZMQ_PUB);
    DIE_IF (!publisher, "zmq_socket");
    int unlimited = 0;
    MUST (zmq_setsockopt (publisher, ZMQ_SNDHWM, &unlimited, sizeof unlimited));
    /*  Socket to receive signals  */
    void *syncservice = zmq_socket (context, ZMQ_REP);
    DIE_IF (!syncservice, "zmq_socket");
    char endpoints[2][256];
    bind_any (publisher, endpoints[0], sizeof endpoints[0]);
    bind_any (syncservice, endpoints[1], sizeof endpoints[1]);
    write_endpoints (argv[1], 2, endpoints);

    /*  Get synchronization from subscribers  */
    printf ("syncpub: waiting for %d subscribers\n", subscribers);
    time_t deadline = time (NULL) + NET_TIMEOUT_MS / 1000;
    int synced = 0;
    while (synced < subscribers) {
        MUST (send_str (publisher, "WELCOME"));
        zmq_pollitem_t items[] = {{syncservice, 0, ZMQ_POLLIN, 0}};
        MUST (zmq_poll (items, 1, 10));
        if (items[0].revents & ZMQ_POLLIN) {
            char *request = recv_str (syncservice);
            DIE_IF (!request, "receive a sync request");
            free (request);
            MUST (send_str (syncservice, ""));
            synced++;
            printf ("syncpub: subscriber %d of %d is ready\n", synced, subscribers);
        }
        DIE_IF (time (NULL) > deadline, "the subscribers did not check in in time");
    }
    /*  Now broadcast exactly UPDATES updates followed by END  */
    for (int n = 0; n < updates; n++)
        MUST (send_str (publisher, "Rhubarb"));
    MUST (send_str (publisher, "END"));
    printf ("syncpub: broadcast %d updates\n", updates);
    zmq_close (publisher);
    zmq_close (syncservice);
    MUST (zmq_ctx_term (context)); /*  waits until everything is delivered  */
    return 0;
}
