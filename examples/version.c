/*  version: which libzmq is this? Reports the library's version and checks that it is the
    one the program was compiled against.  */
#include "helpers.h"

int main (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    printf ("Current 0MQ version is %d.%d.%d\n", major, minor, patch);
    int same = major == ZMQ_VERSION_MAJOR && minor == ZMQ_VERSION_MINOR
               && patch == ZMQ_VERSION_PATCH;
    if (!same)
        printf ("but this program was built against zmq.h %d.%d.%d\n", ZMQ_VERSION_MAJOR,
                ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH);
    return same ? 0 : 1;
}
