//! Utilities (STUB: being replaced): Z85, CURVE key helpers, atomic counters, stopwatch,
//! sleep, threads, timers.

use std::os::raw::{c_char, c_int, c_long, c_ulong, c_void};

use super::{ret, zmq_thread_fn, zmq_timer_fn};
use crate::error::Error;

#[no_mangle]
pub unsafe extern "C" fn zmq_z85_encode(dest_: *mut c_char, data_: *const u8, size_: usize) -> *mut c_char {
    let _ = (dest_, data_, size_);
    std::ptr::null_mut()
}
#[no_mangle]
pub unsafe extern "C" fn zmq_z85_decode(dest_: *mut u8, string_: *const c_char) -> *mut u8 {
    let _ = (dest_, string_);
    std::ptr::null_mut()
}
#[no_mangle]
pub unsafe extern "C" fn zmq_curve_keypair(z85_public_key_: *mut c_char, z85_secret_key_: *mut c_char) -> c_int {
    let _ = (z85_public_key_, z85_secret_key_);
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_curve_public(z85_public_key_: *mut c_char, z85_secret_key_: *const c_char) -> c_int {
    let _ = (z85_public_key_, z85_secret_key_);
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub extern "C" fn zmq_atomic_counter_new() -> *mut c_void {
    std::ptr::null_mut()
}
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_set(counter_: *mut c_void, value_: c_int) {
    let _ = (counter_, value_);
}
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_inc(counter_: *mut c_void) -> c_int {
    let _ = counter_;
    0
}
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_dec(counter_: *mut c_void) -> c_int {
    let _ = counter_;
    0
}
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_value(counter_: *mut c_void) -> c_int {
    let _ = counter_;
    0
}
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_destroy(counter_p_: *mut *mut c_void) {
    let _ = counter_p_;
}
#[no_mangle]
pub extern "C" fn zmq_stopwatch_start() -> *mut c_void {
    std::ptr::null_mut()
}
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_intermediate(watch_: *mut c_void) -> c_ulong {
    let _ = watch_;
    0
}
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_stop(watch_: *mut c_void) -> c_ulong {
    let _ = watch_;
    0
}
#[no_mangle]
pub extern "C" fn zmq_sleep(seconds_: c_int) {
    let _ = seconds_;
}
#[no_mangle]
pub unsafe extern "C" fn zmq_threadstart(func_: *mut zmq_thread_fn, arg_: *mut c_void) -> *mut c_void {
    let _ = (func_, arg_);
    std::ptr::null_mut()
}
#[no_mangle]
pub unsafe extern "C" fn zmq_threadclose(thread_: *mut c_void) {
    let _ = thread_;
}
#[no_mangle]
pub extern "C" fn zmq_timers_new() -> *mut c_void {
    std::ptr::null_mut()
}
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_destroy(timers_p: *mut *mut c_void) -> c_int {
    let _ = timers_p;
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_add(timers: *mut c_void, interval: usize, handler: *mut zmq_timer_fn, arg: *mut c_void) -> c_int {
    let _ = (timers, interval, handler, arg);
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_cancel(timers: *mut c_void, timer_id: c_int) -> c_int {
    let _ = (timers, timer_id);
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_set_interval(timers: *mut c_void, timer_id: c_int, interval: usize) -> c_int {
    let _ = (timers, timer_id, interval);
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_reset(timers: *mut c_void, timer_id: c_int) -> c_int {
    let _ = (timers, timer_id);
    ret(Err(Error::NOTSUP))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_timeout(timers: *mut c_void) -> c_long {
    let _ = timers;
    -1
}
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_execute(timers: *mut c_void) -> c_int {
    let _ = timers;
    ret(Err(Error::NOTSUP))
}
