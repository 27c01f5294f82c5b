//! zmq_poll / zmq_ppoll over sockets (through their ZMQ_FD + ZMQ_EVENTS) and raw fds, and the
//! proxy entry points.

use std::os::raw::{c_int, c_long, c_short, c_void};
use std::time::{Duration, Instant};

use super::consts::*;
use super::socket::sock_mut;
use super::{ret, zmq_pollitem_t};
use crate::error::{Error, Result};
use crate::proxy;

pub(super) unsafe fn poll_impl(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
    sigmask: Option<*const libc::sigset_t>,
) -> Result<c_int> {
    if nitems < 0 {
        return Err(Error::INVAL);
    }
    if nitems == 0 {
        if timeout == 0 {
            return Ok(0);
        }
        // libzmq simply sleeps for the timeout (a negative one is, in effect, forever).
        let ms = if timeout < 0 {
            u64::MAX / 2
        } else {
            timeout as u64
        };
        std::thread::sleep(Duration::from_millis(ms));
        return Ok(0);
    }
    if items.is_null() {
        return Err(Error::FAULT);
    }
    // SAFETY: the caller gives nitems valid items.
    let items = unsafe { std::slice::from_raw_parts_mut(items, nitems as usize) };
    let mut pfds: Vec<libc::pollfd> = Vec::with_capacity(items.len());
    for it in items.iter() {
        let (fd, ev) = if it.socket.is_null() {
            let mut ev = 0;
            if it.events & ZMQ_POLLIN as c_short != 0 {
                ev |= libc::POLLIN;
            }
            if it.events & ZMQ_POLLOUT as c_short != 0 {
                ev |= libc::POLLOUT;
            }
            if it.events & ZMQ_POLLPRI as c_short != 0 {
                ev |= libc::POLLPRI;
            }
            (it.fd, ev)
        } else {
            // SAFETY: handle contract of sock_mut.
            let s = unsafe { sock_mut(it.socket) }?;
            (s.fd(), libc::POLLIN)
        };
        pfds.push(libc::pollfd {
            fd,
            events: ev,
            revents: 0,
        });
    }
    let deadline = (timeout > 0).then(|| Instant::now() + Duration::from_millis(timeout as u64));
    let mut first_pass = true;
    loop {
        let wait_ms: c_int = if first_pass {
            0
        } else {
            match deadline {
                None if timeout < 0 => -1,
                None => 0,
                Some(d) => d
                    .saturating_duration_since(Instant::now())
                    .as_micros()
                    .div_ceil(1000)
                    .min(c_int::MAX as u128) as c_int,
            }
        };
        // SAFETY: pfds is a live array of pfds.len() pollfds.
        let rc = unsafe {
            match sigmask {
                None => libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, wait_ms),
                Some(mask) => {
                    let ts = (wait_ms >= 0).then(|| libc::timespec {
                        tv_sec: (wait_ms / 1000) as libc::time_t,
                        tv_nsec: ((wait_ms % 1000) * 1_000_000) as libc::c_long,
                    });
                    libc::ppoll(
                        pfds.as_mut_ptr(),
                        pfds.len() as libc::nfds_t,
                        ts.as_ref().map_or(std::ptr::null(), |t| t as *const _),
                        mask,
                    )
                }
            }
        };
        if rc < 0 {
            return Err(Error::last_os());
        }
        let mut nevents = 0;
        for (it, pfd) in items.iter_mut().zip(pfds.iter()) {
            it.revents = 0;
            if !it.socket.is_null() {
                // SAFETY: validated in the first loop; the same thread still owns it.
                let s = unsafe { sock_mut(it.socket) }?;
                let ev = s.events()? as c_short;
                it.revents = it.events & ev & (ZMQ_POLLIN | ZMQ_POLLOUT) as c_short;
            } else {
                let r = pfd.revents;
                if r & libc::POLLIN != 0 {
                    it.revents |= ZMQ_POLLIN as c_short;
                }
                if r & libc::POLLOUT != 0 {
                    it.revents |= ZMQ_POLLOUT as c_short;
                }
                if r & libc::POLLPRI != 0 {
                    it.revents |= ZMQ_POLLPRI as c_short;
                }
                if r & !(libc::POLLIN | libc::POLLOUT | libc::POLLPRI) != 0 {
                    it.revents |= ZMQ_POLLERR as c_short;
                }
            }
            if it.revents != 0 {
                nevents += 1;
            }
        }
        if nevents > 0 || timeout == 0 {
            return Ok(nevents);
        }
        if !first_pass && deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(0);
        }
        first_pass = false;
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_poll(
    items_: *mut zmq_pollitem_t,
    nitems_: c_int,
    timeout_: c_long,
) -> c_int {
    // SAFETY: forwarded caller contract.
    ret(unsafe { poll_impl(items_, nitems_, timeout_, None) })
}

#[cfg(feature = "draft")]
#[no_mangle]
pub unsafe extern "C" fn zmq_ppoll(
    items_: *mut zmq_pollitem_t,
    nitems_: c_int,
    timeout_: c_long,
    sigmask_: *const libc::sigset_t,
) -> c_int {
    // SAFETY: forwarded caller contract; a NULL mask means plain poll, as in libzmq.
    ret(unsafe {
        poll_impl(
            items_,
            nitems_,
            timeout_,
            (!sigmask_.is_null()).then_some(sigmask_),
        )
    })
}

/// The proxy entry points share this: NULL frontend or backend is EFAULT (libzmq checks
/// both in zmq_proxy/zmq_proxy_steerable; its zmq_device would crash instead), a stale handle
/// ENOTSOCK. Each distinct handle is borrowed once, so one socket may play several roles
/// (libzmq allows frontend == backend).
unsafe fn proxy_impl(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> Result<c_int> {
    if frontend.is_null() || backend.is_null() {
        return Err(Error::FAULT);
    }
    let mut handles: Vec<*mut c_void> = Vec::with_capacity(4);
    let mut slot = |h: *mut c_void| -> Option<usize> {
        if h.is_null() {
            return None;
        }
        Some(handles.iter().position(|&x| x == h).unwrap_or_else(|| {
            handles.push(h);
            handles.len() - 1
        }))
    };
    let roles = proxy::Roles {
        frontend: slot(frontend).unwrap_or_default(),
        backend: slot(backend).unwrap_or_default(),
        capture: slot(capture),
        control: slot(control),
    };
    let mut socks = Vec::with_capacity(handles.len());
    for &h in &handles {
        // SAFETY: handle contract of sock_mut; the handles are distinct, so the &mut borrows
        // do not alias, and the caller's thread owns the sockets for the proxy's lifetime.
        socks.push(unsafe { sock_mut(h) }?);
    }
    proxy::run(&mut socks, roles).map(|()| 0)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_proxy(
    frontend_: *mut c_void,
    backend_: *mut c_void,
    capture_: *mut c_void,
) -> c_int {
    // SAFETY: forwarded caller contract.
    ret(unsafe { proxy_impl(frontend_, backend_, capture_, std::ptr::null_mut()) })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_proxy_steerable(
    frontend_: *mut c_void,
    backend_: *mut c_void,
    capture_: *mut c_void,
    control_: *mut c_void,
) -> c_int {
    // SAFETY: forwarded caller contract.
    ret(unsafe { proxy_impl(frontend_, backend_, capture_, control_) })
}

/// The deprecated device: the type (ZMQ_STREAMER, ZMQ_FORWARDER, ZMQ_QUEUE) is ignored, as in
/// libzmq; it is a proxy without capture.
#[no_mangle]
pub unsafe extern "C" fn zmq_device(
    type_: c_int,
    frontend_: *mut c_void,
    backend_: *mut c_void,
) -> c_int {
    let _ = type_;
    // SAFETY: forwarded caller contract.
    ret(unsafe {
        proxy_impl(
            frontend_,
            backend_,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    })
}
