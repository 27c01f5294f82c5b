/*  syncpubsub: node coordination. A publisher waits until all its subscribers are connected
    before it sends, so nobody misses the start of the data.

    Each subscriber connects its SUB socket and subscribes, then says hello over a separate
    REQ/REP pair and waits for the answer. Once the publisher has heard from every one of
    them it publishes its updates and a final "END", and each subscriber counts what it got:
    all of it.  */
#include "helpers.h"

#define SUBSCRIBERS 3
#define UPDATES 1000

struct subscriber
{
    void *context;
    int received;
};

static void *subscriber_routine (void *arg)
{
    struct subscriber *self = (struct subscriber *) arg;
    /*  First, connect our subscriber socket  */
    void *subscriber = zmq_socket (self->context, ZMQ_SUB);
    DIE_IF (!subscriber, "SUB socket");
    recv_timeout (subscriber, 10000);
    MUST (zmq_connect (subscriber, "inproc://updates"));
    MUST (zmq_setsockopt (subscriber, ZMQ_SUBSCRIBE, "", 0));

    /*  Second, synchronize with publisher  */
    void *syncclient = zmq_socket (self->context, ZMQ_REQ);
    DIE_IF (!syncclient, "REQ socket");
    recv_timeout (syncclient, 10000);
    MUST (zmq_connect (syncclient, "inproc://sync"));
    MUST (send_str (syncclient, "hello"));
    char *ack = recv_str (syncclient);
    DIE_IF (!ack, "synchronization");
    free (ack);

    /*  Third, get our updates and report how many we got  */
    while (1) {
        char *update = recv_str (subscriber);
        DIE_IF (!update, "subscriber receive");
        int end = strcmp (update, "END") == 0;
        free (update);
        if (end)
            break;
        self->received++;
    }
    zmq_close (subscriber);
    zmq_close (syncclient);
    return NULL;
}

int main (void)
{
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Socket to talk to clients; no update may be dropped for want of room  */
    void *publisher = zmq_socket (context, ZMQ_PUB);
    DIE_IF (!publisher, "PUB socket");
    int sndhwm = 1100000;
    MUST (zmq_setsockopt (publisher, ZMQ_SNDHWM, &sndhwm, sizeof (int)));
    MUST (zmq_bind (publisher, "inproc://updates"));

    /*  Socket to receive signals  */
    void *syncservice = zmq_socket (context, ZMQ_REP);
    DIE_IF (!syncservice, "REP socket");
    recv_timeout (syncservice, 10000);
    MUST (zmq_bind (syncservice, "inproc://sync"));

    struct subscriber sub[SUBSCRIBERS];
    pthread_t threads[SUBSCRIBERS];
    for (int i = 0; i < SUBSCRIBERS; i++) {
        sub[i] = (struct subscriber){context, 0};
        DIE_IF (pthread_create (&threads[i], NULL, subscriber_routine, &sub[i]),
                "pthread_create");
    }

    /*  Get synchronization from subscribers  */
    printf ("Waiting for subscribers\n");
    for (int subscribers = 0; subscribers < SUBSCRIBERS; subscribers++) {
        /*  - wait for synchronization request  */
        char *hello = recv_str (syncservice);
        DIE_IF (!hello, "waiting for subscribers");
        free (hello);
        /*  - send synchronization reply  */
        MUST (send_str (syncservice, ""));
    }
    /*  Now broadcast exactly the updates followed by END  */
    printf ("Broadcasting messages\n");
    for (int update_nbr = 0; update_nbr < UPDATES; update_nbr++)
        MUST (send_str (publisher, "Rhubarb"));
    MUST (send_str (publisher, "END"));

    int ok = 1;
    for (int i = 0; i < SUBSCRIBERS; i++) {
        pthread_join (threads[i], NULL);
        printf ("Subscriber %d received %d updates\n", i, sub[i].received);
        ok &= sub[i].received == UPDATES;
    }
    zmq_close (publisher);
    zmq_close (syncservice);
    MUST (zmq_ctx_term (context));
    return ok ? 0 : 1;
}
