/*  wuclient: the weather update client over tcp.

    Subscribes to one zip code on the wuserver's PUB socket (the filter is "ZIPCODE ", so
    10001 does not also match 100010...), averages COUNT updates, checks that every one was
    for that zip code, and tells the server it is done.

        usage: wuclient UPDATES_ENDPOINT DONE_ENDPOINT ZIPCODE COUNT  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 5) {
        fprintf (stderr, "usage: wuclient UPDATES_ENDPOINT DONE_ENDPOINT ZIPCODE COUNT\n");
        return 2;
    }
    net_setup ();
    int wanted = arg_count (argv[3]);
    int count = arg_count (argv[4]);
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Socket to talk to server  */
    printf ("wuclient %d: collecting updates from the weather server\n", wanted);
    void *subscriber = zmq_socket (context, ZMQ_SUB);
    DIE_IF (!subscriber, "zmq_socket");
    recv_timeout (subscriber, NET_TIMEOUT_MS);
    MUST (zmq_connect (subscriber, argv[1]));
    char filter[16];
    snprintf (filter, sizeof filter, "%05d ", wanted);
    MUST (zmq_setsockopt (subscriber, ZMQ_SUBSCRIBE, filter, strlen (filter)));

    /*  Process COUNT updates  */
    long total_temp = 0;
    for (int n = 0; n < count; n++) {
        char *update = recv_str (subscriber);
        DIE_IF (!update, "receive an update");
        int zipcode, temperature, relhumidity;
        DIE_IF (sscanf (update, "%d %d %d", &zipcode, &temperature, &relhumidity) != 3,
                "malformed update");
        if (zipcode != wanted) {
            fprintf (stderr, "wuclient %d: got an update for %d: %s\n", wanted, zipcode, update);
            exit (1);
        }
        total_temp += temperature;
        free (update);
    }
    printf ("wuclient %d: average temperature for zipcode '%d' was %dF over %d updates\n",
            wanted, wanted, (int) (total_temp / count), count);
    zmq_close (subscriber);

    /*  Tell the server we have what we wanted  */
    void *done = zmq_socket (context, ZMQ_PUSH);
    DIE_IF (!done, "zmq_socket");
    MUST (zmq_connect (done, argv[2]));
    MUST (send_str (done, "done"));
    zmq_close (done);
    MUST (zmq_ctx_term (context)); /*  waits until "done" is on its way  */
    return 0;
}
