//! zmq_errno, zmq_strerror, zmq_version, zmq_has.

use std::os::raw::{c_char, c_int};

use crate::version::{MAJOR, MINOR, PATCH};

#[no_mangle]
pub extern "C" fn zmq_errno() -> c_int {
    errno::errno().0
}

#[no_mangle]
pub extern "C" fn zmq_strerror(errnum_: c_int) -> *const c_char {
    crate::error::strerror(errnum_).as_ptr()
}

#[no_mangle]
pub unsafe extern "C" fn zmq_version(major_: *mut c_int, minor_: *mut c_int, patch_: *mut c_int) {
    for (p, v) in [(major_, MAJOR), (minor_, MINOR), (patch_, PATCH)] {
        if !p.is_null() {
            // SAFETY: non-NULL out-parameter supplied by the caller.
            unsafe { *p = v };
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_has(capability_: *const c_char) -> c_int {
    // SAFETY: the caller passes NULL or a NUL-terminated string.
    match unsafe { super::cstr(capability_) } {
        Ok(name) => crate::version::has(name) as c_int,
        Err(_) => 0,
    }
}
