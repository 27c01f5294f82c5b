/*  wuserver: the weather update server over tcp.

    Publishes made-up updates ("ZIPCODE TEMPERATURE HUMIDITY", zip codes 10000..10099) on a
    PUB socket as fast as it can, until CLIENTS clients have said "done" on its PULL socket.
    Both sockets bind to free ports; EPFILE gets their endpoints (updates, then done). It
    gives up (exit 1) if the clients have not all finished within a minute.

        usage: wuserver EPFILE CLIENTS  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: wuserver EPFILE CLIENTS\n");
        return 2;
    }
    net_setup ();
    int clients = arg_count (argv[2]);
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Prepare our publisher, and the socket clients report back on  */
    void *publisher = zmq_socket (context, ZMQ_PUB);
    void *done = zmq_socket (context, ZMQ_PULL);
    DIE_IF (!publisher || !done, "zmq_socket");
    char endpoints[2][256];
    bind_any (publisher, endpoints[0], sizeof endpoints[0]);
    bind_any (done, endpoints[1], sizeof endpoints[1]);
    write_endpoints (argv[1], 2, endpoints);
    printf ("wuserver: publishing on %s, waiting for %d clients to finish\n", endpoints[0],
            clients);

    unsigned seed = (unsigned) getpid ();
    time_t deadline = time (NULL) + NET_TIMEOUT_MS / 1000;
    long sent = 0;
    int finished = 0;
    while (finished < clients) {
        /*  Get values that will fool the boss  */
        int zipcode = random_between (&seed, 10000, 10099);
        int temperature = random_between (&seed, -80, 134);
        int relhumidity = random_between (&seed, 10, 59);
        char update[32];
        snprintf (update, sizeof update, "%05d %d %d", zipcode, temperature, relhumidity);
        /*  Send message to all subscribers  */
        MUST (send_str (publisher, update));
        sent++;
        /*  Has a client finished?  */
        char note[16];
        if (zmq_recv (done, note, sizeof note, ZMQ_DONTWAIT) >= 0) {
            finished++;
            printf ("wuserver: a client is done (%d of %d)\n", finished, clients);
        } else {
            DIE_IF (zmq_errno () != EAGAIN, "receive on the done socket");
            DIE_IF ((sent & 1023) == 0 && time (NULL) > deadline,
                    "the clients did not finish in time");
        }
    }
    printf ("wuserver: published %ld updates, done\n", sent);
    zmq_close (publisher);
    zmq_close (done);
    MUST (zmq_ctx_term (context));
    return 0;
}
