/*  tcp and ipc through the C API: endpoint forms (wildcards, interface names, IPv6,
    localhost, source addresses, abstract and wildcard ipc), unbind/disconnect, bind errors
    (EADDRINUSE, ENAMETOOLONG, ENODEV), stale ipc files, several I/O threads, and the
    transport options, checked where the kernel shows them.

    Option effects are observed on the library's own descriptors: they live in this process,
    so the test finds the descriptor of a connection by its addresses (getsockname /
    getpeername over the open fds) and reads the option back with getsockopt. Accept filters
    are observed with a raw peer: an accepted connection gets the ZMTP signature at once, a
    refused one is closed without a byte.

    Expected results are libzmq 4.3's (zmq_tcp(7), zmq_ipc(7), zmq_setsockopt(3)); every case
    here also passes against the system libzmq (drafts aside).  */
#include "testutil.h"
#include "rawutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/*  ------------------------------------------------------------------------------------------
    Raw socket helpers  */

static int port_of (const char *endpoint)
{
    const char *colon = strrchr (endpoint, ':');
    return colon ? atoi (colon + 1) : -1;
}

static void last_endpoint (void *s, char *buf, size_t n)
{
    size_t len = n;
    buf[0] = 0;
    zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &len);
}

static struct sockaddr_in loopback (int port)
{
    struct sockaddr_in a;
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons ((uint16_t) port);
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    return a;
}

/*  A port of 127.0.0.1 that was free a moment ago.  */
static int free_port (void)
{
    int port = -1;
    int fd = raw_listen (&port);
    if (fd >= 0)
        close (fd);
    return port;
}

static int raw_connect_ipc (const char *path)
{
    int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a;
    memset (&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strncpy (a.sun_path, path, sizeof a.sun_path - 1);
    if (fd >= 0 && connect (fd, (struct sockaddr *) &a, sizeof a) != 0) {
        close (fd);
        return -1;
    }
    return fd;
}

/*  What the peer of a raw connection does first: 1 = sent bytes (the ZMTP signature),
    0 = closed without a byte, -1 = nothing within ms.  */
static int first_reaction (int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll (&p, 1, ms) <= 0)
        return -1;
    char buf[64];
    ssize_t n = recv (fd, buf, sizeof buf, 0);
    return n > 0 ? 1 : 0;
}

static int same_addr (const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    return a->sin_family == b->sin_family && a->sin_port == b->sin_port
           && a->sin_addr.s_addr == b->sin_addr.s_addr;
}

/*  The descriptor of this process, other than `except`, whose local address is `local`
    (and, when `peer` is given, whose peer address is `peer`); -1 if none within 2 s.  */
static int find_fd (const struct sockaddr_in *local, const struct sockaddr_in *peer, int except)
{
    long long end = now_ms () + TU_SHORT_TIMEOUT_MS;
    do {
        for (int fd = 0; fd < 1024; fd++) {
            struct sockaddr_in a;
            socklen_t len = sizeof a;
            if (fd == except || getsockname (fd, (struct sockaddr *) &a, &len) != 0
                || len != sizeof a || !same_addr (&a, local))
                continue;
            if (peer) {
                len = sizeof a;
                if (getpeername (fd, (struct sockaddr *) &a, &len) != 0 || !same_addr (&a, peer))
                    continue;
            }
            return fd;
        }
        msleep (10);
    } while (now_ms () < end);
    return -1;
}

static int get_fd_int (int fd, int level, int name)
{
    int v = -12345;
    socklen_t len = sizeof v;
    if (getsockopt (fd, level, name, &v, &len) != 0)
        return -12345;
    return v;
}

/*  A PAIR round trip in both directions.  */
#define ROUND_TRIP(a, b)                                                       \
    do {                                                                       \
        SEND_STR (a, "ping");                                                  \
        RECV_STR (b, "ping");                                                  \
        SEND_STR (b, "pong");                                                  \
        RECV_STR (a, "pong");                                                  \
    } while (0)

/*  ------------------------------------------------------------------------------------------
    Endpoint forms  */

TEST (tcp_wildcard_address_and_port)
{
    void *ctx = zmq_ctx_new ();
    void *srv = mk_nolinger (ctx, ZMQ_PAIR), *cli = mk_nolinger (ctx, ZMQ_PAIR);
    char ep[256], conn[256];
    CHECK_OK (zmq_bind (srv, "tcp://*:*"));
    last_endpoint (srv, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://0.0.0.0:", 14) == 0);
    CHECK (port_of (ep) > 0);
    snprintf (conn, sizeof conn, "tcp://127.0.0.1:%d", port_of (ep));
    CHECK_OK (zmq_connect (cli, conn));
    CHECK_STR_EQ ((last_endpoint (cli, ep, sizeof ep), ep), conn);
    ROUND_TRIP (cli, srv);
    CLOSE_ALL (cli, srv);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (tcp_interface_name)
{
    void *ctx = zmq_ctx_new ();
    void *srv = mk_nolinger (ctx, ZMQ_PAIR), *cli = mk_nolinger (ctx, ZMQ_PAIR);
    char ep[256];
    CHECK_OK (zmq_bind (srv, "tcp://lo:*"));
    last_endpoint (srv, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://127.0.0.1:", 16) == 0);
    CHECK_OK (zmq_connect (cli, ep));
    ROUND_TRIP (cli, srv);
    /*  Neither an address nor an interface.  */
    CHECK_ERR (zmq_bind (srv, "tcp://no-such-if0:*"), ENODEV);
    CLOSE_ALL (cli, srv);
    CHECK_OK (zmq_ctx_term (ctx));
}

static int have_ipv6_loopback (void)
{
    int fd = socket (AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a;
    memset (&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    int ok = fd >= 0 && bind (fd, (struct sockaddr *) &a, sizeof a) == 0;
    if (fd >= 0)
        close (fd);
    return ok;
}

TEST (tcp_ipv6_loopback)
{
    void *ctx = zmq_ctx_new ();
    void *srv = mk_nolinger (ctx, ZMQ_PAIR), *cli = mk_nolinger (ctx, ZMQ_PAIR);
    char ep[256];
    /*  Without ZMQ_IPV6 an IPv6 literal is no IPv4 address and no interface.  */
    CHECK_ERR (zmq_bind (srv, "tcp://[::1]:*"), ENODEV);
    if (have_ipv6_loopback ()) {
        CHECK_OK (set_int (srv, ZMQ_IPV6, 1));
        CHECK_OK (set_int (cli, ZMQ_IPV6, 1));
        CHECK_OK (zmq_bind (srv, "tcp://[::1]:*"));
        last_endpoint (srv, ep, sizeof ep);
        CHECK (strncmp (ep, "tcp://[::1]:", 12) == 0);
        CHECK_OK (zmq_connect (cli, ep));
        ROUND_TRIP (cli, srv);
    } else {
        printf ("  (no IPv6 loopback: only the ENODEV case ran)\n");
    }
    CLOSE_ALL (cli, srv);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (tcp_connect_localhost)
{
    void *ctx = zmq_ctx_new ();
    void *srv = mk_nolinger (ctx, ZMQ_PAIR), *cli = mk_nolinger (ctx, ZMQ_PAIR);
    char ep[256], conn[256];
    CHECK_OK (zmq_bind (srv, "tcp://127.0.0.1:*"));
    last_endpoint (srv, ep, sizeof ep);
    snprintf (conn, sizeof conn, "tcp://localhost:%d", port_of (ep));
    CHECK_OK (zmq_connect (cli, conn));
    ROUND_TRIP (cli, srv);
    CLOSE_ALL (cli, srv);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (tcp_source_address)
{
    void *ctx = zmq_ctx_new ();
    void *srv = mk_nolinger (ctx, ZMQ_PAIR), *cli = mk_nolinger (ctx, ZMQ_PAIR);
    void *cli2 = mk_nolinger (ctx, ZMQ_DEALER);
    char ep[256], conn[256];
    CHECK_OK (zmq_bind (srv, "tcp://127.0.0.1:*"));
    last_endpoint (srv, ep, sizeof ep);
    snprintf (conn, sizeof conn, "tcp://127.0.0.1:0;127.0.0.1:%d", port_of (ep));
    CHECK_OK (zmq_connect (cli, conn));
    ROUND_TRIP (cli, srv);

    /*  A fixed source port is the one the peer sees.  */
    int lport = 0, src = free_port ();
    int lfd = raw_listen (&lport);
    CHECK (lfd >= 0 && src > 0);
    snprintf (conn, sizeof conn, "tcp://127.0.0.1:%d;127.0.0.1:%d", src, lport);
    CHECK_OK (zmq_connect (cli2, conn));
    struct pollfd p = {lfd, POLLIN, 0};
    CHECK_EQ (poll (&p, 1, TU_TIMEOUT_MS), 1);
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    int afd = accept (lfd, (struct sockaddr *) &peer, &len);
    CHECK (afd >= 0);
    CHECK_EQ (ntohs (peer.sin_port), src);
    close (afd);
    close (lfd);
    CLOSE_ALL (cli, cli2, srv);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (tcp_unbind_and_disconnect)
{
    void *ctx = zmq_ctx_new ();
    void *pull = mk_nolinger (ctx, ZMQ_PULL), *push = mk_nolinger (ctx, ZMQ_PUSH);
    char ep[256], given[256];
    int port = free_port ();
    snprintf (given, sizeof given, "tcp://127.0.0.1:%d", port);
    CHECK_OK (zmq_bind (pull, given));
    CHECK_OK (zmq_connect (push, given));
    SEND_STR (push, "one");
    RECV_STR (pull, "one");

    /*  Disconnect by the string given; a second time there is nothing to end.  */
    CHECK_OK (zmq_disconnect (push, given));
    CHECK_ERR (zmq_disconnect (push, given), ENOENT);
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);

    /*  Unbind by the string given; the port is free again.  */
    CHECK_OK (zmq_unbind (pull, given));
    CHECK_ERR (zmq_unbind (pull, given), ENOENT);
    CHECK_OK (bind_retry (pull, given));
    CHECK_OK (zmq_unbind (pull, given));

    /*  After a wildcard: by the LAST_ENDPOINT text.  */
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK_OK (zmq_connect (push, ep));
    SEND_STR (push, "two");
    RECV_STR (pull, "two");
    CHECK_OK (zmq_unbind (pull, ep));
    CHECK_ERR (zmq_unbind (pull, ep), ENOENT);
    CHECK_ERR (zmq_disconnect (push, "tcp://127.0.0.1:1"), ENOENT);
    CHECK_OK (zmq_disconnect (push, ep));
    CLOSE_ALL (pull, push);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (tcp_eaddrinuse)
{
    void *ctx = zmq_ctx_new ();
    void *a = mk_nolinger (ctx, ZMQ_PULL), *b = mk_nolinger (ctx, ZMQ_PULL);
    char ep[256];
    CHECK_OK (zmq_bind (a, "tcp://127.0.0.1:*"));
    last_endpoint (a, ep, sizeof ep);
    CHECK_ERR (zmq_bind (b, ep), EADDRINUSE);
    CHECK_ERR (zmq_bind (a, ep), EADDRINUSE);
    CLOSE_ALL (a, b);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (ipc_wildcard_abstract_and_unbind)
{
    void *ctx = zmq_ctx_new ();
    void *srv = mk_nolinger (ctx, ZMQ_PAIR), *cli = mk_nolinger (ctx, ZMQ_PAIR);
    char ep[256];
    CHECK_OK (zmq_bind (srv, "ipc://*"));
    last_endpoint (srv, ep, sizeof ep);
    /*  A directory made for it under TMPDIR (libzmq: the current directory without one).  */
    CHECK (strncmp (ep, "ipc://", 6) == 0 && strlen (ep) > 6);
    struct stat st;
    CHECK (stat (ep + 6, &st) == 0 && S_ISSOCK (st.st_mode));
    CHECK_OK (zmq_connect (cli, ep));
    ROUND_TRIP (cli, srv);
    CHECK_OK (zmq_disconnect (cli, ep));
    CHECK_ERR (zmq_disconnect (cli, ep), ENOENT);
    CHECK_OK (zmq_unbind (srv, ep));
    CHECK_ERR (zmq_unbind (srv, ep), ENOENT);
    /*  A PAIR takes one peer: the next test gets fresh ones.  */
    CLOSE_ALL (cli, srv);
    srv = mk_nolinger (ctx, ZMQ_PAIR);
    cli = mk_nolinger (ctx, ZMQ_PAIR);

    /*  Abstract namespace: no file, the name shows with its '@'.  */
    char name[64];
    snprintf (name, sizeof name, "ipc://@zmq-test-abstract-%d", (int) getpid ());
    CHECK_OK (zmq_bind (srv, name));
    CHECK_STR_EQ ((last_endpoint (srv, ep, sizeof ep), ep), name);
    CHECK_OK (zmq_connect (cli, name));
    ROUND_TRIP (cli, srv);
    CHECK_OK (zmq_unbind (srv, name));
    CLOSE_ALL (cli, srv);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (ipc_path_too_long)
{
    void *ctx = zmq_ctx_new ();
    void *s = mk_nolinger (ctx, ZMQ_PAIR);
    char ep[256] = "ipc:///tmp/";
    memset (ep + strlen (ep), 'a', 110);
    CHECK_ERR (zmq_bind (s, ep), ENAMETOOLONG);
    CHECK_ERR (zmq_connect (s, ep), ENAMETOOLONG);
    CLOSE_ALL (s);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (ipc_stale_socket_file)
{
    char path[108], ep[128];
    snprintf (path, sizeof path, "/tmp/zmq-test-stale-%d.sock", (int) getpid ());
    unlink (path);
    /*  What a crashed process leaves: a socket file nobody listens on.  */
    int fd = socket (AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    memset (&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strcpy (a.sun_path, path);
    CHECK (fd >= 0 && bind (fd, (struct sockaddr *) &a, sizeof a) == 0);
    close (fd);
    CHECK (raw_connect_ipc (path) < 0);

    void *ctx = zmq_ctx_new ();
    void *srv = mk_nolinger (ctx, ZMQ_PAIR), *cli = mk_nolinger (ctx, ZMQ_PAIR);
    snprintf (ep, sizeof ep, "ipc://%s", path);
    CHECK_OK (zmq_bind (srv, ep));
    CHECK_OK (zmq_connect (cli, ep));
    ROUND_TRIP (cli, srv);
    CLOSE_ALL (cli, srv);
    CHECK_OK (zmq_ctx_term (ctx));
    unlink (path);
}

/*  Threads of this process named as libzmq names its I/O threads.  */
static int io_thread_count (void)
{
    int n = 0;
    DIR *d = opendir ("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir (d))) {
        char path[300], comm[32] = "";
        snprintf (path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen (path, "r");
        if (!f)
            continue;
        if (fgets (comm, sizeof comm, f) && strncmp (comm, "ZMQbg/IO/", 9) == 0)
            n++;
        fclose (f);
    }
    if (d)
        closedir (d);
    return n;
}

TEST (io_threads_several_connections)
{
    /*  An earlier test's I/O thread, joined by its zmq_ctx_term, can still be listed in
        /proc for a moment while the kernel finishes its exit: wait until none is.  */
    for (int i = 0; i < 5000 && io_thread_count () > 0; i++)
        msleep (1);
    CHECK_EQ (io_thread_count (), 0);
    void *ctx = zmq_ctx_new ();
    CHECK_OK (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2));
    void *pull = mk_nolinger (ctx, ZMQ_PULL);
    void *push[8];
    char ep[256];
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    last_endpoint (pull, ep, sizeof ep);
    for (int i = 0; i < 8; i++) {
        push[i] = mk_nolinger (ctx, ZMQ_PUSH);
        CHECK_OK (zmq_connect (push[i], ep));
    }
    for (int i = 0; i < 8; i++)
        SEND_STR (push[i], "hi");
    for (int i = 0; i < 8; i++)
        RECV_STR (pull, "hi");
    CHECK_EQ (io_thread_count (), 2);
    for (int i = 0; i < 8; i++)
        CHECK_OK (zmq_close (push[i]));
    CLOSE_ALL (pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  ------------------------------------------------------------------------------------------
    Options  */

TEST (tcp_accept_filter)
{
    void *ctx = zmq_ctx_new ();
    void *srv = mk_nolinger (ctx, ZMQ_PULL), *push = mk_nolinger (ctx, ZMQ_PUSH);
    char ep[256];
    CHECK_OK (zmq_setsockopt (srv, ZMQ_TCP_ACCEPT_FILTER, "10.0.0.0/8", 10));
    CHECK_OK (zmq_bind (srv, "tcp://127.0.0.1:*"));
    last_endpoint (srv, ep, sizeof ep);
    /*  Refused: closed without a byte; a zmq peer never delivers.  */
    int fd = raw_connect (port_of (ep));
    CHECK (fd >= 0);
    CHECK_EQ (first_reaction (fd, TU_TIMEOUT_MS), 0);
    close (fd);
    CHECK_OK (set_int (push, ZMQ_RECONNECT_IVL, 50));
    CHECK_OK (zmq_connect (push, ep));
    SEND_STR (push, "lost");
    CHECK (!wait_in (srv, 300));
    CLOSE_ALL (srv, push);

    /*  Allowed once 127.0.0.1 is listed (filters are in force for later binds).  */
    srv = mk_nolinger (ctx, ZMQ_PULL);
    push = mk_nolinger (ctx, ZMQ_PUSH);
    CHECK_OK (zmq_setsockopt (srv, ZMQ_TCP_ACCEPT_FILTER, "10.0.0.0/8", 10));
    CHECK_OK (zmq_setsockopt (srv, ZMQ_TCP_ACCEPT_FILTER, "127.0.0.1", 9));
    CHECK_OK (zmq_bind (srv, "tcp://127.0.0.1:*"));
    last_endpoint (srv, ep, sizeof ep);
    fd = raw_connect (port_of (ep));
    CHECK_EQ (first_reaction (fd, TU_TIMEOUT_MS), 1);
    close (fd);
    CHECK_OK (zmq_connect (push, ep));
    SEND_STR (push, "kept");
    RECV_STR (srv, "kept");
    CLOSE_ALL (srv, push);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (ipc_peer_filters)
{
    void *ctx = zmq_ctx_new ();
    void *srv = mk_nolinger (ctx, ZMQ_PULL);
    char ep[256];
    int other = (int) getuid () + 4242, me = (int) getuid (), pid = (int) getpid ();
    CHECK_OK (zmq_setsockopt (srv, ZMQ_IPC_FILTER_UID, &other, sizeof other));
    CHECK_OK (zmq_bind (srv, "ipc://*"));
    last_endpoint (srv, ep, sizeof ep);
    int fd = raw_connect_ipc (ep + 6);
    CHECK (fd >= 0);
    CHECK_EQ (first_reaction (fd, TU_TIMEOUT_MS), 0);
    close (fd);
    CLOSE_ALL (srv);

    /*  Our uid listed: in. Our pid listed (with a foreign uid): in too.  */
    srv = mk_nolinger (ctx, ZMQ_PULL);
    CHECK_OK (zmq_setsockopt (srv, ZMQ_IPC_FILTER_UID, &other, sizeof other));
    CHECK_OK (zmq_setsockopt (srv, ZMQ_IPC_FILTER_UID, &me, sizeof me));
    CHECK_OK (zmq_bind (srv, "ipc://*"));
    last_endpoint (srv, ep, sizeof ep);
    fd = raw_connect_ipc (ep + 6);
    CHECK_EQ (first_reaction (fd, TU_TIMEOUT_MS), 1);
    close (fd);
    CLOSE_ALL (srv);

    srv = mk_nolinger (ctx, ZMQ_PULL);
    CHECK_OK (zmq_setsockopt (srv, ZMQ_IPC_FILTER_GID, &other, sizeof other));
    CHECK_OK (zmq_setsockopt (srv, ZMQ_IPC_FILTER_PID, &pid, sizeof pid));
    CHECK_OK (zmq_bind (srv, "ipc://*"));
    last_endpoint (srv, ep, sizeof ep);
    fd = raw_connect_ipc (ep + 6);
    CHECK_EQ (first_reaction (fd, TU_TIMEOUT_MS), 1);
    close (fd);
    CLOSE_ALL (srv);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (use_fd_tcp)
{
    void *ctx = zmq_ctx_new ();
    void *srv = mk_nolinger (ctx, ZMQ_PAIR), *cli = mk_nolinger (ctx, ZMQ_PAIR);
    char ep[256], given[256];
    int port = 0;
    int lfd = raw_listen (&port);
    CHECK (lfd >= 0);
    CHECK_OK (set_int (srv, ZMQ_USE_FD, lfd));
    CHECK_EQ (get_int (srv, ZMQ_USE_FD), lfd);
    snprintf (given, sizeof given, "tcp://127.0.0.1:%d", port);
    CHECK_OK (zmq_bind (srv, given));
    CHECK_STR_EQ ((last_endpoint (srv, ep, sizeof ep), ep), given);
    CHECK_OK (zmq_connect (cli, given));
    ROUND_TRIP (cli, srv);
    CLOSE_ALL (cli, srv);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (use_fd_ipc)
{
    void *ctx = zmq_ctx_new ();
    void *srv = mk_nolinger (ctx, ZMQ_PAIR), *cli = mk_nolinger (ctx, ZMQ_PAIR);
    char path[108], ep[256], given[256];
    snprintf (path, sizeof path, "/tmp/zmq-test-usefd-%d.sock", (int) getpid ());
    unlink (path);
    int lfd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a;
    memset (&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strcpy (a.sun_path, path);
    CHECK (lfd >= 0 && bind (lfd, (struct sockaddr *) &a, sizeof a) == 0 && listen (lfd, 8) == 0);
    CHECK_OK (set_int (srv, ZMQ_USE_FD, lfd));
    snprintf (given, sizeof given, "ipc://%s", path);
    CHECK_OK (zmq_bind (srv, given));
    CHECK_STR_EQ ((last_endpoint (srv, ep, sizeof ep), ep), given);
    CHECK_OK (zmq_connect (cli, given));
    ROUND_TRIP (cli, srv);
    CLOSE_ALL (cli, srv);
    CHECK_OK (zmq_ctx_term (ctx));
    unlink (path);
}

/*  The options of a connection our socket made to a raw listener, read off our side.  */
TEST (connect_side_socket_options)
{
    void *ctx = zmq_ctx_new ();
    void *cli = mk_nolinger (ctx, ZMQ_DEALER);
    char ep[256];
    CHECK_OK (set_int (cli, ZMQ_TOS, 0x28));
    CHECK_OK (set_int (cli, ZMQ_SNDBUF, 65536));
    CHECK_OK (set_int (cli, ZMQ_RCVBUF, 32768));
    CHECK_OK (set_int (cli, ZMQ_TCP_KEEPALIVE, 1));
    CHECK_OK (set_int (cli, ZMQ_TCP_KEEPALIVE_IDLE, 77));
    CHECK_OK (set_int (cli, ZMQ_TCP_KEEPALIVE_INTVL, 11));
    CHECK_OK (set_int (cli, ZMQ_TCP_KEEPALIVE_CNT, 5));
    CHECK_OK (set_int (cli, ZMQ_TCP_MAXRT, 4321));
#ifdef ZMQ_PRIORITY
    CHECK_OK (set_int (cli, ZMQ_PRIORITY, 3));
#endif
    int port = 0;
    int lfd = raw_listen (&port);
    CHECK (lfd >= 0);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    CHECK_OK (zmq_connect (cli, ep));
    struct pollfd p = {lfd, POLLIN, 0};
    CHECK_EQ (poll (&p, 1, TU_TIMEOUT_MS), 1);
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    int afd = accept (lfd, (struct sockaddr *) &peer, &len);
    CHECK (afd >= 0);
    /*  libzmq tunes keepalives once connected: wait for its greeting.  */
    CHECK_EQ (first_reaction (afd, TU_TIMEOUT_MS), 1);
    int fd = find_fd (&peer, NULL, afd);
    CHECK (fd >= 0);
    if (fd >= 0) {
        CHECK_EQ (get_fd_int (fd, IPPROTO_IP, IP_TOS), 0x28);
        /*  The kernel doubles what it was given.  */
        CHECK_EQ (get_fd_int (fd, SOL_SOCKET, SO_SNDBUF), 2 * 65536);
        CHECK_EQ (get_fd_int (fd, SOL_SOCKET, SO_RCVBUF), 2 * 32768);
        CHECK_EQ (get_fd_int (fd, SOL_SOCKET, SO_KEEPALIVE), 1);
        CHECK_EQ (get_fd_int (fd, IPPROTO_TCP, TCP_KEEPIDLE), 77);
        CHECK_EQ (get_fd_int (fd, IPPROTO_TCP, TCP_KEEPINTVL), 11);
        CHECK_EQ (get_fd_int (fd, IPPROTO_TCP, TCP_KEEPCNT), 5);
        CHECK_EQ (get_fd_int (fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 4321);
        CHECK_EQ (get_fd_int (fd, IPPROTO_TCP, TCP_NODELAY), 1);
#ifdef ZMQ_PRIORITY
        CHECK_EQ (get_fd_int (fd, SOL_SOCKET, SO_PRIORITY), 3);
#endif
    }
    close (afd);
    close (lfd);
    CLOSE_ALL (cli);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  The options of a listener and of a connection it accepted from a raw client.  */
TEST (accept_side_socket_options)
{
    void *ctx = zmq_ctx_new ();
    void *srv = mk_nolinger (ctx, ZMQ_ROUTER);
    char ep[256];
    CHECK_OK (set_int (srv, ZMQ_TOS, 0x10));
    CHECK_OK (set_int (srv, ZMQ_SNDBUF, 65536));
    CHECK_OK (set_int (srv, ZMQ_TCP_KEEPALIVE, 1));
    CHECK_OK (set_int (srv, ZMQ_TCP_KEEPALIVE_IDLE, 99));
    CHECK_OK (set_int (srv, ZMQ_TCP_MAXRT, 1234));
    CHECK_OK (zmq_bind (srv, "tcp://127.0.0.1:*"));
    last_endpoint (srv, ep, sizeof ep);
    struct sockaddr_in bound = loopback (port_of (ep));
    int lfd = find_fd (&bound, NULL, -1);
    CHECK (lfd >= 0);
    if (lfd >= 0) {
        CHECK_EQ (get_fd_int (lfd, SOL_SOCKET, SO_ACCEPTCONN), 1);
        CHECK_EQ (get_fd_int (lfd, SOL_SOCKET, SO_SNDBUF), 2 * 65536);
        CHECK_EQ (get_fd_int (lfd, SOL_SOCKET, SO_REUSEADDR), 1);
    }
    int cfd = raw_connect (port_of (ep));
    CHECK (cfd >= 0);
    /*  The session greets us only after the accepted connection got its options: wait for
        our signature so the checks below do not race the I/O thread.  */
    struct timeval tv = {5, 0};
    CHECK_OK (setsockopt (cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    unsigned char sig[10];
    size_t got = 0;
    while (got < sizeof sig) {
        ssize_t n = recv (cfd, sig + got, sizeof sig - got, 0);
        if (n <= 0)
            break;
        got += (size_t) n;
    }
    CHECK_EQ (got, sizeof sig);
    struct sockaddr_in me;
    socklen_t len = sizeof me;
    CHECK_OK (getsockname (cfd, (struct sockaddr *) &me, &len));
    int fd = find_fd (&bound, &me, cfd);
    CHECK (fd >= 0);
    if (fd >= 0) {
        CHECK_EQ (get_fd_int (fd, IPPROTO_IP, IP_TOS), 0x10);
        CHECK_EQ (get_fd_int (fd, SOL_SOCKET, SO_SNDBUF), 2 * 65536);
        CHECK_EQ (get_fd_int (fd, SOL_SOCKET, SO_KEEPALIVE), 1);
        CHECK_EQ (get_fd_int (fd, IPPROTO_TCP, TCP_KEEPIDLE), 99);
        CHECK_EQ (get_fd_int (fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 1234);
    }
    close (cfd);
    CLOSE_ALL (srv);
    CHECK_OK (zmq_ctx_term (ctx));
}

TEST (bindtodevice)
{
    void *ctx = zmq_ctx_new ();
    void *srv = mk_nolinger (ctx, ZMQ_PAIR), *cli = mk_nolinger (ctx, ZMQ_PAIR);
    char ep[256];
    CHECK_OK (zmq_setsockopt (srv, ZMQ_BINDTODEVICE, "no-such-if0", 11));
    CHECK_ERR (zmq_bind (srv, "tcp://127.0.0.1:*"), ENODEV);
    CHECK_OK (zmq_setsockopt (srv, ZMQ_BINDTODEVICE, "lo", 2));
    int rc = zmq_bind (srv, "tcp://127.0.0.1:*");
    if (rc == 0) {
        last_endpoint (srv, ep, sizeof ep);
        struct sockaddr_in bound = loopback (port_of (ep));
        int lfd = find_fd (&bound, NULL, -1);
        char dev[IFNAMSIZ] = "";
        socklen_t len = sizeof dev;
        CHECK (lfd >= 0);
        CHECK_OK (getsockopt (lfd, SOL_SOCKET, SO_BINDTODEVICE, dev, &len));
        CHECK_STR_EQ (dev, "lo");
        CHECK_OK (zmq_connect (cli, ep));
        ROUND_TRIP (cli, srv);
    } else {
        /*  Binding to a device may need CAP_NET_RAW.  */
        CHECK_EQ (errno, EPERM);
    }
    CLOSE_ALL (cli, srv);
    CHECK_OK (zmq_ctx_term (ctx));
}


/*  The local port of this process's tcp socket stuck in SYN_SENT, or -1.  */
static int syn_sent_port (void)
{
    for (int fd = 0; fd < 1024; fd++) {
        struct tcp_info ti;
        socklen_t len = sizeof ti;
        struct sockaddr_in a;
        socklen_t alen = sizeof a;
        if (getsockopt (fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_state == 2
            && getsockname (fd, (struct sockaddr *) &a, &alen) == 0)
            return ntohs (a.sin_port);
    }
    return -1;
}

/*  ZMQ_CONNECT_TIMEOUT: a connect that hangs (the listener's accept queue is full, so its
    SYNs are dropped) is abandoned and retried from a new socket; without it the first
    attempt keeps waiting.  */
TEST (connect_timeout)
{
    int port = 0;
    int lfd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = loopback (0);
    socklen_t len = sizeof a;
    CHECK (lfd >= 0 && bind (lfd, (struct sockaddr *) &a, sizeof a) == 0 && listen (lfd, 0) == 0
           && getsockname (lfd, (struct sockaddr *) &a, &len) == 0);
    port = ntohs (a.sin_port);
    /*  Fill the accept queue until a connect no longer completes.  */
    int fill[8], nfill = 0;
    for (; nfill < 8; nfill++) {
        fill[nfill] = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        connect (fill[nfill], (struct sockaddr *) &a, sizeof a);
        struct pollfd p = {fill[nfill], POLLOUT, 0};
        if (poll (&p, 1, 300) == 0) {
            close (fill[nfill]);
            break;
        }
    }
    if (nfill == 8) {
        printf ("  (accept queue never filled: skipped)\n");
    } else {
        void *ctx = zmq_ctx_new ();
        void *slow = mk_nolinger (ctx, ZMQ_DEALER);
        char ep[64];
        snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
        CHECK_OK (zmq_connect (slow, ep));
        msleep (100);
        int first = syn_sent_port ();
        CHECK (first > 0);
        msleep (600);
        CHECK_EQ (syn_sent_port (), first);
        CHECK_OK (zmq_close (slow));

        void *quick = mk_nolinger (ctx, ZMQ_DEALER);
        CHECK_OK (set_int (quick, ZMQ_CONNECT_TIMEOUT, 100));
        CHECK_OK (set_int (quick, ZMQ_RECONNECT_IVL, 50));
        CHECK_OK (zmq_connect (quick, ep));
        msleep (50);
        first = syn_sent_port ();
        CHECK (first > 0);
        long long end = now_ms () + TU_SHORT_TIMEOUT_MS;
        int now = first;
        while (now == first && now_ms () < end) {
            msleep (20);
            now = syn_sent_port ();
        }
        CHECK (now != first);
        CHECK_OK (zmq_close (quick));
        CHECK_OK (zmq_ctx_term (ctx));
    }
    for (int i = 0; i < nfill; i++)
        close (fill[i]);
    close (lfd);
}

#ifdef ZMQ_RECONNECT_STOP
/*  With CONN_REFUSED a refused connect ends the connection for good: a listener that
    appears later is never reached, and the PUSH has no peer left.  */
TEST (reconnect_stop_conn_refused)
{
    void *ctx = zmq_ctx_new ();
    void *push = mk_nolinger (ctx, ZMQ_PUSH), *pull = mk_nolinger (ctx, ZMQ_PULL);
    void *push2 = mk_nolinger (ctx, ZMQ_PUSH);
    char ep[256];
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", free_port ());
    CHECK_OK (set_int (push, ZMQ_RECONNECT_IVL, 20));
    CHECK_OK (set_int (push, ZMQ_RECONNECT_STOP, ZMQ_RECONNECT_STOP_CONN_REFUSED));
    CHECK_OK (set_int (push2, ZMQ_RECONNECT_IVL, 20));
    CHECK_OK (zmq_connect (push, ep));
    CHECK_OK (zmq_connect (push2, ep));
    msleep (200);
    CHECK_OK (zmq_bind (pull, ep));
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    /*  Without the flag the connect keeps trying and gets through.  */
    SEND_STR (push2, "y");
    RECV_STR (pull, "y");
    RECV_NONE (pull);
    CLOSE_ALL (push, push2, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}
#endif

/*  1 if s can send within ms (zmq_poll for ZMQ_POLLOUT).  */
static int wait_out (void *s, int ms)
{
    zmq_pollitem_t item = {s, 0, ZMQ_POLLOUT, 0};
    return zmq_poll (&item, 1, ms) == 1 && (item.revents & ZMQ_POLLOUT);
}

/*  ZMQ_IMMEDIATE: no queue for a peer that is not connected. A connect to an ipc path
    nobody listens on gives a DEALER nowhere to send (without the option the message would
    queue); once a ROUTER binds there and the handshake is done, sending works.  */
TEST (immediate_queues_only_to_connected_peers)
{
    void *ctx = zmq_ctx_new ();
    void *dealer = mk_nolinger (ctx, ZMQ_DEALER), *plain = mk_nolinger (ctx, ZMQ_DEALER);
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    char ep[128];
    snprintf (ep, sizeof ep, "ipc:///tmp/zmq-immediate-%d.sock", (int) getpid ());
    CHECK_OK (set_int (dealer, ZMQ_IMMEDIATE, 1));
    CHECK_EQ (get_int (dealer, ZMQ_IMMEDIATE), 1);
    CHECK_OK (set_int (dealer, ZMQ_RECONNECT_IVL, 20));
    CHECK_OK (zmq_connect (dealer, ep));
    CHECK_OK (zmq_connect (plain, ep));
    CHECK_ERR (zmq_send (dealer, "early", 5, ZMQ_DONTWAIT), EAGAIN);
    CHECK (!wait_out (dealer, 0));
    SEND_STR (plain, "queued");
    CHECK_OK (zmq_bind (router, ep));
    CHECK (wait_out (dealer, 5000));
    SEND_STR (dealer, "now");
    /*  Both arrive (in either order): the plain DEALER's queued message and the new one.  */
    char id[32], body[32];
    int got_now = 0, got_queued = 0;
    for (int i = 0; i < 2; i++) {
        CHECK (zmq_recv (router, id, sizeof id, 0) > 0);
        int n = zmq_recv (router, body, sizeof body - 1, 0);
        CHECK (n > 0);
        body[n] = 0;
        got_now += strcmp (body, "now") == 0;
        got_queued += strcmp (body, "queued") == 0;
    }
    CHECK (got_now == 1 && got_queued == 1);
    CLOSE_ALL (dealer, plain, router);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  With ZMQ_IMMEDIATE a PUSH connected to a dead endpoint and a live one sends everything
    to the live one (without it, round robin would queue half for the dead one).  */
TEST (immediate_skips_dead_endpoints)
{
    void *ctx = zmq_ctx_new ();
    void *push = mk_nolinger (ctx, ZMQ_PUSH), *pull = mk_nolinger (ctx, ZMQ_PULL);
    CHECK_OK (set_int (push, ZMQ_IMMEDIATE, 1));
    CHECK_OK (zmq_bind (pull, "tcp://127.0.0.1:*"));
    char live[256], dead[128];
    last_endpoint (pull, live, sizeof live);
    snprintf (dead, sizeof dead, "ipc:///tmp/zmq-immediate-dead-%d.sock", (int) getpid ());
    CHECK_OK (zmq_connect (push, dead));
    CHECK_OK (zmq_connect (push, live));
    CHECK (wait_out (push, 5000));
    for (int i = 0; i < 10; i++)
        SEND_STR (push, "m");
    for (int i = 0; i < 10; i++)
        RECV_STR (pull, "m");
    CLOSE_ALL (push, pull);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  When the connection of an ZMQ_IMMEDIATE socket drops, its queue goes with it (the monitor
    reports DISCONNECTED after that), and it comes back with the next connection; zmq_disconnect
    ends a connect that never got through.  */
TEST (immediate_pipe_lives_with_the_connection)
{
    void *ctx = zmq_ctx_new ();
    void *dealer = mk_nolinger (ctx, ZMQ_DEALER);
    void *router = mk_nolinger (ctx, ZMQ_ROUTER);
    CHECK_OK (set_int (dealer, ZMQ_IMMEDIATE, 1));
    CHECK_OK (set_int (dealer, ZMQ_RECONNECT_IVL, 20));
    CHECK_OK (zmq_socket_monitor (dealer, "inproc://mon-imm", ZMQ_EVENT_DISCONNECTED));
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK_OK (zmq_connect (mon, "inproc://mon-imm"));
    CHECK_OK (zmq_bind (router, "tcp://127.0.0.1:*"));
    char ep[256];
    last_endpoint (router, ep, sizeof ep);
    CHECK_OK (zmq_connect (dealer, ep));
    CHECK (wait_out (dealer, 5000));
    SEND_STR (dealer, "one");
    char id[32], body[32];
    CHECK (zmq_recv (router, id, sizeof id, 0) > 0);
    RECV_STR (router, "one");
    /*  The ROUTER goes away: the DEALER is left with nowhere to send.  */
    CHECK_OK (zmq_close (router));
    CHECK (wait_in (mon, 5000));
    CHECK_ERR (zmq_send (dealer, "lost", 4, ZMQ_DONTWAIT), EAGAIN);
    /*  A new ROUTER on the same endpoint: the DEALER reconnects and can send again.  */
    router = mk_nolinger (ctx, ZMQ_ROUTER);
    CHECK_OK (bind_retry (router, ep));
    CHECK (wait_out (dealer, 5000));
    SEND_STR (dealer, "two");
    CHECK (zmq_recv (router, id, sizeof id, 0) > 0);
    RECV_STR (router, "two");
    /*  zmq_disconnect of a pending ZMQ_IMMEDIATE connect is known (not ENOENT).  */
    char nowhere[128];
    snprintf (nowhere, sizeof nowhere, "ipc:///tmp/zmq-immediate-none-%d.sock", (int) getpid ());
    CHECK_OK (zmq_connect (dealer, nowhere));
    CHECK_OK (zmq_disconnect (dealer, nowhere));
    CHECK_ERR (zmq_disconnect (dealer, nowhere), ENOENT);
    (void) body;
    CLOSE_ALL (dealer, router, mon);
    CHECK_OK (zmq_ctx_term (ctx));
}

/*  Many small messages queued at once over tcp and ipc, read only after all were sent: the
    frames of one network read share its buffer, so every message must still hold its own
    bytes when the reader gets to it (a buffer reused too early would show here).  */
TEST (queued_small_messages_keep_their_bytes)
{
    const char *eps[] = {"tcp://127.0.0.1:*", "ipc://*"};
    for (int e = 0; e < 2; e++) {
        void *ctx = zmq_ctx_new ();
        void *push = mk_nolinger (ctx, ZMQ_PUSH), *pull = mk_nolinger (ctx, ZMQ_PULL);
        CHECK_OK (set_int (push, ZMQ_SNDHWM, 0));
        CHECK_OK (set_int (pull, ZMQ_RCVHWM, 0));
        CHECK_OK (zmq_bind (pull, eps[e]));
        char ep[256];
        last_endpoint (pull, ep, sizeof ep);
        CHECK_OK (zmq_connect (push, ep));
        enum { N = 30000 };
        for (int i = 0; i < N; i++) {
            /*  34..97 bytes (beyond the inline size), each byte derived from i.  */
            unsigned char b[128];
            size_t n = 34 + (size_t) (i % 64);
            for (size_t k = 0; k < n; k++)
                b[k] = (unsigned char) (i * 7 + k * 13);
            CHECK_EQ (zmq_send (push, b, n, 0), (int) n);
        }
        /*  Reading starts once the first message is in; the rest keep arriving, many network
            reads' worth, while earlier ones wait unread.  */
        CHECK (wait_in (pull, 5000));
        for (int i = 0; i < N; i++) {
            unsigned char b[128];
            int n = zmq_recv (pull, b, sizeof b, 0);
            CHECK_EQ (n, 34 + i % 64);
            for (int k = 0; k < n; k++)
                if (b[k] != (unsigned char) (i * 7 + k * 13))
                    TU_FAIL ("message %d byte %d: %d", i, k, b[k]);
        }
        CLOSE_ALL (push, pull);
        CHECK_OK (zmq_ctx_term (ctx));
    }
}

/*  Byte k of part p of message i sent by side `side`.  */
static unsigned char turn_byte (int side, int i, int p, size_t k)
{
    return (unsigned char) (side * 101 + i * 31 + p * 7 + k * 13 + (k >> 8));
}

static const size_t turn_sizes[] = {1, 70, 5000, 40000, 65536, 300000};

/*  The parts of one message: 3, of sizes cycling through turn_sizes.  */
static size_t turn_part (int i, int p)
{
    return turn_sizes[(i * 2 + p) % 6];
}

/*  Both ends of one tcp connection send far more than the I/O thread writes for one
    connection in one turn (it serves its other connections between turns, and the two ends
    here share the thread): multipart messages of 1 B to 300 KiB, whose parts straddle the
    turns, arrive whole and in order both ways.  */
TEST (busy_connections_take_turns_and_lose_nothing)
{
    void *ctx = zmq_ctx_new ();
    void *s[2] = {mk_nolinger (ctx, ZMQ_PAIR), mk_nolinger (ctx, ZMQ_PAIR)};
    for (int side = 0; side < 2; side++) {
        CHECK_OK (set_int (s[side], ZMQ_SNDHWM, 0));
        CHECK_OK (set_int (s[side], ZMQ_RCVHWM, 0));
        /*  A stall fails the test instead of hanging it.  */
        CHECK_OK (set_int (s[side], ZMQ_RCVTIMEO, 20000));
    }
    CHECK_OK (zmq_bind (s[0], "tcp://127.0.0.1:*"));
    char ep[256];
    last_endpoint (s[0], ep, sizeof ep);
    CHECK_OK (zmq_connect (s[1], ep));
    enum { N = 40, PARTS = 3 };
    for (int side = 0; side < 2; side++)
        for (int i = 0; i < N; i++)
            for (int p = 0; p < PARTS; p++) {
                size_t n = turn_part (i, p);
                zmq_msg_t m;
                CHECK_OK (zmq_msg_init_size (&m, n));
                unsigned char *d = (unsigned char *) zmq_msg_data (&m);
                for (size_t k = 0; k < n; k++)
                    d[k] = turn_byte (side, i, p, k);
                CHECK_EQ (zmq_msg_send (&m, s[side], p + 1 < PARTS ? ZMQ_SNDMORE : 0), (int) n);
            }
    for (int side = 0; side < 2; side++) {
        void *r = s[1 - side];
        for (int i = 0; i < N; i++)
            for (int p = 0; p < PARTS; p++) {
                zmq_msg_t m;
                zmq_msg_init (&m);
                size_t n = turn_part (i, p);
                CHECK_EQ (zmq_msg_recv (&m, r, 0), (int) n);
                CHECK_EQ (zmq_msg_more (&m), p + 1 < PARTS);
                const unsigned char *d = (const unsigned char *) zmq_msg_data (&m);
                for (size_t k = 0; k < n; k++)
                    if (d[k] != turn_byte (side, i, p, k))
                        TU_FAIL ("side %d message %d part %d byte %zu: %d", side, i, p, k, d[k]);
                zmq_msg_close (&m);
            }
    }
    CLOSE_ALL (s[0], s[1]);
    CHECK_OK (zmq_ctx_term (ctx));
}

int main (void)
{
    /*  Where wildcard ipc binds make their directory (libzmq: the current one without it).  */
    setenv ("TMPDIR", "/tmp", 0);
    RUN (tcp_wildcard_address_and_port);
    RUN (tcp_interface_name);
    RUN (tcp_ipv6_loopback);
    RUN (tcp_connect_localhost);
    RUN (tcp_source_address);
    RUN (tcp_unbind_and_disconnect);
    RUN (tcp_eaddrinuse);
    RUN (ipc_wildcard_abstract_and_unbind);
    RUN (ipc_path_too_long);
    RUN (ipc_stale_socket_file);
    RUN (io_threads_several_connections);
    RUN (tcp_accept_filter);
    RUN (ipc_peer_filters);
    RUN (use_fd_tcp);
    RUN (use_fd_ipc);
    RUN (connect_side_socket_options);
    RUN (accept_side_socket_options);
    RUN (bindtodevice);
    RUN (connect_timeout);
    RUN (queued_small_messages_keep_their_bytes);
    RUN (busy_connections_take_turns_and_lose_nothing);
    RUN (immediate_queues_only_to_connected_peers);
    RUN (immediate_skips_dead_endpoints);
    RUN (immediate_pipe_lives_with_the_connection);
#ifdef ZMQ_RECONNECT_STOP
    RUN (reconnect_stop_conn_refused);
#endif
    return test_summary ();
}
