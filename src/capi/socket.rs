//! Socket functions: create/close, options, endpoints, send/recv.

use std::os::raw::{c_char, c_int, c_void};

use super::consts::*;
use super::ctx::ctx_ref;
use super::handle::{Slot, TAG_SOCKET};
use super::{ret, ret_ptr};
use crate::error::{Error, Result};
use crate::socket::Socket;

/// The socket behind a C handle; ENOTSOCK for NULL or a closed socket.
pub(crate) unsafe fn sock_mut<'a>(h: *mut c_void) -> Result<&'a mut Socket> {
    // SAFETY: h is NULL or a handle we returned; slots are never freed.
    let p = unsafe { Slot::get(h, TAG_SOCKET) }.ok_or(Error::NOTSOCK)?;
    // SAFETY: a live TAG_SOCKET slot holds a Box<Socket> pointer. Classic sockets are used by
    // one thread at a time (libzmq's contract), so this &mut is not aliased.
    Ok(unsafe { &mut *(p as *mut Socket) })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_socket(arg0: *mut c_void, type_: c_int) -> *mut c_void {
    // SAFETY: handle contract of ctx_ref.
    let r = unsafe { ctx_ref(arg0) }.and_then(|c| Socket::new(c, type_));
    ret_ptr(r.map(|s| Slot::alloc(TAG_SOCKET, Box::into_raw(Box::new(s)).cast())))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_close(s_: *mut c_void) -> c_int {
    // SAFETY: handle contract; release hands the Box back exactly once.
    match unsafe { Slot::release(s_, TAG_SOCKET) } {
        Some(p) => {
            // SAFETY: p came from Box::into_raw in zmq_socket.
            drop(unsafe { Box::from_raw(p as *mut Socket) });
            0
        }
        None => ret(Err(Error::NOTSOCK)),
    }
}

/// Endpoint syntax and transport check; with no transports built yet every valid endpoint
/// reports EPROTONOSUPPORT, which is what libzmq says of a transport it was built without.
fn check_endpoint(addr: *const c_char) -> Result<()> {
    // SAFETY: addr is NULL or a NUL-terminated string from the caller.
    let a = unsafe { super::cstr(addr) }?;
    let sep = a.windows(3).position(|w| w == b"://").ok_or(Error::INVAL)?;
    if sep == 0 || sep + 3 >= a.len() {
        return Err(Error::INVAL);
    }
    Err(Error::PROTONOSUPPORT)
}

unsafe fn endpoint_call(s_: *mut c_void, addr_: *const c_char) -> c_int {
    // SAFETY: handle contract of sock_mut.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        s.process_commands()?;
        check_endpoint(addr_).map(|_| 0)
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_bind(s_: *mut c_void, addr_: *const c_char) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { endpoint_call(s_, addr_) }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_connect(s_: *mut c_void, addr_: *const c_char) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { endpoint_call(s_, addr_) }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_unbind(s_: *mut c_void, addr_: *const c_char) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { endpoint_call(s_, addr_) }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_disconnect(s_: *mut c_void, addr_: *const c_char) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { endpoint_call(s_, addr_) }
}

/// libzmq returns the byte count of a send clamped to INT_MAX.
fn clamp_len(n: usize) -> c_int {
    n.min(c_int::MAX as usize) as c_int
}

#[no_mangle]
pub unsafe extern "C" fn zmq_send(
    s_: *mut c_void,
    buf_: *const c_void,
    len_: usize,
    flags_: c_int,
) -> c_int {
    // SAFETY: handle contract of sock_mut.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        if buf_.is_null() && len_ != 0 {
            return Err(Error::FAULT);
        }
        s.send_wait(flags_ & ZMQ_DONTWAIT != 0)?;
        Ok(clamp_len(len_))
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_send_const(
    s_: *mut c_void,
    buf_: *const c_void,
    len_: usize,
    flags_: c_int,
) -> c_int {
    // SAFETY: same contract as zmq_send.
    unsafe { zmq_send(s_, buf_, len_, flags_) }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_recv(
    s_: *mut c_void,
    buf_: *mut c_void,
    len_: usize,
    flags_: c_int,
) -> c_int {
    // SAFETY: handle contract of sock_mut.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        if buf_.is_null() && len_ != 0 {
            return Err(Error::FAULT);
        }
        s.recv_wait(flags_ & ZMQ_DONTWAIT != 0)?;
        unreachable!("recv_wait cannot succeed before transports exist")
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_send(
    msg_: *mut super::zmq_msg_t,
    s_: *mut c_void,
    flags_: c_int,
) -> c_int {
    // SAFETY: handle contract of sock_mut; msg validity is checked by msg_len.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        let len = unsafe { super::msg::msg_len(msg_) }?;
        s.send_wait(flags_ & ZMQ_DONTWAIT != 0)?;
        // SAFETY: msg_ was validated above; a sent message is consumed and left empty.
        unsafe { super::msg::msg_consume(msg_) };
        Ok(clamp_len(len))
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_recv(
    msg_: *mut super::zmq_msg_t,
    s_: *mut c_void,
    flags_: c_int,
) -> c_int {
    // SAFETY: handle contract of sock_mut; msg validity is checked by msg_len.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        unsafe { super::msg::msg_len(msg_) }?;
        s.recv_wait(flags_ & ZMQ_DONTWAIT != 0)?;
        unreachable!("recv_wait cannot succeed before transports exist")
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_sendmsg(
    s_: *mut c_void,
    msg_: *mut super::zmq_msg_t,
    flags_: c_int,
) -> c_int {
    // SAFETY: same contract as zmq_msg_send.
    unsafe { zmq_msg_send(msg_, s_, flags_) }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_recvmsg(
    s_: *mut c_void,
    msg_: *mut super::zmq_msg_t,
    flags_: c_int,
) -> c_int {
    // SAFETY: same contract as zmq_msg_recv.
    unsafe { zmq_msg_recv(msg_, s_, flags_) }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_sendiov(
    s_: *mut c_void,
    iov_: *mut libc::iovec,
    count_: usize,
    flags_: c_int,
) -> c_int {
    // SAFETY: handle contract of sock_mut.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        if count_ == 0 || iov_.is_null() {
            return Err(Error::INVAL);
        }
        s.send_wait(flags_ & ZMQ_DONTWAIT != 0)?;
        // libzmq returns the size of the last part sent.
        // SAFETY: count_ >= 1 iovecs are readable at iov_.
        Ok(clamp_len(unsafe { (*iov_.add(count_ - 1)).iov_len }))
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_recviov(
    s_: *mut c_void,
    iov_: *mut libc::iovec,
    count_: *mut usize,
    flags_: c_int,
) -> c_int {
    // SAFETY: handle contract of sock_mut.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        if iov_.is_null() || count_.is_null() || unsafe { *count_ } == 0 {
            return Err(Error::INVAL);
        }
        s.recv_wait(flags_ & ZMQ_DONTWAIT != 0)?;
        unreachable!("recv_wait cannot succeed before transports exist")
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor(
    s_: *mut c_void,
    addr_: *const c_char,
    events_: c_int,
) -> c_int {
    let _ = (addr_, events_);
    // SAFETY: handle contract of sock_mut.
    ret(unsafe { sock_mut(s_) }.and_then(|s| {
        s.process_commands()?;
        // Monitoring needs inproc and the transports: not built yet.
        Err(Error::NOTSUP)
    }))
}
