/*  mtserver: a multithreaded server in one process.

    Clients (REQ) send "Hello" to a ROUTER socket; zmq_proxy passes each request on through a
    DEALER socket to a pool of worker threads (REP), which answer "World". The DEALER spreads
    the requests over the workers, the ROUTER sends every reply back to the client that asked.

        client  client  client            (REQ, inproc://clients)
             \    |    /
              ROUTER  <-- zmq_proxy -->  DEALER   (inproc://workers)
                                       /   |   \
                                  worker worker worker   (REP)

    A real server would listen on tcp://; here the clients live in the same process. Once
    every client has its answers, the context is shut down: zmq_proxy returns -1 with ETERM
    (its normal way to end), the workers' receives fail with ETERM too, and everything closes.  */
#include "helpers.h"

#define WORKERS 5
#define CLIENTS 3
#define REQUESTS 10

struct worker
{
    void *context;
    int id;
    int served;
};

static void *worker_routine (void *arg)
{
    struct worker *self = (struct worker *) arg;
    /*  A worker that starts late may find the server already shutting down (ETERM): it
        has nothing left to do.  */
    void *receiver = zmq_socket (self->context, ZMQ_REP);
    if (!receiver && zmq_errno () == ETERM)
        return NULL;
    DIE_IF (!receiver, "worker socket");
    if (zmq_connect (receiver, "inproc://workers") == -1)
        DIE_IF (zmq_errno () != ETERM, "worker connect");
    while (1) {
        char *request = recv_str (receiver);
        if (!request)
            break; /*  ETERM: the server is shutting down  */
        char reply[64];
        snprintf (reply, sizeof reply, "World (from worker %d)", self->id);
        free (request);
        /*  A real worker would do some work here.  */
        if (send_str (receiver, reply) == -1)
            break;
        self->served++;
    }
    zmq_close (receiver);
    return NULL;
}

struct client
{
    void *context;
    int id;
    int answered;
};

static void *client_routine (void *arg)
{
    struct client *self = (struct client *) arg;
    void *requester = zmq_socket (self->context, ZMQ_REQ);
    DIE_IF (!requester, "client socket");
    recv_timeout (requester, 10000);
    MUST (zmq_connect (requester, "inproc://clients"));
    for (int n = 0; n < REQUESTS; n++) {
        char request[32];
        snprintf (request, sizeof request, "Hello %d", n);
        MUST (send_str (requester, request));
        char *reply = recv_str (requester);
        DIE_IF (!reply, "client receive");
        printf ("client %d: sent [%s], received [%s]\n", self->id, request, reply);
        if (strncmp (reply, "World", 5) == 0)
            self->answered++;
        free (reply);
    }
    zmq_close (requester);
    return NULL;
}

/*  Waits for the clients, then shuts the context down to stop the server.  */
struct closer
{
    void *context;
    pthread_t *clients;
};

static void *closer_routine (void *arg)
{
    struct closer *self = (struct closer *) arg;
    for (int i = 0; i < CLIENTS; i++)
        pthread_join (self->clients[i], NULL);
    zmq_ctx_shutdown (self->context);
    return NULL;
}

int main (void)
{
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");

    /*  Socket to talk to clients  */
    void *clients = zmq_socket (context, ZMQ_ROUTER);
    DIE_IF (!clients, "ROUTER socket");
    MUST (zmq_bind (clients, "inproc://clients"));

    /*  Socket to talk to workers  */
    void *workers = zmq_socket (context, ZMQ_DEALER);
    DIE_IF (!workers, "DEALER socket");
    MUST (zmq_bind (workers, "inproc://workers"));

    /*  Launch the pool of worker threads, then the clients  */
    struct worker worker[WORKERS];
    pthread_t worker_thread[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        worker[i] = (struct worker){context, i, 0};
        DIE_IF (pthread_create (&worker_thread[i], NULL, worker_routine, &worker[i]),
                "pthread_create");
    }
    struct client client[CLIENTS];
    pthread_t client_thread[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        client[i] = (struct client){context, i, 0};
        DIE_IF (pthread_create (&client_thread[i], NULL, client_routine, &client[i]),
                "pthread_create");
    }
    struct closer closer = {context, client_thread};
    pthread_t closer_thread;
    DIE_IF (pthread_create (&closer_thread, NULL, closer_routine, &closer),
            "pthread_create");

    /*  Connect work threads to client threads via a queue proxy  */
    int rc = zmq_proxy (clients, workers, NULL);
    int err = zmq_errno ();
    printf ("server: zmq_proxy returned %d (%s)\n", rc, zmq_strerror (err));

    zmq_close (clients);
    zmq_close (workers);
    pthread_join (closer_thread, NULL);
    int served = 0;
    for (int i = 0; i < WORKERS; i++) {
        pthread_join (worker_thread[i], NULL);
        printf ("server: worker %d answered %d requests\n", i, worker[i].served);
        served += worker[i].served;
    }
    int answered = 0;
    for (int i = 0; i < CLIENTS; i++)
        answered += client[i].answered;
    MUST (zmq_ctx_term (context));

    int ok = rc == -1 && err == ETERM && served == CLIENTS * REQUESTS
             && answered == CLIENTS * REQUESTS;
    printf ("mtserver: %d requests, %d answered: %s\n", CLIENTS * REQUESTS, answered,
            ok ? "OK" : "FAILED");
    return ok ? 0 : 1;
}
