/*  hello: the request-reply "Hello World" pair in one process.

    A server thread binds a REP socket and answers every "Hello" with "World"; the main
    thread is the client, with a REQ socket that sends ten requests, one at a time, and waits
    for each reply. REQ and REP keep the two strictly in step: send, receive, send, ...  */
#include "helpers.h"

#define REQUESTS 10

static void *server (void *context)
{
    /*  Socket to talk to clients  */
    void *responder = zmq_socket (context, ZMQ_REP);
    DIE_IF (!responder, "server socket");
    recv_timeout (responder, 10000);
    MUST (zmq_bind (responder, "inproc://hello"));
    for (int n = 0; n < REQUESTS; n++) {
        char *request = recv_str (responder);
        DIE_IF (!request, "server receive");
        printf ("server: received %s\n", request);
        DIE_IF (strcmp (request, "Hello") != 0, "server got a strange request");
        free (request);
        pause_ms (1); /*  Do some 'work'  */
        MUST (send_str (responder, "World"));
    }
    zmq_close (responder);
    return NULL;
}

int main (void)
{
    void *context = zmq_ctx_new ();
    DIE_IF (!context, "zmq_ctx_new");
    pthread_t thread;
    DIE_IF (pthread_create (&thread, NULL, server, context), "pthread_create");

    /*  Socket to talk to the server (inproc lets us connect before it binds)  */
    printf ("Connecting to hello world server...\n");
    void *requester = zmq_socket (context, ZMQ_REQ);
    DIE_IF (!requester, "client socket");
    recv_timeout (requester, 10000);
    MUST (zmq_connect (requester, "inproc://hello"));

    int answered = 0;
    for (int n = 0; n < REQUESTS; n++) {
        printf ("client: sending Hello %d...\n", n);
        MUST (send_str (requester, "Hello"));
        char *reply = recv_str (requester);
        DIE_IF (!reply, "client receive");
        printf ("client: received %s %d\n", reply, n);
        answered += strcmp (reply, "World") == 0;
        free (reply);
    }
    pthread_join (thread, NULL);
    zmq_close (requester);
    MUST (zmq_ctx_term (context));
    printf ("hello: %d of %d answered\n", answered, REQUESTS);
    return answered == REQUESTS ? 0 : 1;
}
