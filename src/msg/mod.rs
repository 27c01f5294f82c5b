//! Messages: the 64-byte `Msg` that `zmq_msg_t` holds (being written).
