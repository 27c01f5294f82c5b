/*  psenvsub: pub-sub envelopes over tcp, the subscriber.

    Subscribes to topic "B", reads COUNT messages, checks each is exactly two frames, the
    envelope "B" and its content, and tells the publisher it is done.

        usage: psenvsub PUB_ENDPOINT DONE_ENDPOINT COUNT  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr, "usage: psenvsub PUB_ENDPOINT DONE_ENDPOINT COUNT\n");
        return 2;
    }
    net_setup ();
    int count = arg_count (argv[3]);
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Prepare our subscriber  */
    void *subscriber = zmq_socket (context, ZMQ_SUB);
    DIE_IF (!subscriber, "zmq_socket");
    recv_timeout (subscriber, NET_TIMEOUT_MS);
    MUST (zmq_connect (subscriber, argv[1]));
    MUST (zmq_setsockopt (subscriber, ZMQ_SUBSCRIBE, "B", 1));

    for (int n = 1; n <= count; n++) {
        /*  Read envelope with address  */
        char *address = recv_str (subscriber);
        DIE_IF (!address, "receive the envelope");
        DIE_IF (!more_to_come (subscriber), "an envelope without content");
        /*  Read message contents  */
        char *contents = recv_str (subscriber);
        DIE_IF (!contents, "receive the content");
        DIE_IF (more_to_come (subscriber), "more than two frames");
        printf ("psenvsub: [%s] %s\n", address, contents);
        DIE_IF (strcmp (address, "B") != 0 || strcmp (contents, "We would like to see this") != 0,
                "a message that does not match the subscription");
        free (address);
        free (contents);
    }
    zmq_close (subscriber);

    void *done = zmq_socket (context, ZMQ_PUSH);
    DIE_IF (!done, "zmq_socket");
    MUST (zmq_connect (done, argv[2]));
    MUST (send_str (done, "done"));
    zmq_close (done);
    MUST (zmq_ctx_term (context));
    return 0;
}
