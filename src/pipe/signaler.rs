//! An eventfd that one thread raises and another waits on. Its fd is what `ZMQ_FD` returns:
//! readable when something may have changed for the socket (edge-triggered, as in libzmq).

use std::os::raw::c_int;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

#[derive(Debug)]
pub struct Signaler {
    fd: c_int,
}

impl Signaler {
    pub fn new() -> Result<Signaler> {
        // SAFETY: plain syscall with constant flags; the result is checked.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            // libzmq reports running out of descriptors for sockets as EMFILE.
            return Err(Error::last_os());
        }
        Ok(Signaler { fd })
    }

    pub fn fd(&self) -> c_int {
        self.fd
    }

    /// Makes the fd readable (idempotent until `reset`).
    pub fn raise(&self) {
        let one: u64 = 1;
        loop {
            // SAFETY: writes 8 bytes from a live u64 to our own eventfd.
            let rc = unsafe { libc::write(self.fd, (&one as *const u64).cast(), 8) };
            if rc == 8 || Error::last_os() != Error::INTR {
                // EAGAIN means the counter is saturated: it is readable anyway.
                return;
            }
        }
    }

    /// Clears the fd's readability.
    pub fn reset(&self) {
        let mut v: u64 = 0;
        loop {
            // SAFETY: reads 8 bytes into a live u64 from our own eventfd.
            let rc = unsafe { libc::read(self.fd, (&mut v as *mut u64).cast(), 8) };
            if rc == 8 || Error::last_os() != Error::INTR {
                return;
            }
        }
    }

    /// Waits until the fd is readable. `None` waits forever. Returns Ok(false) on timeout and
    /// `EINTR` when a signal interrupts the wait (so blocking calls can report it as libzmq does).
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut pfd = libc::pollfd {
            fd: self.fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = match deadline {
            None => -1,
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                // Round up so that a 0.4 ms remainder does not turn into a busy loop.
                left.as_micros().div_ceil(1000).min(i32::MAX as u128) as c_int
            }
        };
        // SAFETY: one valid pollfd on the stack.
        let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
        match rc {
            n if n > 0 => Ok(true),
            0 => Ok(false),
            _ => Err(Error::last_os()),
        }
    }
}

impl Drop for Signaler {
    fn drop(&mut self) {
        // SAFETY: we own the fd and close it once.
        unsafe { libc::close(self.fd) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raise_then_wait_then_reset() {
        let s = Signaler::new().unwrap();
        assert!(!s.wait(Some(Duration::ZERO)).unwrap());
        s.raise();
        s.raise();
        assert!(s.wait(Some(Duration::ZERO)).unwrap());
        s.reset();
        assert!(!s.wait(Some(Duration::ZERO)).unwrap());
    }
}
