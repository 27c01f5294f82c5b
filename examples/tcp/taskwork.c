/*  taskwork: a worker of the parallel pipeline, over tcp, with a kill signal.

    Pulls tasks from the ventilator, "works" for the task's number of milliseconds and pushes
    a result ("NAME MSEC") to the sink. It also subscribes to the sink's control publisher
    and polls both sockets: "KILL" there ends it.

        usage: taskwork TASKS_ENDPOINT SINK_ENDPOINT CONTROL_ENDPOINT NAME  */
#include "net.h"

int main (int argc, char *argv[])
{
    if (argc != 5) {
        fprintf (stderr, "usage: taskwork TASKS_ENDPOINT SINK_ENDPOINT CONTROL_ENDPOINT NAME\n");
        return 2;
    }
    net_setup ();
    const char *name = argv[4];
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Socket to receive messages on  */
    void *receiver = zmq_socket (context, ZMQ_PULL);
    DIE_IF (!receiver, "zmq_socket");
    MUST (zmq_connect (receiver, argv[1]));
    /*  Socket to send messages to  */
    void *sender = zmq_socket (context, ZMQ_PUSH);
    DIE_IF (!sender, "zmq_socket");
    MUST (zmq_connect (sender, argv[2]));
    /*  Socket for control input  */
    void *controller = kill_subscriber (context, argv[3]);

    /*  Process messages from either socket  */
    int done = 0;
    long worked = 0;
    while (1) {
        zmq_pollitem_t items[] = {
          {receiver, 0, ZMQ_POLLIN, 0},
          {controller, 0, ZMQ_POLLIN, 0},
        };
        int ready = zmq_poll (items, 2, NET_TIMEOUT_MS);
        DIE_IF (ready == -1, "zmq_poll");
        DIE_IF (ready == 0, "nothing to do for a minute");
        if (items[0].revents & ZMQ_POLLIN) {
            char *task = recv_str (receiver);
            DIE_IF (!task, "receive a task");
            int msec = atoi (task);
            free (task);
            pause_ms (msec); /*  Do the work  */
            char result[64];
            snprintf (result, sizeof result, "%s %d", name, msec);
            MUST (send_str (sender, result)); /*  Send results to sink  */
            done++;
            worked += msec;
        }
        /*  Any waiting controller command acts as 'KILL'  */
        if (items[1].revents & ZMQ_POLLIN)
            break; /*  Exit loop  */
    }
    printf ("taskwork %s: did %d tasks (%ld msec), killed by the sink\n", name, done, worked);
    zmq_close (receiver);
    zmq_close (sender);
    zmq_close (controller);
    MUST (zmq_ctx_term (context));
    return 0;
}
