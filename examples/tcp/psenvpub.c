/*  psenvpub: pub-sub envelopes over tcp, the publisher.

    Publishes two-frame messages, the topic ("A" or "B") in the first frame (the one
    subscriptions match) and the content in the second, until SUBSCRIBERS subscribers have
    said "done" on its PULL socket (or a minute has passed: exit 1). Endpoints (PUB, then
    PULL) go to EPFILE.

        usage: psenvpub EPFILE SUBSCRIBERS  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: psenvpub EPFILE SUBSCRIBERS\n");
        return 2;
    }
    net_setup ();
    int subscribers = arg_count (argv[2]);
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Prepare our publisher, and the socket subscribers report back on  */
    void *publisher = zmq_socket (context, ZMQ_PUB);
    void *done = zmq_socket (context, ZMQ_PULL);
    DIE_IF (!publisher || !done, "zmq_socket");
    char endpoints[2][256];
    bind_any (publisher, endpoints[0], sizeof endpoints[0]);
    bind_any (done, endpoints[1], sizeof endpoints[1]);
    write_endpoints (argv[1], 2, endpoints);
    printf ("psenvpub: publishing topics A and B on %s\n", endpoints[0]);

    time_t deadline = time (NULL) + NET_TIMEOUT_MS / 1000;
    long sent = 0;
    int finished = 0;
    while (finished < subscribers) {
        /*  Write two messages, each with an envelope and content  */
        MUST (send_str_more (publisher, "A"));
        MUST (send_str (publisher, "We don't want to see this"));
        MUST (send_str_more (publisher, "B"));
        MUST (send_str (publisher, "We would like to see this"));
        sent += 2;
        char note[16];
        if (zmq_recv (done, note, sizeof note, ZMQ_DONTWAIT) >= 0)
            finished++;
        else {
            DIE_IF (zmq_errno () != EAGAIN, "receive on the done socket");
            DIE_IF ((sent & 1023) == 0 && time (NULL) > deadline,
                    "the subscribers did not finish in time");
        }
    }
    printf ("psenvpub: published %ld messages, done\n", sent);
    zmq_close (publisher);
    zmq_close (done);
    MUST (zmq_ctx_term (context));
    return 0;
}
