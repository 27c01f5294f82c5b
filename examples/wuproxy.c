/*  wuproxy: a pub-sub forwarder. Publishers connect to the proxy's XSUB socket, subscribers
    to its XPUB socket, and zmq_proxy relays messages one way and subscriptions the other,
    so the publisher still only sends what somebody subscribed to.

        publisher (PUB) --> XSUB [zmq_proxy] XPUB --> subscriber (SUB) x 2

    In real life the proxy bridges two networks (say tcp inside, multicast outside); here
    every hop is inproc. The proxy runs in its own thread until the context is shut down.  */
#include "helpers.h"

#define SUBSCRIBERS 2
#define UPDATES 20

static void *proxy_routine (void *context)
{
    /*  This is where the weather server sits  */
    void *frontend = zmq_socket (context, ZMQ_XSUB);
    DIE_IF (!frontend, "XSUB socket");
    MUST (zmq_bind (frontend, "inproc://weather-inside"));
    /*  This is our public endpoint for subscribers  */
    void *backend = zmq_socket (context, ZMQ_XPUB);
    DIE_IF (!backend, "XPUB socket");
    MUST (zmq_bind (backend, "inproc://weather-outside"));

    /*  Run the proxy until the context is shut down  */
    int rc = zmq_proxy (frontend, backend, NULL);
    DIE_IF (rc != -1 || zmq_errno () != ETERM, "zmq_proxy should end with ETERM");
    printf ("proxy: done\n");
    zmq_close (frontend);
    zmq_close (backend);
    return NULL;
}

static void *publisher_routine (void *context)
{
    void *publisher = zmq_socket (context, ZMQ_PUB);
    DIE_IF (!publisher, "PUB socket");
    MUST (zmq_connect (publisher, "inproc://weather-inside"));
    unsigned seed = 3;
    while (1) {
        char update[32];
        snprintf (update, sizeof update, "%05d %d", random_between (&seed, 10000, 10003),
                  random_between (&seed, -20, 40));
        if (send_str (publisher, update) == -1)
            break; /*  ETERM: we are done  */
        pause_ms (1);
    }
    DIE_IF (zmq_errno () != ETERM, "publisher send");
    zmq_close (publisher);
    return NULL;
}

struct subscriber
{
    void *context;
    const char *zipcode;
};

static void *subscriber_routine (void *arg)
{
    struct subscriber *self = (struct subscriber *) arg;
    void *subscriber = zmq_socket (self->context, ZMQ_SUB);
    DIE_IF (!subscriber, "SUB socket");
    recv_timeout (subscriber, 10000);
    MUST (zmq_connect (subscriber, "inproc://weather-outside"));
    MUST (zmq_setsockopt (subscriber, ZMQ_SUBSCRIBE, self->zipcode, strlen (self->zipcode)));
    int total = 0;
    for (int n = 0; n < UPDATES; n++) {
        char *update = recv_str (subscriber);
        DIE_IF (!update, "subscriber receive");
        DIE_IF (strncmp (update, self->zipcode, strlen (self->zipcode)) != 0,
                "update for another zip code");
        total += atoi (update + 6);
        free (update);
    }
    printf ("subscriber %s: average temperature %d over %d updates\n", self->zipcode,
            total / UPDATES, UPDATES);
    zmq_close (subscriber);
    return NULL;
}

int main (void)
{
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");
    pthread_t proxy, publisher, subscribers[SUBSCRIBERS];
    DIE_IF (pthread_create (&proxy, NULL, proxy_routine, context), "pthread_create");
    DIE_IF (pthread_create (&publisher, NULL, publisher_routine, context), "pthread_create");
    struct subscriber sub[SUBSCRIBERS] = {{context, "10001"}, {context, "10003"}};
    for (int i = 0; i < SUBSCRIBERS; i++)
        DIE_IF (pthread_create (&subscribers[i], NULL, subscriber_routine, &sub[i]),
                "pthread_create");
    for (int i = 0; i < SUBSCRIBERS; i++)
        pthread_join (subscribers[i], NULL);

    /*  Everyone has their updates: stop the proxy and the publisher  */
    MUST (zmq_ctx_shutdown (context));
    pthread_join (publisher, NULL);
    pthread_join (proxy, NULL);
    MUST (zmq_ctx_term (context));
    printf ("wuproxy: done\n");
    return 0;
}
