/*  Z85, the CURVE key helpers, atomic counters, the stopwatch, zmq_sleep and the thread
    helpers.  */
#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

/*  The test vector of RFC 32 (rfc.zeromq.org/spec/32).  */
static const uint8_t hello_bytes[8] = {0x86, 0x4F, 0xD2, 0x6F,
                                       0xB5, 0x59, 0xF7, 0x5B};

TEST (z85_encode_rfc32_vector)
{
    char text[11];
    memset (text, 'x', sizeof text);
    errno = 0;
    CHECK_PTR_EQ (zmq_z85_encode (text, hello_bytes, 8), text);
    CHECK_STR_EQ (text, "HelloWorld");
    CHECK_EQ (text[10], 0);
    CHECK_EQ (errno, 0);
}

TEST (z85_decode_rfc32_vector)
{
    uint8_t data[8];
    memset (data, 0, sizeof data);
    errno = 0;
    CHECK_PTR_EQ (zmq_z85_decode (data, "HelloWorld"), data);
    CHECK_MEM_EQ (data, hello_bytes, 8);
    CHECK_EQ (errno, 0);
}

TEST (z85_round_trip_32_bytes)
{
    uint8_t data[32], back[32];
    char text[41];
    uint32_t x = 0x9e3779b9;
    for (int i = 0; i < 32; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (uint8_t) (x >> 24);
    }
    memset (text, 'x', sizeof text);
    CHECK_PTR_EQ (zmq_z85_encode (text, data, 32), text);
    CHECK_EQ (strlen (text), 40);
    memset (back, 0, sizeof back);
    CHECK_PTR_EQ (zmq_z85_decode (back, text), back);
    CHECK_MEM_EQ (back, data, 32);
}

TEST (z85_extremes)
{
    const uint8_t zeros[4] = {0, 0, 0, 0};
    const uint8_t ones[4] = {0xff, 0xff, 0xff, 0xff};
    char text[6];
    uint8_t data[4];
    CHECK_PTR_EQ (zmq_z85_encode (text, zeros, 4), text);
    CHECK_STR_EQ (text, "00000");
    CHECK_PTR_EQ (zmq_z85_encode (text, ones, 4), text);
    CHECK_STR_EQ (text, "%nSc0");
    CHECK_PTR_EQ (zmq_z85_decode (data, "%nSc0"), data);
    CHECK_MEM_EQ (data, ones, 4);
    CHECK_PTR_EQ (zmq_z85_decode (data, "00000"), data);
    CHECK_MEM_EQ (data, zeros, 4);
}

TEST (z85_encode_empty)
{
    /*  Zero bytes is a multiple of 4: the empty string.  */
    char text[4] = "abc";
    CHECK_PTR_EQ (zmq_z85_encode (text, hello_bytes, 0), text);
    CHECK_EQ (text[0], 0);
}

TEST (z85_encode_bad_sizes)
{
    char text[16];
    const size_t sizes[] = {1, 2, 3, 5, 6, 7, 9};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        memset (text, 'x', sizeof text);
        CHECK_NULL_ERR (zmq_z85_encode (text, hello_bytes, sizes[i]), EINVAL);
        CHECK_EQ (text[0], 'x');
    }
}

TEST (z85_decode_bad_lengths)
{
    uint8_t data[16];
    CHECK_NULL_ERR (zmq_z85_decode (data, ""), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (data, "H"), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (data, "Hell"), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (data, "HelloW"), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (data, "HelloWorl"), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (data, "HelloWorld!"), EINVAL);
}

TEST (z85_decode_bad_characters)
{
    uint8_t data[16];
    /*  Printable ASCII outside the alphabet, control and non-ASCII bytes.  */
    const char *bad[] = {"Hel o", "Hell\"", "'ello", "He,lo", "Hel;o",
                         "Hel\\o", "Hel_o", "Hel`o", "Hel|o", "Hel~o",
                         "Hel\x7fo", "Hel\x80o", "Hel\xffo", "Hel\to",
                         "HelloWorl~"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_NULL_ERR (zmq_z85_decode (data, bad[i]), EINVAL);
}

TEST (z85_decode_overflow)
{
    uint8_t data[16];
    /*  "%nSc0" is 2^32 - 1; anything above does not fit in 4 bytes.  */
    CHECK_NULL_ERR (zmq_z85_decode (data, "%nSc1"), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (data, "%nSd0"), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (data, "$0000"), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (data, "#####"), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (data, "HelloWorld#####"), EINVAL);
}

TEST (z85_null_arguments)
{
    char text[16];
    uint8_t data[16];
    CHECK_NULL_ERR (zmq_z85_encode (NULL, hello_bytes, 8), EINVAL);
    CHECK_NULL_ERR (zmq_z85_encode (text, NULL, 8), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (NULL, "HelloWorld"), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (data, NULL), EINVAL);
}

TEST (z85_decode_in_place)
{
    char buf[11] = "HelloWorld";
    CHECK_PTR_EQ (zmq_z85_decode ((uint8_t *) buf, buf), (uint8_t *) buf);
    CHECK_MEM_EQ (buf, hello_bytes, 8);
}

TEST (curve_helpers)
{
    char public_key[41], secret_key[41], derived[41];
    if (!zmq_has ("curve")) {
        /*  Built without CURVE, as libzmq without libsodium/tweetnacl.  */
        CHECK_ERR (zmq_curve_keypair (public_key, secret_key), ENOTSUP);
        CHECK_ERR (zmq_curve_public (derived, "HelloWorldHelloWorldHelloWorldHelloWorld"),
                   ENOTSUP);
        return;
    }
    CHECK_EQ (zmq_curve_keypair (public_key, secret_key), 0);
    CHECK_EQ (strlen (public_key), 40);
    CHECK_EQ (strlen (secret_key), 40);
    CHECK_EQ (zmq_curve_public (derived, secret_key), 0);
    CHECK_STR_EQ (derived, public_key);
}

TEST (atomic_counter_semantics)
{
    void *counter = zmq_atomic_counter_new ();
    CHECK (counter != NULL);
    CHECK_EQ (zmq_atomic_counter_value (counter), 0);
    /*  inc returns the value before the increment.  */
    CHECK_EQ (zmq_atomic_counter_inc (counter), 0);
    CHECK_EQ (zmq_atomic_counter_inc (counter), 1);
    CHECK_EQ (zmq_atomic_counter_value (counter), 2);
    /*  dec returns whether the value after the decrement is non-zero.  */
    CHECK_EQ (zmq_atomic_counter_dec (counter), 1);
    CHECK_EQ (zmq_atomic_counter_value (counter), 1);
    CHECK_EQ (zmq_atomic_counter_dec (counter), 0);
    CHECK_EQ (zmq_atomic_counter_value (counter), 0);
    CHECK_EQ (zmq_atomic_counter_dec (counter), 1);
    CHECK_EQ (zmq_atomic_counter_value (counter), -1);
    zmq_atomic_counter_set (counter, 42);
    CHECK_EQ (zmq_atomic_counter_value (counter), 42);
    CHECK_EQ (zmq_atomic_counter_inc (counter), 42);
    zmq_atomic_counter_set (counter, -5);
    CHECK_EQ (zmq_atomic_counter_value (counter), -5);
    zmq_atomic_counter_destroy (&counter);
    CHECK (counter == NULL);
}

#define COUNTER_THREADS 4
#define COUNTER_ROUNDS 10000

struct counter_job
{
    void *counter;
    int zero_hits; /*  decrements that reached 0  */
};

static void counter_incrementer (void *arg)
{
    struct counter_job *job = (struct counter_job *) arg;
    for (int i = 0; i < COUNTER_ROUNDS; i++)
        zmq_atomic_counter_inc (job->counter);
}

static void counter_decrementer (void *arg)
{
    struct counter_job *job = (struct counter_job *) arg;
    for (int i = 0; i < COUNTER_ROUNDS; i++)
        if (zmq_atomic_counter_dec (job->counter) == 0)
            job->zero_hits++;
}

TEST (atomic_counter_threads)
{
    void *counter = zmq_atomic_counter_new ();
    struct counter_job jobs[COUNTER_THREADS];
    void *threads[COUNTER_THREADS];
    for (int i = 0; i < COUNTER_THREADS; i++) {
        jobs[i].counter = counter;
        jobs[i].zero_hits = 0;
        threads[i] = zmq_threadstart (counter_incrementer, &jobs[i]);
        CHECK (threads[i] != NULL);
    }
    for (int i = 0; i < COUNTER_THREADS; i++)
        zmq_threadclose (threads[i]);
    CHECK_EQ (zmq_atomic_counter_value (counter),
              COUNTER_THREADS * COUNTER_ROUNDS);

    /*  Exactly one decrement of all, the last, brings the counter to 0.  */
    for (int i = 0; i < COUNTER_THREADS; i++) {
        threads[i] = zmq_threadstart (counter_decrementer, &jobs[i]);
        CHECK (threads[i] != NULL);
    }
    for (int i = 0; i < COUNTER_THREADS; i++)
        zmq_threadclose (threads[i]);
    CHECK_EQ (zmq_atomic_counter_value (counter), 0);
    int zero_hits = 0;
    for (int i = 0; i < COUNTER_THREADS; i++)
        zero_hits += jobs[i].zero_hits;
    CHECK_EQ (zero_hits, 1);
    zmq_atomic_counter_destroy (&counter);
    CHECK (counter == NULL);
}

TEST (atomic_counter_null)
{
    /*  libzmq crashes here; this library does nothing and returns 0.  */
    void *counter = NULL;
    zmq_atomic_counter_set (NULL, 1);
    CHECK_EQ (zmq_atomic_counter_inc (NULL), 0);
    CHECK_EQ (zmq_atomic_counter_dec (NULL), 0);
    CHECK_EQ (zmq_atomic_counter_value (NULL), 0);
    zmq_atomic_counter_destroy (&counter);
    zmq_atomic_counter_destroy (NULL);
    CHECK (counter == NULL);
}

TEST (stopwatch)
{
    void *watch = zmq_stopwatch_start ();
    CHECK (watch != NULL);
    unsigned long a = zmq_stopwatch_intermediate (watch);
    unsigned long b = zmq_stopwatch_intermediate (watch);
    CHECK (a <= b);
    zmq_sleep (1);
    /*  A sleep lasts at least as long as asked.  */
    unsigned long c = zmq_stopwatch_intermediate (watch);
    CHECK (c >= b);
    CHECK (c >= 1000000);
    unsigned long d = zmq_stopwatch_stop (watch);
    CHECK (d >= c);
}

TEST (stopwatch_null)
{
    CHECK_EQ (zmq_stopwatch_intermediate (NULL), 0);
    CHECK_EQ (zmq_stopwatch_stop (NULL), 0);
}

TEST (sleep_zero_and_negative)
{
    /*  Must return; how fast is not asserted. (libzmq 4.3 turns -1 s into an unsigned
        usleep of about 71 minutes; this library does not sleep for a negative count.)  */
    zmq_sleep (0);
    zmq_sleep (-1);
}

struct thread_probe
{
    int ran;
    char name[32];
    int sigint_blocked;
    size_t stack_size;
};

static void probe_thread (void *arg)
{
    struct thread_probe *p = (struct thread_probe *) arg;
    pthread_getname_np (pthread_self (), p->name, sizeof p->name);
    sigset_t mask;
    sigemptyset (&mask);
    pthread_sigmask (SIG_BLOCK, NULL, &mask);
    p->sigint_blocked = sigismember (&mask, SIGINT);
    pthread_attr_t attr;
    if (pthread_getattr_np (pthread_self (), &attr) == 0) {
        pthread_attr_getstacksize (&attr, &p->stack_size);
        pthread_attr_destroy (&attr);
    }
    p->ran = 1;
}

TEST (threadstart_runs_function)
{
    struct thread_probe probe;
    memset (&probe, 0, sizeof probe);
    void *thread = zmq_threadstart (probe_thread, &probe);
    CHECK (thread != NULL);
    zmq_threadclose (thread);
    CHECK_EQ (probe.ran, 1);
    /*  As libzmq: the thread is named "ZMQapp" and blocks all signals.  */
    CHECK_STR_EQ (probe.name, "ZMQapp");
    CHECK_EQ (probe.sigint_blocked, 1);
}

TEST (threadstart_default_stack)
{
    /*  As libzmq (plain pthread_create): the default pthread stack size.  */
    pthread_attr_t attr;
    size_t wanted = 0;
    pthread_attr_init (&attr);
    pthread_attr_getstacksize (&attr, &wanted);
    pthread_attr_destroy (&attr);
    struct thread_probe probe;
    memset (&probe, 0, sizeof probe);
    void *thread = zmq_threadstart (probe_thread, &probe);
    CHECK (thread != NULL);
    zmq_threadclose (thread);
    CHECK_EQ (probe.ran, 1);
    /*  Allow a guard page or two of difference.  */
    CHECK (probe.stack_size + 65536 >= wanted);
}

static void add_one (void *arg)
{
    zmq_atomic_counter_inc (arg);
}

TEST (threadstart_many)
{
    void *counter = zmq_atomic_counter_new ();
    void *threads[16];
    for (int i = 0; i < 16; i++) {
        threads[i] = zmq_threadstart (add_one, counter);
        CHECK (threads[i] != NULL);
    }
    for (int i = 0; i < 16; i++)
        zmq_threadclose (threads[i]);
    CHECK_EQ (zmq_atomic_counter_value (counter), 16);
    zmq_atomic_counter_destroy (&counter);
}

TEST (threadstart_null)
{
    /*  libzmq would call through NULL; this library refuses.  */
    CHECK_NULL_ERR (zmq_threadstart (NULL, NULL), EINVAL);
    zmq_threadclose (NULL);
}

int main (void)
{
    RUN (z85_encode_rfc32_vector);
    RUN (z85_decode_rfc32_vector);
    RUN (z85_round_trip_32_bytes);
    RUN (z85_extremes);
    RUN (z85_encode_empty);
    RUN (z85_encode_bad_sizes);
    RUN (z85_decode_bad_lengths);
    RUN (z85_decode_bad_characters);
    RUN (z85_decode_overflow);
    RUN (z85_null_arguments);
    RUN (z85_decode_in_place);
    RUN (curve_helpers);
    RUN (atomic_counter_semantics);
    RUN (atomic_counter_threads);
    RUN (atomic_counter_null);
    RUN (stopwatch);
    RUN (stopwatch_null);
    RUN (sleep_zero_and_negative);
    RUN (threadstart_runs_function);
    RUN (threadstart_default_stack);
    RUN (threadstart_many);
    RUN (threadstart_null);
    return test_summary ();
}
