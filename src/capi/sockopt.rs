//! zmq_setsockopt / zmq_getsockopt (a minimal set until the option table lands).

use std::os::raw::{c_int, c_void};

use super::consts::*;
use super::ret;
use super::socket::sock_mut;
use crate::error::{Error, Result};

fn int_of(optval: *const c_void, len: usize) -> Result<c_int> {
    if optval.is_null() || len != std::mem::size_of::<c_int>() {
        return Err(Error::INVAL);
    }
    // SAFETY: optval points at len == sizeof(int) readable bytes (caller's contract).
    Ok(unsafe { optval.cast::<c_int>().read_unaligned() })
}

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
        let v = int_of(optval_, optvallen_);
        match option_ {
            ZMQ_LINGER => s.linger = v.and_then(at_least_minus_one)?,
            ZMQ_RCVTIMEO => s.rcvtimeo = v.and_then(at_least_minus_one)?,
            ZMQ_SNDTIMEO => s.sndtimeo = v.and_then(at_least_minus_one)?,
            // The full option table arrives with the sockets issue.
            _ => return Err(Error::INVAL),
        }
        Ok(0)
    });
    ret(r)
}

fn at_least_minus_one(v: c_int) -> Result<c_int> {
    if v >= -1 {
        Ok(v)
    } else {
        Err(Error::INVAL)
    }
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
        if optval_.is_null() || optvallen_.is_null() {
            return Err(Error::INVAL);
        }
        // SAFETY: checked non-NULL.
        let len = unsafe { *optvallen_ };
        let int_size = std::mem::size_of::<c_int>();
        let (value, relaxed) = match option_ {
            ZMQ_TYPE => (s.kind().raw(), false),
            ZMQ_LINGER => (s.linger, false),
            ZMQ_RCVTIMEO => (s.rcvtimeo, false),
            ZMQ_SNDTIMEO => (s.sndtimeo, false),
            ZMQ_RCVMORE => (0, true),
            ZMQ_EVENTS => (s.events()?, true),
            ZMQ_FD if s.kind().thread_safe() => return Err(Error::INVAL),
            ZMQ_FD => (s.fd(), true),
            ZMQ_THREAD_SAFE => (s.kind().thread_safe() as c_int, true),
            _ => return Err(Error::INVAL),
        };
        // These few accept a larger buffer, zeroing the rest, as libzmq does.
        if len < int_size || (!relaxed && len != int_size) {
            return Err(Error::INVAL);
        }
        let out = optval_.cast::<u8>();
        // SAFETY: the caller gives len >= sizeof(int) writable bytes at optval_.
        unsafe {
            std::ptr::write_bytes(out, 0, len);
            out.cast::<c_int>().write_unaligned(value);
            *optvallen_ = int_size;
        }
        Ok(0)
    });
    ret(r)
}

