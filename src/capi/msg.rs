//! The `zmq_msg_*` functions. A `zmq_msg_t` is the caller's 64 bytes; once validated (NULL,
//! misaligned, zeroed, closed or garbage storage gives EFAULT) it is used in place as a `Msg`.
//!
//! Old content is always released after the new content is in place, so a free function that
//! re-enters the library finds every message in a consistent state.

use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

use super::consts::{ZMQ_MORE, ZMQ_SHARED, ZMQ_SRCFD};
use super::{ret, zmq_free_fn, zmq_msg_t};
use crate::error::{Error, Result};
use crate::msg::Msg;

/// The caller's message, validated.
///
/// # Safety
/// `msg` must be NULL or valid for reads and writes of a `zmq_msg_t` for `'a`, and not be used
/// through another path meanwhile.
pub(crate) unsafe fn msg_mut<'a>(msg: *mut zmq_msg_t) -> Result<&'a mut Msg> {
    let p = msg.cast::<Msg>();
    // SAFETY: the caller's storage is NULL or 64 readable bytes.
    if !unsafe { Msg::is_live(p) } {
        return Err(Error::FAULT);
    }
    // SAFETY: a live, aligned Msg in storage the caller lends us for 'a.
    Ok(unsafe { &mut *p })
}

/// The caller's message, validated, for reading.
///
/// # Safety
/// `msg` must be NULL or valid for reads of a `zmq_msg_t` for `'a`.
pub(crate) unsafe fn msg_ref<'a>(msg: *const zmq_msg_t) -> Result<&'a Msg> {
    let p = msg.cast::<Msg>();
    // SAFETY: the caller's storage is NULL or 64 readable bytes.
    if !unsafe { Msg::is_live(p) } {
        return Err(Error::FAULT);
    }
    // SAFETY: a live, aligned Msg in storage the caller lends us for 'a.
    Ok(unsafe { &*p })
}

/// Writes `m` into the caller's storage, which may hold anything: its old bytes are not a
/// message we own and are not released.
///
/// # Safety
/// `msg` must be valid for writes of a `zmq_msg_t` (and so non-NULL and aligned).
pub(crate) unsafe fn msg_put(msg: *mut zmq_msg_t, m: Msg) {
    // SAFETY: the caller guarantees writable, aligned storage of Msg's size.
    unsafe { ptr::write(msg.cast::<Msg>(), m) };
}

/// Whether `msg` can take a message: non-NULL and aligned (`zmq_msg_init*` give EFAULT
/// otherwise).
#[inline(always)]
fn storage_ok(msg: *mut zmq_msg_t) -> bool {
    !msg.is_null() && msg.cast::<Msg>().is_aligned()
}

/// Initialises storage that may hold anything (`zmq_msg_init*`): EFAULT for NULL or
/// misaligned storage; on failure the storage is left as it was.
unsafe fn init_with(msg: *mut zmq_msg_t, make: impl FnOnce() -> Result<Msg>) -> c_int {
    if !storage_ok(msg) {
        return ret(Err(Error::FAULT));
    }
    ret(make().map(|m| {
        // SAFETY: non-NULL, aligned storage of a zmq_msg_t supplied by the caller.
        unsafe { msg_put(msg, m) };
        0
    }))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init(msg_: *mut zmq_msg_t) -> c_int {
    // SAFETY: the caller passes NULL or storage for a zmq_msg_t.
    unsafe { init_inline(msg_, 0) }
}

/// The hot case of `zmq_msg_init_size` (a payload that fits inline): written in place.
#[inline(always)]
unsafe fn init_inline(msg: *mut zmq_msg_t, len: usize) -> c_int {
    if !storage_ok(msg) {
        return ret(Err(Error::FAULT));
    }
    // SAFETY: non-NULL, aligned storage of a zmq_msg_t supplied by the caller.
    unsafe { msg_put(msg, Msg::inline_zeroed(len as u8)) };
    0
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_size(msg_: *mut zmq_msg_t, size_: usize) -> c_int {
    if size_ <= Msg::INLINE_MAX {
        // SAFETY: the caller passes NULL or storage for a zmq_msg_t.
        return unsafe { init_inline(msg_, size_) };
    }
    if !storage_ok(msg_) {
        return ret(Err(Error::FAULT));
    }
    // The bytes are left uninitialised, as in libzmq: the C program fills them through
    // zmq_msg_data. The message is built straight in the caller's storage.
    match Msg::heap_block(size_, false) {
        // SAFETY: non-NULL, aligned storage of a zmq_msg_t supplied by the caller; a fresh
        // block for size_ bytes.
        Some(block) => unsafe {
            msg_put(msg_, Msg::heap(block, size_));
            0
        },
        None => ret(Err(Error::NOMEM)),
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_data(
    msg_: *mut zmq_msg_t,
    data_: *mut c_void,
    size_: usize,
    ffn_: *mut zmq_free_fn,
    hint_: *mut c_void,
) -> c_int {
    let ffn = super::free_fn(ffn_);
    // SAFETY: the caller passes NULL or storage for a zmq_msg_t, and a buffer of size_ bytes
    // that stays valid until ffn_ is called (forever when ffn_ is NULL).
    unsafe {
        init_with(msg_, || {
            Msg::from_user_buffer(data_.cast::<u8>(), size_, ffn, hint_)
        })
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_close(msg_: *mut zmq_msg_t) -> c_int {
    // SAFETY: the caller passes NULL or a zmq_msg_t.
    let r = unsafe { msg_mut(msg_) }.map(|m| {
        let p: *mut Msg = m;
        if m.owns_nothing() {
            // SAFETY: `p` is a live message with nothing to release.
            unsafe { Msg::invalidate(p) };
            return 0;
        }
        // SAFETY: `p` is a live message; it is moved out and its storage marked closed before
        // the content is released (a re-entrant free function sees a closed message).
        let old = unsafe {
            let old = ptr::read(p);
            Msg::invalidate(p);
            old
        };
        drop(old);
        0
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_move(dest_: *mut zmq_msg_t, src_: *mut zmq_msg_t) -> c_int {
    // SAFETY: the caller passes NULL or zmq_msg_t storage for both.
    let r = unsafe { msg_ref(src_).and_then(|_| msg_ref(dest_)) }.map(|_| {
        if dest_ == src_ {
            return 0;
        }
        // SAFETY: both are live messages in distinct storage; src is left empty, and dest's
        // old content is released once both hold their new values.
        let old = unsafe {
            let content = std::mem::take(&mut *src_.cast::<Msg>());
            std::mem::replace(&mut *dest_.cast::<Msg>(), content)
        };
        drop(old);
        0
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_copy(dest_: *mut zmq_msg_t, src_: *mut zmq_msg_t) -> c_int {
    // SAFETY: the caller passes NULL or zmq_msg_t storage for both.
    let r = unsafe { msg_ref(src_).and_then(|_| msg_ref(dest_)) }.map(|_| {
        if dest_ == src_ {
            return 0;
        }
        // SAFETY: both are live messages in distinct storage; dest's old content is released
        // once it holds the copy.
        let old = unsafe {
            let copy = (*src_.cast::<Msg>()).share();
            std::mem::replace(&mut *dest_.cast::<Msg>(), copy)
        };
        drop(old);
        0
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_data(msg_: *mut zmq_msg_t) -> *mut c_void {
    // SAFETY: the caller passes NULL or a zmq_msg_t. An inline message's data lies in it.
    match unsafe { msg_mut(msg_) } {
        Ok(m) => m.data_mut_ptr().cast::<c_void>(),
        Err(e) => {
            super::set_errno(e);
            ptr::null_mut()
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_size(msg_: *const zmq_msg_t) -> usize {
    // SAFETY: the caller passes NULL or a zmq_msg_t.
    match unsafe { msg_ref(msg_) } {
        Ok(m) => m.len(),
        Err(e) => {
            super::set_errno(e);
            0
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_more(msg_: *const zmq_msg_t) -> c_int {
    // A predicate: 0 (with errno EFAULT) for an invalid message, which is what libzmq answers
    // for a zeroed one; -1 would read as "more" in `while (zmq_msg_more (&m))` loops.
    // SAFETY: the caller passes NULL or a zmq_msg_t.
    match unsafe { msg_ref(msg_) } {
        Ok(m) => m.more() as c_int,
        Err(e) => {
            super::set_errno(e);
            0
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_get(msg_: *const zmq_msg_t, property_: c_int) -> c_int {
    // An unknown property is EINVAL whatever the message, as in libzmq.
    if !matches!(property_, ZMQ_MORE | ZMQ_SRCFD | ZMQ_SHARED) {
        return ret(Err(Error::INVAL));
    }
    // SAFETY: the caller passes NULL or a zmq_msg_t.
    let r = unsafe { msg_ref(msg_) }.and_then(|m| match property_ {
        ZMQ_MORE => Ok(m.more() as c_int),
        ZMQ_SHARED => Ok(m.is_shared() as c_int),
        // ZMQ_SRCFD: the "__fd" property, parsed as atoi does; -1/EINVAL without it.
        _ => match m.property(b"__fd") {
            // SAFETY: a NUL-terminated string owned by the message.
            Some(fd) => Ok(unsafe { libc::atoi(fd.as_ptr()) }),
            None => Err(Error::INVAL),
        },
    });
    ret(r)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set(
    msg_: *mut zmq_msg_t,
    property_: c_int,
    optval_: c_int,
) -> c_int {
    // No property is settable (libzmq 4.3.5 fails the same way, without looking at the message).
    let _ = (msg_, property_, optval_);
    ret(Err(Error::INVAL))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_gets(
    msg_: *const zmq_msg_t,
    property_: *const c_char,
) -> *const c_char {
    // An invalid message has no properties: EINVAL, as libzmq answers for a zeroed one.
    // SAFETY: the caller passes NULL or a zmq_msg_t, and NULL or a NUL-terminated string. The
    // value lives as long as the message keeps its properties.
    let r = unsafe { msg_ref(msg_) }
        .map_err(|_| Error::INVAL)
        .and_then(|m| {
            // SAFETY: as above, for the property name.
            let name = unsafe { super::cstr(property_) }?;
            m.property(name).map(|v| v.as_ptr()).ok_or(Error::INVAL)
        });
    super::ret_ptr(r.map(|p| p.cast_mut())).cast_const()
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_buffer(
    msg_: *mut zmq_msg_t,
    buf_: *const c_void,
    size_: usize,
) -> c_int {
    // SAFETY: the caller passes NULL or storage for a zmq_msg_t, and NULL (only with size 0)
    // or size_ readable bytes.
    unsafe {
        init_with(msg_, || {
            if size_ == 0 {
                Ok(Msg::new())
            } else if buf_.is_null() {
                Err(Error::INVAL)
            } else {
                Msg::from_slice(std::slice::from_raw_parts(buf_.cast::<u8>(), size_))
            }
        })
    }
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set_routing_id(msg: *mut zmq_msg_t, routing_id: u32) -> c_int {
    // SAFETY: the caller passes NULL or a zmq_msg_t.
    let r = unsafe { msg_mut(msg) }.and_then(|m| m.set_routing_id(routing_id));
    ret(r.map(|()| 0))
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_routing_id(msg: *mut zmq_msg_t) -> u32 {
    // SAFETY: the caller passes NULL or a zmq_msg_t.
    match unsafe { msg_ref(msg) } {
        Ok(m) => m.routing_id(),
        Err(e) => {
            super::set_errno(e);
            0
        }
    }
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set_group(msg: *mut zmq_msg_t, group: *const c_char) -> c_int {
    // SAFETY: the caller passes NULL or a zmq_msg_t, and NULL or a NUL-terminated string.
    let r = unsafe { msg_mut(msg) }.and_then(|m| {
        // SAFETY: as above, for the group.
        let group = unsafe { super::cstr(group) }?;
        m.set_group(group)
    });
    ret(r.map(|()| 0))
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_group(msg: *mut zmq_msg_t) -> *const c_char {
    // SAFETY: the caller passes NULL or a zmq_msg_t. The group lives in the message's extras
    // (or is a static ""), valid until the message changes its group or is closed.
    let r = unsafe { msg_ref(msg) }.map(|m| m.group().as_ptr().cast_mut());
    super::ret_ptr(r).cast_const()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage() -> zmq_msg_t {
        zmq_msg_t { _x: [0; 64] }
    }

    #[test]
    fn put_ref_mut_and_close() {
        let mut raw = storage();
        let p: *mut zmq_msg_t = &mut raw;
        // SAFETY: `p` points at 64 writable, aligned bytes for the whole test.
        unsafe {
            assert_eq!(msg_ref(p).unwrap_err(), Error::FAULT, "zeroed storage");
            assert!(msg_mut(p).is_err());

            msg_put(p, Msg::from_slice(&[9u8; 300]).unwrap());
            assert_eq!(msg_ref(p).unwrap().len(), 300);
            let copy = msg_mut(p).unwrap().share();
            assert!(copy.is_shared());

            let taken = std::mem::take(msg_mut(p).unwrap());
            assert_eq!(taken.as_slice(), &[9u8; 300]);
            assert_eq!(msg_ref(p).unwrap().len(), 0, "left a valid empty message");
            drop(taken);

            assert_eq!(zmq_msg_close(p), 0);
            assert_eq!(msg_ref(p).unwrap_err(), Error::FAULT, "closed");
            assert_eq!(copy.as_slice(), &[9u8; 300]);
        }
    }

    #[test]
    fn misaligned_storage_is_efault() {
        #[repr(C, align(8))]
        struct Raw([u8; 80]);
        let mut raw = Raw([0; 80]);
        // SAFETY: 72 bytes stay in bounds from offset 4; the functions reject the pointer
        // before any access as a Msg.
        unsafe {
            let p = raw.0.as_mut_ptr().add(4).cast::<zmq_msg_t>();
            assert_eq!(zmq_msg_init(p), -1);
            assert_eq!(errno::errno().0, libc::EFAULT);
            assert_eq!(zmq_msg_close(p), -1);
        }
    }
}
