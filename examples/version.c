/*  version: which libzmq is this? Reports the library's version and checks that it can serve
    a program compiled against this zmq.h: the same major and minor version (the ABI); a
    different patch level is reported, not refused.  */
#include "helpers.h"

int main (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    printf ("Current 0MQ version is %d.%d.%d\n", major, minor, patch);
    int compatible = major == ZMQ_VERSION_MAJOR && minor == ZMQ_VERSION_MINOR;
    if (patch != ZMQ_VERSION_PATCH || !compatible)
        printf ("(this program was built against zmq.h %d.%d.%d)\n", ZMQ_VERSION_MAJOR,
                ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH);
    return compatible ? 0 : 1;
}
