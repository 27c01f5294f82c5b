/*  mspoller: reading from several sockets at once with zmq_poll. The main thread receives
    tasks on a PULL socket and weather updates on a SUB socket, taking whichever is ready,
    until it has had its fill of both.  */
#include "helpers.h"

#define TASKS 10
#define UPDATES 10

/*  Sends TASKS tasks down a PUSH socket.  */
static void *ventilator (void *context)
{
    void *sender = zmq_socket (context, ZMQ_PUSH);
    DIE_IF (!sender, "PUSH socket");
    MUST (zmq_bind (sender, "inproc://tasks"));
    for (int n = 0; n < TASKS; n++) {
        char task[16];
        snprintf (task, sizeof task, "task %d", n);
        MUST (send_str (sender, task));
    }
    zmq_close (sender);
    return NULL;
}

/*  Publishes weather updates until the context is shut down.  */
static void *weather_server (void *context)
{
    void *publisher = zmq_socket (context, ZMQ_PUB);
    DIE_IF (!publisher, "PUB socket");
    MUST (zmq_bind (publisher, "inproc://weather"));
    unsigned seed = 11;
    while (1) {
        char update[32];
        snprintf (update, sizeof update, "%05d %d", random_between (&seed, 10000, 10002),
                  random_between (&seed, -20, 40));
        if (send_str (publisher, update) == -1)
            break;
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
    pthread_t threads[2];
    DIE_IF (pthread_create (&threads[0], NULL, ventilator, context), "pthread_create");
    DIE_IF (pthread_create (&threads[1], NULL, weather_server, context), "pthread_create");

    /*  Connect to task ventilator  */
    void *receiver = zmq_socket (context, ZMQ_PULL);
    DIE_IF (!receiver, "PULL socket");
    MUST (zmq_connect (receiver, "inproc://tasks"));
    /*  Connect to weather server  */
    void *subscriber = zmq_socket (context, ZMQ_SUB);
    DIE_IF (!subscriber, "SUB socket");
    MUST (zmq_connect (subscriber, "inproc://weather"));
    MUST (zmq_setsockopt (subscriber, ZMQ_SUBSCRIBE, "10001 ", 6));

    /*  Process messages from both sockets  */
    int tasks = 0, updates = 0;
    zmq_pollitem_t items[] = {
      {receiver, 0, ZMQ_POLLIN, 0},
      {subscriber, 0, ZMQ_POLLIN, 0},
    };
    while (tasks < TASKS || updates < UPDATES) {
        int rc = zmq_poll (items, 2, 10000);
        DIE_IF (rc <= 0, "poll (nothing for 10 s?)");
        if (items[0].revents & ZMQ_POLLIN) {
            char *task = recv_str (receiver);
            DIE_IF (!task, "task receive");
            printf ("got %s\n", task);
            free (task);
            tasks++;
        }
        if (items[1].revents & ZMQ_POLLIN) {
            char *update = recv_str (subscriber);
            DIE_IF (!update, "update receive");
            DIE_IF (strncmp (update, "10001 ", 6) != 0, "update for another zip code");
            if (updates < UPDATES)
                printf ("got weather update %s\n", update);
            free (update);
            updates++;
        }
    }
    printf ("mspoller: %d tasks and %d weather updates\n", tasks, updates);
    zmq_close (receiver);
    zmq_close (subscriber);
    MUST (zmq_ctx_shutdown (context));
    pthread_join (threads[0], NULL);
    pthread_join (threads[1], NULL);
    MUST (zmq_ctx_term (context));
    return 0;
}
