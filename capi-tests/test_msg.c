/*  Messages: zmq_msg_init*, close, move, copy, data, size, more, get, set, gets, and the
    draft routing-id / group / init_buffer functions.  */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/*  A free function that records its calls in the struct its hint points at.  */
typedef struct
{
    atomic_int calls;
    void *last_data;
} free_log_t;

static void log_free (void *data_, void *hint_)
{
    free_log_t *log = (free_log_t *) hint_;
    log->last_data = data_;
    atomic_fetch_add (&log->calls, 1);
}

static void free_log_init (free_log_t *log)
{
    atomic_init (&log->calls, 0);
    log->last_data = NULL;
}

static int inside (const zmq_msg_t *msg, const void *p)
{
    const char *start = (const char *) msg;
    const char *q = (const char *) p;
    return q >= start && q < start + sizeof (zmq_msg_t);
}

static const size_t sizes[] = {0, 1, 33, 34, 1024 * 1024};
#define NSIZES (sizeof sizes / sizeof sizes[0])

TEST (layout)
{
    CHECK_EQ (sizeof (zmq_msg_t), 64);
    CHECK_EQ (_Alignof (zmq_msg_t), sizeof (void *));
}

TEST (init_empty)
{
    zmq_msg_t msg;
    CHECK_EQ (zmq_msg_init (&msg), 0);
    CHECK_EQ (zmq_msg_size (&msg), 0);
    CHECK_EQ (zmq_msg_more (&msg), 0);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_MORE), 0);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_SHARED), 0);
    CHECK (zmq_msg_data (&msg) != NULL);
    CHECK (inside (&msg, zmq_msg_data (&msg)));
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

TEST (init_over_garbage)
{
    zmq_msg_t msg;
    memset (&msg, 0xab, sizeof msg);
    CHECK_EQ (zmq_msg_init (&msg), 0);
    CHECK_EQ (zmq_msg_size (&msg), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    memset (&msg, 0xcd, sizeof msg);
    CHECK_EQ (zmq_msg_init_size (&msg, 100), 0);
    CHECK_EQ (zmq_msg_size (&msg), 100);
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

TEST (init_size_sizes)
{
    for (size_t i = 0; i < NSIZES; i++) {
        size_t size = sizes[i];
        zmq_msg_t msg;
        CHECK_EQ (zmq_msg_init_size (&msg, size), 0);
        CHECK_EQ (zmq_msg_size (&msg), size);
        unsigned char *data = (unsigned char *) zmq_msg_data (&msg);
        CHECK (data != NULL);
        /*  Up to 33 bytes live inside the zmq_msg_t, as in libzmq.  */
        CHECK_EQ (inside (&msg, data), size <= 33);
        for (size_t j = 0; j < size; j++)
            data[j] = (unsigned char) (j * 31 + 7);
        for (size_t j = 0; j < size; j++)
            if (data[j] != (unsigned char) (j * 31 + 7))
                TU_FAIL ("byte %zu of %zu changed", j, size);
        CHECK_EQ (zmq_msg_get (&msg, ZMQ_SHARED), 0);
        CHECK_EQ (zmq_msg_close (&msg), 0);
    }
}

TEST (init_size_enomem)
{
    zmq_msg_t msg;
    CHECK_ERR (zmq_msg_init_size (&msg, SIZE_MAX), ENOMEM);
    CHECK_ERR (zmq_msg_init_size (&msg, SIZE_MAX - 64), ENOMEM);
    CHECK_ERR (zmq_msg_init_size (&msg, SIZE_MAX / 2), ENOMEM);
    /*  The storage is usable afterwards.  */
    CHECK_EQ (zmq_msg_init_size (&msg, 10), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

TEST (init_data_free_on_close)
{
    free_log_t log;
    free_log_init (&log);
    char buf[255] = "data";
    zmq_msg_t msg;
    CHECK_EQ (zmq_msg_init_data (&msg, buf, sizeof buf, log_free, &log), 0);
    CHECK_PTR_EQ (zmq_msg_data (&msg), buf);
    CHECK_EQ (zmq_msg_size (&msg), sizeof buf);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_SHARED), 0);
    CHECK_EQ (atomic_load (&log.calls), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    CHECK_EQ (atomic_load (&log.calls), 1);
    CHECK_PTR_EQ (log.last_data, buf);
}

TEST (init_data_small_is_zero_copy)
{
    /*  A user buffer is never copied inline, however small.  */
    free_log_t log;
    free_log_init (&log);
    char buf[4] = "abc";
    zmq_msg_t msg, copy;
    CHECK_EQ (zmq_msg_init_data (&msg, buf, 3, log_free, &log), 0);
    CHECK_PTR_EQ (zmq_msg_data (&msg), buf);
    CHECK_EQ (zmq_msg_init (&copy), 0);
    CHECK_EQ (zmq_msg_copy (&copy, &msg), 0);
    CHECK_PTR_EQ (zmq_msg_data (&copy), buf);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_SHARED), 1);
    CHECK_EQ (zmq_msg_get (&copy, ZMQ_SHARED), 1);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    CHECK_EQ (atomic_load (&log.calls), 0);
    CHECK_EQ (zmq_msg_close (&copy), 0);
    CHECK_EQ (atomic_load (&log.calls), 1);
}

TEST (init_data_free_after_copies)
{
    free_log_t log;
    free_log_init (&log);
    char buf[100];
    memset (buf, 'x', sizeof buf);
    zmq_msg_t a, b, c;
    CHECK_EQ (zmq_msg_init_data (&a, buf, sizeof buf, log_free, &log), 0);
    CHECK_EQ (zmq_msg_init (&b), 0);
    CHECK_EQ (zmq_msg_init_size (&c, 1000), 0); /* old content of a copy target */
    CHECK_EQ (zmq_msg_copy (&b, &a), 0);
    CHECK_EQ (zmq_msg_copy (&c, &b), 0);
    CHECK_PTR_EQ (zmq_msg_data (&c), buf);
    CHECK_EQ (zmq_msg_size (&c), sizeof buf);
    CHECK_EQ (zmq_msg_close (&a), 0);
    CHECK_EQ (zmq_msg_close (&c), 0);
    CHECK_EQ (atomic_load (&log.calls), 0);
    CHECK_EQ (zmq_msg_close (&b), 0);
    CHECK_EQ (atomic_load (&log.calls), 1);
    CHECK_PTR_EQ (log.last_data, buf);
}

TEST (init_data_free_after_move)
{
    free_log_t log;
    free_log_init (&log);
    char buf[50];
    zmq_msg_t src, dest;
    CHECK_EQ (zmq_msg_init_data (&src, buf, sizeof buf, log_free, &log), 0);
    CHECK_EQ (zmq_msg_init (&dest), 0);
    CHECK_EQ (zmq_msg_move (&dest, &src), 0);
    CHECK_EQ (atomic_load (&log.calls), 0);
    CHECK_PTR_EQ (zmq_msg_data (&dest), buf);
    CHECK_EQ (zmq_msg_size (&dest), sizeof buf);
    CHECK_EQ (zmq_msg_size (&src), 0);
    CHECK_EQ (zmq_msg_get (&dest, ZMQ_SHARED), 0);
    CHECK_EQ (zmq_msg_close (&src), 0);
    CHECK_EQ (atomic_load (&log.calls), 0);
    CHECK_EQ (zmq_msg_close (&dest), 0);
    CHECK_EQ (atomic_load (&log.calls), 1);
}

TEST (init_data_replaced_by_copy_or_move)
{
    /*  The old content of dest is released by copy and by move.  */
    free_log_t log;
    free_log_init (&log);
    char buf[10];
    zmq_msg_t dest, src;
    CHECK_EQ (zmq_msg_init_data (&dest, buf, sizeof buf, log_free, &log), 0);
    CHECK_EQ (zmq_msg_init_size (&src, 5), 0);
    memcpy (zmq_msg_data (&src), "hello", 5);
    CHECK_EQ (zmq_msg_copy (&dest, &src), 0);
    CHECK_EQ (atomic_load (&log.calls), 1);
    CHECK_EQ (zmq_msg_size (&dest), 5);
    CHECK_MEM_EQ (zmq_msg_data (&dest), "hello", 5);
    CHECK_EQ (zmq_msg_close (&dest), 0);

    CHECK_EQ (zmq_msg_init_data (&dest, buf, sizeof buf, log_free, &log), 0);
    CHECK_EQ (zmq_msg_move (&dest, &src), 0);
    CHECK_EQ (atomic_load (&log.calls), 2);
    CHECK_MEM_EQ (zmq_msg_data (&dest), "hello", 5);
    CHECK_EQ (zmq_msg_size (&src), 0);
    CHECK_EQ (zmq_msg_close (&dest), 0);
    CHECK_EQ (zmq_msg_close (&src), 0);
    CHECK_EQ (atomic_load (&log.calls), 2);
}

TEST (init_data_null)
{
    zmq_msg_t msg;
    free_log_t log;
    free_log_init (&log);
    /*  NULL data with a size would crash on first use: refused.  */
    CHECK_ERR (zmq_msg_init_data (&msg, NULL, 1, NULL, NULL), EINVAL);
    CHECK_ERR (zmq_msg_init_data (&msg, NULL, 100, log_free, &log), EINVAL);
    CHECK_EQ (atomic_load (&log.calls), 0);
    /*  NULL with size 0 is allowed, with or without a free function.  */
    CHECK_EQ (zmq_msg_init_data (&msg, NULL, 0, NULL, NULL), 0);
    CHECK_EQ (zmq_msg_size (&msg), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    CHECK_EQ (zmq_msg_init_data (&msg, NULL, 0, log_free, &log), 0);
    CHECK_EQ (zmq_msg_size (&msg), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    CHECK_EQ (atomic_load (&log.calls), 1);
    CHECK_PTR_EQ (log.last_data, NULL);
}

TEST (constant_message)
{
    static const char text[] = "a constant message, never freed";
    zmq_msg_t msg, copy;
    CHECK_EQ (zmq_msg_init_data (&msg, (void *) text, sizeof text, NULL, NULL), 0);
    CHECK_PTR_EQ (zmq_msg_data (&msg), text);
    CHECK_EQ (zmq_msg_size (&msg), sizeof text);
    /*  libzmq reports constant content as shared, copied or not.  */
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_SHARED), 1);
    CHECK_EQ (zmq_msg_init (&copy), 0);
    CHECK_EQ (zmq_msg_copy (&copy, &msg), 0);
    CHECK_PTR_EQ (zmq_msg_data (&copy), text);
    CHECK_EQ (zmq_msg_get (&copy, ZMQ_SHARED), 1);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    CHECK_STR_EQ ((const char *) zmq_msg_data (&copy), text);
    CHECK_EQ (zmq_msg_close (&copy), 0);

    /*  Small constant messages stay zero-copy too.  */
    CHECK_EQ (zmq_msg_init_data (&msg, (void *) "hi", 2, NULL, NULL), 0);
    CHECK_MEM_EQ (zmq_msg_data (&msg), "hi", 2);
    CHECK (!inside (&msg, zmq_msg_data (&msg)));
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_SHARED), 1);
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

TEST (copy_inline_is_not_shared)
{
    zmq_msg_t a, b;
    CHECK_EQ (zmq_msg_init_size (&a, 33), 0);
    memset (zmq_msg_data (&a), 'q', 33);
    CHECK_EQ (zmq_msg_init (&b), 0);
    CHECK_EQ (zmq_msg_copy (&b, &a), 0);
    CHECK_EQ (zmq_msg_get (&a, ZMQ_SHARED), 0);
    CHECK_EQ (zmq_msg_get (&b, ZMQ_SHARED), 0);
    CHECK_EQ (zmq_msg_size (&b), 33);
    CHECK (zmq_msg_data (&a) != zmq_msg_data (&b));
    CHECK (inside (&b, zmq_msg_data (&b)));
    CHECK_MEM_EQ (zmq_msg_data (&a), zmq_msg_data (&b), 33);
    /*  Independent bytes.  */
    ((char *) zmq_msg_data (&a))[0] = 'z';
    CHECK_EQ (((char *) zmq_msg_data (&b))[0], 'q');
    CHECK_EQ (zmq_msg_close (&a), 0);
    CHECK_EQ (zmq_msg_close (&b), 0);
}

TEST (copy_large_is_shared)
{
    zmq_msg_t a, b;
    CHECK_EQ (zmq_msg_init_size (&a, 34), 0);
    memset (zmq_msg_data (&a), 'r', 34);
    CHECK_EQ (zmq_msg_get (&a, ZMQ_SHARED), 0);
    CHECK_EQ (zmq_msg_init (&b), 0);
    CHECK_EQ (zmq_msg_copy (&b, &a), 0);
    CHECK_EQ (zmq_msg_get (&a, ZMQ_SHARED), 1);
    CHECK_EQ (zmq_msg_get (&b, ZMQ_SHARED), 1);
    CHECK_PTR_EQ (zmq_msg_data (&a), zmq_msg_data (&b));
    CHECK_EQ (zmq_msg_size (&b), 34);
    CHECK_EQ (zmq_msg_close (&b), 0);
    /*  The shared flag stays set on the original, as in libzmq.  */
    CHECK_EQ (zmq_msg_get (&a, ZMQ_SHARED), 1);
    CHECK_EQ (((char *) zmq_msg_data (&a))[33], 'r');
    CHECK_EQ (zmq_msg_close (&a), 0);
}

TEST (copy_keeps_source_intact)
{
    zmq_msg_t a, b;
    for (size_t i = 0; i < NSIZES; i++) {
        CHECK_EQ (zmq_msg_init_size (&a, sizes[i]), 0);
        memset (zmq_msg_data (&a), 's', sizes[i]);
        CHECK_EQ (zmq_msg_init (&b), 0);
        CHECK_EQ (zmq_msg_copy (&b, &a), 0);
        CHECK_EQ (zmq_msg_size (&a), sizes[i]);
        CHECK_EQ (zmq_msg_size (&b), sizes[i]);
        CHECK_MEM_EQ (zmq_msg_data (&a), zmq_msg_data (&b), sizes[i]);
        CHECK_EQ (zmq_msg_get (&b, ZMQ_SHARED), sizes[i] > 33);
        CHECK_EQ (zmq_msg_close (&a), 0);
        CHECK_EQ (zmq_msg_close (&b), 0);
    }
}

TEST (copy_outlives_its_closed_source)
{
    /*  The source is closed first: the copy still holds the content, which a new
        message of the same size must not be given.  */
    for (size_t i = 0; i < NSIZES; i++) {
        size_t size = sizes[i];
        if (size <= 33)
            continue;
        zmq_msg_t a, b, c;
        CHECK_EQ (zmq_msg_init_size (&a, size), 0);
        memset (zmq_msg_data (&a), 'o', size);
        CHECK_EQ (zmq_msg_init (&b), 0);
        CHECK_EQ (zmq_msg_copy (&b, &a), 0);
        CHECK_EQ (zmq_msg_close (&a), 0);
        CHECK_EQ (zmq_msg_init_size (&c, size), 0);
        CHECK (zmq_msg_data (&c) != zmq_msg_data (&b));
        memset (zmq_msg_data (&c), 'n', size);
        CHECK_EQ (((char *) zmq_msg_data (&b))[0], 'o');
        CHECK_EQ (((char *) zmq_msg_data (&b))[size - 1], 'o');
        CHECK_EQ (zmq_msg_close (&c), 0);
        CHECK_EQ (zmq_msg_close (&b), 0);
    }
}

TEST (move_leaves_source_empty)
{
    for (size_t i = 0; i < NSIZES; i++) {
        size_t size = sizes[i];
        zmq_msg_t src, dest;
        CHECK_EQ (zmq_msg_init_size (&src, size), 0);
        memset (zmq_msg_data (&src), 'm', size);
        CHECK_EQ (zmq_msg_init_size (&dest, 77), 0);
        CHECK_EQ (zmq_msg_move (&dest, &src), 0);
        CHECK_EQ (zmq_msg_size (&dest), size);
        if (size)
            CHECK_EQ (((char *) zmq_msg_data (&dest))[size - 1], 'm');
        CHECK_EQ (inside (&dest, zmq_msg_data (&dest)), size <= 33);
        CHECK_EQ (zmq_msg_size (&src), 0);
        CHECK_EQ (zmq_msg_more (&src), 0);
        CHECK_EQ (zmq_msg_get (&dest, ZMQ_SHARED), 0);
        /*  The emptied source is a valid message: usable and closable.  */
        CHECK_EQ (zmq_msg_copy (&src, &dest), 0);
        CHECK_EQ (zmq_msg_size (&src), size);
        CHECK_EQ (zmq_msg_close (&src), 0);
        CHECK_EQ (zmq_msg_close (&dest), 0);
    }
}

TEST (self_copy_and_move)
{
    /*  Undefined in libzmq; here a no-op that keeps the message.  */
    zmq_msg_t msg;
    CHECK_EQ (zmq_msg_init_size (&msg, 100), 0);
    memset (zmq_msg_data (&msg), 'x', 100);
    CHECK_EQ (zmq_msg_copy (&msg, &msg), 0);
    CHECK_EQ (zmq_msg_move (&msg, &msg), 0);
    CHECK_EQ (zmq_msg_size (&msg), 100);
    CHECK_EQ (((char *) zmq_msg_data (&msg))[99], 'x');
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

TEST (memcpy_of_struct)
{
    /*  zmq_msg_t is plain bytes: a memcpy'd message is the message (the old bytes must not
        be used any more).  */
    zmq_msg_t a, b;
    CHECK_EQ (zmq_msg_init_size (&a, 20), 0);
    memcpy (zmq_msg_data (&a), "twenty bytes, inline", 20);
    memcpy (&b, &a, sizeof a);
    memset (&a, 0, sizeof a);
    CHECK_EQ (zmq_msg_size (&b), 20);
    CHECK (inside (&b, zmq_msg_data (&b)));
    CHECK_MEM_EQ (zmq_msg_data (&b), "twenty bytes, inline", 20);
    CHECK_EQ (zmq_msg_close (&b), 0);

    CHECK_EQ (zmq_msg_init_size (&a, 4096), 0);
    memset (zmq_msg_data (&a), 'L', 4096);
    memcpy (&b, &a, sizeof a);
    CHECK_EQ (zmq_msg_size (&b), 4096);
    CHECK_EQ (((char *) zmq_msg_data (&b))[4095], 'L');
    CHECK_EQ (zmq_msg_close (&b), 0);

    free_log_t log;
    free_log_init (&log);
    char buf[8];
    zmq_msg_t arr[3];
    CHECK_EQ (zmq_msg_init_data (&arr[0], buf, sizeof buf, log_free, &log), 0);
    memcpy (&arr[2], &arr[0], sizeof arr[0]);
    CHECK_PTR_EQ (zmq_msg_data (&arr[2]), buf);
    CHECK_EQ (zmq_msg_close (&arr[2]), 0);
    CHECK_EQ (atomic_load (&log.calls), 1);
}

TEST (zeroed_message_is_efault)
{
    zmq_msg_t zero, good;
    memset (&zero, 0, sizeof zero);
    CHECK_EQ (zmq_msg_init_size (&good, 50), 0);
    CHECK_ERR (zmq_msg_close (&zero), EFAULT);
    CHECK_ERR (zmq_msg_copy (&good, &zero), EFAULT);
    CHECK_ERR (zmq_msg_copy (&zero, &good), EFAULT);
    CHECK_ERR (zmq_msg_move (&good, &zero), EFAULT);
    CHECK_ERR (zmq_msg_move (&zero, &good), EFAULT);
    /*  A failed move or copy leaves the valid side alone.  */
    CHECK_EQ (zmq_msg_size (&good), 50);
    CHECK_ERR (zmq_msg_get (&zero, ZMQ_MORE), EFAULT);
    CHECK_ERR (zmq_msg_get (&zero, ZMQ_SHARED), EFAULT);
    CHECK_ERR (zmq_msg_get (&zero, ZMQ_SRCFD), EFAULT);
    /*  As libzmq: an invalid message has no properties.  */
    CHECK_NULL_ERR (zmq_msg_gets (&zero, "Socket-Type"), EINVAL);
    CHECK_NULL_ERR (zmq_msg_data (&zero), EFAULT);
    errno = 0;
    CHECK_EQ (zmq_msg_size (&zero), 0);
    CHECK_EQ (errno, EFAULT);
    errno = 0;
    CHECK_EQ (zmq_msg_more (&zero), 0);
    CHECK_EQ (errno, EFAULT);
    CHECK_EQ (zmq_msg_close (&good), 0);

    /*  Garbage too.  */
    memset (&zero, 0x5a, sizeof zero);
    CHECK_ERR (zmq_msg_close (&zero), EFAULT);
    CHECK_NULL_ERR (zmq_msg_data (&zero), EFAULT);
}

TEST (double_close_is_efault)
{
    zmq_msg_t msg;
    for (size_t i = 0; i < NSIZES; i++) {
        CHECK_EQ (zmq_msg_init_size (&msg, sizes[i]), 0);
        CHECK_EQ (zmq_msg_close (&msg), 0);
        CHECK_ERR (zmq_msg_close (&msg), EFAULT);
        CHECK_NULL_ERR (zmq_msg_data (&msg), EFAULT);
        CHECK_EQ (zmq_msg_size (&msg), 0);
        CHECK_ERR (zmq_msg_get (&msg, ZMQ_MORE), EFAULT);
    }
    free_log_t log;
    free_log_init (&log);
    char buf[64];
    CHECK_EQ (zmq_msg_init_data (&msg, buf, sizeof buf, log_free, &log), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    CHECK_ERR (zmq_msg_close (&msg), EFAULT);
    CHECK_EQ (atomic_load (&log.calls), 1);
}

TEST (null_message_pointers)
{
    zmq_msg_t good;
    CHECK_EQ (zmq_msg_init (&good), 0);
    CHECK_ERR (zmq_msg_init (NULL), EFAULT);
    CHECK_ERR (zmq_msg_init_size (NULL, 10), EFAULT);
    CHECK_ERR (zmq_msg_init_data (NULL, &good, 1, NULL, NULL), EFAULT);
    CHECK_ERR (zmq_msg_close (NULL), EFAULT);
    CHECK_ERR (zmq_msg_copy (NULL, &good), EFAULT);
    CHECK_ERR (zmq_msg_copy (&good, NULL), EFAULT);
    CHECK_ERR (zmq_msg_move (NULL, &good), EFAULT);
    CHECK_ERR (zmq_msg_move (&good, NULL), EFAULT);
    CHECK_ERR (zmq_msg_get (NULL, ZMQ_MORE), EFAULT);
    CHECK_NULL_ERR (zmq_msg_data (NULL), EFAULT);
    CHECK_NULL_ERR (zmq_msg_gets (NULL, "Socket-Type"), EINVAL);
    CHECK_EQ (zmq_msg_size (NULL), 0);
    CHECK_EQ (zmq_msg_more (NULL), 0);
    CHECK_ERR (zmq_msg_set (NULL, ZMQ_MORE, 1), EINVAL);
    CHECK_EQ (zmq_msg_close (&good), 0);
}

TEST (get_and_set_properties)
{
    zmq_msg_t msg;
    CHECK_EQ (zmq_msg_init_size (&msg, 3), 0);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_MORE), 0);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_SHARED), 0);
    /*  No connection, no "__fd" property.  */
    CHECK_ERR (zmq_msg_get (&msg, ZMQ_SRCFD), EINVAL);
    CHECK_ERR (zmq_msg_get (&msg, 0), EINVAL);
    CHECK_ERR (zmq_msg_get (&msg, 4), EINVAL);
    CHECK_ERR (zmq_msg_get (&msg, -1), EINVAL);
    CHECK_ERR (zmq_msg_get (&msg, 1000), EINVAL);
    /*  Nothing is settable.  */
    CHECK_ERR (zmq_msg_set (&msg, ZMQ_MORE, 1), EINVAL);
    CHECK_ERR (zmq_msg_set (&msg, ZMQ_SHARED, 0), EINVAL);
    CHECK_ERR (zmq_msg_set (&msg, 0, 0), EINVAL);
    CHECK_EQ (zmq_msg_more (&msg), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

TEST (gets_without_metadata)
{
    zmq_msg_t msg;
    CHECK_EQ (zmq_msg_init (&msg), 0);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, "Socket-Type"), EINVAL);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, "Routing-Id"), EINVAL);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, "Identity"), EINVAL);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, "User-Id"), EINVAL);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, "Peer-Address"), EINVAL);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, "__fd"), EINVAL);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, ""), EINVAL);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, NULL), EINVAL);
    CHECK_EQ (zmq_msg_close (&msg), 0);
}

/*  A free function that uses the library itself, and frees a second message whose
    zmq_msg_t the hint points at.  */
static free_log_t reentrant_inner_log;
static atomic_int reentrant_calls;
static int reentrant_ok;

static void reentrant_free (void *data_, void *hint_)
{
    zmq_msg_t *other = (zmq_msg_t *) hint_;
    zmq_msg_t a, b;
    int ok = 1;
    ok &= zmq_msg_init (&a) == 0;
    ok &= zmq_msg_init_size (&b, 1000) == 0;
    ok &= zmq_msg_copy (&a, &b) == 0;
    ok &= zmq_msg_get (&a, ZMQ_SHARED) == 1;
    ok &= zmq_msg_close (&a) == 0;
    ok &= zmq_msg_close (&b) == 0;
    if (other)
        ok &= zmq_msg_close (other) == 0;
    reentrant_ok = ok;
    atomic_fetch_add (&reentrant_calls, 1);
}

TEST (free_fn_reenters_library)
{
    atomic_init (&reentrant_calls, 0);
    free_log_init (&reentrant_inner_log);
    char outer_buf[16], inner_buf[16];
    zmq_msg_t outer, inner, copy;
    CHECK_EQ (zmq_msg_init_data (&inner, inner_buf, sizeof inner_buf, log_free,
                                 &reentrant_inner_log),
              0);
    CHECK_EQ (zmq_msg_init_data (&outer, outer_buf, sizeof outer_buf,
                                 reentrant_free, &inner),
              0);
    CHECK_EQ (zmq_msg_init (&copy), 0);
    CHECK_EQ (zmq_msg_copy (&copy, &outer), 0);
    CHECK_EQ (zmq_msg_close (&outer), 0);
    CHECK_EQ (atomic_load (&reentrant_calls), 0);
    /*  Released by a move over it: the free function runs inside zmq_msg_move.  */
    zmq_msg_t fresh;
    CHECK_EQ (zmq_msg_init_size (&fresh, 40), 0);
    CHECK_EQ (zmq_msg_move (&copy, &fresh), 0);
    CHECK_EQ (atomic_load (&reentrant_calls), 1);
    CHECK (reentrant_ok);
    CHECK_EQ (atomic_load (&reentrant_inner_log.calls), 1);
    CHECK_EQ (zmq_msg_size (&copy), 40);
    CHECK_EQ (zmq_msg_close (&copy), 0);
    CHECK_EQ (zmq_msg_close (&fresh), 0);
}

/*  Copies closed on several threads: the free function runs once.  */
#define NTHREADS 8

typedef struct
{
    zmq_msg_t msg;
    pthread_barrier_t *barrier;
    int rc;
} closer_t;

static void *close_on_thread (void *arg_)
{
    closer_t *c = (closer_t *) arg_;
    pthread_barrier_wait (c->barrier);
    c->rc = zmq_msg_close (&c->msg);
    return NULL;
}

TEST (copies_closed_on_threads)
{
    for (int round = 0; round < 50; round++) {
        free_log_t log;
        free_log_init (&log);
        char buf[128];
        zmq_msg_t orig, big;
        CHECK_EQ (zmq_msg_init_data (&orig, buf, sizeof buf, log_free, &log), 0);
        CHECK_EQ (zmq_msg_init_size (&big, 10000), 0);
        closer_t closers[2 * NTHREADS];
        pthread_t threads[2 * NTHREADS];
        pthread_barrier_t barrier;
        pthread_barrier_init (&barrier, NULL, 2 * NTHREADS);
        for (int i = 0; i < 2 * NTHREADS; i++) {
            CHECK_EQ (zmq_msg_init (&closers[i].msg), 0);
            CHECK_EQ (zmq_msg_copy (&closers[i].msg, i % 2 ? &big : &orig), 0);
            closers[i].barrier = &barrier;
            closers[i].rc = -2;
        }
        CHECK_EQ (zmq_msg_close (&orig), 0);
        CHECK_EQ (zmq_msg_close (&big), 0);
        CHECK_EQ (atomic_load (&log.calls), 0);
        for (int i = 0; i < 2 * NTHREADS; i++)
            CHECK_EQ (pthread_create (&threads[i], NULL, close_on_thread,
                                      &closers[i]),
                      0);
        for (int i = 0; i < 2 * NTHREADS; i++)
            pthread_join (threads[i], NULL);
        pthread_barrier_destroy (&barrier);
        for (int i = 0; i < 2 * NTHREADS; i++)
            CHECK_EQ (closers[i].rc, 0);
        CHECK_EQ (atomic_load (&log.calls), 1);
        CHECK_PTR_EQ (log.last_data, buf);
    }
}

#ifdef ZMQ_BUILD_DRAFT_API
TEST (routing_id)
{
    zmq_msg_t msg, copy;
    CHECK_EQ (zmq_msg_init (&msg), 0);
    CHECK_EQ (zmq_msg_routing_id (&msg), 0);
    CHECK_ERR (zmq_msg_set_routing_id (&msg, 0), EINVAL);
    CHECK_EQ (zmq_msg_set_routing_id (&msg, 5), 0);
    CHECK_EQ (zmq_msg_routing_id (&msg), 5);
    CHECK_EQ (zmq_msg_set_routing_id (&msg, 0xffffffffu), 0);
    CHECK_EQ (zmq_msg_routing_id (&msg), 0xffffffffu);
    CHECK_ERR (zmq_msg_set_routing_id (&msg, 0), EINVAL);
    CHECK_EQ (zmq_msg_routing_id (&msg), 0xffffffffu);
    CHECK_EQ (zmq_msg_init (&copy), 0);
    CHECK_EQ (zmq_msg_copy (&copy, &msg), 0);
    CHECK_EQ (zmq_msg_routing_id (&copy), 0xffffffffu);
    CHECK_EQ (zmq_msg_close (&copy), 0);
    CHECK_EQ (zmq_msg_init (&copy), 0);
    CHECK_EQ (zmq_msg_move (&copy, &msg), 0);
    CHECK_EQ (zmq_msg_routing_id (&copy), 0xffffffffu);
    CHECK_EQ (zmq_msg_routing_id (&msg), 0);
    CHECK_EQ (zmq_msg_close (&copy), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    /*  Invalid messages.  */
    CHECK_ERR (zmq_msg_set_routing_id (&msg, 1), EFAULT);
    CHECK_ERR (zmq_msg_set_routing_id (NULL, 1), EFAULT);
    CHECK_EQ (zmq_msg_routing_id (&msg), 0);
    CHECK_EQ (zmq_msg_routing_id (NULL), 0);
}

TEST (group)
{
    char longest[256], too_long[257];
    memset (longest, 'g', 255);
    longest[255] = 0;
    memset (too_long, 'h', 256);
    too_long[256] = 0;
    CHECK_EQ (ZMQ_GROUP_MAX_LENGTH, 255);

    zmq_msg_t msg, copy;
    CHECK_EQ (zmq_msg_init_size (&msg, 40), 0);
    CHECK_STR_EQ (zmq_msg_group (&msg), "");
    CHECK_EQ (zmq_msg_set_group (&msg, "weather"), 0);
    CHECK_STR_EQ (zmq_msg_group (&msg), "weather");
    CHECK_EQ (zmq_msg_set_group (&msg, "fourteen chars"), 0);
    CHECK_STR_EQ (zmq_msg_group (&msg), "fourteen chars");
    CHECK_EQ (zmq_msg_set_group (&msg, "fifteen chars!!"), 0);
    CHECK_STR_EQ (zmq_msg_group (&msg), "fifteen chars!!");
    CHECK_EQ (zmq_msg_set_group (&msg, longest), 0);
    CHECK_STR_EQ (zmq_msg_group (&msg), longest);
    CHECK_ERR (zmq_msg_set_group (&msg, too_long), EINVAL);
    CHECK_STR_EQ (zmq_msg_group (&msg), longest);
    CHECK_ERR (zmq_msg_set_group (&msg, NULL), EINVAL);

    CHECK_EQ (zmq_msg_init (&copy), 0);
    CHECK_EQ (zmq_msg_copy (&copy, &msg), 0);
    CHECK_STR_EQ (zmq_msg_group (&copy), longest);
    CHECK_EQ (zmq_msg_set_group (&copy, "mine"), 0);
    CHECK_STR_EQ (zmq_msg_group (&copy), "mine");
    CHECK_STR_EQ (zmq_msg_group (&msg), longest);
    CHECK_EQ (zmq_msg_close (&copy), 0);
    CHECK_STR_EQ (zmq_msg_group (&msg), longest);

    CHECK_EQ (zmq_msg_init (&copy), 0);
    CHECK_EQ (zmq_msg_move (&copy, &msg), 0);
    CHECK_STR_EQ (zmq_msg_group (&copy), longest);
    CHECK_STR_EQ (zmq_msg_group (&msg), "");
    CHECK_EQ (zmq_msg_set_group (&copy, ""), 0);
    CHECK_STR_EQ (zmq_msg_group (&copy), "");
    CHECK_EQ (zmq_msg_close (&copy), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);

    CHECK_ERR (zmq_msg_set_group (&msg, "x"), EFAULT);
    CHECK_NULL_ERR (zmq_msg_group (&msg), EFAULT);
    CHECK_NULL_ERR (zmq_msg_group (NULL), EFAULT);
}

TEST (init_buffer)
{
    static unsigned char src[1024 * 1024];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (unsigned char) (i * 13);
    for (size_t i = 0; i < NSIZES; i++) {
        zmq_msg_t msg;
        CHECK_EQ (zmq_msg_init_buffer (&msg, src, sizes[i]), 0);
        CHECK_EQ (zmq_msg_size (&msg), sizes[i]);
        CHECK (zmq_msg_data (&msg) != (void *) src);
        CHECK_EQ (inside (&msg, zmq_msg_data (&msg)), sizes[i] <= 33);
        CHECK_MEM_EQ (zmq_msg_data (&msg), src, sizes[i]);
        CHECK_EQ (zmq_msg_get (&msg, ZMQ_SHARED), 0);
        CHECK_EQ (zmq_msg_close (&msg), 0);
    }
    zmq_msg_t msg;
    CHECK_EQ (zmq_msg_init_buffer (&msg, NULL, 0), 0);
    CHECK_EQ (zmq_msg_size (&msg), 0);
    CHECK_EQ (zmq_msg_close (&msg), 0);
    CHECK_ERR (zmq_msg_init_buffer (&msg, NULL, 5), EINVAL);
    CHECK_ERR (zmq_msg_init_buffer (NULL, src, 5), EFAULT);
    CHECK_ERR (zmq_msg_init_buffer (&msg, src, SIZE_MAX), ENOMEM);
}
#endif

int main (void)
{
    RUN (layout);
    RUN (init_empty);
    RUN (init_over_garbage);
    RUN (init_size_sizes);
    RUN (init_size_enomem);
    RUN (init_data_free_on_close);
    RUN (init_data_small_is_zero_copy);
    RUN (init_data_free_after_copies);
    RUN (init_data_free_after_move);
    RUN (init_data_replaced_by_copy_or_move);
    RUN (init_data_null);
    RUN (constant_message);
    RUN (copy_inline_is_not_shared);
    RUN (copy_large_is_shared);
    RUN (copy_keeps_source_intact);
    RUN (copy_outlives_its_closed_source);
    RUN (move_leaves_source_empty);
    RUN (self_copy_and_move);
    RUN (memcpy_of_struct);
    RUN (zeroed_message_is_efault);
    RUN (double_close_is_efault);
    RUN (null_message_pointers);
    RUN (get_and_set_properties);
    RUN (gets_without_metadata);
    RUN (free_fn_reenters_library);
    RUN (copies_closed_on_threads);
#ifdef ZMQ_BUILD_DRAFT_API
    RUN (routing_id);
    RUN (group);
    RUN (init_buffer);
#endif
    return test_summary ();
}
