//! Draft API entry points that are exported (so programs built against a draft header load).
//! Most are not implemented yet and fail with ENOTSUP, as the README's status table says;
//! zmq_socket_monitor_versioned works (see crate::monitor).

use std::os::raw::{c_char, c_int, c_long, c_short, c_void};

use super::{ret, ret_ptr, zmq_fd_t, zmq_poller_event_t};
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
pub extern "C" fn zmq_poller_new() -> *mut c_void {
    ret_ptr::<c_void>(Err(Error::NOTSUP))
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_destroy(poller_p: *mut *mut c_void) -> c_int {
    let _ = poller_p;
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_size(poller: *mut c_void) -> c_int {
    let _ = poller;
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_add(
    poller: *mut c_void,
    socket: *mut c_void,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    let _ = (poller, socket, user_data, events);
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_modify(
    poller: *mut c_void,
    socket: *mut c_void,
    events: c_short,
) -> c_int {
    let _ = (poller, socket, events);
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_remove(poller: *mut c_void, socket: *mut c_void) -> c_int {
    let _ = (poller, socket);
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_wait(
    poller: *mut c_void,
    event: *mut zmq_poller_event_t,
    timeout: c_long,
) -> c_int {
    let _ = (poller, event, timeout);
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_wait_all(
    poller: *mut c_void,
    events: *mut zmq_poller_event_t,
    n_events: c_int,
    timeout: c_long,
) -> c_int {
    let _ = (poller, events, n_events, timeout);
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_fd(poller: *mut c_void, fd: *mut zmq_fd_t) -> c_int {
    let _ = (poller, fd);
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_add_fd(
    poller: *mut c_void,
    fd: zmq_fd_t,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    let _ = (poller, fd, user_data, events);
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_modify_fd(
    poller: *mut c_void,
    fd: zmq_fd_t,
    events: c_short,
) -> c_int {
    let _ = (poller, fd, events);
    notsup()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_remove_fd(poller: *mut c_void, fd: zmq_fd_t) -> c_int {
    let _ = (poller, fd);
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
