/*
    zmq_utils.h is deprecated: everything it once declared is in zmq.h. It is kept so that
    programs that still include it build unchanged.
*/
#ifndef __ZMQ_UTILS_H_INCLUDED__
#define __ZMQ_UTILS_H_INCLUDED__

#if defined(__GNUC__) && !defined(ZMQ_UTILS_NO_DEPRECATION_WARNING)
#pragma message("Warning: zmq_utils.h is deprecated. All its functionality is provided by zmq.h.")
#endif

#endif
