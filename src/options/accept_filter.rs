//! ZMQ_TCP_ACCEPT_FILTER: "address[/bits]" masks that incoming TCP peers must match.
//!
//! The address is numeric only (no DNS, no interface names), resolved for IPv4 or, when the
//! socket has ZMQ_IPV6, for IPv6 with IPv4 addresses mapped (as libzmq's resolver does with
//! `AI_V4MAPPED`). IPv6 literals may be bracketed and carry a `%zone`.

use std::ffi::CString;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpAcceptFilter {
    addr: IpAddr,
    /// Leading bits that must match (0 matches every peer of the family).
    bits: u32,
}

impl TcpAcceptFilter {
    /// Parses a filter; `raw` is the option value (read up to its first NUL, as C does).
    pub fn parse(raw: &[u8], ipv6: bool) -> Result<TcpAcceptFilter> {
        let text = raw.split(|&b| b == 0).next().unwrap_or(&[]);
        let text = std::str::from_utf8(text).map_err(|_| Error::INVAL)?;
        let (addr_part, mask_part) = match text.rfind('/') {
            Some(i) => (&text[..i], Some(&text[i + 1..])),
            None => (text, None),
        };
        if mask_part == Some("") {
            return Err(Error::INVAL);
        }
        let addr = resolve_numeric(addr_part, ipv6)?;
        let full = if addr.is_ipv6() { 128 } else { 32 };
        let bits = match mask_part {
            None => full,
            Some("0") => 0,
            Some(m) => match strtol(m) {
                Some(b) if b >= 1 && b <= full as i64 => b as u32,
                _ => return Err(Error::INVAL),
            },
        };
        Ok(TcpAcceptFilter { addr, bits })
    }

    /// Whether a peer address passes this filter (same family, same leading bits).
    pub fn matches(&self, peer: &SocketAddr) -> bool {
        let (a, b): (Vec<u8>, Vec<u8>) = match (self.addr, peer.ip()) {
            (IpAddr::V4(x), IpAddr::V4(y)) => (x.octets().to_vec(), y.octets().to_vec()),
            (IpAddr::V6(x), IpAddr::V6(y)) => (x.octets().to_vec(), y.octets().to_vec()),
            _ => return false,
        };
        let full_bytes = (self.bits / 8) as usize;
        if a[..full_bytes] != b[..full_bytes] {
            return false;
        }
        let rest = self.bits % 8;
        if rest == 0 {
            return true;
        }
        let mask = 0xffu8 << (8 - rest);
        a[full_bytes] & mask == b[full_bytes] & mask
    }
}

/// C's `strtol(s, NULL, 10)`, None when it would give 0 from no digits or overflow.
fn strtol(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = digits
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let v: i64 = digits[..end].parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Resolves a numeric host the way libzmq's non-bindable, DNS-less resolver does.
fn resolve_numeric(addr: &str, ipv6: bool) -> Result<IpAddr> {
    let mut addr = addr;
    if addr.len() >= 2 && addr.starts_with('[') && addr.ends_with(']') {
        addr = &addr[1..addr.len() - 1];
    }
    if let Some(i) = addr.rfind('%') {
        let zone = &addr[i + 1..];
        if zone.is_empty() || zone_index(zone) == 0 {
            return Err(Error::INVAL);
        }
        addr = &addr[..i];
    }
    let host = CString::new(addr).map_err(|_| Error::INVAL)?;
    // SAFETY: an all-zero addrinfo is a valid "no hints" value for getaddrinfo.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = if ipv6 { libc::AF_INET6 } else { libc::AF_INET };
    hints.ai_socktype = libc::SOCK_STREAM;
    hints.ai_flags = libc::AI_NUMERICHOST | if ipv6 { libc::AI_V4MAPPED } else { 0 };
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: host is NUL-terminated, hints is initialised and res receives a list that we
    // free below; AI_NUMERICHOST means no name lookup happens.
    let rc = unsafe { libc::getaddrinfo(host.as_ptr(), std::ptr::null(), &hints, &mut res) };
    if rc != 0 || res.is_null() {
        return Err(if rc == libc::EAI_MEMORY {
            Error::NOMEM
        } else {
            Error::INVAL
        });
    }
    // SAFETY: res is the non-NULL head of the list getaddrinfo returned; ai_addr points to a
    // sockaddr of the family it names, which we read only as that type.
    let ip = unsafe {
        let ai = &*res;
        let ip = match ai.ai_family {
            libc::AF_INET => {
                let sa = &*(ai.ai_addr as *const libc::sockaddr_in);
                Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(sa.sin_addr.s_addr))))
            }
            libc::AF_INET6 => {
                let sa = &*(ai.ai_addr as *const libc::sockaddr_in6);
                Some(IpAddr::V6(Ipv6Addr::from(sa.sin6_addr.s6_addr)))
            }
            _ => None,
        };
        libc::freeaddrinfo(res);
        ip
    };
    ip.ok_or(Error::INVAL)
}

/// An IPv6 zone: an interface name (starts with a letter) or a number, as libzmq reads it.
fn zone_index(zone: &str) -> u32 {
    if zone.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let Ok(name) = CString::new(zone) else {
            return 0;
        };
        // SAFETY: name is a NUL-terminated string.
        unsafe { libc::if_nametoindex(name.as_ptr()) }
    } else {
        strtol(zone).map_or(0, |v| v as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(s: &str) -> SocketAddr {
        SocketAddr::new(s.parse().unwrap(), 5555)
    }

    #[test]
    fn ipv4_masks() {
        let f = TcpAcceptFilter::parse(b"192.168.1.0/24", false).unwrap();
        assert!(f.matches(&peer("192.168.1.77")));
        assert!(!f.matches(&peer("192.168.2.1")));
        assert!(!f.matches(&peer("::1")));
        let f = TcpAcceptFilter::parse(b"10.0.0.1", false).unwrap();
        assert!(f.matches(&peer("10.0.0.1")) && !f.matches(&peer("10.0.0.2")));
        let f = TcpAcceptFilter::parse(b"10.0.0.1/0", false).unwrap();
        assert!(f.matches(&peer("127.0.0.1")));
        let f = TcpAcceptFilter::parse(b"10.128.0.0/9", false).unwrap();
        assert!(f.matches(&peer("10.200.1.1")) && !f.matches(&peer("10.100.1.1")));
        // The value is read as a C string.
        assert!(TcpAcceptFilter::parse(b"127.0.0.1\0junk", false).is_ok());
    }

    #[test]
    fn bad_filters() {
        for bad in [
            &b"127.0.0.1/"[..],
            b"127.0.0.1/33",
            b"127.0.0.1/-1",
            b"127.0.0.1/00",
            b"127.0.0.1/x",
            b"localhost",
            b"*",
            b"",
            b"::1",
            b"[::1]%",
        ] {
            assert_eq!(
                TcpAcceptFilter::parse(bad, false),
                Err(Error::INVAL),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn ipv6_masks() {
        assert!(TcpAcceptFilter::parse(b"::1/129", true).is_err());
        let f = TcpAcceptFilter::parse(b"[fe80::]/10", true).unwrap();
        assert!(f.matches(&peer("fe80::1")) && !f.matches(&peer("fec0::1")));
        // With IPV6 on, IPv4 filters are mapped, like dual-stack peers.
        let f = TcpAcceptFilter::parse(b"127.0.0.1", true).unwrap();
        assert!(f.matches(&peer("::ffff:127.0.0.1")));
        assert!(TcpAcceptFilter::parse(b"::1%1", true).is_ok());
        assert!(TcpAcceptFilter::parse(b"::1%0", true).is_err());
    }
}
