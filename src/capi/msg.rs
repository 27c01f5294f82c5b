//! Message functions (STUB: being replaced by the msg implementation).

use std::os::raw::{c_char, c_int, c_void};

use super::{ret, zmq_free_fn, zmq_msg_t};
use crate::error::{Error, Result};

/// Validates a message and returns its size (EFAULT if it is not a live message).
pub(crate) unsafe fn msg_len(_msg: *mut zmq_msg_t) -> Result<usize> {
    Err(Error::FAULT)
}

/// Drops a validated message's content and leaves it empty (after a send took it).
pub(crate) unsafe fn msg_consume(_msg: *mut zmq_msg_t) {}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init(msg_: *mut zmq_msg_t) -> c_int {
    let _ = msg_;
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_size(msg_: *mut zmq_msg_t, size_: usize) -> c_int {
    let _ = (msg_, size_);
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_data(msg_: *mut zmq_msg_t, data_: *mut c_void, size_: usize, ffn_: *mut zmq_free_fn, hint_: *mut c_void) -> c_int {
    let _ = (msg_, data_, size_, ffn_, hint_);
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_close(msg_: *mut zmq_msg_t) -> c_int {
    let _ = msg_;
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_move(dest_: *mut zmq_msg_t, src_: *mut zmq_msg_t) -> c_int {
    let _ = (dest_, src_);
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_copy(dest_: *mut zmq_msg_t, src_: *mut zmq_msg_t) -> c_int {
    let _ = (dest_, src_);
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_data(msg_: *mut zmq_msg_t) -> *mut c_void {
    let _ = msg_;
    std::ptr::null_mut()
}
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_size(msg_: *const zmq_msg_t) -> usize {
    let _ = msg_;
    0
}
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_more(msg_: *const zmq_msg_t) -> c_int {
    let _ = msg_;
    0
}
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_get(msg_: *const zmq_msg_t, property_: c_int) -> c_int {
    let _ = (msg_, property_);
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set(msg_: *mut zmq_msg_t, property_: c_int, optval_: c_int) -> c_int {
    let _ = (msg_, property_, optval_);
    ret(Err(Error::INVAL))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_gets(msg_: *const zmq_msg_t, property_: *const c_char) -> *const c_char {
    let _ = (msg_, property_);
    super::set_errno(Error::INVAL);
    std::ptr::null()
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_buffer(msg_: *mut zmq_msg_t, buf_: *const c_void, size_: usize) -> c_int {
    let _ = (msg_, buf_, size_);
    ret(Err(Error::NOTSUP))
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set_routing_id(msg: *mut zmq_msg_t, routing_id: u32) -> c_int {
    let _ = (msg, routing_id);
    ret(Err(Error::NOTSUP))
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_routing_id(msg: *mut zmq_msg_t) -> u32 {
    let _ = msg;
    0
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set_group(msg: *mut zmq_msg_t, group: *const c_char) -> c_int {
    let _ = (msg, group);
    ret(Err(Error::NOTSUP))
}
#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_group(msg: *mut zmq_msg_t) -> *const c_char {
    let _ = msg;
    std::ptr::null()
}
