/*  net.h: what the tcp examples add to helpers.h.

    The tcp examples are separate processes. A process that binds asks for a free port
    (tcp://127.0.0.1:*), reads back the endpoint it got (ZMQ_LAST_ENDPOINT) and writes it to
    a file the runner (scripts/run-examples.sh) names on its command line; the runner waits
    for that file and passes the endpoints on to the other processes as arguments. So no
    port is hard-wired, and two examples never collide.

    - bind_any: bind to a free port on 127.0.0.1, return the endpoint.
    - write_endpoints: publish the bound endpoints, one per line (written, then renamed into
      place, so the runner never reads half a file).
    - wait_subscribers / send_kill: a publisher that must reach every subscriber (a kill
      signal) first waits until it has seen each one's subscription on an XPUB socket with
      ZMQ_XPUB_VERBOSE, instead of sleeping and hoping.
    - proxy_until: zmq_proxy_steerable, stopped after a given number of replies.  */
#ifndef EXAMPLE_NET_H
#define EXAMPLE_NET_H

#include "../helpers.h"

#include <unistd.h>

/*  Every receive in the tcp examples gives up after this long: a broken peer then ends the
    example with an error rather than a hang (generous: valgrind is slow).  */
#define NET_TIMEOUT_MS 60000

/*  Line-buffered stdout, so the lines of several processes interleave sensibly.  */
static inline void net_setup (void)
{
    setvbuf (stdout, NULL, _IOLBF, 0);
}

/*  Binds socket to a free port on the loopback interface; endpoint receives
    "tcp://127.0.0.1:PORT".  */
static inline void bind_any (void *socket, char *endpoint, size_t size)
{
    MUST (zmq_bind (socket, "tcp://127.0.0.1:*"));
    MUST (zmq_getsockopt (socket, ZMQ_LAST_ENDPOINT, endpoint, &size));
}

/*  Writes count endpoints to path, one per line.  */
static inline void write_endpoints (const char *path, int count, char endpoints[][256])
{
    char temp[4096];
    snprintf (temp, sizeof temp, "%s.tmp", path);
    FILE *file = fopen (temp, "w");
    DIE_IF (!file, "cannot create the endpoint file");
    for (int i = 0; i < count; i++)
        fprintf (file, "%s\n", endpoints[i]);
    DIE_IF (fclose (file) != 0, "cannot write the endpoint file");
    DIE_IF (rename (temp, path) != 0, "cannot rename the endpoint file");
}

/*  An XPUB socket bound to a free port, passing every subscription up (verbose).  */
static inline void *control_publisher (void *context, char *endpoint)
{
    void *control = zmq_socket (context, ZMQ_XPUB);
    DIE_IF (!control, "control socket");
    int verbose = 1;
    MUST (zmq_setsockopt (control, ZMQ_XPUB_VERBOSE, &verbose, sizeof verbose));
    recv_timeout (control, NET_TIMEOUT_MS);
    bind_any (control, endpoint, 256);
    return control;
}

/*  Waits until count subscriptions have arrived on the XPUB socket control: from then on,
    every one of those subscribers gets what is published.  */
static inline void wait_subscribers (void *control, int count)
{
    for (int seen = 0; seen < count;) {
        char frame[64];
        int size = zmq_recv (control, frame, sizeof frame, 0);
        DIE_IF (size == -1, "waiting for subscribers");
        if (size > 0 && frame[0] == 1)
            seen++;
    }
}

/*  Sends "KILL" to count subscribers, once all of them are listening.  */
static inline void send_kill (void *control, int count)
{
    wait_subscribers (control, count);
    MUST (send_str (control, "KILL"));
}

/*  A SUB socket connected to a kill-signal publisher.  */
static inline void *kill_subscriber (void *context, const char *endpoint)
{
    void *controller = zmq_socket (context, ZMQ_SUB);
    DIE_IF (!controller, "controller socket");
    MUST (zmq_setsockopt (controller, ZMQ_SUBSCRIBE, "KILL", 4));
    MUST (zmq_connect (controller, endpoint));
    return controller;
}

/*  Parses a positive count from the command line.  */
static inline int arg_count (const char *text)
{
    char *end;
    long value = strtol (text, &end, 10);
    if (*end || value <= 0 || value > 1000000) {
        fprintf (stderr, "not a count: %s\n", text);
        exit (2);
    }
    return (int) value;
}

/*  The capture side of proxy_until: a thread reading everything the proxy passes, counting
    the messages whose last frame is the reply text, telling the proxy to TERMINATE once
    there have been enough.  */
struct proxy_watch
{
    void *context;
    const char *reply;
    int replies;
    int seen;
};

static inline void *proxy_watcher (void *arg)
{
    struct proxy_watch *self = (struct proxy_watch *) arg;
    void *capture = zmq_socket (self->context, ZMQ_PULL);
    void *control = zmq_socket (self->context, ZMQ_PUSH);
    DIE_IF (!capture || !control, "watcher sockets");
    MUST (zmq_connect (capture, "inproc://capture"));
    MUST (zmq_connect (control, "inproc://control"));
    while (self->seen < self->replies) {
        char *frame = recv_str (capture);
        DIE_IF (!frame, "capture receive");
        if (!more_to_come (capture) && strcmp (frame, self->reply) == 0)
            self->seen++;
        free (frame);
    }
    /*  The proxy sends each frame to the capture socket just before it sends it on, and
        reads the control socket only between messages: the last reply has gone to its
        client before the proxy acts on this.  */
    MUST (send_str (control, "TERMINATE"));
    zmq_close (capture);
    zmq_close (control);
    return NULL;
}

/*  Runs zmq_proxy_steerable between frontend and backend until replies messages ending in
    the frame reply have gone through. Returns how many did.  */
static inline int proxy_until (void *context, void *frontend, void *backend, const char *reply,
                               int replies)
{
    void *capture = zmq_socket (context, ZMQ_PUSH);
    void *control = zmq_socket (context, ZMQ_PULL);
    DIE_IF (!capture || !control, "proxy sockets");
    MUST (zmq_bind (capture, "inproc://capture"));
    MUST (zmq_bind (control, "inproc://control"));
    struct proxy_watch watch = {context, reply, replies, 0};
    pthread_t thread;
    DIE_IF (pthread_create (&thread, NULL, proxy_watcher, &watch), "pthread_create");
    MUST (zmq_proxy_steerable (frontend, backend, capture, control));
    pthread_join (thread, NULL);
    zmq_close (capture);
    zmq_close (control);
    return watch.seen;
}

#endif
