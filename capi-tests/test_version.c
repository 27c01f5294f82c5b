/*  zmq_version, zmq_errno, zmq_strerror and zmq_has.  */
#include "testutil.h"

TEST (version_is_4_3_5)
{
    int major = -1, minor = -1, patch = -1;
    zmq_version (&major, &minor, &patch);
    CHECK_EQ (major, 4);
    CHECK_EQ (minor, 3);
    CHECK_EQ (patch, 5);
}

TEST (errno_is_thread_local_errno)
{
    errno = EAGAIN;
    CHECK_EQ (zmq_errno (), EAGAIN);
    errno = 0;
    CHECK_EQ (zmq_errno (), 0);
}

TEST (strerror_own_codes)
{
    CHECK_STR_EQ (zmq_strerror (EFSM),
                  "Operation cannot be accomplished in current state");
    CHECK_STR_EQ (zmq_strerror (ENOCOMPATPROTO),
                  "The protocol is not compatible with the socket type");
    CHECK_STR_EQ (zmq_strerror (ETERM), "Context was terminated");
    CHECK_STR_EQ (zmq_strerror (EMTHREAD), "No thread available");
    CHECK_STR_EQ (zmq_strerror (EHOSTUNREACH), "Host unreachable");
}

TEST (strerror_system_codes)
{
    CHECK_STR_EQ (zmq_strerror (EINVAL), strerror (EINVAL));
    CHECK_STR_EQ (zmq_strerror (ENOTSUP), strerror (ENOTSUP));
    CHECK_STR_EQ (zmq_strerror (EAGAIN), strerror (EAGAIN));
}

TEST (error_numbers)
{
    CHECK_EQ (ZMQ_HAUSNUMERO, 156384712);
    CHECK_EQ (EFSM, 156384763);
    CHECK_EQ (ENOCOMPATPROTO, 156384764);
    CHECK_EQ (ETERM, 156384765);
    CHECK_EQ (EMTHREAD, 156384766);
    /*  Codes <errno.h> defines keep the system's values on Linux.  */
    CHECK_EQ (ENOTSUP, 95);
    CHECK_EQ (EPROTONOSUPPORT, 93);
    CHECK_EQ (ENOTSOCK, 88);
    CHECK_EQ (EHOSTUNREACH, 113);
}

TEST (has_only_what_works)
{
    /*  ipc and curve work; the other optional parts are not built yet; unknown names and
        lower-case "ws" are never there.  */
    CHECK_EQ (zmq_has ("ipc"), 1);
    CHECK_EQ (zmq_has ("curve"), 1);
    CHECK_EQ (zmq_has ("draft"), 0);
    CHECK_EQ (zmq_has ("ws"), 0);
    CHECK_EQ (zmq_has ("tcp"), 0);
    CHECK_EQ (zmq_has ("inproc"), 0);
    CHECK_EQ (zmq_has (""), 0);
    CHECK_EQ (zmq_has (NULL), 0);
}

int main (void)
{
    RUN (version_is_4_3_5);
    RUN (errno_is_thread_local_errno);
    RUN (strerror_own_codes);
    RUN (strerror_system_codes);
    RUN (error_numbers);
    RUN (has_only_what_works);
    return test_summary ();
}
