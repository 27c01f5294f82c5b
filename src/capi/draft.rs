//! Draft API entry points that are exported (so programs built against a draft header load).
//! Those of the draft socket types are not implemented yet and fail with ENOTSUP, as the
//! README's status table says; zmq_socket_monitor_versioned works (see crate::monitor), and
//! the poller lives in `poller.rs`.

use std::os::raw::{c_char, c_int, c_void};

use super::ret;
use crate::error::Error;

fn notsup() -> c_int {
    ret(Err(Error::NOTSUP))
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_join(s: *mut c_void, group: *const c_char) -> c_int {
    let _ = (s, group);
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_leave(s: *mut c_void, group: *const c_char) -> c_int {
    let _ = (s, group);
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_connect_peer(s_: *mut c_void, addr_: *const c_char) -> u32 {
    let _ = (s_, addr_);
    notsup();
    0
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_disconnect_peer(s_: *mut c_void, routing_id_: u32) -> c_int {
    let _ = (s_, routing_id_);
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_get_peer_state(
    socket: *mut c_void,
    routing_id: *const c_void,
    routing_id_size: usize,
) -> c_int {
    let _ = (socket, routing_id, routing_id_size);
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor_versioned(
    s_: *mut c_void,
    addr_: *const c_char,
    events_: u64,
    event_version_: c_int,
    type_: c_int,
) -> c_int {
    // SAFETY: same contract as zmq_socket_monitor.
    unsafe { super::socket::socket_monitor(s_, addr_, events_, event_version_, type_) }
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor_pipes_stats(s: *mut c_void) -> c_int {
    // SAFETY: s is a socket handle (checked by sock_mut) from zmq_socket.
    ret(unsafe { super::socket::sock_mut(s) }.and_then(|s| s.pipes_stats().map(|()| 0)))
}
