/*  tasksink: the sink of the parallel pipeline, over tcp, with a kill signal.

    Binds a PULL socket for results and an XPUB socket for control (endpoints to EPFILE, in
    that order). Waits for the ventilator's batch announcement ("batch TASKS MSEC") and every
    result, checks that the results add up to the announced work, then sends "KILL" to the
    WORKERS workers: once all of their subscriptions have arrived, so none misses it.

        usage: tasksink EPFILE WORKERS  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: tasksink EPFILE WORKERS\n");
        return 2;
    }
    net_setup ();
    int workers = arg_count (argv[2]);
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Socket to receive messages on  */
    void *receiver = zmq_socket (context, ZMQ_PULL);
    DIE_IF (!receiver, "zmq_socket");
    recv_timeout (receiver, NET_TIMEOUT_MS);
    char endpoints[2][256];
    bind_any (receiver, endpoints[0], sizeof endpoints[0]);
    /*  Socket for worker control  */
    void *controller = control_publisher (context, endpoints[1]);
    write_endpoints (argv[1], 2, endpoints);

    /*  The batch announcement and the results come over different connections, in any
        order: count until both the announcement and all the results it promised are in.  */
    int tasks = -1, results = 0;
    long announced = 0, worked = 0;
    struct timespec start, end;
    while (tasks < 0 || results < tasks) {
        char *message = recv_str (receiver);
        DIE_IF (!message, "receive a result");
        if (tasks < 0 && results == 0)
            clock_gettime (CLOCK_MONOTONIC, &start); /*  the first message starts the clock  */
        char name[32];
        int msec;
        if (sscanf (message, "batch %d %ld", &tasks, &announced) == 2) {
            printf ("tasksink: batch of %d tasks, %ld msec of work\n", tasks, announced);
        } else {
            DIE_IF (sscanf (message, "%31s %d", name, &msec) != 2, "malformed result");
            results++;
            worked += msec;
            if (results % 10 == 0)
                printf ("tasksink: %d results\n", results);
        }
        free (message);
    }
    clock_gettime (CLOCK_MONOTONIC, &end);
    long elapsed = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
    printf ("tasksink: %d results, %ld msec of work done in %ld msec\n", results, worked,
            elapsed);
    DIE_IF (worked != announced, "the results do not add up to the batch");

    /*  Send kill signal to workers  */
    send_kill (controller, workers);
    printf ("tasksink: sent KILL to %d workers\n", workers);
    zmq_close (receiver);
    zmq_close (controller);
    MUST (zmq_ctx_term (context));
    return 0;
}
