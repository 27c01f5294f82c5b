/*  helpers.h: the few things every example needs.

    - DIE_IF(cond, what): print what failed (with zmq's error text) and exit(1). Examples
      exit 0 only when everything they set out to do worked.
    - recv_str / send_str / send_str_more: one frame as a C string.
    - pause_ms, random_between: simulated work and made-up data.

    The examples here run over inproc, so each is one process with several threads; the
    context is the only thing they share. The tcp examples (tcp/, several processes each)
    add tcp/net.h.  */
#ifndef EXAMPLE_HELPERS_H
#define EXAMPLE_HELPERS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define DIE_IF(cond, what)                                                     \
    do {                                                                       \
        if (cond) {                                                            \
            fprintf (stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, (what),   \
                     zmq_strerror (zmq_errno ()));                             \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

/*  A zmq call returning -1 on error must succeed.  */
#define MUST(call) DIE_IF ((call) == -1, #call)

/*  Receives one frame as a NUL-terminated string the caller frees. NULL on error (ETERM
    when the context is shutting down, EAGAIN on a receive timeout).  */
static inline char *recv_str (void *socket)
{
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    int size = zmq_msg_recv (&frame, socket, 0);
    if (size < 0) {
        int err = zmq_errno ();
        zmq_msg_close (&frame);
        errno = err;
        return NULL;
    }
    char *text = (char *) malloc ((size_t) size + 1);
    if (text) {
        memcpy (text, zmq_msg_data (&frame), (size_t) size);
        text[size] = '\0';
    }
    zmq_msg_close (&frame);
    return text;
}

/*  Sends a string as one frame (without its NUL); the last frame of a message.  */
static inline int send_str (void *socket, const char *text)
{
    return zmq_send (socket, text, strlen (text), 0);
}

/*  The same, with more frames to follow.  */
static inline int send_str_more (void *socket, const char *text)
{
    return zmq_send (socket, text, strlen (text), ZMQ_SNDMORE);
}

/*  True if the last frame received on socket had more frames after it.  */
static inline int more_to_come (void *socket)
{
    int more = 0;
    size_t size = sizeof more;
    zmq_getsockopt (socket, ZMQ_RCVMORE, &more, &size);
    return more;
}

/*  Gives up on a receive after ms milliseconds (EAGAIN) instead of waiting forever: a
    broken peer then ends the example with an error rather than a hang.  */
static inline void recv_timeout (void *socket, int ms)
{
    MUST (zmq_setsockopt (socket, ZMQ_RCVTIMEO, &ms, sizeof ms));
}

static inline void pause_ms (int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    nanosleep (&ts, NULL);
}

/*  A pseudo-random number in [low, high], from a per-caller seed.  */
static inline int random_between (unsigned *seed, int low, int high)
{
    return low + (int) (rand_r (seed) % (unsigned) (high - low + 1));
}

#endif
