/*
    Monitor helpers for the C API tests: read v1 events, wait for one, open a reader.
*/
#ifndef ZMQ_MONUTIL_H
#define ZMQ_MONUTIL_H

#include <stdint.h>
#include <string.h>

/*  Include after testutil.h (for now_ms).  */

/*  Reads one v1 event within ms: returns the event (and its value and endpoint), or -1.
    Also checks the layout: 6 bytes with MORE, then the last frame.  */
static int get_event (void *mon, uint32_t *value, char *ep, size_t eplen, int ms)
{
    if (zmq_setsockopt (mon, ZMQ_RCVTIMEO, &ms, sizeof ms) != 0)
        return -1;
    zmq_msg_t m;
    zmq_msg_init (&m);
    if (zmq_msg_recv (&m, mon, 0) == -1) {
        zmq_msg_close (&m);
        return -1;
    }
    if (zmq_msg_size (&m) != 6 || !zmq_msg_more (&m)) {
        zmq_msg_close (&m);
        return -2;
    }
    const uint8_t *d = (const uint8_t *) zmq_msg_data (&m);
    uint16_t event;
    uint32_t v;
    memcpy (&event, d, 2);
    memcpy (&v, d + 2, 4);
    if (value)
        *value = v;
    zmq_msg_close (&m);
    zmq_msg_init (&m);
    if (zmq_msg_recv (&m, mon, 0) == -1 || zmq_msg_more (&m)) {
        zmq_msg_close (&m);
        return -2;
    }
    if (ep) {
        size_t n = zmq_msg_size (&m) < eplen - 1 ? zmq_msg_size (&m) : eplen - 1;
        memcpy (ep, zmq_msg_data (&m), n);
        ep[n] = 0;
    }
    zmq_msg_close (&m);
    return event;
}

/*  Skips events until `want` comes (within ms in all): 1 if it came, else 0.  */
static int wait_event (void *mon, int want, uint32_t *value, char *ep, size_t eplen, int ms)
{
    long long deadline = now_ms () + ms;
    while (now_ms () < deadline) {
        int left = (int) (deadline - now_ms ());
        int e = get_event (mon, value, ep, eplen, left > 0 ? left : 1);
        if (e == want)
            return 1;
        if (e < 0)
            return 0;
    }
    return 0;
}

/*  A PAIR reading the monitor at addr.  */
static void *mon_reader (void *ctx, const char *addr)
{
    void *r = zmq_socket (ctx, ZMQ_PAIR);
    if (r && zmq_connect (r, addr) != 0) {
        zmq_close (r);
        return NULL;
    }
    return r;
}

#endif
