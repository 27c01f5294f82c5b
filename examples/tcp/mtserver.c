/*  mtserver: the multithreaded server, with a tcp front end.

    Binds a ROUTER socket to a free port (its endpoint to EPFILE) for hwclient processes;
    zmq_proxy passes their requests on through a DEALER (inproc) to a pool of worker threads
    (REP), which answer "World". The proxy stops after REPLIES replies (a capture thread
    counts them); then the context is shut down, which ends the workers' receives (ETERM).

        usage: mtserver EPFILE REPLIES  */
#include "net.h"

#define WORKERS 4

struct worker
{
    void *context;
    int id;
    int served;
};

static void *worker_routine (void *arg)
{
    struct worker *self = (struct worker *) arg;
    /*  Socket to talk to dispatcher  */
    void *receiver = zmq_socket (self->context, ZMQ_REP);
    DIE_IF (!receiver, "worker socket");
    MUST (zmq_connect (receiver, "inproc://workers"));
    while (1) {
        char *request = recv_str (receiver);
        if (!request && zmq_errno () == ETERM)
            break; /*  The server is done  */
        DIE_IF (!request, "worker receive");
        DIE_IF (strcmp (request, "Hello") != 0, "not a Hello");
        free (request);
        pause_ms (1); /*  Do some 'work'  */
        MUST (send_str (receiver, "World"));
        self->served++;
    }
    zmq_close (receiver);
    return NULL;
}

int main (int argc, char *argv[])
{
    if (argc != 3) {
        fprintf (stderr, "usage: mtserver EPFILE REPLIES\n");
        return 2;
    }
    net_setup ();
    int replies = arg_count (argv[2]);
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Socket to talk to clients  */
    void *clients = zmq_socket (context, ZMQ_ROUTER);
    DIE_IF (!clients, "zmq_socket");
    char endpoint[1][256];
    bind_any (clients, endpoint[0], sizeof endpoint[0]);
    /*  Socket to talk to workers  */
    void *workers = zmq_socket (context, ZMQ_DEALER);
    DIE_IF (!workers, "zmq_socket");
    MUST (zmq_bind (workers, "inproc://workers"));

    /*  Launch pool of worker threads  */
    struct worker pool[WORKERS];
    pthread_t threads[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        pool[i] = (struct worker){context, i, 0};
        DIE_IF (pthread_create (&threads[i], NULL, worker_routine, &pool[i]), "pthread_create");
    }
    write_endpoints (argv[1], 1, endpoint);
    printf ("mtserver: %d worker threads, clients on %s\n", WORKERS, endpoint[0]);

    /*  Connect work threads to client threads via a queue proxy  */
    int passed = proxy_until (context, clients, workers, "World", replies);
    zmq_close (clients); /*  its last replies still go out (linger)  */
    zmq_close (workers);
    MUST (zmq_ctx_shutdown (context));
    int served = 0;
    for (int i = 0; i < WORKERS; i++) {
        pthread_join (threads[i], NULL);
        printf ("mtserver: worker %d served %d requests\n", i, pool[i].served);
        served += pool[i].served;
    }
    MUST (zmq_ctx_term (context));
    printf ("mtserver: %d replies through the proxy, %d served\n", passed, served);
    return served == replies ? 0 : 1;
}
