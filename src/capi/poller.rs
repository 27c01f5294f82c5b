//! The draft poller (`zmq_poller_*`): a set of sockets and raw fds with the events wanted for
//! each and a user pointer, waited on through the same machinery as `zmq_poll` (a socket is
//! watched through its ZMQ_FD and ZMQ_EVENTS). Errors as libzmq's: EFAULT for a bad poller,
//! ENOTSOCK for a bad socket, EINVAL for a socket or fd added twice or not there, EBADF for fd
//! -1, EAGAIN when the wait ends with no event.

use std::os::raw::{c_int, c_long, c_short, c_void};

use super::handle::Slot;
use super::poll::poll_impl;
use super::socket::sock_mut;
use super::{ret, ret_ptr, zmq_fd_t, zmq_poller_event_t, zmq_pollitem_t};
use crate::error::{Error, Result};

/// libzmq's tag for a poller.
const TAG_POLLER: u32 = 0xcafe_babe;

struct Item {
    /// NULL for a raw fd.
    socket: *mut c_void,
    fd: zmq_fd_t,
    user_data: *mut c_void,
    events: c_short,
}

#[derive(Default)]
struct Poller {
    items: Vec<Item>,
}

/// The poller behind a handle; EFAULT when it is not one.
///
/// # Safety
/// `p` is NULL or a handle from `zmq_poller_new` (or another handle of this library), used by
/// one thread at a time, as libzmq requires.
unsafe fn poller<'a>(p: *mut c_void) -> Result<&'a mut Poller> {
    // SAFETY: the caller's contract; Slot::get checks the tag.
    let obj = unsafe { Slot::get(p, TAG_POLLER) }.ok_or(Error::FAULT)?;
    // SAFETY: a live TAG_POLLER slot holds a Box<Poller> pointer, freed only on destroy.
    Ok(unsafe { &mut *obj.cast::<Poller>() })
}

impl Poller {
    fn find_socket(&self, s: *mut c_void) -> Option<usize> {
        self.items
            .iter()
            .position(|i| !i.socket.is_null() && i.socket == s)
    }

    fn find_fd(&self, fd: zmq_fd_t) -> Option<usize> {
        self.items
            .iter()
            .position(|i| i.socket.is_null() && i.fd == fd)
    }

    /// The item of a registered socket (modify, remove): ENOTSOCK for what is not a socket,
    /// EINVAL for one not registered.
    ///
    /// # Safety
    /// The handle contract of `sock_mut`.
    unsafe fn socket_item(&self, s: *mut c_void) -> Result<usize> {
        // SAFETY: the caller's contract (validated, not kept).
        unsafe { sock_mut(s) }?;
        self.find_socket(s).ok_or(Error::INVAL)
    }

    /// The item of a registered fd (modify, remove): EBADF for -1, EINVAL if not registered.
    fn fd_item(&self, fd: zmq_fd_t) -> Result<usize> {
        if fd == -1 {
            return Err(Error(libc::EBADF));
        }
        self.find_fd(fd).ok_or(Error::INVAL)
    }

    /// Waits for events on the items that ask for some; fills `out` (at most its length) and
    /// returns how many. EAGAIN when none came within the timeout.
    fn wait(&mut self, out: &mut [zmq_poller_event_t], timeout: c_long) -> Result<c_int> {
        let watched: Vec<usize> = (0..self.items.len())
            .filter(|&k| self.items[k].events != 0)
            .collect();
        if watched.is_empty() {
            // As libzmq: an empty set cannot wait forever; otherwise it "times out".
            if timeout < 0 {
                return Err(Error::FAULT);
            }
            if timeout > 0 {
                std::thread::sleep(std::time::Duration::from_millis(timeout as u64));
            }
            return Err(Error::AGAIN);
        }
        let mut pollitems: Vec<zmq_pollitem_t> = watched
            .iter()
            .map(|&k| {
                let i = &self.items[k];
                zmq_pollitem_t {
                    socket: i.socket,
                    fd: i.fd,
                    events: i.events,
                    revents: 0,
                }
            })
            .collect();
        // SAFETY: pollitems is a live array of that many items; the sockets in it were
        // checked when added and are re-checked by poll_impl.
        let n = unsafe {
            poll_impl(
                pollitems.as_mut_ptr(),
                pollitems.len() as c_int,
                timeout,
                None,
            )
        }?;
        if n == 0 {
            return Err(Error::AGAIN);
        }
        let mut found = 0;
        for (pi, &k) in pollitems.iter().zip(watched.iter()) {
            if found == out.len() {
                break;
            }
            if pi.revents == 0 {
                continue;
            }
            let i = &self.items[k];
            out[found] = zmq_poller_event_t {
                socket: i.socket,
                fd: if i.socket.is_null() { i.fd } else { -1 },
                user_data: i.user_data,
                events: pi.revents,
            };
            found += 1;
        }
        Ok(found as c_int)
    }
}

#[no_mangle]
pub extern "C" fn zmq_poller_new() -> *mut c_void {
    ret_ptr(Ok(Slot::alloc(
        TAG_POLLER,
        Box::into_raw(Box::<Poller>::default()).cast(),
    )))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poller_destroy(poller_p: *mut *mut c_void) -> c_int {
    if poller_p.is_null() {
        return ret(Err(Error::FAULT));
    }
    // SAFETY: the caller gives a valid pointer to its handle variable.
    let h = unsafe { *poller_p };
    // SAFETY: the handle contract; release clears the slot's tag exactly once.
    match unsafe { Slot::release(h, TAG_POLLER) } {
        Some(obj) => {
            // SAFETY: obj came from Box::into_raw in zmq_poller_new.
            drop(unsafe { Box::from_raw(obj.cast::<Poller>()) });
            // SAFETY: as above.
            unsafe { *poller_p = std::ptr::null_mut() };
            0
        }
        None => ret(Err(Error::FAULT)),
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poller_size(poller_: *mut c_void) -> c_int {
    // SAFETY: the handle contract of `poller`.
    ret(unsafe { poller(poller_) }.map(|p| p.items.len() as c_int))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poller_add(
    poller_: *mut c_void,
    socket: *mut c_void,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    // SAFETY: the handle contracts of `poller` and `sock_mut`.
    ret(unsafe { poller(poller_) }.and_then(|p| {
        // SAFETY: the handle contract of sock_mut (validated, not kept).
        unsafe { sock_mut(socket) }?;
        if p.find_socket(socket).is_some() {
            return Err(Error::INVAL);
        }
        p.items.push(Item {
            socket,
            fd: -1,
            user_data,
            events,
        });
        Ok(0)
    }))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poller_modify(
    poller_: *mut c_void,
    socket: *mut c_void,
    events: c_short,
) -> c_int {
    // SAFETY: the handle contracts of `poller` and `sock_mut`.
    ret(unsafe { poller(poller_) }.and_then(|p| {
        // SAFETY: the handle contract of sock_mut.
        let k = unsafe { p.socket_item(socket) }?;
        p.items[k].events = events;
        Ok(0)
    }))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poller_remove(poller_: *mut c_void, socket: *mut c_void) -> c_int {
    // SAFETY: the handle contracts of `poller` and `sock_mut`.
    ret(unsafe { poller(poller_) }.and_then(|p| {
        // SAFETY: the handle contract of sock_mut.
        let k = unsafe { p.socket_item(socket) }?;
        p.items.remove(k);
        Ok(0)
    }))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poller_add_fd(
    poller_: *mut c_void,
    fd: zmq_fd_t,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    // SAFETY: the handle contract of `poller`.
    ret(unsafe { poller(poller_) }.and_then(|p| {
        if fd == -1 {
            return Err(Error(libc::EBADF));
        }
        if p.find_fd(fd).is_some() {
            return Err(Error::INVAL);
        }
        p.items.push(Item {
            socket: std::ptr::null_mut(),
            fd,
            user_data,
            events,
        });
        Ok(0)
    }))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poller_modify_fd(
    poller_: *mut c_void,
    fd: zmq_fd_t,
    events: c_short,
) -> c_int {
    // SAFETY: the handle contract of `poller`.
    ret(unsafe { poller(poller_) }.and_then(|p| {
        let k = p.fd_item(fd)?;
        p.items[k].events = events;
        Ok(0)
    }))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poller_remove_fd(poller_: *mut c_void, fd: zmq_fd_t) -> c_int {
    // SAFETY: the handle contract of `poller`.
    ret(unsafe { poller(poller_) }.and_then(|p| {
        let k = p.fd_item(fd)?;
        p.items.remove(k);
        Ok(0)
    }))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poller_wait_all(
    poller_: *mut c_void,
    events: *mut zmq_poller_event_t,
    n_events: c_int,
    timeout: c_long,
) -> c_int {
    // SAFETY: the handle contract of `poller`; `events` holds n_events entries.
    ret(unsafe { poller(poller_) }.and_then(|p| {
        if events.is_null() {
            return Err(Error::FAULT);
        }
        if n_events < 0 {
            return Err(Error::INVAL);
        }
        // SAFETY: not NULL (checked); the caller gives n_events writable events.
        let out = unsafe { std::slice::from_raw_parts_mut(events, n_events as usize) };
        p.wait(out, timeout)
    }))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poller_wait(
    poller_: *mut c_void,
    event: *mut zmq_poller_event_t,
    timeout: c_long,
) -> c_int {
    // SAFETY: forwarded contract, one event.
    let rc = unsafe { zmq_poller_wait_all(poller_, event, 1, timeout) };
    if rc < 0 && !event.is_null() {
        // As libzmq: no stale event data after a failed wait.
        // SAFETY: event points to one writable event.
        unsafe {
            *event = zmq_poller_event_t {
                socket: std::ptr::null_mut(),
                fd: 0,
                user_data: std::ptr::null_mut(),
                events: 0,
            }
        };
    }
    if rc >= 0 {
        0
    } else {
        rc
    }
}

/// The fd of a poller is that of its thread-safe sockets; this library has none yet, so
/// there is none (EINVAL, as libzmq answers for a poller without thread-safe sockets).
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_fd(poller_: *mut c_void, fd: *mut zmq_fd_t) -> c_int {
    let _ = fd;
    // SAFETY: the handle contract of `poller`.
    ret(unsafe { poller(poller_) }.and(Err(Error::INVAL)))
}
