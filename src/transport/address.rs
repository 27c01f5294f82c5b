//! Endpoint addresses of the tcp and ipc transports: parsing, resolution, and the text that
//! ZMQ_LAST_ENDPOINT reports.
//!
//! tcp bind: `interface:port`, where interface is `*`, a numeric IPv4/IPv6 address (IPv6 in
//! brackets) or an interface name, and port a number or `*`/`0` for an ephemeral port.
//! tcp connect: `[source;]host:port`, host being a DNS name or numeric address, resolved when
//! the connection is opened; here only the syntax is checked, as libzmq does.
//! ipc: a filesystem path (at most 107 bytes), `*` for a fresh path, `@name` for a Linux
//! abstract socket.

use std::ffi::CStr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

use crate::error::{Error, Result};

/// Room in sockaddr_un.sun_path, less its NUL.
pub const IPC_PATH_MAX: usize = 107;

/// Splits `host:port` at the last colon, taking IPv6 brackets off the host.
fn split_host_port(addr: &str) -> Result<(&str, &str)> {
    let colon = addr.rfind(':').ok_or(Error::INVAL)?;
    let (host, port) = (&addr[..colon], &addr[colon + 1..]);
    let host = match host.strip_prefix('[') {
        Some(h) => h.strip_suffix(']').ok_or(Error::INVAL)?,
        None => host,
    };
    Ok((host, port))
}

/// A port: a number 0..65535, or `*` (= 0, ephemeral) when `wildcard_ok`.
fn parse_port(port: &str, wildcard_ok: bool) -> Result<u16> {
    if port == "*" {
        return if wildcard_ok {
            Ok(0)
        } else {
            Err(Error::INVAL)
        };
    }
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::INVAL);
    }
    port.parse::<u16>().map_err(|_| Error::INVAL)
}

/// The address of a named network interface (IPv4 unless `ipv6` and it has an IPv6 one).
fn interface_address(name: &str, ipv6: bool) -> Result<IpAddr> {
    let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills a list we free below.
    if unsafe { libc::getifaddrs(&mut ifap) } != 0 {
        return Err(Error::last_os());
    }
    let mut found: Option<IpAddr> = None;
    let mut p = ifap;
    while !p.is_null() {
        // SAFETY: p walks the list getifaddrs returned.
        let ifa = unsafe { &*p };
        p = ifa.ifa_next;
        if ifa.ifa_addr.is_null() || ifa.ifa_name.is_null() {
            continue;
        }
        // SAFETY: a NUL-terminated name from the list.
        let ifname = unsafe { CStr::from_ptr(ifa.ifa_name) };
        if ifname.to_bytes() != name.as_bytes() {
            continue;
        }
        // SAFETY: ifa_addr is non-null; its family tells which sockaddr it is.
        let family = unsafe { (*ifa.ifa_addr).sa_family } as i32;
        if family == libc::AF_INET && found.is_none() {
            // SAFETY: an AF_INET address is a sockaddr_in.
            let sin = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in) };
            found = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                sin.sin_addr.s_addr,
            ))));
        } else if family == libc::AF_INET6 && ipv6 && !matches!(found, Some(IpAddr::V6(_))) {
            // SAFETY: an AF_INET6 address is a sockaddr_in6.
            let sin6 = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in6) };
            found = Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)));
        }
    }
    // SAFETY: frees the list from getifaddrs, once.
    unsafe { libc::freeifaddrs(ifap) };
    found.ok_or(Error(libc::ENODEV))
}

/// The local address of a tcp bind. ENODEV for an unknown interface or an IPv6 address on a
/// socket without ZMQ_IPV6; EINVAL for bad syntax.
pub fn tcp_bind_addr(addr: &str, ipv6: bool) -> Result<SocketAddr> {
    let (host, port) = split_host_port(addr)?;
    let port = parse_port(port, true)?;
    let ip = if host == "*" {
        if ipv6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        }
    } else if let Ok(ip) = host.parse::<IpAddr>() {
        if ip.is_ipv6() && !ipv6 {
            return Err(Error(libc::ENODEV));
        }
        ip
    } else if host.is_empty() {
        return Err(Error::INVAL);
    } else {
        interface_address(host, ipv6)?
    };
    Ok(SocketAddr::new(ip, port))
}

/// A tcp connect endpoint: an optional local source address, and the peer's host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpConnect {
    pub source: Option<SocketAddr>,
    pub host: String,
    pub port: u16,
}

/// libzmq's syntax check for connect: the characters of host names and addresses, ending
/// in `:` and a port that starts with a digit.
fn connect_syntax_ok(addr: &str) -> bool {
    let ok_char = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, '.' | '-' | ':' | '%' | ';' | '[' | ']' | '_' | '*')
    };
    addr.chars().all(ok_char)
        && addr
            .rfind(':')
            .and_then(|i| addr[i + 1..].chars().next())
            .is_some_and(|c| c.is_ascii_digit())
}

pub fn tcp_connect_addr(addr: &str, ipv6: bool) -> Result<TcpConnect> {
    if !connect_syntax_ok(addr) {
        return Err(Error::INVAL);
    }
    let (source, dest) = match addr.split_once(';') {
        Some((src, dst)) => {
            // A source without a port binds an ephemeral one.
            let src = if split_host_port(src).is_ok_and(|(_, p)| parse_port(p, true).is_ok()) {
                src.to_owned()
            } else {
                format!("{src}:0")
            };
            (Some(tcp_bind_addr(&src, ipv6)?), dst)
        }
        None => (None, addr),
    };
    let (host, port) = split_host_port(dest)?;
    let port = parse_port(port, false)?;
    if host.is_empty() || port == 0 {
        return Err(Error::INVAL);
    }
    Ok(TcpConnect {
        source,
        host: host.to_owned(),
        port,
    })
}

/// Resolves a connect target (DNS or numeric), IPv4 only unless `ipv6`.
pub fn resolve(target: &TcpConnect, ipv6: bool) -> Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .map_err(|_| Error::INVAL)?
        .filter(|a| ipv6 || a.is_ipv4())
        .collect();
    if addrs.is_empty() {
        return Err(Error::INVAL);
    }
    Ok(addrs)
}

/// ZMQ_LAST_ENDPOINT text for a tcp address: `tcp://1.2.3.4:5` or `tcp://[::1]:5`.
pub fn tcp_endpoint(sa: &SocketAddr) -> String {
    match sa {
        SocketAddr::V4(a) => format!("tcp://{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("tcp://[{}]:{}", a.ip(), a.port()),
    }
}

/// An ipc address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ipc {
    Path(String),
    /// `@name`: a Linux abstract socket (no file).
    Abstract(Vec<u8>),
    /// `*`: a fresh path chosen at bind time.
    Wildcard,
}

pub fn ipc_addr(addr: &str) -> Result<Ipc> {
    if addr == "*" {
        return Ok(Ipc::Wildcard);
    }
    if let Some(name) = addr.strip_prefix('@') {
        if name.len() + 1 > IPC_PATH_MAX {
            return Err(Error(libc::ENAMETOOLONG));
        }
        return Ok(Ipc::Abstract(name.as_bytes().to_vec()));
    }
    if addr.len() > IPC_PATH_MAX {
        return Err(Error(libc::ENAMETOOLONG));
    }
    Ok(Ipc::Path(addr.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_forms() {
        assert_eq!(
            tcp_bind_addr("*:5555", false).unwrap(),
            "0.0.0.0:5555".parse().unwrap()
        );
        assert_eq!(
            tcp_bind_addr("*:*", false).unwrap(),
            "0.0.0.0:0".parse().unwrap()
        );
        assert_eq!(
            tcp_bind_addr("*:0", true).unwrap(),
            "[::]:0".parse().unwrap()
        );
        assert_eq!(
            tcp_bind_addr("127.0.0.1:1", false).unwrap(),
            "127.0.0.1:1".parse().unwrap()
        );
        assert_eq!(
            tcp_bind_addr("[::1]:7", true).unwrap(),
            "[::1]:7".parse().unwrap()
        );
        assert_eq!(tcp_bind_addr("[::1]:7", false), Err(Error(libc::ENODEV)));
        assert_eq!(
            tcp_bind_addr("lo:9", false).unwrap(),
            "127.0.0.1:9".parse().unwrap()
        );
        assert_eq!(
            tcp_bind_addr("nosuchif0:9", false),
            Err(Error(libc::ENODEV))
        );
        assert_eq!(tcp_bind_addr("127.0.0.1", false), Err(Error::INVAL));
        assert_eq!(tcp_bind_addr("127.0.0.1:70000", false), Err(Error::INVAL));
        assert_eq!(tcp_bind_addr("127.0.0.1:x", false), Err(Error::INVAL));
    }

    #[test]
    fn connect_forms() {
        let c = tcp_connect_addr("localhost:5555", false).unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.source),
            ("localhost", 5555, None)
        );
        let c = tcp_connect_addr("127.0.0.1:6000;127.0.0.1:5555", false).unwrap();
        assert_eq!(c.source, Some("127.0.0.1:6000".parse().unwrap()));
        let c = tcp_connect_addr("127.0.0.1;127.0.0.1:5555", false).unwrap();
        assert_eq!(c.source, Some("127.0.0.1:0".parse().unwrap()));
        let c = tcp_connect_addr("[::1]:5555", true).unwrap();
        assert_eq!(c.host, "::1");
        assert_eq!(tcp_connect_addr("localhost:*", false), Err(Error::INVAL));
        assert_eq!(tcp_connect_addr("localhost", false), Err(Error::INVAL));
        assert_eq!(tcp_connect_addr("local host:1", false), Err(Error::INVAL));
        let r = resolve(&tcp_connect_addr("127.0.0.1:9", false).unwrap(), false).unwrap();
        assert_eq!(r, vec!["127.0.0.1:9".parse().unwrap()]);
    }

    #[test]
    fn endpoint_text() {
        assert_eq!(
            tcp_endpoint(&"127.0.0.1:5".parse().unwrap()),
            "tcp://127.0.0.1:5"
        );
        assert_eq!(tcp_endpoint(&"[::1]:5".parse().unwrap()), "tcp://[::1]:5");
    }

    #[test]
    fn ipc_forms() {
        assert_eq!(ipc_addr("/tmp/x").unwrap(), Ipc::Path("/tmp/x".into()));
        assert_eq!(ipc_addr("@abs").unwrap(), Ipc::Abstract(b"abs".to_vec()));
        assert_eq!(ipc_addr("*").unwrap(), Ipc::Wildcard);
        assert_eq!(ipc_addr(&"x".repeat(108)), Err(Error(libc::ENAMETOOLONG)));
        assert!(ipc_addr(&"x".repeat(107)).is_ok());
    }
}
