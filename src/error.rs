//! The error type of the safe API: an errno value, as libzmq reports errors.

use std::fmt;
use std::os::raw::c_int;

use crate::capi::consts::{EFSM, EMTHREAD, ENOCOMPATPROTO, ETERM};

/// An error number with libzmq's meaning (a system errno or one of libzmq's own codes).
#[derive(Copy, Clone, PartialEq, Eq)]
pub struct Error(pub c_int);

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub const INVAL: Error = Error(libc::EINVAL);
    pub const FAULT: Error = Error(libc::EFAULT);
    pub const AGAIN: Error = Error(libc::EAGAIN);
    pub const INTR: Error = Error(libc::EINTR);
    pub const NOMEM: Error = Error(libc::ENOMEM);
    pub const NOTSUP: Error = Error(libc::ENOTSUP);
    pub const NOTSOCK: Error = Error(libc::ENOTSOCK);
    pub const MFILE: Error = Error(libc::EMFILE);
    pub const PROTONOSUPPORT: Error = Error(libc::EPROTONOSUPPORT);
    pub const TERM: Error = Error(ETERM);
    pub const FSM: Error = Error(EFSM);
    pub const NOCOMPATPROTO: Error = Error(ENOCOMPATPROTO);
    pub const MTHREAD: Error = Error(EMTHREAD);

    /// The calling thread's last OS error.
    pub fn last_os() -> Error {
        Error(errno::errno().0)
    }

    /// libzmq's text for this error number (see `zmq_strerror`).
    pub fn text(self) -> &'static std::ffi::CStr {
        strerror(self.0)
    }
}

/// Texts libzmq gives for its own codes; everything else is the C library's `strerror`.
pub fn strerror(errnum: c_int) -> &'static std::ffi::CStr {
    match errnum {
        EFSM => c"Operation cannot be accomplished in current state",
        ENOCOMPATPROTO => c"The protocol is not compatible with the socket type",
        ETERM => c"Context was terminated",
        EMTHREAD => c"No thread available",
        libc::EHOSTUNREACH => c"Host unreachable",
        _ => {
            // SAFETY: strerror returns a pointer to a static (or thread-local, for unknown
            // codes) NUL-terminated string that libc keeps alive; libzmq returns the same.
            unsafe { std::ffi::CStr::from_ptr(libc::strerror(errnum)) }
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({}: {})", self.0, self.text().to_string_lossy())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().to_string_lossy())
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error(e.raw_os_error().unwrap_or(libc::EIO))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_codes_have_libzmq_texts() {
        assert_eq!(strerror(ETERM).to_str().unwrap(), "Context was terminated");
        assert_eq!(
            strerror(libc::EHOSTUNREACH).to_str().unwrap(),
            "Host unreachable"
        );
        assert_eq!(
            strerror(libc::EINVAL).to_str().unwrap(),
            "Invalid argument",
            "system codes use libc's text"
        );
    }
}
