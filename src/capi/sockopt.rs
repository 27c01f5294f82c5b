//! zmq_setsockopt / zmq_getsockopt: pointer checks here, the option table in `options`.
//!
//! As in libzmq's socket layer, a few values are socket state rather than stored options:
//! RCVMORE, FD, EVENTS, LAST_ENDPOINT, THREAD_SAFE and TOPICS_COUNT. They accept a buffer
//! larger than the value (the rest is zeroed and `*optvallen` set to the value's size).

use std::os::raw::{c_int, c_void};

use super::consts::*;
use super::ret;
use super::socket::sock_mut;
use crate::error::{Error, Result};
use crate::options::value::{put_int_relaxed, put_str};
use crate::options::{counts_topics, ids};
use crate::socket::Socket;

#[no_mangle]
pub unsafe extern "C" fn zmq_setsockopt(
    s_: *mut c_void,
    option_: c_int,
    optval_: *const c_void,
    optvallen_: usize,
) -> c_int {
    // SAFETY: handle contract of sock_mut.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        s.process_commands()?;
        // NULL with length 0 is meaningful to some options (reset or clear). NULL with a
        // length would make libzmq read through NULL; we refuse it.
        let val = match (optval_.is_null(), optvallen_) {
            (true, 0) => None,
            (true, _) => return Err(Error::INVAL),
            // SAFETY: the caller gives optvallen_ readable bytes at optval_.
            (false, n) => Some(unsafe { std::slice::from_raw_parts(optval_.cast::<u8>(), n) }),
        };
        s.set_option(option_, val).map(|_| 0)
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_getsockopt(
    s_: *mut c_void,
    option_: c_int,
    optval_: *mut c_void,
    optvallen_: *mut usize,
) -> c_int {
    // SAFETY: handle contract of sock_mut.
    let r = unsafe { sock_mut(s_) }.and_then(|s| {
        s.process_commands()?;
        if optvallen_.is_null() {
            return Err(Error::INVAL);
        }
        // SAFETY: checked non-NULL; the caller passes a readable size_t.
        let len = unsafe { *optvallen_ };
        let buf: &mut [u8] = match (optval_.is_null(), len) {
            (true, 0) => &mut [],
            (true, _) => return Err(Error::INVAL),
            // SAFETY: the caller gives *optvallen_ writable bytes at optval_.
            (false, n) => unsafe { std::slice::from_raw_parts_mut(optval_.cast::<u8>(), n) },
        };
        let written = get(s, option_, buf)?;
        // SAFETY: checked non-NULL above.
        unsafe { *optvallen_ = written };
        Ok(0)
    });
    ret(r)
}

/// The socket-level values first, then the option table.
fn get(s: &mut Socket, option: c_int, buf: &mut [u8]) -> Result<usize> {
    let kind = s.kind();
    match option {
        ZMQ_RCVMORE => put_int_relaxed(buf, s.rcvmore() as c_int),
        ZMQ_FD if kind.thread_safe() => Err(Error::INVAL),
        ZMQ_FD => put_int_relaxed(buf, s.fd()),
        ZMQ_EVENTS => {
            let events = s.events()?;
            put_int_relaxed(buf, events)
        }
        ZMQ_LAST_ENDPOINT => put_str(buf, s.last_endpoint().as_bytes()),
        ZMQ_THREAD_SAFE => put_int_relaxed(buf, kind.thread_safe() as c_int),
        // As libzmq, what the socket has processed so far (no pending commands are handled).
        ids::ZMQ_TOPICS_COUNT if counts_topics(kind) => {
            put_int_relaxed(buf, s.topics_count().unwrap_or(0))
        }
        _ => s.options.get(kind, option, buf),
    }
}
