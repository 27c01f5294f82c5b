//! Context functions.

use std::os::raw::{c_int, c_void};
use std::sync::Arc;

use super::consts::ZMQ_IO_THREADS;
use super::handle::{Slot, TAG_CTX};
use super::{ret, ret_ptr};
use crate::ctx::Ctx;
use crate::error::{Error, Result};

/// The context behind a C handle; EFAULT for NULL or a terminated context.
pub(crate) unsafe fn ctx_ref<'a>(h: *mut c_void) -> Result<&'a Arc<Ctx>> {
    // SAFETY: h is NULL or a handle we returned; slots are never freed.
    let p = unsafe { Slot::get(h, TAG_CTX) }.ok_or(Error::FAULT)?;
    // SAFETY: a live TAG_CTX slot holds a Box<Arc<Ctx>> pointer, freed only on release.
    Ok(unsafe { &*(p as *const Arc<Ctx>) })
}

#[no_mangle]
pub extern "C" fn zmq_ctx_new() -> *mut c_void {
    ret_ptr(Ctx::new().map(|c| Slot::alloc(TAG_CTX, Box::into_raw(Box::new(c)).cast())))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_term(context_: *mut c_void) -> c_int {
    // SAFETY: handle contract of ctx_ref.
    let r = unsafe { ctx_ref(context_) }.and_then(|c| c.terminate());
    if r.is_ok() {
        // SAFETY: the handle was live just above; release hands back the Box exactly once.
        if let Some(p) = unsafe { Slot::release(context_, TAG_CTX) } {
            // SAFETY: p came from Box::into_raw in zmq_ctx_new.
            drop(unsafe { Box::from_raw(p as *mut Arc<Ctx>) });
        }
    }
    ret(r.map(|_| 0))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_shutdown(context_: *mut c_void) -> c_int {
    // SAFETY: handle contract of ctx_ref.
    ret(unsafe { ctx_ref(context_) }.map(|c| {
        c.shutdown();
        0
    }))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_set(
    context_: *mut c_void,
    option_: c_int,
    optval_: c_int,
) -> c_int {
    // SAFETY: handle contract of ctx_ref.
    ret(unsafe { ctx_ref(context_) }.and_then(|c| c.set_int(option_, optval_).map(|_| 0)))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_get(context_: *mut c_void, option_: c_int) -> c_int {
    // SAFETY: handle contract of ctx_ref.
    ret(unsafe { ctx_ref(context_) }.and_then(|c| c.get_int(option_)))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_init(io_threads_: c_int) -> *mut c_void {
    if io_threads_ < 0 {
        return ret_ptr(Err(Error::INVAL));
    }
    let ctx = zmq_ctx_new();
    // SAFETY: ctx is NULL (then ctx_set fails harmlessly) or a fresh handle.
    unsafe { zmq_ctx_set(ctx, ZMQ_IO_THREADS, io_threads_) };
    ctx
}

#[no_mangle]
pub unsafe extern "C" fn zmq_term(context_: *mut c_void) -> c_int {
    // SAFETY: same contract.
    unsafe { zmq_ctx_term(context_) }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_destroy(context_: *mut c_void) -> c_int {
    // SAFETY: same contract.
    unsafe { zmq_ctx_term(context_) }
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_set_ext(
    context_: *mut c_void,
    option_: c_int,
    optval_: *const c_void,
    optvallen_: usize,
) -> c_int {
    // SAFETY: handle contract of ctx_ref.
    let c = match unsafe { ctx_ref(context_) } {
        Ok(c) => c,
        Err(e) => return ret(Err(e)),
    };
    let val: &[u8] = if optvallen_ == 0 {
        &[]
    } else if optval_.is_null() {
        return ret(Err(Error::INVAL));
    } else {
        // SAFETY: the caller gives optvallen_ readable bytes at optval_.
        unsafe { std::slice::from_raw_parts(optval_.cast(), optvallen_) }
    };
    ret(c.set(option_, val).map(|_| 0))
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_get_ext(
    context_: *mut c_void,
    option_: c_int,
    optval_: *mut c_void,
    optvallen_: *mut usize,
) -> c_int {
    // SAFETY: handle contract of ctx_ref.
    let c = match unsafe { ctx_ref(context_) } {
        Ok(c) => c,
        Err(e) => return ret(Err(e)),
    };
    if optvallen_.is_null() || optval_.is_null() {
        return ret(Err(Error::INVAL));
    }
    // SAFETY: the caller gives *optvallen_ writable bytes at optval_.
    let buf = unsafe { std::slice::from_raw_parts_mut(optval_.cast::<u8>(), *optvallen_) };
    ret(c.get(option_, buf).map(|n| {
        // SAFETY: checked non-NULL above.
        unsafe { *optvallen_ = n };
        0
    }))
}
