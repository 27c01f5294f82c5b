//! Listening sockets for tcp and ipc binds, made in the binding thread so that errors
//! (EADDRINUSE, ENAMETOOLONG, ...) and the chosen port are known before zmq_bind returns.

use std::net::SocketAddr;
use std::os::fd::FromRawFd;

use super::address::Ipc;
use super::sockopts::{apply_listener, SockOpts};
use crate::error::{Error, Result};

fn check(rc: libc::c_int) -> Result<libc::c_int> {
    if rc < 0 {
        Err(Error::last_os())
    } else {
        Ok(rc)
    }
}

/// A non-blocking tcp listener. As libzmq: SO_REUSEADDR, dual-stack for IPv6, the buffer,
/// TOS, priority and device options, and ZMQ_BACKLOG.
pub fn tcp(addr: SocketAddr, o: &SockOpts) -> Result<mio::net::TcpListener> {
    let domain = if addr.is_ipv6() {
        libc::AF_INET6
    } else {
        libc::AF_INET
    };
    // SAFETY: creating a socket; the fd is owned by the listener built below.
    let fd = check(unsafe {
        libc::socket(
            domain,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            0,
        )
    })?;
    // SAFETY: fd is a fresh socket that nothing else owns.
    let listener = unsafe { std::net::TcpListener::from_raw_fd(fd) };
    let one: libc::c_int = 1;
    let zero: libc::c_int = 0;
    // SAFETY: setsockopt with pointers to live ints of the given size.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            (&one as *const libc::c_int).cast(),
            4,
        );
        if addr.is_ipv6() {
            libc::setsockopt(
                fd,
                libc::IPPROTO_IPV6,
                libc::IPV6_V6ONLY,
                (&zero as *const libc::c_int).cast(),
                4,
            );
        }
    }
    apply_listener(fd, o, true)?;
    let (sa, len) = sockaddr(addr);
    // SAFETY: sa holds a valid sockaddr of len bytes.
    check(unsafe { libc::bind(fd, (&sa as *const libc::sockaddr_storage).cast(), len) })?;
    // SAFETY: listen on our own socket.
    check(unsafe { libc::listen(fd, o.backlog.max(1)) })?;
    Ok(mio::net::TcpListener::from_std(listener))
}

pub fn sockaddr(a: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is a valid value.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match a {
        SocketAddr::V4(v4) => {
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in.
            let sin = unsafe {
                &mut *(&mut ss as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>()
            };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = v4.port().to_be();
            sin.sin_addr.s_addr = u32::from(*v4.ip()).to_be();
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            // SAFETY: as above, for sockaddr_in6.
            let sin6 = unsafe {
                &mut *(&mut ss as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>()
            };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = v6.port().to_be();
            sin6.sin6_addr.s6_addr = v6.ip().octets();
            sin6.sin6_scope_id = v6.scope_id();
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (ss, len as libc::socklen_t)
}

/// An ipc listener: the listener, the file to remove when it closes, and the address text
/// for ZMQ_LAST_ENDPOINT. A leftover file of an earlier run is replaced, as libzmq does.
pub fn ipc(addr: &Ipc, o: &SockOpts) -> Result<(mio::net::UnixListener, Option<String>, String)> {
    let made = ipc_bind(addr)?;
    let fd = std::os::fd::AsRawFd::as_raw_fd(&made.0);
    apply_listener(fd, o, false)?;
    // SAFETY: listening again on our own bound socket only changes its backlog.
    check(unsafe { libc::listen(fd, o.backlog.max(1)) })?;
    Ok(made)
}

fn ipc_bind(addr: &Ipc) -> Result<(mio::net::UnixListener, Option<String>, String)> {
    match addr {
        Ipc::Path(p) => {
            let _ = std::fs::remove_file(p);
            let l = mio::net::UnixListener::bind(p)?;
            Ok((l, Some(p.clone()), p.clone()))
        }
        Ipc::Wildcard => {
            // As libzmq: a fresh directory under TMPDIR, TEMPDIR or TMP (/tmp without them).
            let base = ["TMPDIR", "TEMPDIR", "TMP"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|d| !d.is_empty()))
                .unwrap_or_else(|| "/tmp".to_owned());
            let mut tmpl = format!("{base}/tmpXXXXXX\0").into_bytes();
            // SAFETY: mkdtemp rewrites the X's of a writable NUL-terminated template.
            if unsafe { libc::mkdtemp(tmpl.as_mut_ptr().cast()) }.is_null() {
                return Err(Error::last_os());
            }
            let dir = std::str::from_utf8(&tmpl[..tmpl.len() - 1]).map_err(|_| Error::INVAL)?;
            let p = format!("{dir}/socket");
            let l = mio::net::UnixListener::bind(&p)?;
            Ok((l, Some(p.clone()), p))
        }
        Ipc::Abstract(name) => {
            use std::os::linux::net::SocketAddrExt;
            let a = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            let l = std::os::unix::net::UnixListener::bind_addr(&a)?;
            l.set_nonblocking(true)?;
            let shown = format!("@{}", String::from_utf8_lossy(name));
            Ok((mio::net::UnixListener::from_std(l), None, shown))
        }
    }
}

/// ZMQ_USE_FD: a listening descriptor the application made, for a tcp bind. The listener
/// takes it over (it is closed when the endpoint is unbound), as libzmq.
pub fn tcp_from_fd(fd: libc::c_int) -> Result<mio::net::TcpListener> {
    // SAFETY: the application handed this descriptor over for the socket to use.
    let l = unsafe { std::net::TcpListener::from_raw_fd(fd) };
    l.set_nonblocking(true)?;
    Ok(mio::net::TcpListener::from_std(l))
}

/// ZMQ_USE_FD for an ipc bind: as `tcp_from_fd`; the file is the application's to remove.
pub fn ipc_from_fd(fd: libc::c_int) -> Result<mio::net::UnixListener> {
    // SAFETY: the application handed this descriptor over for the socket to use.
    let l = unsafe { std::os::unix::net::UnixListener::from_raw_fd(fd) };
    l.set_nonblocking(true)?;
    Ok(mio::net::UnixListener::from_std(l))
}
