//! Timer sets for zmq_timers_* (being written).
