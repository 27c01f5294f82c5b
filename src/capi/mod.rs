//! The C ABI: every `zmq_*` function, the C types, and nothing else. Each function checks its
//! pointers, calls the safe Rust API and turns `Err(e)` into `-1`/`NULL` with `errno = e`.
#![allow(non_camel_case_types, clippy::missing_safety_doc)]

use std::os::raw::{c_int, c_short, c_void};

pub mod consts;
mod ctx;
#[cfg(feature = "draft")]
mod draft;
mod errors;
mod handle;
mod msg;
mod poll;
#[cfg(feature = "draft")]
mod poller;
mod socket;
mod sockopt;
mod util;

use crate::error::{Error, Result};

/// A message, as C sees it: 64 opaque bytes with pointer alignment (declared by hand in the
/// header prologue, with upstream's per-compiler alignment attributes).
#[repr(C, align(8))]
pub struct zmq_msg_t {
    pub _x: [u8; 64],
}

/// `int` on POSIX; the header prologue has the Windows variants.
pub type zmq_fd_t = c_int;

#[repr(C)]
pub struct zmq_pollitem_t {
    pub socket: *mut c_void,
    pub fd: zmq_fd_t,
    pub events: c_short,
    pub revents: c_short,
}

#[cfg(feature = "draft")]
#[repr(C)]
pub struct zmq_poller_event_t {
    pub socket: *mut c_void,
    pub fd: zmq_fd_t,
    pub user_data: *mut c_void,
    pub events: c_short,
}

/// Stand-ins for the C *function types* `zmq_free_fn`, `zmq_timer_fn` and `zmq_thread_fn`:
/// Rust has only function pointers, and upstream's header declares function types (used as
/// `zmq_free_fn *`). The header declares the real typedefs; these only give cbindgen the name.
#[repr(C)]
pub struct zmq_free_fn {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct zmq_timer_fn {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct zmq_thread_fn {
    _opaque: [u8; 0],
}

pub(crate) type FreeFn = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);
pub(crate) type TimerFn = unsafe extern "C" fn(timer_id: c_int, arg: *mut c_void);
pub(crate) type ThreadFn = unsafe extern "C" fn(arg: *mut c_void);

/// Converts a `zmq_free_fn *` from C into a Rust function pointer (None for NULL).
pub(crate) fn free_fn(f: *mut zmq_free_fn) -> Option<FreeFn> {
    // SAFETY: C passes a pointer to a function of type zmq_free_fn; data and function pointers
    // have the same size and representation on every platform this library builds for.
    unsafe { std::mem::transmute::<*mut zmq_free_fn, Option<FreeFn>>(f) }
}

pub(crate) fn timer_fn(f: *mut zmq_timer_fn) -> Option<TimerFn> {
    // SAFETY: as in free_fn, for zmq_timer_fn.
    unsafe { std::mem::transmute::<*mut zmq_timer_fn, Option<TimerFn>>(f) }
}

pub(crate) fn thread_fn(f: *mut zmq_thread_fn) -> Option<ThreadFn> {
    // SAFETY: as in free_fn, for zmq_thread_fn.
    unsafe { std::mem::transmute::<*mut zmq_thread_fn, Option<ThreadFn>>(f) }
}

pub(crate) fn set_errno(e: Error) {
    errno::set_errno(errno::Errno(e.0));
}

/// `Ok(v)` → v; `Err(e)` → -1 with errno set.
pub(crate) fn ret(r: Result<c_int>) -> c_int {
    match r {
        Ok(v) => v,
        Err(e) => {
            set_errno(e);
            -1
        }
    }
}

/// `Ok(p)` → p; `Err(e)` → NULL with errno set.
pub(crate) fn ret_ptr<T>(r: Result<*mut T>) -> *mut T {
    match r {
        Ok(p) => p,
        Err(e) => {
            set_errno(e);
            std::ptr::null_mut()
        }
    }
}

/// Reads a C string argument; NULL gives EINVAL.
pub(crate) unsafe fn cstr<'a>(p: *const std::os::raw::c_char) -> Result<&'a [u8]> {
    if p.is_null() {
        return Err(Error::INVAL);
    }
    // SAFETY: the caller passes a NUL-terminated string that outlives this call.
    Ok(unsafe { std::ffi::CStr::from_ptr(p) }.to_bytes())
}
