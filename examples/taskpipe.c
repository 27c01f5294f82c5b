/*  taskpipe: divide and conquer. A ventilator hands out tasks, a pool of workers does them,
    a sink collects the results; then the sink tells the workers to stop.

        ventilator (PUSH, inproc://tasks)
          /     |     \
       worker worker worker      (PULL tasks, PUSH results, SUB kill signal)
          \     |     /
        sink (PULL, inproc://results; PUB, inproc://control)

    PUSH spreads the tasks evenly over the connected workers and PULL fair-queues the results.
    The workers wait on two sockets at once with zmq_poll: tasks, and the sink's KILL.  */
#include "helpers.h"

#define WORKERS 4
#define TASKS 100

struct worker
{
    void *context;
    int id;
};

static void *worker_routine (void *arg)
{
    struct worker *self = (struct worker *) arg;
    /*  Socket to receive messages on  */
    void *receiver = zmq_socket (self->context, ZMQ_PULL);
    DIE_IF (!receiver, "worker PULL");
    MUST (zmq_connect (receiver, "inproc://tasks"));
    /*  Socket to send messages to  */
    void *sender = zmq_socket (self->context, ZMQ_PUSH);
    DIE_IF (!sender, "worker PUSH");
    MUST (zmq_connect (sender, "inproc://results"));
    /*  Socket for control input  */
    void *controller = zmq_socket (self->context, ZMQ_SUB);
    DIE_IF (!controller, "worker SUB");
    MUST (zmq_connect (controller, "inproc://control"));
    MUST (zmq_setsockopt (controller, ZMQ_SUBSCRIBE, "", 0));

    /*  Tell the sink we are here: it starts the ventilator once every worker is.  */
    MUST (send_str (sender, "READY"));

    /*  Process messages from either socket  */
    zmq_pollitem_t items[] = {
      {receiver, 0, ZMQ_POLLIN, 0},
      {controller, 0, ZMQ_POLLIN, 0},
    };
    while (1) {
        MUST (zmq_poll (items, 2, 10000));
        if (items[0].revents & ZMQ_POLLIN) {
            char *task = recv_str (receiver);
            DIE_IF (!task, "worker receive");
            pause_ms (atoi (task)); /*  Do the work  */
            free (task);
            char result[16];
            snprintf (result, sizeof result, "%d", self->id);
            MUST (send_str (sender, result)); /*  Send results to sink  */
        }
        /*  Any waiting controller command acts as 'KILL'  */
        if (items[1].revents & ZMQ_POLLIN)
            break;
        DIE_IF (!(items[0].revents | items[1].revents), "worker waited 10 s for nothing");
    }
    zmq_close (receiver);
    zmq_close (sender);
    zmq_close (controller);
    return NULL;
}

static void *ventilator (void *context)
{
    /*  Socket to send messages on  */
    void *sender = zmq_socket (context, ZMQ_PUSH);
    DIE_IF (!sender, "ventilator PUSH");
    MUST (zmq_bind (sender, "inproc://tasks"));
    /*  Socket to send the start of batch message on  */
    void *sink = zmq_socket (context, ZMQ_PUSH);
    DIE_IF (!sink, "ventilator PUSH to sink");
    MUST (zmq_connect (sink, "inproc://results"));

    printf ("ventilator: sending %d tasks to workers...\n", TASKS);
    /*  The first message is "0" and signals start of batch  */
    MUST (send_str (sink, "0"));

    unsigned seed = 42;
    int total_msec = 0;
    for (int n = 0; n < TASKS; n++) {
        /*  Random workload from 1 to 10 msecs  */
        int workload = random_between (&seed, 1, 10);
        total_msec += workload;
        char task[16];
        snprintf (task, sizeof task, "%d", workload);
        MUST (send_str (sender, task));
    }
    printf ("ventilator: total expected cost: %d msec\n", total_msec);
    zmq_close (sink);
    zmq_close (sender);
    return NULL;
}

static long long now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main (void)
{
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Socket to receive messages on  */
    void *receiver = zmq_socket (context, ZMQ_PULL);
    DIE_IF (!receiver, "sink PULL");
    recv_timeout (receiver, 10000);
    MUST (zmq_bind (receiver, "inproc://results"));
    /*  Socket for worker control  */
    void *controller = zmq_socket (context, ZMQ_PUB);
    DIE_IF (!controller, "sink PUB");
    MUST (zmq_bind (controller, "inproc://control"));

    struct worker worker[WORKERS];
    pthread_t worker_thread[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        worker[i] = (struct worker){context, i};
        DIE_IF (pthread_create (&worker_thread[i], NULL, worker_routine, &worker[i]),
                "pthread_create");
    }
    for (int i = 0; i < WORKERS; i++) {
        char *ready = recv_str (receiver);
        DIE_IF (!ready || strcmp (ready, "READY") != 0, "sink waiting for workers");
        free (ready);
    }
    printf ("sink: %d workers ready\n", WORKERS);
    pthread_t ventilator_thread;
    DIE_IF (pthread_create (&ventilator_thread, NULL, ventilator, context),
            "pthread_create");

    /*  Wait for start of batch  */
    char *start = recv_str (receiver);
    DIE_IF (!start || strcmp (start, "0") != 0, "sink waiting for the batch");
    free (start);
    long long start_time = now_ms ();

    /*  Process the confirmations  */
    int per_worker[WORKERS] = {0};
    for (int n = 0; n < TASKS; n++) {
        char *result = recv_str (receiver);
        DIE_IF (!result, "sink receive");
        int id = atoi (result);
        free (result);
        DIE_IF (id < 0 || id >= WORKERS, "sink got a strange result");
        per_worker[id]++;
        putchar (n % 10 == 9 ? ':' : '.');
        fflush (stdout);
    }
    printf ("\nsink: total elapsed time: %lld msec\n", now_ms () - start_time);
    for (int i = 0; i < WORKERS; i++)
        printf ("sink: worker %d did %d tasks\n", i, per_worker[i]);

    /*  Send the kill signal to the workers  */
    MUST (send_str (controller, "KILL"));
    pthread_join (ventilator_thread, NULL);
    for (int i = 0; i < WORKERS; i++)
        pthread_join (worker_thread[i], NULL);

    zmq_close (receiver);
    zmq_close (controller);
    MUST (zmq_ctx_term (context));
    printf ("taskpipe: %d tasks done\n", TASKS);
    return 0;
}
