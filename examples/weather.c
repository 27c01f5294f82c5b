/*  weather: publish-subscribe. A server thread publishes made-up weather updates for a few
    zip codes as fast as it can; the client (the main thread) subscribes to one zip code,
    collects some updates and prints the average temperature.

    The subscription filters at the publisher: the client only ever sees its zip code. When
    the client has enough, it shuts the context down; the publisher's next send fails with
    ETERM, which is its cue to stop.  */
#include "helpers.h"

#define UPDATES 50

static void *server (void *context)
{
    /*  Prepare our publisher  */
    void *publisher = zmq_socket (context, ZMQ_PUB);
    DIE_IF (!publisher, "publisher socket");
    MUST (zmq_bind (publisher, "inproc://weather"));

    unsigned seed = 7;
    long sent = 0;
    while (1) {
        /*  Get values that will fool the boss  */
        int zipcode = random_between (&seed, 10000, 10009);
        int temperature = random_between (&seed, -80, 134);
        int relhumidity = random_between (&seed, 10, 59);
        /*  Send message to all subscribers  */
        char update[32];
        snprintf (update, sizeof update, "%05d %d %d", zipcode, temperature, relhumidity);
        if (send_str (publisher, update) == -1) {
            DIE_IF (zmq_errno () != ETERM, "publisher send");
            break;
        }
        sent++;
    }
    printf ("server: published %ld updates\n", sent);
    zmq_close (publisher);
    return NULL;
}

int main (void)
{
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");
    pthread_t thread;
    DIE_IF (pthread_create (&thread, NULL, server, context), "pthread_create");

    /*  Socket to talk to server  */
    printf ("Collecting updates from weather server...\n");
    void *subscriber = zmq_socket (context, ZMQ_SUB);
    DIE_IF (!subscriber, "subscriber socket");
    recv_timeout (subscriber, 10000);
    MUST (zmq_connect (subscriber, "inproc://weather"));

    /*  Subscribe to zipcode 10001 ("1000" would also match 10000..10009)  */
    const char *filter = "10001 ";
    MUST (zmq_setsockopt (subscriber, ZMQ_SUBSCRIBE, filter, strlen (filter)));

    /*  Process some updates  */
    long total_temp = 0;
    for (int n = 0; n < UPDATES; n++) {
        char *update = recv_str (subscriber);
        DIE_IF (!update, "subscriber receive");
        int zipcode, temperature, relhumidity;
        DIE_IF (sscanf (update, "%d %d %d", &zipcode, &temperature, &relhumidity) != 3,
                "malformed update");
        DIE_IF (zipcode != 10001, "update for another zip code");
        total_temp += temperature;
        free (update);
    }
    printf ("Average temperature for zipcode '%.5s' was %dF over %d updates\n", filter,
            (int) (total_temp / UPDATES), UPDATES);

    zmq_close (subscriber);
    /*  Stop the publisher: its sends now fail with ETERM  */
    MUST (zmq_ctx_shutdown (context));
    pthread_join (thread, NULL);
    MUST (zmq_ctx_term (context));
    return 0;
}
