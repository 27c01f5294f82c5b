/*  mtrelay: threads signalling each other in a chain, with PAIR sockets over inproc.

    Step 3 (the main thread) starts step 2, which starts step 1. Each step binds the socket it
    waits on before it starts the step before it, so the connect always finds its peer; each
    step tells the next one it is ready, and the signal travels 1 -> 2 -> 3.  */
#include "helpers.h"

static void *step1 (void *context)
{
    /*  Connect to step 2 and tell it we're ready  */
    void *xmitter = zmq_socket (context, ZMQ_PAIR);
    DIE_IF (!xmitter, "step 1 socket");
    MUST (zmq_connect (xmitter, "inproc://step2"));
    printf ("Step 1 ready, signaling step 2\n");
    MUST (send_str (xmitter, "READY"));
    zmq_close (xmitter);
    return NULL;
}

static void *step2 (void *context)
{
    /*  Bind the inproc socket before starting step 1  */
    void *receiver = zmq_socket (context, ZMQ_PAIR);
    DIE_IF (!receiver, "step 2 socket");
    recv_timeout (receiver, 10000);
    MUST (zmq_bind (receiver, "inproc://step2"));
    pthread_t thread;
    DIE_IF (pthread_create (&thread, NULL, step1, context), "pthread_create");

    /*  Wait for the signal and pass it on  */
    char *signal = recv_str (receiver);
    DIE_IF (!signal, "step 2 receive");
    DIE_IF (strcmp (signal, "READY") != 0, "step 2 got the wrong signal");
    free (signal);
    zmq_close (receiver);
    pthread_join (thread, NULL);

    /*  Connect to step 3 and tell it we're ready  */
    void *xmitter = zmq_socket (context, ZMQ_PAIR);
    DIE_IF (!xmitter, "step 2 socket");
    MUST (zmq_connect (xmitter, "inproc://step3"));
    printf ("Step 2 ready, signaling step 3\n");
    MUST (send_str (xmitter, "READY"));
    zmq_close (xmitter);
    return NULL;
}

int main (void)
{
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Bind the inproc socket before starting step 2  */
    void *receiver = zmq_socket (context, ZMQ_PAIR);
    DIE_IF (!receiver, "step 3 socket");
    recv_timeout (receiver, 10000);
    MUST (zmq_bind (receiver, "inproc://step3"));
    pthread_t thread;
    DIE_IF (pthread_create (&thread, NULL, step2, context), "pthread_create");

    /*  Wait for the signal  */
    char *signal = recv_str (receiver);
    DIE_IF (!signal, "step 3 receive");
    int ok = strcmp (signal, "READY") == 0;
    free (signal);
    pthread_join (thread, NULL);
    printf ("Step 3 got the signal: %s\n", ok ? "test successful!" : "wrong signal");

    zmq_close (receiver);
    MUST (zmq_ctx_term (context));
    return ok ? 0 : 1;
}
