/*  zmq_timers_*.

    Timing never decides a result: timers that must not fire have a 10 s interval, and
    timers that must fire have a short one and the test waits until zmq_timers_timeout says
    they are due.  */
#include "testutil.h"

#include <stdint.h>
#include <unistd.h>

#define LONG_MS 10000
#define SHORT_MS 5

struct record
{
    int calls;
    int last_id;
    void *last_arg;
};

static void record_handler (int timer_id, void *arg)
{
    struct record *r = (struct record *) arg;
    r->calls++;
    r->last_id = timer_id;
    r->last_arg = arg;
}

/*  Sleeps until the next timer is due (zmq_timers_timeout reaches 0).  */
static void wait_until_due (void *timers)
{
    long ms;
    while ((ms = zmq_timers_timeout (timers)) > 0)
        usleep ((useconds_t) ms * 1000);
}

TEST (null_and_invalid_handles)
{
    /*  A pointer to a NULL pointer is no timers object either (as in libzmq's tests).  */
    void *timers = NULL;
    struct record r = {0, 0, NULL};
    CHECK_ERR (zmq_timers_destroy (NULL), EFAULT);
    CHECK_ERR (zmq_timers_destroy (&timers), EFAULT);
    CHECK_ERR (zmq_timers_add (NULL, 100, record_handler, &r), EFAULT);
    CHECK_ERR (zmq_timers_add (&timers, 100, record_handler, &r), EFAULT);
    CHECK_ERR (zmq_timers_cancel (NULL, 1), EFAULT);
    CHECK_ERR (zmq_timers_cancel (&timers, 1), EFAULT);
    CHECK_ERR (zmq_timers_set_interval (NULL, 1, 100), EFAULT);
    CHECK_ERR (zmq_timers_set_interval (&timers, 1, 100), EFAULT);
    CHECK_ERR (zmq_timers_reset (NULL, 1), EFAULT);
    CHECK_ERR (zmq_timers_reset (&timers, 1), EFAULT);
    CHECK_ERR (zmq_timers_timeout (NULL), EFAULT);
    CHECK_ERR (zmq_timers_timeout (&timers), EFAULT);
    CHECK_ERR (zmq_timers_execute (NULL), EFAULT);
    CHECK_ERR (zmq_timers_execute (&timers), EFAULT);
    CHECK_EQ (r.calls, 0);
}

TEST (new_and_destroy)
{
    void *timers = zmq_timers_new ();
    CHECK (timers != NULL);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
    CHECK (timers == NULL);
    CHECK_ERR (zmq_timers_destroy (&timers), EFAULT);
}

TEST (destroyed_handle_is_invalid)
{
    /*  libzmq would read freed memory; here the handle's tag is dead.  */
    void *timers = zmq_timers_new ();
    void *stale = timers;
    struct record r = {0, 0, NULL};
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
    CHECK_ERR (zmq_timers_add (stale, 100, record_handler, &r), EFAULT);
    CHECK_ERR (zmq_timers_timeout (stale), EFAULT);
    CHECK_ERR (zmq_timers_execute (stale), EFAULT);
    CHECK_ERR (zmq_timers_destroy (&stale), EFAULT);
}

TEST (destroy_with_timers_pending)
{
    void *timers = zmq_timers_new ();
    struct record r = {0, 0, NULL};
    CHECK (zmq_timers_add (timers, LONG_MS, record_handler, &r) > 0);
    CHECK (zmq_timers_add (timers, 0, record_handler, &r) > 0);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
    CHECK_EQ (r.calls, 0);
}

TEST (add_ids_and_null_handler)
{
    void *timers = zmq_timers_new ();
    struct record r = {0, 0, NULL};
    /*  As libzmq: ids count from 1; a failed add uses none.  */
    CHECK_EQ (zmq_timers_add (timers, LONG_MS, record_handler, &r), 1);
    CHECK_EQ (zmq_timers_add (timers, LONG_MS, record_handler, &r), 2);
    CHECK_ERR (zmq_timers_add (timers, LONG_MS, NULL, &r), EFAULT);
    CHECK_EQ (zmq_timers_add (timers, LONG_MS, record_handler, NULL), 3);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

TEST (unknown_ids)
{
    void *timers = zmq_timers_new ();
    const int ids[] = {1, 0, -1, 12345};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        CHECK_ERR (zmq_timers_cancel (timers, ids[i]), EINVAL);
        CHECK_ERR (zmq_timers_set_interval (timers, ids[i], 100), EINVAL);
        CHECK_ERR (zmq_timers_reset (timers, ids[i]), EINVAL);
    }
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

TEST (cancel_twice)
{
    void *timers = zmq_timers_new ();
    struct record r = {0, 0, NULL};
    int id = zmq_timers_add (timers, LONG_MS, record_handler, &r);
    CHECK (id > 0);
    CHECK_EQ (zmq_timers_cancel (timers, id), 0);
    CHECK_ERR (zmq_timers_cancel (timers, id), EINVAL);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

TEST (cancelled_timer_lingers_until_swept)
{
    /*  As libzmq: a cancelled timer stays until zmq_timers_timeout or _execute sweeps it
        out; until then set_interval and reset succeed on it (it stays cancelled).  */
    void *timers = zmq_timers_new ();
    struct record r = {0, 0, NULL};
    int id = zmq_timers_add (timers, LONG_MS, record_handler, &r);
    CHECK_EQ (zmq_timers_cancel (timers, id), 0);
    CHECK_EQ (zmq_timers_set_interval (timers, id, SHORT_MS), 0);
    CHECK_EQ (zmq_timers_reset (timers, id), 0);
    CHECK_ERR (zmq_timers_cancel (timers, id), EINVAL);
    errno = 0;
    CHECK_EQ (zmq_timers_timeout (timers), -1);
    CHECK_EQ (errno, 0);
    CHECK_ERR (zmq_timers_set_interval (timers, id, SHORT_MS), EINVAL);
    CHECK_ERR (zmq_timers_reset (timers, id), EINVAL);
    usleep (20 * 1000);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (r.calls, 0);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

TEST (timeout_values)
{
    void *timers = zmq_timers_new ();
    struct record r = {0, 0, NULL};
    /*  No timer: -1, errno untouched.  */
    errno = 0;
    CHECK_EQ (zmq_timers_timeout (timers), -1);
    CHECK_EQ (errno, 0);
    CHECK (zmq_timers_add (timers, LONG_MS, record_handler, &r) > 0);
    long t = zmq_timers_timeout (timers);
    CHECK (t >= 0);
    CHECK (t <= LONG_MS);
    /*  The nearest timer counts.  */
    CHECK (zmq_timers_add (timers, 2 * LONG_MS, record_handler, &r) > 0);
    t = zmq_timers_timeout (timers);
    CHECK (t >= 0);
    CHECK (t <= LONG_MS);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

TEST (execute_before_due_runs_nothing)
{
    void *timers = zmq_timers_new ();
    struct record r = {0, 0, NULL};
    CHECK (zmq_timers_add (timers, LONG_MS, record_handler, &r) > 0);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (r.calls, 0);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

TEST (execute_runs_due_timer_and_repeats)
{
    void *timers = zmq_timers_new ();
    struct record r = {0, 0, NULL};
    int id = zmq_timers_add (timers, SHORT_MS, record_handler, &r);
    CHECK (id > 0);
    wait_until_due (timers);
    CHECK_EQ (zmq_timers_timeout (timers), 0);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (r.calls, 1);
    CHECK_EQ (r.last_id, id);
    CHECK_PTR_EQ (r.last_arg, &r);
    /*  Rescheduled one interval on.  */
    long t = zmq_timers_timeout (timers);
    CHECK (t >= 0);
    CHECK (t <= SHORT_MS);
    wait_until_due (timers);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (r.calls, 2);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

TEST (cancelled_timer_does_not_run)
{
    void *timers = zmq_timers_new ();
    struct record r = {0, 0, NULL};
    int id = zmq_timers_add (timers, SHORT_MS, record_handler, &r);
    CHECK_EQ (zmq_timers_cancel (timers, id), 0);
    usleep (20 * 1000);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (r.calls, 0);
    CHECK_EQ (zmq_timers_timeout (timers), -1);
    CHECK_ERR (zmq_timers_cancel (timers, id), EINVAL);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

TEST (set_interval_and_reset)
{
    void *timers = zmq_timers_new ();
    struct record r = {0, 0, NULL};
    int id = zmq_timers_add (timers, SHORT_MS, record_handler, &r);
    /*  A long interval: not due after the short one has passed.  */
    CHECK_EQ (zmq_timers_set_interval (timers, id, LONG_MS), 0);
    long t = zmq_timers_timeout (timers);
    CHECK (t >= 0);
    CHECK (t <= LONG_MS);
    usleep (20 * 1000);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (r.calls, 0);
    CHECK_EQ (zmq_timers_reset (timers, id), 0);
    t = zmq_timers_timeout (timers);
    CHECK (t >= 0);
    CHECK (t <= LONG_MS);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (r.calls, 0);
    /*  Back to a short interval: it fires.  */
    CHECK_EQ (zmq_timers_set_interval (timers, id, SHORT_MS), 0);
    t = zmq_timers_timeout (timers);
    CHECK (t >= 0);
    CHECK (t <= SHORT_MS);
    wait_until_due (timers);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (r.calls, 1);
    CHECK_EQ (r.last_id, id);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

/*  State for handlers that use the timers object.  */
static void *g_timers;
static int g_calls, g_rc, g_other;

static void cancel_self_handler (int timer_id, void *arg)
{
    g_calls++;
    g_rc = zmq_timers_cancel (g_timers, timer_id);
}

TEST (handler_cancels_itself)
{
    g_timers = zmq_timers_new ();
    g_calls = 0;
    g_rc = -2;
    int id = zmq_timers_add (g_timers, SHORT_MS, cancel_self_handler, NULL);
    wait_until_due (g_timers);
    CHECK_EQ (zmq_timers_execute (g_timers), 0);
    CHECK_EQ (g_calls, 1);
    CHECK_EQ (g_rc, 0);
    CHECK_ERR (zmq_timers_cancel (g_timers, id), EINVAL);
    CHECK_EQ (zmq_timers_timeout (g_timers), -1);
    usleep (20 * 1000);
    CHECK_EQ (zmq_timers_execute (g_timers), 0);
    CHECK_EQ (g_calls, 1);
    CHECK_EQ (zmq_timers_destroy (&g_timers), 0);
}

static void cancel_other_handler (int timer_id, void *arg)
{
    g_calls++;
    g_rc = zmq_timers_cancel (g_timers, g_other);
}

TEST (handler_cancels_another)
{
    g_timers = zmq_timers_new ();
    g_calls = 0;
    g_rc = -2;
    struct record r = {0, 0, NULL};
    /*  Same interval, added first: runs first (or alone) once due.  */
    int a = zmq_timers_add (g_timers, SHORT_MS, cancel_other_handler, NULL);
    g_other = zmq_timers_add (g_timers, SHORT_MS, record_handler, &r);
    CHECK (a > 0);
    CHECK (g_other > a);
    wait_until_due (g_timers);
    CHECK_EQ (zmq_timers_execute (g_timers), 0);
    CHECK_EQ (g_calls, 1);
    CHECK_EQ (g_rc, 0);
    CHECK_EQ (r.calls, 0);
    CHECK_ERR (zmq_timers_cancel (g_timers, g_other), EINVAL);
    usleep (20 * 1000);
    CHECK_EQ (zmq_timers_cancel (g_timers, a), 0);
    CHECK_EQ (zmq_timers_execute (g_timers), 0);
    CHECK_EQ (r.calls, 0);
    CHECK_EQ (zmq_timers_destroy (&g_timers), 0);
}

static void add_handler (int timer_id, void *arg)
{
    g_calls++;
    g_rc = zmq_timers_add (g_timers, LONG_MS, record_handler, arg);
    zmq_timers_cancel (g_timers, timer_id);
}

TEST (handler_adds_a_timer)
{
    g_timers = zmq_timers_new ();
    g_calls = 0;
    g_rc = -2;
    struct record r = {0, 0, NULL};
    int id = zmq_timers_add (g_timers, SHORT_MS, add_handler, &r);
    wait_until_due (g_timers);
    CHECK_EQ (zmq_timers_execute (g_timers), 0);
    CHECK_EQ (g_calls, 1);
    CHECK_EQ (g_rc, id + 1);
    long t = zmq_timers_timeout (g_timers);
    CHECK (t > SHORT_MS);
    CHECK (t <= LONG_MS);
    CHECK_EQ (r.calls, 0);
    CHECK_EQ (zmq_timers_destroy (&g_timers), 0);
}

static void destroy_handler (int timer_id, void *arg)
{
    g_calls++;
    g_rc = zmq_timers_destroy (&g_timers);
}

TEST (handler_destroys_the_timers)
{
    /*  libzmq would use freed memory; here execute stops after the handler.  */
    g_timers = zmq_timers_new ();
    void *timers = g_timers;
    g_calls = 0;
    g_rc = -2;
    struct record r = {0, 0, NULL};
    CHECK (zmq_timers_add (timers, SHORT_MS, destroy_handler, NULL) > 0);
    CHECK (zmq_timers_add (timers, SHORT_MS, record_handler, &r) > 0);
    wait_until_due (timers);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (g_calls, 1);
    CHECK_EQ (g_rc, 0);
    CHECK (g_timers == NULL);
    CHECK_EQ (r.calls, 0);
    CHECK_ERR (zmq_timers_execute (timers), EFAULT);
}

TEST (huge_interval_never_due)
{
    /*  libzmq 4.3 wraps its expiry time and runs such a timer at once (for ever); here it is
        simply never due.  */
    void *timers = zmq_timers_new ();
    struct record r = {0, 0, NULL};
    CHECK (zmq_timers_add (timers, SIZE_MAX, record_handler, &r) > 0);
    CHECK (zmq_timers_timeout (timers) > LONG_MS);
    CHECK_EQ (zmq_timers_execute (timers), 0);
    CHECK_EQ (r.calls, 0);
    CHECK_EQ (zmq_timers_destroy (&timers), 0);
}

TEST (many_sets)
{
    /*  Handles are reused after destroy; each new set starts empty with id 1.  */
    for (int i = 0; i < 100; i++) {
        void *timers = zmq_timers_new ();
        struct record r = {0, 0, NULL};
        CHECK (timers != NULL);
        errno = 0;
        CHECK_EQ (zmq_timers_timeout (timers), -1);
        CHECK_EQ (zmq_timers_add (timers, LONG_MS, record_handler, &r), 1);
        CHECK_EQ (zmq_timers_destroy (&timers), 0);
    }
}

int main (void)
{
    RUN (null_and_invalid_handles);
    RUN (new_and_destroy);
    RUN (destroyed_handle_is_invalid);
    RUN (destroy_with_timers_pending);
    RUN (add_ids_and_null_handler);
    RUN (unknown_ids);
    RUN (cancel_twice);
    RUN (cancelled_timer_lingers_until_swept);
    RUN (timeout_values);
    RUN (execute_before_due_runs_nothing);
    RUN (execute_runs_due_timer_and_repeats);
    RUN (cancelled_timer_does_not_run);
    RUN (set_interval_and_reset);
    RUN (handler_cancels_itself);
    RUN (handler_cancels_another);
    RUN (handler_adds_a_timer);
    RUN (handler_destroys_the_timers);
    RUN (huge_interval_never_due);
    RUN (many_sets);
    return test_summary ();
}
