/*
    Raw TCP peers for the monitor and heartbeat tests: plain BSD sockets (with receive and
    send timeouts, so a bug fails a case instead of hanging it), a ZMTP 3.1 NULL greeting and
    READY written by hand (RFC 23/37), and a frame reader.
*/
#ifndef ZMQ_RAWUTIL_H
#define ZMQ_RAWUTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#define RAW_TIMEOUT_MS 5000

static void raw_timeouts (int fd, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/*  The port of a socket bound on tcp://127.0.0.1:*, from ZMQ_LAST_ENDPOINT; -1 on error.  */
static int zmq_port (void *s)
{
    char ep[256];
    size_t len = sizeof ep;
    if (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len) != 0)
        return -1;
    const char *colon = strrchr (ep, ':');
    return colon ? atoi (colon + 1) : -1;
}

static int raw_connect (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    raw_timeouts (fd, RAW_TIMEOUT_MS);
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons ((uint16_t) port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    if (connect (fd, (struct sockaddr *) &a, sizeof a) != 0) {
        close (fd);
        return -1;
    }
    return fd;
}

/*  A raw listener on 127.0.0.1, any port (into *port); -1 on error.  */
static int raw_listen (int *port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind (fd, (struct sockaddr *) &a, sizeof a) != 0 || listen (fd, 4) != 0
        || getsockname (fd, (struct sockaddr *) &a, &len) != 0) {
        close (fd);
        return -1;
    }
    *port = ntohs (a.sin_port);
    return fd;
}

static int raw_accept (int lfd)
{
    struct pollfd p = {lfd, POLLIN, 0};
    if (poll (&p, 1, RAW_TIMEOUT_MS) != 1)
        return -1;
    int fd = accept (lfd, NULL, NULL);
    if (fd >= 0)
        raw_timeouts (fd, RAW_TIMEOUT_MS);
    return fd;
}

static int write_all (int fd, const void *data, size_t n)
{
    const char *p = (const char *) data;
    while (n > 0) {
        ssize_t w = send (fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t) w;
    }
    return 0;
}

static int read_exact (int fd, void *buf, size_t n)
{
    char *p = (char *) buf;
    while (n > 0) {
        ssize_t r = recv (fd, p, n, 0);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t) r;
    }
    return 0;
}

/*  A 64-octet ZMTP 3.1 greeting for `mechanism`, as client.  */
static void raw_greeting (unsigned char g[64], const char *mechanism)
{
    memset (g, 0, 64);
    g[0] = 0xff;
    g[8] = 1;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = 1;
    memcpy (g + 12, mechanism, strlen (mechanism));
}

/*  Reads one frame: *command set for a command; the body (cut to cap) into buf; returns the
    body size, or -1 on EOF, error, timeout or a frame too long for this helper.  */
static long raw_read_frame (int fd, unsigned char *buf, size_t cap, int *command)
{
    unsigned char flags, b8[8];
    if (read_exact (fd, &flags, 1) != 0)
        return -1;
    size_t size;
    if (flags & 2) {
        if (read_exact (fd, b8, 8) != 0)
            return -1;
        size = 0;
        for (int i = 0; i < 8; i++)
            size = (size << 8) | b8[i];
    } else {
        if (read_exact (fd, b8, 1) != 0)
            return -1;
        size = b8[0];
    }
    if (size > cap)
        return -1;
    if (read_exact (fd, buf, size) != 0)
        return -1;
    *command = (flags & 4) != 0;
    return (long) size;
}

/*  The NULL handshake from a raw peer of type `socket_type` (e.g. "DEALER"): greeting both
    ways, then READY both ways. 0 on success.  */
static int raw_handshake (int fd, const char *socket_type)
{
    unsigned char g[64], peer[64], body[512];
    raw_greeting (g, "NULL");
    if (write_all (fd, g, sizeof g) != 0 || read_exact (fd, peer, sizeof peer) != 0)
        return -1;
    size_t tl = strlen (socket_type);
    unsigned char ready[64];
    size_t n = 0;
    ready[n++] = 4;
    ready[n++] = (unsigned char) (6 + 1 + 11 + 4 + tl);
    ready[n++] = 5;
    memcpy (ready + n, "READY", 5);
    n += 5;
    ready[n++] = 11;
    memcpy (ready + n, "Socket-Type", 11);
    n += 11;
    ready[n++] = 0;
    ready[n++] = 0;
    ready[n++] = 0;
    ready[n++] = (unsigned char) tl;
    memcpy (ready + n, socket_type, tl);
    n += tl;
    if (write_all (fd, ready, n) != 0)
        return -1;
    int cmd = 0;
    long got = raw_read_frame (fd, body, sizeof body, &cmd);
    if (got < 6 || !cmd || memcmp (body, "\5READY", 6) != 0)
        return -1;
    return 0;
}

#endif
