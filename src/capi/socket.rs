//! Socket functions: create/close, options, endpoints, send/recv.

use std::os::raw::{c_char, c_int, c_void};

use super::consts::*;
use super::ctx::ctx_ref;
use super::handle::{Slot, TAG_SOCKET};
use super::{ret, ret_ptr};
use crate::error::{Error, Result};
use crate::msg::Msg;
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

/// The endpoint argument as text; NULL or non-UTF-8 is EINVAL.
unsafe fn endpoint<'a>(addr: *const c_char) -> Result<&'a str> {
    // SAFETY: addr is NULL or a NUL-terminated string from the caller.
    let a = unsafe { super::cstr(addr) }?;
    std::str::from_utf8(a).map_err(|_| Error::INVAL)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_bind(s_: *mut c_void, addr_: *const c_char) -> c_int {
    // SAFETY: handle contract of sock_mut; addr_ per endpoint.
    ret(unsafe { sock_mut(s_) }.and_then(|s| s.bind(unsafe { endpoint(addr_) }?).map(|_| 0)))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_connect(s_: *mut c_void, addr_: *const c_char) -> c_int {
    // SAFETY: handle contract of sock_mut; addr_ per endpoint.
    ret(unsafe { sock_mut(s_) }.and_then(|s| s.connect(unsafe { endpoint(addr_) }?).map(|_| 0)))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_unbind(s_: *mut c_void, addr_: *const c_char) -> c_int {
    // SAFETY: handle contract of sock_mut; addr_ per endpoint.
    ret(unsafe { sock_mut(s_) }
        .and_then(|s| s.term_endpoint(unsafe { endpoint(addr_) }?).map(|_| 0)))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_disconnect(s_: *mut c_void, addr_: *const c_char) -> c_int {
    // SAFETY: handle contract of sock_mut; addr_ per endpoint.
    ret(unsafe { sock_mut(s_) }
        .and_then(|s| s.term_endpoint(unsafe { endpoint(addr_) }?).map(|_| 0)))
}

/// libzmq returns byte counts clamped to INT_MAX.
fn clamp_len(n: usize) -> c_int {
    n.min(c_int::MAX as usize) as c_int
}

/// The caller's buffer as a slice; NULL is only allowed with length 0 (EFAULT otherwise).
unsafe fn buf<'a>(p: *const c_void, len: usize) -> Result<&'a [u8]> {
    match (p.is_null(), len) {
        (_, 0) => Ok(&[]),
        (true, _) => Err(Error::FAULT),
        // SAFETY: the caller gives len readable bytes at p.
        (false, n) => Ok(unsafe { std::slice::from_raw_parts(p.cast(), n) }),
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_send(
    s_: *mut c_void,
    buf_: *const c_void,
    len_: usize,
    flags_: c_int,
) -> c_int {
    // SAFETY: handle contract of sock_mut; buf_ holds len_ bytes.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        let mut msg = Msg::from_slice(unsafe { buf(buf_, len_) }?)?;
        s.send(&mut msg, flags_)?;
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
    // SAFETY: handle contract of sock_mut; the caller keeps buf_ alive and unchanged for as
    // long as the message may exist (zmq_send_const's contract), so no copy is made.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        unsafe { buf(buf_, len_) }?;
        let mut msg =
            unsafe { Msg::from_user_buffer(buf_ as *mut u8, len_, None, std::ptr::null_mut()) }?;
        s.send(&mut msg, flags_)?;
        Ok(clamp_len(len_))
    });
    ret(r)
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
        let msg = s.recv(flags_)?;
        let data = msg.as_slice();
        let n = data.len().min(len_);
        if n > 0 {
            // SAFETY: buf_ has len_ >= n writable bytes; the message is ours.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), buf_.cast::<u8>(), n) };
        }
        // The full size, even when truncated into a smaller buffer.
        Ok(clamp_len(data.len()))
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_send(
    msg_: *mut super::zmq_msg_t,
    s_: *mut c_void,
    flags_: c_int,
) -> c_int {
    // SAFETY: handle contract of sock_mut; msg validity is checked by msg_mut.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        let m = unsafe { super::msg::msg_mut(msg_) }?;
        let len = m.len();
        // On success the content is taken and the message left empty, as libzmq does.
        s.send(m, flags_)?;
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
    // SAFETY: handle contract of sock_mut; msg validity is checked by msg_mut.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        let m = unsafe { super::msg::msg_mut(msg_) }?;
        let r = if m.owns_nothing() {
            // The usual case (a fresh zmq_msg_init): received in place, nothing to release.
            s.recv_into(flags_, m)
        } else {
            // The old content is released after the new one is in place.
            s.recv(flags_).map(|got| drop(std::mem::replace(m, got)))
        };
        match r {
            Ok(()) => Ok(clamp_len(m.len())),
            Err(Error::AGAIN) => {
                // As libzmq, whose routing closes the message before looking for one: a
                // receive that finds nothing leaves an empty message.
                drop(std::mem::take(m));
                Err(Error::AGAIN)
            }
            Err(e) => Err(e),
        }
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
    // SAFETY: handle contract of sock_mut; count_ iovecs are readable at iov_.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        if count_ == 0 || iov_.is_null() {
            return Err(Error::INVAL);
        }
        let iov = unsafe { std::slice::from_raw_parts(iov_, count_) };
        let mut last = 0;
        for (i, v) in iov.iter().enumerate() {
            let mut msg = Msg::from_slice(unsafe { buf(v.iov_base, v.iov_len) }?)?;
            // As libzmq: the caller's flags for every part, without SNDMORE on the last.
            let flags = if i == count_ - 1 {
                flags_ & !ZMQ_SNDMORE
            } else {
                flags_
            };
            s.send(&mut msg, flags)?;
            last = clamp_len(v.iov_len);
        }
        Ok(last)
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
    // SAFETY: handle contract of sock_mut; *count_ iovecs are writable at iov_.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        if iov_.is_null() || count_.is_null() || unsafe { *count_ } == 0 {
            return Err(Error::INVAL);
        }
        let max = unsafe { *count_ };
        unsafe { *count_ = 0 };
        let mut nread = 0;
        for i in 0..max {
            let msg = s.recv(flags_)?;
            let data = msg.as_slice();
            // The caller frees each part with free(), as with libzmq.
            let p = unsafe { libc::malloc(data.len().max(1)) };
            if p.is_null() {
                return Err(Error::NOMEM);
            }
            unsafe {
                std::ptr::copy_nonoverlapping(data.as_ptr(), p.cast::<u8>(), data.len());
                *iov_.add(i) = libc::iovec {
                    iov_base: p,
                    iov_len: data.len(),
                };
                *count_ += 1;
            }
            nread += 1;
            if !msg.more() {
                break;
            }
        }
        Ok(nread)
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor(
    s_: *mut c_void,
    addr_: *const c_char,
    events_: c_int,
) -> c_int {
    // The int mask widens as libzmq's does (a negative one sign-extends, and v1 refuses it).
    // SAFETY: same contract as socket_monitor.
    unsafe { socket_monitor(s_, addr_, events_ as i64 as u64, 1, ZMQ_PAIR) }
}

/// zmq_socket_monitor and zmq_socket_monitor_versioned: NULL `addr_` stops monitoring.
pub(crate) unsafe fn socket_monitor(
    s_: *mut c_void,
    addr_: *const c_char,
    events: u64,
    version: c_int,
    kind: c_int,
) -> c_int {
    // SAFETY: handle contract of sock_mut; addr_ is NULL or a C string (endpoint).
    ret(unsafe { sock_mut(s_) }.and_then(|s| {
        let addr = if addr_.is_null() {
            None
        } else {
            Some(unsafe { endpoint(addr_) }?)
        };
        crate::monitor::Monitor::start(s, addr, events, version, kind).map(|_| 0)
    }))
}
