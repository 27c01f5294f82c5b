/*
    cppzmq (Debian's header-only zmq.hpp / zmq_addon.hpp) on this library: a C++ program
    built against our zmq.h, using what C++ users use: contexts and sockets with typed
    socket options, messages, multipart (multipart_t, send/recv_multipart), zmq::poll, the
    monitor class, error exceptions with libzmq's errno, and (draft API) poller_t and
    active_poller_t, over inproc and tcp. Prints
    "cppzmq: N passed, N failed".
*/
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

static int passed, failed;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            std::fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__,       \
                          __LINE__, #cond);                                    \
            throw std::runtime_error ("check failed");                         \
        }                                                                      \
    } while (0)

static void run (const char *name, const std::function<void ()> &f)
{
    try {
        f ();
        std::printf ("ok   %s\n", name);
        passed++;
    }
    catch (const std::exception &e) {
        std::printf ("FAIL %s: %s\n", name, e.what ());
        failed++;
    }
}

static std::string endpoint_of (zmq::socket_t &s)
{
    return s.get (zmq::sockopt::last_endpoint);
}

int main ()
{
    run ("version_is_ours", [] {
        int major, minor, patch;
        zmq::version (&major, &minor, &patch);
        CHECK (major == 4 && minor == 3 && patch == 5);
    });

    run ("socket_options_typed", [] {
        zmq::context_t ctx;
        zmq::socket_t s (ctx, zmq::socket_type::dealer);
        s.set (zmq::sockopt::linger, 0);
        CHECK (s.get (zmq::sockopt::linger) == 0);
        s.set (zmq::sockopt::routing_id, "cpp-id");
        CHECK (s.get (zmq::sockopt::routing_id) == "cpp-id");
        s.set (zmq::sockopt::sndhwm, 123);
        CHECK (s.get (zmq::sockopt::sndhwm) == 123);
        CHECK (s.get (zmq::sockopt::type) == ZMQ_DEALER);
        CHECK (s.get (zmq::sockopt::rcvmore) == 0);
        CHECK (s.get (zmq::sockopt::mechanism) == ZMQ_NULL);
        s.set (zmq::sockopt::plain_username, "admin");
        CHECK (s.get (zmq::sockopt::mechanism) == ZMQ_PLAIN);
        CHECK (ctx.get (zmq::ctxopt::io_threads) == 1);
    });

    run ("error_exceptions_carry_errno", [] {
        zmq::context_t ctx;
        zmq::socket_t s (ctx, zmq::socket_type::pull);
        bool threw = false;
        try {
            s.bind ("bogus://nowhere");
        }
        catch (const zmq::error_t &e) {
            threw = e.num () == EPROTONOSUPPORT;
        }
        CHECK (threw);
        zmq::message_t m;
        /*  Nothing to receive: dontwait gives an empty result, not an exception.  */
        CHECK (!s.recv (m, zmq::recv_flags::dontwait));
    });

    run ("messages_inproc", [] {
        zmq::context_t ctx;
        zmq::socket_t a (ctx, zmq::socket_type::pair), b (ctx, zmq::socket_type::pair);
        a.bind ("inproc://cpp");
        b.connect ("inproc://cpp");
        CHECK (a.send (zmq::str_buffer ("hello"), zmq::send_flags::none).value () == 5);
        zmq::message_t m;
        CHECK (b.recv (m).value () == 5);
        CHECK (m.to_string () == "hello");
        zmq::message_t big (100000);
        std::memset (big.data (), 'x', big.size ());
        a.send (big, zmq::send_flags::none);
        zmq::message_t got;
        CHECK (b.recv (got).value () == 100000);
        CHECK (static_cast<const char *> (got.data ())[99999] == 'x');
    });

    run ("multipart_over_tcp", [] {
        zmq::context_t ctx;
        zmq::socket_t router (ctx, zmq::socket_type::router);
        zmq::socket_t dealer (ctx, zmq::socket_type::dealer);
        router.set (zmq::sockopt::linger, 0);
        dealer.set (zmq::sockopt::linger, 0);
        dealer.set (zmq::sockopt::routing_id, "d1");
        router.bind ("tcp://127.0.0.1:*");
        dealer.connect (endpoint_of (router));
        std::vector<zmq::const_buffer> parts = {zmq::str_buffer ("one"),
                                                zmq::str_buffer (""),
                                                zmq::str_buffer ("three")};
        CHECK (zmq::send_multipart (dealer, parts).value () == 3);
        std::vector<zmq::message_t> in;
        CHECK (zmq::recv_multipart (router, std::back_inserter (in)).value () == 4);
        CHECK (in[0].to_string () == "d1");
        CHECK (in[1].to_string () == "one" && in[2].size () == 0);
        CHECK (in[3].to_string () == "three");
        /*  multipart_t: the reply with its envelope.  */
        zmq::multipart_t reply;
        reply.addstr ("d1");
        reply.addstr ("answer");
        reply.addtyp<int> (42);
        reply.send (router);
        zmq::multipart_t back (dealer);
        CHECK (back.size () == 2);
        CHECK (back.popstr () == "answer");
        CHECK (back.poptyp<int> () == 42);
    });

    run ("poll_over_tcp", [] {
        zmq::context_t ctx;
        zmq::socket_t pull (ctx, zmq::socket_type::pull), push (ctx, zmq::socket_type::push);
        pull.set (zmq::sockopt::linger, 0);
        push.set (zmq::sockopt::linger, 0);
        pull.bind ("tcp://127.0.0.1:*");
        push.connect (endpoint_of (pull));
        std::vector<zmq::pollitem_t> items = {{pull.handle (), 0, ZMQ_POLLIN, 0}};
        CHECK (zmq::poll (items, std::chrono::milliseconds (0)) == 0);
        push.send (zmq::str_buffer ("ping"), zmq::send_flags::none);
        CHECK (zmq::poll (items, std::chrono::milliseconds (10000)) == 1);
        CHECK (items[0].revents & ZMQ_POLLIN);
        zmq::message_t m;
        CHECK (pull.recv (m).value () == 4);
    });

#ifdef ZMQ_HAVE_POLLER
    run ("poller_t_and_active_poller_t", [] {
        zmq::context_t ctx;
        zmq::socket_t a (ctx, zmq::socket_type::pull), b (ctx, zmq::socket_type::pull);
        zmq::socket_t pa (ctx, zmq::socket_type::push), pb (ctx, zmq::socket_type::push);
        for (zmq::socket_t *s : {&a, &b, &pa, &pb})
            s->set (zmq::sockopt::linger, 0);
        a.bind ("tcp://127.0.0.1:*");
        b.bind ("inproc://cpp-poller-b");
        pa.connect (endpoint_of (a));
        pb.connect ("inproc://cpp-poller-b");
        int tag_a = 1, tag_b = 2;
        zmq::poller_t<int> poller;
        poller.add (a, zmq::event_flags::pollin, &tag_a);
        poller.add (b, zmq::event_flags::pollin, &tag_b);
        CHECK (poller.size () == 2);
        std::vector<zmq::poller_event<int>> events (2);
        CHECK (poller.wait_all (events, std::chrono::milliseconds (0)) == 0);
        pa.send (zmq::str_buffer ("to a"), zmq::send_flags::none);
        CHECK (poller.wait_all (events, std::chrono::milliseconds (10000)) == 1);
        CHECK (events[0].socket == a);
        CHECK (events[0].user_data == &tag_a);
        CHECK (events[0].events == zmq::event_flags::pollin);
        zmq::message_t m;
        CHECK (a.recv (m).value () == 4);
        poller.remove (a);
        CHECK (poller.size () == 1);
        /*  active_poller_t: handlers run for the sockets that are ready.  */
        zmq::active_poller_t ap;
        int got = 0;
        ap.add (b, zmq::event_flags::pollin, [&] (zmq::event_flags ev) {
            CHECK (ev == zmq::event_flags::pollin);
            zmq::message_t x;
            CHECK (b.recv (x).value () == 4);
            got++;
        });
        pb.send (zmq::str_buffer ("to b"), zmq::send_flags::none);
        CHECK (ap.wait (std::chrono::milliseconds (10000)) == 1);
        CHECK (got == 1);
    });
#endif

    run ("monitor_class_sees_the_handshake", [] {
        struct mon : zmq::monitor_t
        {
            int accepted = 0, handshakes = 0;
            void on_event_accepted (const zmq_event_t &, const char *) override { accepted++; }
            void on_event_handshake_succeeded (const zmq_event_t &, const char *) override
            {
                handshakes++;
            }
        };
        zmq::context_t ctx;
        zmq::socket_t server (ctx, zmq::socket_type::rep), client (ctx, zmq::socket_type::req);
        server.set (zmq::sockopt::linger, 0);
        client.set (zmq::sockopt::linger, 0);
        mon m;
        m.init (server, "inproc://cpp-mon", ZMQ_EVENT_ALL);
        server.bind ("tcp://127.0.0.1:*");
        client.connect (endpoint_of (server));
        for (int i = 0; i < 100 && m.handshakes == 0; i++)
            m.check_event (100);
        CHECK (m.accepted == 1);
        CHECK (m.handshakes == 1);
        client.send (zmq::str_buffer ("q"), zmq::send_flags::none);
        zmq::message_t q;
        CHECK (server.recv (q).value () == 1);
    });

    run ("context_shutdown_unblocks_with_eterm", [] {
        zmq::context_t ctx;
        zmq::socket_t s (ctx, zmq::socket_type::pull);
        int err = 0;
        std::thread t ([&] {
            zmq::message_t m;
            try {
                (void) s.recv (m);
            }
            catch (const zmq::error_t &e) {
                err = e.num ();
            }
            s.close ();
        });
        ctx.shutdown ();
        t.join ();
        CHECK (err == ETERM);
    });

    std::printf ("cppzmq: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
