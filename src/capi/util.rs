//! Utilities: Z85, CURVE key helpers, atomic counters, stopwatch, sleep, threads, timers.
//!
//! libzmq dereferences NULL arguments of most of these functions; here a NULL never crashes:
//! functions with an error return give libzmq's errno for the case (EINVAL for Z85, EFAULT for
//! timers), and the others (counters, stopwatch) do nothing, return 0 and set EFAULT.

use std::mem::MaybeUninit;
use std::os::raw::{c_char, c_int, c_long, c_ulong, c_void};
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Instant;

use parking_lot::Mutex;

use super::{ret, ret_ptr, set_errno, thread_fn, timer_fn, zmq_thread_fn, zmq_timer_fn};
use super::{ThreadFn, TimerFn};
use crate::error::{Error, Result};
use crate::timers::Timers;
use crate::z85;

/// Whether the byte ranges `[a, a + a_len)` and `[b, b + b_len)` overlap.
fn overlap(a: *const u8, a_len: usize, b: *const u8, b_len: usize) -> bool {
    let (a, b) = (a as usize, b as usize);
    a < b.saturating_add(b_len) && b < a.saturating_add(a_len)
}

/// Largest input `zmq_z85_encode` accepts, so that the text and its NUL fit in a Rust slice.
const Z85_MAX_DATA: usize = (isize::MAX as usize / 5) * 4 - 4;

#[no_mangle]
pub unsafe extern "C" fn zmq_z85_encode(
    dest_: *mut c_char,
    data_: *const u8,
    size_: usize,
) -> *mut c_char {
    if !size_.is_multiple_of(4)
        || size_ > Z85_MAX_DATA
        || dest_.is_null()
        || (data_.is_null() && size_ > 0)
    {
        return ret_ptr(Err(Error::INVAL));
    }
    let n = z85::encoded_len(size_);
    let dest = dest_.cast::<u8>();
    if size_ > 0 && overlap(dest, n + 1, data_, size_) {
        // SAFETY: data_ is non-NULL and the caller gives size_ readable bytes there.
        let data = unsafe { std::slice::from_raw_parts(data_, size_) }.to_vec();
        // SAFETY: the caller gives room for size_ * 5 / 4 + 1 bytes at dest_; `data` is a copy,
        // so this is the only live reference to that memory.
        let out = unsafe { std::slice::from_raw_parts_mut(dest, n + 1) };
        return finish_encode(&data, out, dest_);
    }
    let data: &[u8] = if size_ == 0 {
        &[]
    } else {
        // SAFETY: data_ is non-NULL and the caller gives size_ readable bytes there.
        unsafe { std::slice::from_raw_parts(data_, size_) }
    };
    // SAFETY: the caller gives room for size_ * 5 / 4 + 1 bytes at dest_, which does not
    // overlap `data` (checked above).
    let out = unsafe { std::slice::from_raw_parts_mut(dest, n + 1) };
    finish_encode(data, out, dest_)
}

fn finish_encode(data: &[u8], out: &mut [u8], dest: *mut c_char) -> *mut c_char {
    let n = out.len() - 1;
    match z85::encode_into(data, &mut out[..n]) {
        Ok(()) => {
            out[n] = 0;
            dest
        }
        Err(e) => ret_ptr(Err(e)),
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_z85_decode(dest_: *mut u8, string_: *const c_char) -> *mut u8 {
    if dest_.is_null() || string_.is_null() {
        return ret_ptr(Err(Error::INVAL));
    }
    // SAFETY: string_ is non-NULL and the caller passes a NUL-terminated string.
    let text = unsafe { std::ffi::CStr::from_ptr(string_) }.to_bytes();
    // As libzmq: the empty string is no valid encoding either.
    if text.len() < 5 || !text.len().is_multiple_of(5) {
        return ret_ptr(Err(Error::INVAL));
    }
    let n = z85::decoded_len(text.len());
    let r = if overlap(dest_, n, text.as_ptr(), text.len()) {
        // Decoding in place: work on a copy of the text.
        let text = text.to_vec();
        // SAFETY: the caller gives room for strlen(string_) * 4 / 5 bytes at dest_; the text
        // was copied, so this is the only live reference to that memory.
        let out = unsafe { std::slice::from_raw_parts_mut(dest_, n) };
        z85::decode_into(&text, out)
    } else {
        // SAFETY: as above; dest_ does not overlap the text (checked).
        let out = unsafe { std::slice::from_raw_parts_mut(dest_, n) };
        z85::decode_into(text, out)
    };
    ret_ptr(r.map(|()| dest_))
}

// ---- CURVE keys: X25519 key pairs as 40 Z85 characters and a NUL (41-byte buffers).

/// Z85 text of a CURVE key, without the NUL.
const CURVE_KEY_Z85: usize = 40;

/// Writes `key` at `dest` as Z85 text and a NUL.
///
/// # Safety
/// `dest` is non-NULL with room for 41 bytes, and no reference to that memory is live.
unsafe fn put_z85_key(dest: *mut c_char, key: &[u8; 32]) -> Result<()> {
    // SAFETY: the caller gives 41 writable bytes at dest, referenced by nothing else.
    let out = unsafe { std::slice::from_raw_parts_mut(dest.cast::<u8>(), CURVE_KEY_Z85 + 1) };
    z85::encode_into(key, &mut out[..CURVE_KEY_Z85])?;
    out[CURVE_KEY_Z85] = 0;
    Ok(())
}

/// A fresh key pair, as libzmq's `crypto_box_keypair`. NULL buffers give EINVAL.
#[no_mangle]
pub unsafe extern "C" fn zmq_curve_keypair(
    z85_public_key_: *mut c_char,
    z85_secret_key_: *mut c_char,
) -> c_int {
    if z85_public_key_.is_null() || z85_secret_key_.is_null() {
        return ret(Err(Error::INVAL));
    }
    // The OS random source failing is the only way this fails.
    let Some((secret, public)) = crate::zmtp::curve::keypair() else {
        return ret(Err(Error::NOTSUP));
    };
    let secret = zeroize::Zeroizing::new(secret.to_bytes());
    // SAFETY: non-NULL, with 41 bytes given by the caller; the slice made inside lives only
    // for this call, so it never coexists with the one below even if the buffers overlap.
    if let Err(e) = unsafe { put_z85_key(z85_public_key_, public.as_bytes()) } {
        return ret(Err(e));
    }
    // SAFETY: as above, for the secret key's buffer.
    ret(unsafe { put_z85_key(z85_secret_key_, &secret) }.map(|()| 0))
}

/// The public key of a Z85 secret key. Anything but 40 valid Z85 characters is EINVAL
/// (libzmq decodes any multiple of 5 into its 32-byte buffer, reading uninitialised bytes
/// or writing past it for other lengths).
#[no_mangle]
pub unsafe extern "C" fn zmq_curve_public(
    z85_public_key_: *mut c_char,
    z85_secret_key_: *const c_char,
) -> c_int {
    if z85_public_key_.is_null() || z85_secret_key_.is_null() {
        return ret(Err(Error::INVAL));
    }
    let mut secret = zeroize::Zeroizing::new([0u8; 32]);
    {
        // SAFETY: z85_secret_key_ is non-NULL and the caller passes a NUL-terminated string;
        // the borrow ends before anything is written (the two buffers may be the same).
        let text = unsafe { std::ffi::CStr::from_ptr(z85_secret_key_) }.to_bytes();
        if text.len() != CURVE_KEY_Z85 {
            return ret(Err(Error::INVAL));
        }
        if let Err(e) = z85::decode_into(text, &mut secret[..]) {
            return ret(Err(e));
        }
    }
    let public = crate::zmtp::curve::public_of(&secret);
    // SAFETY: non-NULL, 41 bytes given by the caller; no other reference is live.
    ret(unsafe { put_z85_key(z85_public_key_, &public) }.map(|()| 0))
}

// ---- Atomic counters: a heap AtomicI32 behind the `void *`.

/// The counter behind a C handle; None (and EFAULT) for NULL.
///
/// # Safety
/// `counter` must be NULL or a live pointer from `zmq_atomic_counter_new`.
unsafe fn counter<'a>(counter: *mut c_void) -> Option<&'a AtomicI32> {
    if counter.is_null() {
        set_errno(Error::FAULT);
        return None;
    }
    // SAFETY: per the contract, a live Box<AtomicI32> from zmq_atomic_counter_new.
    Some(unsafe { &*counter.cast::<AtomicI32>() })
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_new() -> *mut c_void {
    Box::into_raw(Box::new(AtomicI32::new(0))).cast()
}
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_set(counter_: *mut c_void, value_: c_int) {
    // SAFETY: the caller passes NULL or a counter from zmq_atomic_counter_new.
    if let Some(c) = unsafe { counter(counter_) } {
        c.store(value_, Ordering::SeqCst);
    }
}
/// Returns the value before the increment.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_inc(counter_: *mut c_void) -> c_int {
    // SAFETY: the caller passes NULL or a counter from zmq_atomic_counter_new.
    unsafe { counter(counter_) }.map_or(0, |c| c.fetch_add(1, Ordering::SeqCst))
}
/// Returns 1 if the value after the decrement is not zero, else 0.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_dec(counter_: *mut c_void) -> c_int {
    // SAFETY: the caller passes NULL or a counter from zmq_atomic_counter_new.
    unsafe { counter(counter_) }.map_or(0, |c| c_int::from(c.fetch_sub(1, Ordering::SeqCst) != 1))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_value(counter_: *mut c_void) -> c_int {
    // SAFETY: the caller passes NULL or a counter from zmq_atomic_counter_new.
    unsafe { counter(counter_) }.map_or(0, |c| c.load(Ordering::SeqCst))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_destroy(counter_p_: *mut *mut c_void) {
    if counter_p_.is_null() {
        return set_errno(Error::FAULT);
    }
    // SAFETY: counter_p_ is non-NULL and points at the caller's handle variable.
    let p = unsafe { *counter_p_ };
    if p.is_null() {
        return set_errno(Error::FAULT);
    }
    // SAFETY: p came from Box::into_raw in zmq_atomic_counter_new and is destroyed once (the
    // caller's variable is cleared below, as libzmq does).
    drop(unsafe { Box::from_raw(p.cast::<AtomicI32>()) });
    // SAFETY: as above, counter_p_ is a valid pointer to the handle variable.
    unsafe { *counter_p_ = std::ptr::null_mut() };
}

// ---- Stopwatch: a heap Instant (CLOCK_MONOTONIC), read in microseconds.

fn micros_since(start: &Instant) -> c_ulong {
    c_ulong::try_from(start.elapsed().as_micros()).unwrap_or(c_ulong::MAX)
}

#[no_mangle]
pub extern "C" fn zmq_stopwatch_start() -> *mut c_void {
    Box::into_raw(Box::new(Instant::now())).cast()
}
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_intermediate(watch_: *mut c_void) -> c_ulong {
    if watch_.is_null() {
        set_errno(Error::FAULT);
        return 0;
    }
    // SAFETY: a non-NULL watch is a live Box<Instant> from zmq_stopwatch_start.
    micros_since(unsafe { &*watch_.cast::<Instant>() })
}
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_stop(watch_: *mut c_void) -> c_ulong {
    if watch_.is_null() {
        set_errno(Error::FAULT);
        return 0;
    }
    // SAFETY: a non-NULL watch is a live Box<Instant> from zmq_stopwatch_start; stop frees it.
    let watch = unsafe { Box::from_raw(watch_.cast::<Instant>()) };
    micros_since(&watch)
}

/// Sleeps `seconds_` seconds (nothing for a negative count). Like libzmq's `usleep`, one
/// `nanosleep` call: a signal handler that runs ends the sleep early.
#[no_mangle]
pub extern "C" fn zmq_sleep(seconds_: c_int) {
    if seconds_ <= 0 {
        return;
    }
    let t = libc::timespec {
        tv_sec: libc::time_t::from(seconds_),
        tv_nsec: 0,
    };
    // SAFETY: t is a valid timespec; the remaining time is not wanted (NULL).
    unsafe { libc::nanosleep(&t, std::ptr::null_mut()) };
}

// ---- Threads.

/// A C thread function and its argument, moved to the new thread.
struct ThreadStart {
    func: ThreadFn,
    arg: *mut c_void,
}

// SAFETY: the argument is the C caller's; handing it to the thread that the caller asked to run
// func(arg) is exactly what zmq_threadstart promises, and Rust never dereferences it.
unsafe impl Send for ThreadStart {}

impl ThreadStart {
    fn run(self) {
        block_all_signals();
        // SAFETY: func is a C function of type zmq_thread_fn, called with the caller's argument
        // as zmq_threadstart documents. A C function cannot unwind into Rust.
        unsafe { (self.func)(self.arg) }
    }
}

/// As libzmq's threads, the new thread blocks every signal, so that signals go to the
/// application's own threads.
fn block_all_signals() {
    let mut set = MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigfillset initialises `set` before pthread_sigmask reads it; pthread_sigmask only
    // changes the calling thread's mask.
    unsafe {
        if libc::sigfillset(set.as_mut_ptr()) == 0 {
            libc::pthread_sigmask(libc::SIG_BLOCK, set.as_ptr(), std::ptr::null_mut());
        }
    }
}

/// The stack size of a thread created with default attributes (libzmq creates its threads so;
/// on glibc it follows `ulimit -s`), rather than Rust's smaller default.
fn default_stack_size() -> Option<usize> {
    let mut attr = MaybeUninit::<libc::pthread_attr_t>::uninit();
    let mut size: usize = 0;
    // SAFETY: pthread_attr_init initialises `attr` before it is read, and it is destroyed after.
    let rc = unsafe {
        if libc::pthread_attr_init(attr.as_mut_ptr()) != 0 {
            return None;
        }
        let rc = libc::pthread_attr_getstacksize(attr.as_ptr(), &mut size);
        libc::pthread_attr_destroy(attr.as_mut_ptr());
        rc
    };
    (rc == 0 && size > 0).then_some(size)
}

/// Starts a thread named "ZMQapp" (as libzmq) running `func_(arg_)`; returns a handle for
/// `zmq_threadclose`. A NULL function gives NULL and EINVAL.
#[no_mangle]
pub unsafe extern "C" fn zmq_threadstart(
    func_: *mut zmq_thread_fn,
    arg_: *mut c_void,
) -> *mut c_void {
    let Some(func) = thread_fn(func_) else {
        return ret_ptr(Err(Error::INVAL));
    };
    let start = ThreadStart { func, arg: arg_ };
    let mut builder = std::thread::Builder::new().name("ZMQapp".into());
    if let Some(size) = default_stack_size() {
        builder = builder.stack_size(size);
    }
    match builder.spawn(move || start.run()) {
        Ok(handle) => Box::into_raw(Box::new(handle)).cast(),
        Err(e) => ret_ptr(Err(Error::from(e))),
    }
}
/// Waits for the thread to end and frees its handle; NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn zmq_threadclose(thread_: *mut c_void) {
    if thread_.is_null() {
        return set_errno(Error::FAULT);
    }
    // SAFETY: a non-NULL handle is the Box<JoinHandle> made by zmq_threadstart, closed once.
    let handle = unsafe { Box::from_raw(thread_.cast::<JoinHandle<()>>()) };
    // The thread runs only C code, which cannot panic; nothing to report.
    let _ = handle.join();
}

// ---- Timers.

/// libzmq's tag for a live timers object; a handle without it gives EFAULT.
const TAG_TIMERS: u32 = 0xcafe_dada;
/// The tag of a destroyed timers object (as libzmq).
const TAG_DEAD: u32 = 0xdead_beef;

/// A C timer handler and its argument.
#[derive(Clone, Copy)]
struct Handler {
    func: TimerFn,
    arg: *mut c_void,
}

// SAFETY: the argument belongs to the C caller and is only passed back to its handler, on the
// thread that calls zmq_timers_execute (libzmq's timers have no thread affinity either).
unsafe impl Send for Handler {}

type TimerSet = Arc<Mutex<Timers<Handler>>>;

/// What a timers handle points at. Slots are never freed but reused (a free list keeps them
/// reachable), so that a call with a destroyed handle reads a dead tag and fails with EFAULT
/// instead of reading freed memory. The set itself is freed on destroy.
#[repr(C)]
struct TimersSlot {
    /// First, where libzmq's timers object keeps its tag: the check reads 4 bytes at the
    /// handle, so even a pointer to some other small object gives EFAULT, as with libzmq.
    tag: AtomicU32,
    set: Mutex<Option<TimerSet>>,
}

static FREE_TIMERS_SLOTS: Mutex<Vec<&'static TimersSlot>> = Mutex::new(Vec::new());

/// The slot and the set behind a timers handle; EFAULT for NULL or a handle without the tag.
///
/// # Safety
/// `h` must be NULL or point at 4 readable, aligned bytes: a handle from `zmq_timers_new`
/// (libzmq has the same contract).
unsafe fn timers_of(h: *mut c_void) -> Result<(&'static TimersSlot, TimerSet)> {
    if h.is_null() {
        return Err(Error::FAULT);
    }
    // SAFETY: per the contract, h points at 4 readable aligned bytes: the tag word of a slot
    // or, when misused, some other object's first word, which only has to differ from the tag.
    let tag = unsafe { &*h.cast::<AtomicU32>() }.load(Ordering::Acquire);
    if tag != TAG_TIMERS {
        return Err(Error::FAULT);
    }
    // SAFETY: only handles from zmq_timers_new carry the tag; they point at a never-freed slot.
    let slot: &'static TimersSlot = unsafe { &*h.cast::<TimersSlot>() };
    let set = slot.set.lock().clone().ok_or(Error::FAULT)?;
    Ok((slot, set))
}

/// Milliseconds on a monotonic clock, counted from the first use.
fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    u64::try_from(EPOCH.get_or_init(Instant::now).elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn interval_ms(interval: usize) -> u64 {
    u64::try_from(interval).unwrap_or(u64::MAX)
}

#[no_mangle]
pub extern "C" fn zmq_timers_new() -> *mut c_void {
    let reused = FREE_TIMERS_SLOTS.lock().pop();
    let slot: &'static TimersSlot = reused.unwrap_or_else(|| {
        Box::leak(Box::new(TimersSlot {
            tag: AtomicU32::new(0),
            set: Mutex::new(None),
        }))
    });
    *slot.set.lock() = Some(Arc::new(Mutex::new(Timers::new())));
    slot.tag.store(TAG_TIMERS, Ordering::Release);
    (slot as *const TimersSlot).cast_mut().cast()
}
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_destroy(timers_p: *mut *mut c_void) -> c_int {
    if timers_p.is_null() {
        return ret(Err(Error::FAULT));
    }
    // SAFETY: timers_p is non-NULL and points at the caller's handle variable.
    let h = unsafe { *timers_p };
    // SAFETY: the caller passes a handle from zmq_timers_new (or NULL).
    let slot = match unsafe { timers_of(h) } {
        Ok((slot, _)) => slot,
        Err(e) => return ret(Err(e)),
    };
    if slot
        .tag
        .compare_exchange(TAG_TIMERS, TAG_DEAD, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        // Destroyed meanwhile by another thread.
        return ret(Err(Error::FAULT));
    }
    // Frees the set, unless a zmq_timers_execute below us on this thread still holds it (a
    // handler destroying its own timers); that execute stops after the handler returns.
    drop(slot.set.lock().take());
    FREE_TIMERS_SLOTS.lock().push(slot);
    // SAFETY: as above, timers_p points at the caller's handle variable.
    unsafe { *timers_p = std::ptr::null_mut() };
    0
}
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_add(
    timers: *mut c_void,
    interval: usize,
    handler: *mut zmq_timer_fn,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: the caller passes a handle from zmq_timers_new (or NULL).
    let r = unsafe { timers_of(timers) }.and_then(|(_, set)| {
        let func = timer_fn(handler).ok_or(Error::FAULT)?;
        let id = set
            .lock()
            .add(now_ms(), interval_ms(interval), Handler { func, arg });
        Ok(id)
    });
    ret(r)
}
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_cancel(timers: *mut c_void, timer_id: c_int) -> c_int {
    // SAFETY: the caller passes a handle from zmq_timers_new (or NULL).
    let r = unsafe { timers_of(timers) }.and_then(|(_, set)| set.lock().cancel(timer_id));
    ret(r.map(|()| 0))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_set_interval(
    timers: *mut c_void,
    timer_id: c_int,
    interval: usize,
) -> c_int {
    // SAFETY: the caller passes a handle from zmq_timers_new (or NULL).
    let r = unsafe { timers_of(timers) }.and_then(|(_, set)| {
        set.lock()
            .set_interval(now_ms(), timer_id, interval_ms(interval))
    });
    ret(r.map(|()| 0))
}
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_reset(timers: *mut c_void, timer_id: c_int) -> c_int {
    // SAFETY: the caller passes a handle from zmq_timers_new (or NULL).
    let r = unsafe { timers_of(timers) }.and_then(|(_, set)| set.lock().reset(now_ms(), timer_id));
    ret(r.map(|()| 0))
}
/// Milliseconds until the next timer expires, 0 if one is overdue, -1 (errno untouched) if
/// there is none; -1 and EFAULT for a bad handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_timeout(timers: *mut c_void) -> c_long {
    // SAFETY: the caller passes a handle from zmq_timers_new (or NULL).
    match unsafe { timers_of(timers) } {
        Ok((_, set)) => match set.lock().timeout(now_ms()) {
            Some(ms) => c_long::try_from(ms).unwrap_or(c_long::MAX),
            None => -1,
        },
        Err(e) => {
            set_errno(e);
            -1
        }
    }
}
/// Runs each timer that has expired, once, in expiry order, and reschedules it one interval
/// from now. Handlers may use the set (cancel, add, reset, even destroy it); no lock is held
/// while one runs. A timer added by a handler waits for the next execute, and a timer
/// cancelled or reset by an earlier handler of this execute does not run.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_execute(timers: *mut c_void) -> c_int {
    // SAFETY: the caller passes a handle from zmq_timers_new (or NULL).
    let (slot, set) = match unsafe { timers_of(timers) } {
        Ok(v) => v,
        Err(e) => return ret(Err(e)),
    };
    let now = now_ms();
    let due = set.lock().begin_execute(now);
    for id in due {
        let live = slot.tag.load(Ordering::Acquire) == TAG_TIMERS
            && slot
                .set
                .lock()
                .as_ref()
                .is_some_and(|s| Arc::ptr_eq(s, &set));
        if !live {
            // A handler destroyed this timers object.
            break;
        }
        // The lock is released at the end of this statement, before the handler runs.
        let fired = set.lock().fire(now, id);
        if let Some(h) = fired {
            // SAFETY: a C function of type zmq_timer_fn with the argument given to
            // zmq_timers_add, called as zmq_timers_execute documents.
            unsafe { (h.func)(id, h.arg) };
        }
    }
    set.lock().end_execute();
    0
}
