/*  taskvent: the task ventilator of the parallel pipeline, over tcp.

    Binds a PUSH socket (its endpoint goes to EPFILE) that hands TASKS tasks, each a workload
    in milliseconds, to the taskwork processes connected to it. First it tells the sink
    (tasksink, at SINK_ENDPOINT) that a batch is starting, how many tasks it holds and how
    many milliseconds of work they add up to, so the sink can check every result came back.

        usage: taskvent EPFILE SINK_ENDPOINT TASKS  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 4) {
        fprintf (stderr, "usage: taskvent EPFILE SINK_ENDPOINT TASKS\n");
        return 2;
    }
    net_setup ();
    int tasks = arg_count (argv[3]);
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Socket to send tasks on  */
    void *sender = zmq_socket (context, ZMQ_PUSH);
    DIE_IF (!sender, "zmq_socket");
    char endpoint[1][256];
    bind_any (sender, endpoint[0], sizeof endpoint[0]);

    /*  Socket to the sink, to announce the batch  */
    void *sink = zmq_socket (context, ZMQ_PUSH);
    DIE_IF (!sink, "zmq_socket");
    MUST (zmq_connect (sink, argv[2]));

    /*  Make up the workloads first: the sink learns their total  */
    unsigned seed = (unsigned) getpid ();
    int *workload = (int *) malloc (sizeof (int) * (size_t) tasks);
    DIE_IF (!workload, "malloc");
    long total_msec = 0;
    for (int n = 0; n < tasks; n++) {
        workload[n] = random_between (&seed, 1, 10);
        total_msec += workload[n];
    }
    char batch[64];
    snprintf (batch, sizeof batch, "batch %d %ld", tasks, total_msec);
    MUST (send_str (sink, batch));

    /*  Workers connect once the endpoint is known; a PUSH socket with nobody to send to
        waits for the first of them.  */
    write_endpoints (argv[1], 1, endpoint);
    printf ("taskvent: sending %d tasks (%ld msec of work) on %s\n", tasks, total_msec,
            endpoint[0]);
    for (int n = 0; n < tasks; n++) {
        char task[16];
        snprintf (task, sizeof task, "%d", workload[n]);
        MUST (send_str (sender, task));
    }
    free (workload);
    zmq_close (sink);
    zmq_close (sender);
    MUST (zmq_ctx_term (context)); /*  returns once every task is on its way  */
    printf ("taskvent: all tasks sent\n");
    return 0;
}
