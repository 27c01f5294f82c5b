//! Socket options applied to the descriptors of tcp and ipc connections and listeners:
//! SO_SNDBUF/SO_RCVBUF, IP_TOS, SO_PRIORITY, SO_BINDTODEVICE, SO_KEEPALIVE with TCP_KEEP*,
//! TCP_USER_TIMEOUT, plus the accept filters (ZMQ_TCP_ACCEPT_FILTER, ZMQ_IPC_FILTER_*).
//!
//! As libzmq, failures to apply an option are ignored on connections (the connection still
//! works), while a listener that cannot take SO_BINDTODEVICE fails the bind.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};

use crate::error::{Error, Result};
use crate::io::stream::Stream;
use crate::options::{Options, TcpAcceptFilter};
use crate::transport::listen::sockaddr;

/// ZMQ_RECONNECT_STOP_CONN_REFUSED: stop reconnecting once the peer refused a connection.
pub const RECONNECT_STOP_CONN_REFUSED: i32 = 1;
/// ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED: stop reconnecting once a handshake failed.
pub const RECONNECT_STOP_HANDSHAKE_FAILED: i32 = 2;

/// The option values that concern descriptors and connecting, copied from `Options`.
#[derive(Debug, Clone, Default)]
pub struct SockOpts {
    pub sndbuf: i32,
    pub rcvbuf: i32,
    pub tos: i32,
    pub priority: i32,
    pub keepalive: i32,
    pub keepalive_cnt: i32,
    pub keepalive_idle: i32,
    pub keepalive_intvl: i32,
    pub maxrt: i32,
    pub backlog: i32,
    pub device: Vec<u8>,
    pub connect_timeout: i32,
    pub reconnect_stop: i32,
    pub accept_filters: Vec<TcpAcceptFilter>,
    pub uid_filters: BTreeSet<u32>,
    pub gid_filters: BTreeSet<u32>,
    pub pid_filters: BTreeSet<i32>,
}

impl SockOpts {
    pub fn from_options(o: &Options) -> SockOpts {
        SockOpts {
            sndbuf: o.sndbuf,
            rcvbuf: o.rcvbuf,
            tos: o.tos,
            priority: o.priority,
            keepalive: o.tcp_keepalive,
            keepalive_cnt: o.tcp_keepalive_cnt,
            keepalive_idle: o.tcp_keepalive_idle,
            keepalive_intvl: o.tcp_keepalive_intvl,
            maxrt: o.tcp_maxrt,
            backlog: o.backlog,
            device: o.bound_device.clone(),
            connect_timeout: o.connect_timeout,
            reconnect_stop: o.reconnect_stop,
            accept_filters: o.tcp_accept_filters.clone(),
            uid_filters: o.ipc_uid_filters.clone(),
            gid_filters: o.ipc_gid_filters.clone(),
            pid_filters: o.ipc_pid_filters.clone(),
        }
    }
}

fn set_int(fd: RawFd, level: libc::c_int, name: libc::c_int, v: i32) -> Result<()> {
    let v: libc::c_int = v;
    // SAFETY: setsockopt reads a live c_int of the given size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&v as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        Err(Error::last_os())
    } else {
        Ok(())
    }
}

fn bind_to_device(fd: RawFd, device: &[u8]) -> Result<()> {
    // SAFETY: setsockopt reads device.len() bytes of a live slice.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            device.as_ptr().cast(),
            device.len() as libc::socklen_t,
        )
    };
    if rc < 0 {
        Err(Error::last_os())
    } else {
        Ok(())
    }
}

/// Buffer sizes (-1 = leave the OS default).
pub fn apply_buffers(fd: RawFd, o: &SockOpts) {
    if o.sndbuf >= 0 {
        let _ = set_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, o.sndbuf);
    }
    if o.rcvbuf >= 0 {
        let _ = set_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, o.rcvbuf);
    }
}

/// IP_TOS (or the IPv6 traffic class) and SO_PRIORITY, when set (0 = leave).
pub fn apply_tos_priority(fd: RawFd, o: &SockOpts) {
    if o.tos != 0 {
        let _ = set_int(fd, libc::IPPROTO_IP, libc::IP_TOS, o.tos);
        let _ = set_int(fd, libc::IPPROTO_IPV6, libc::IPV6_TCLASS, o.tos);
    }
    if o.priority != 0 {
        let _ = set_int(fd, libc::SOL_SOCKET, libc::SO_PRIORITY, o.priority);
    }
}

/// SO_KEEPALIVE with its TCP_KEEP* parameters (-1 = leave), and TCP_USER_TIMEOUT.
pub fn apply_keepalive_maxrt(fd: RawFd, o: &SockOpts) {
    if o.keepalive != -1 {
        let _ = set_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, o.keepalive);
        if o.keepalive == 1 {
            for (name, v) in [
                (libc::TCP_KEEPCNT, o.keepalive_cnt),
                (libc::TCP_KEEPIDLE, o.keepalive_idle),
                (libc::TCP_KEEPINTVL, o.keepalive_intvl),
            ] {
                if v != -1 {
                    let _ = set_int(fd, libc::IPPROTO_TCP, name, v);
                }
            }
        }
    }
    if o.maxrt > 0 {
        let _ = set_int(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT, o.maxrt);
    }
}

/// Options of a tcp or ipc listening socket before it binds. A device that cannot be bound
/// to fails the bind (ENODEV for an unknown one).
pub fn apply_listener(fd: RawFd, o: &SockOpts, tcp: bool) -> Result<()> {
    apply_buffers(fd, o);
    if tcp {
        apply_tos_priority(fd, o);
        if !o.device.is_empty() {
            bind_to_device(fd, &o.device)?;
        }
    }
    Ok(())
}

/// Opens a non-blocking tcp connection to `dst` (from `src` if given), with the options set
/// before connecting as libzmq does; the connection completes later.
pub fn connect_tcp(
    src: Option<SocketAddr>,
    dst: SocketAddr,
    o: &SockOpts,
) -> std::io::Result<mio::net::TcpStream> {
    let domain = if dst.is_ipv6() {
        libc::AF_INET6
    } else {
        libc::AF_INET
    };
    // SAFETY: plain socket creation; the fd is owned by the std stream built from it.
    let fd = unsafe {
        libc::socket(
            domain,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            0,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh socket nothing else owns.
    let std_sock = unsafe { std::net::TcpStream::from_raw_fd(fd) };
    let _ = std_sock.set_nodelay(true);
    apply_buffers(fd, o);
    apply_tos_priority(fd, o);
    if !o.device.is_empty() {
        bind_to_device(fd, &o.device).map_err(|e| std::io::Error::from_raw_os_error(e.0))?;
    }
    if let Some(src) = src {
        let _ = set_int(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1);
        let (sa, len) = sockaddr(src);
        // SAFETY: sa is a valid sockaddr of len bytes.
        if unsafe { libc::bind(fd, (&sa as *const libc::sockaddr_storage).cast(), len) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    apply_keepalive_maxrt(fd, o);
    let (da, dlen) = sockaddr(dst);
    // SAFETY: da is a valid sockaddr of dlen bytes.
    let rc = unsafe { libc::connect(fd, (&da as *const libc::sockaddr_storage).cast(), dlen) };
    if rc != 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINPROGRESS) {
            return Err(e);
        }
    }
    Ok(mio::net::TcpStream::from_std(std_sock))
}

/// A connection a listener accepted: whether the accept filters let it in (a refused one is
/// dropped, which closes it) and, if so, its options applied.
pub fn accepted(stream: &Stream, o: &SockOpts) -> bool {
    match stream {
        Stream::Tcp(s) => {
            if !o.accept_filters.is_empty() {
                let Ok(peer) = s.peer_addr() else {
                    return false;
                };
                if !o.accept_filters.iter().any(|f| f.matches(&peer)) {
                    return false;
                }
            }
            let fd = s.as_raw_fd();
            let _ = s.set_nodelay(true);
            apply_tos_priority(fd, o);
            apply_keepalive_maxrt(fd, o);
            true
        }
        Stream::Ipc(s) => ipc_peer_allowed(s.as_raw_fd(), o),
    }
}

/// ZMQ_IPC_FILTER_UID/GID/PID: with any filter set, the peer's credentials (SO_PEERCRED)
/// must match one of them; the gid matches the peer's primary group or, as libzmq, a group
/// that lists the peer's user name.
fn ipc_peer_allowed(fd: RawFd, o: &SockOpts) -> bool {
    if o.uid_filters.is_empty() && o.gid_filters.is_empty() && o.pid_filters.is_empty() {
        return true;
    }
    let Some(cred) = peer_cred(fd) else {
        return false;
    };
    o.uid_filters.contains(&cred.uid)
        || o.gid_filters.contains(&cred.gid)
        || o.pid_filters.contains(&cred.pid)
        || o.gid_filters.iter().any(|&g| group_lists_user(g, cred.uid))
}

/// The credentials of a unix socket's peer process (SO_PEERCRED).
pub(crate) fn peer_cred(fd: RawFd) -> Option<libc::ucred> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most len bytes into a live ucred.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    (rc == 0).then_some(cred)
}

/// Whether group `gid` names the user `uid` among its members.
fn group_lists_user(gid: u32, uid: u32) -> bool {
    let mut pw_buf = vec![0 as libc::c_char; 4096];
    let mut gr_buf = vec![0 as libc::c_char; 16384];
    // SAFETY: all-zero passwd/group are valid out-parameters for the _r calls below.
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut gr: libc::group = unsafe { std::mem::zeroed() };
    let mut pw_res: *mut libc::passwd = std::ptr::null_mut();
    let mut gr_res: *mut libc::group = std::ptr::null_mut();
    // SAFETY: the buffers and out-parameters live through the calls and their uses below.
    unsafe {
        if libc::getpwuid_r(uid, &mut pw, pw_buf.as_mut_ptr(), pw_buf.len(), &mut pw_res) != 0
            || pw_res.is_null()
        {
            return false;
        }
        if libc::getgrgid_r(gid, &mut gr, gr_buf.as_mut_ptr(), gr_buf.len(), &mut gr_res) != 0
            || gr_res.is_null()
        {
            return false;
        }
        let name = std::ffi::CStr::from_ptr(pw.pw_name);
        let mut m = gr.gr_mem;
        while !m.is_null() && !(*m).is_null() {
            if std::ffi::CStr::from_ptr(*m) == name {
                return true;
            }
            m = m.add(1);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(fd: RawFd, level: libc::c_int, name: libc::c_int) -> i32 {
        let mut v: libc::c_int = -1;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: getsockopt writes at most len bytes into a live c_int.
        let rc = unsafe {
            libc::getsockopt(
                fd,
                level,
                name,
                (&mut v as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        assert_eq!(rc, 0);
        v
    }

    #[test]
    fn connect_applies_options_and_accept_filters_refuse() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let o = SockOpts {
            sndbuf: 50000,
            rcvbuf: -1,
            tos: 0x20,
            keepalive: 1,
            keepalive_cnt: 4,
            keepalive_idle: -1,
            keepalive_intvl: 9,
            maxrt: 2500,
            ..SockOpts::default()
        };
        let s = connect_tcp(None, l.local_addr().unwrap(), &o).unwrap();
        let fd = s.as_raw_fd();
        assert_eq!(get(fd, libc::IPPROTO_IP, libc::IP_TOS), 0x20);
        assert_eq!(get(fd, libc::SOL_SOCKET, libc::SO_SNDBUF), 100000);
        assert_eq!(get(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1);
        assert_eq!(get(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT), 4);
        assert_eq!(get(fd, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL), 9);
        assert_eq!(get(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT), 2500);
        assert_eq!(get(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY), 1);

        let (a, _) = l.accept().unwrap();
        let stream = Stream::Tcp(mio::net::TcpStream::from_std(a));
        let deny = SockOpts {
            accept_filters: vec![TcpAcceptFilter::parse(b"10.0.0.0/8", false).unwrap()],
            ..SockOpts::default()
        };
        assert!(!accepted(&stream, &deny));
        let mut allow = deny.clone();
        allow
            .accept_filters
            .push(TcpAcceptFilter::parse(b"127.0.0.0/8", false).unwrap());
        assert!(accepted(&stream, &allow));
    }

    #[test]
    fn listener_on_unknown_device_fails() {
        let o = SockOpts {
            device: b"no-such-if0".to_vec(),
            ..SockOpts::default()
        };
        let e = crate::transport::listen::tcp("127.0.0.1:0".parse().unwrap(), &o).unwrap_err();
        assert_eq!(e.0, libc::ENODEV);
    }

    #[test]
    fn ipc_uid_filter() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let stream = Stream::Ipc(mio::net::UnixStream::from_std(a));
        // SAFETY: getuid has no preconditions.
        let me = unsafe { libc::getuid() };
        let mut o = SockOpts::default();
        assert!(accepted(&stream, &o));
        o.uid_filters.insert(me.wrapping_add(4242));
        assert!(!accepted(&stream, &o));
        o.uid_filters.insert(me);
        assert!(accepted(&stream, &o));
    }
}
