/*  psenv: pub-sub message envelopes. The publisher sends two-frame messages, a key frame
    ("A" or "B") and a content frame; the subscriber subscribes to key "B" only. Filtering
    looks at the first frame, so the key frame is the envelope and the content is never
    inspected.  */
#include "helpers.h"

#define WANTED 10

static void *publisher_routine (void *context)
{
    void *publisher = zmq_socket (context, ZMQ_PUB);
    DIE_IF (!publisher, "publisher socket");
    MUST (zmq_bind (publisher, "inproc://envelopes"));
    while (1) {
        /*  Write two messages, each with an envelope and content  */
        if (send_str_more (publisher, "A") == -1
            || send_str (publisher, "We don't want to see this") == -1
            || send_str_more (publisher, "B") == -1
            || send_str (publisher, "We would like to see this") == -1)
            break; /*  ETERM: time to go  */
        pause_ms (1);
    }
    DIE_IF (zmq_errno () != ETERM, "publisher send");
    zmq_close (publisher);
    return NULL;
}

int main (void)
{
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");
    pthread_t thread;
    DIE_IF (pthread_create (&thread, NULL, publisher_routine, context), "pthread_create");

    /*  Prepare our subscriber  */
    void *subscriber = zmq_socket (context, ZMQ_SUB);
    DIE_IF (!subscriber, "subscriber socket");
    recv_timeout (subscriber, 10000);
    MUST (zmq_connect (subscriber, "inproc://envelopes"));
    MUST (zmq_setsockopt (subscriber, ZMQ_SUBSCRIBE, "B", 1));

    for (int n = 0; n < WANTED; n++) {
        /*  Read envelope with address, then the message contents  */
        char *address = recv_str (subscriber);
        DIE_IF (!address, "receive envelope");
        DIE_IF (!more_to_come (subscriber), "envelope without content");
        char *contents = recv_str (subscriber);
        DIE_IF (!contents, "receive contents");
        printf ("[%s] %s\n", address, contents);
        DIE_IF (strcmp (address, "B") != 0, "got an envelope we did not subscribe to");
        free (address);
        free (contents);
    }
    zmq_close (subscriber);
    MUST (zmq_ctx_shutdown (context));
    pthread_join (thread, NULL);
    MUST (zmq_ctx_term (context));
    return 0;
}
