/*  rrbroker: a request-reply broker written by hand with zmq_poll.

    Clients (REQ) connect to the broker's ROUTER, workers (REP) to its DEALER. The broker
    polls both sockets and moves whole multipart messages across: requests frontend ->
    backend, replies backend -> frontend. (zmq_proxy does exactly this; see mtserver.)
    The envelope the ROUTER adds (the client's identity) rides along with the request and
    brings the reply home.  */
#include "helpers.h"

#define CLIENTS 2
#define WORKERS 2
#define REQUESTS 10

static void *client_routine (void *context)
{
    void *requester = zmq_socket (context, ZMQ_REQ);
    DIE_IF (!requester, "client socket");
    recv_timeout (requester, 10000);
    MUST (zmq_connect (requester, "inproc://frontend"));
    for (int n = 0; n < REQUESTS; n++) {
        MUST (send_str (requester, "Hello"));
        char *reply = recv_str (requester);
        DIE_IF (!reply, "client receive");
        printf ("Received reply %d [%s]\n", n, reply);
        DIE_IF (strcmp (reply, "World") != 0, "strange reply");
        free (reply);
    }
    zmq_close (requester);
    return NULL;
}

static void *worker_routine (void *context)
{
    /*  A worker that starts late may find the broker already shutting down (ETERM): it
        has nothing left to do.  */
    void *responder = zmq_socket (context, ZMQ_REP);
    if (!responder && zmq_errno () == ETERM)
        return NULL;
    DIE_IF (!responder, "worker socket");
    if (zmq_connect (responder, "inproc://backend") == -1)
        DIE_IF (zmq_errno () != ETERM, "worker connect");
    while (1) {
        /*  Wait for next request from client; ETERM ends the worker  */
        char *request = recv_str (responder);
        if (!request)
            break;
        free (request);
        if (send_str (responder, "World") == -1)
            break;
    }
    zmq_close (responder);
    return NULL;
}

/*  Moves one whole message from one socket to the other.  */
static void forward (void *from, void *to)
{
    while (1) {
        zmq_msg_t message;
        zmq_msg_init (&message);
        MUST (zmq_msg_recv (&message, from, 0));
        int more = zmq_msg_more (&message);
        MUST (zmq_msg_send (&message, to, more ? ZMQ_SNDMORE : 0));
        if (!more)
            break; /*  Last message frame  */
    }
}

int main (void)
{
    /*  Prepare our context and sockets  */
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");
    void *frontend = zmq_socket (context, ZMQ_ROUTER);
    void *backend = zmq_socket (context, ZMQ_DEALER);
    DIE_IF (!frontend || !backend, "broker sockets");
    MUST (zmq_bind (frontend, "inproc://frontend"));
    MUST (zmq_bind (backend, "inproc://backend"));

    pthread_t workers[WORKERS], clients[CLIENTS];
    for (int i = 0; i < WORKERS; i++)
        DIE_IF (pthread_create (&workers[i], NULL, worker_routine, context), "pthread_create");
    for (int i = 0; i < CLIENTS; i++)
        DIE_IF (pthread_create (&clients[i], NULL, client_routine, context), "pthread_create");

    /*  Switch messages between sockets until every reply is back  */
    int replies = 0;
    zmq_pollitem_t items[] = {
      {frontend, 0, ZMQ_POLLIN, 0},
      {backend, 0, ZMQ_POLLIN, 0},
    };
    while (replies < CLIENTS * REQUESTS) {
        int rc = zmq_poll (items, 2, 10000);
        DIE_IF (rc <= 0, "broker poll (nothing for 10 s?)");
        if (items[0].revents & ZMQ_POLLIN)
            forward (frontend, backend);
        if (items[1].revents & ZMQ_POLLIN) {
            forward (backend, frontend);
            replies++;
        }
    }
    printf ("broker: %d replies forwarded\n", replies);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join (clients[i], NULL);

    /*  The workers wait for more: shutting the context down ends them  */
    zmq_close (frontend);
    zmq_close (backend);
    MUST (zmq_ctx_shutdown (context));
    for (int i = 0; i < WORKERS; i++)
        pthread_join (workers[i], NULL);
    MUST (zmq_ctx_term (context));
    return 0;
}
