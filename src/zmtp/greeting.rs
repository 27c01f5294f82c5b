//! The greeting that opens every ZMTP connection, and the detection of older peers.
//!
//! ZMTP 3.x greeting (64 octets): `FF`, 8 octets of padding, `7F`, major, minor, 20 octets of
//! mechanism name (NUL-padded), as-server, 31 octets of filler. libzmq fills the padding with
//! its routing-id length + 1 (big-endian), which lets ZMTP 1.0 peers read the signature as an
//! identity frame; we do the same so the bytes on the wire are libzmq's.
//!
//! Older peers are recognised from the first 11 octets: a first octet other than `FF`, or
//! octet 9 with bit 0 clear, is ZMTP 1.0 without a greeting; otherwise octet 10 (the
//! revision) is 0 for 1.0, 1 for 2.0, 3 and up for 3.x.

use super::ProtocolError;

pub const GREETING_LEN: usize = 64;
/// Signature (10) + major version (1): enough to tell the peer's protocol.
pub const SIGNATURE_LEN: usize = 10;
pub const MECHANISM_LEN: usize = 20;
pub const V3_MAJOR: u8 = 3;
pub const V3_MINOR: u8 = 1;

/// The protocol the peer speaks, as far as the greeting tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// ZMTP 1.0 (RFC 13), no greeting beyond an identity frame.
    V1,
    /// ZMTP 2.0 (RFC 15).
    V2,
    /// ZMTP 3.0 (RFC 23).
    V3_0,
    /// ZMTP 3.1 or later (RFC 37): answered with 3.1.
    V3_1,
}

/// The first 10 octets we send: the signature with libzmq's padding.
pub fn signature(routing_id_len: usize) -> [u8; SIGNATURE_LEN] {
    let mut s = [0u8; SIGNATURE_LEN];
    s[0] = 0xff;
    s[1..9].copy_from_slice(&(routing_id_len as u64 + 1).to_be_bytes());
    s[9] = 0x7f;
    s
}

/// Our whole 3.1 greeting.
pub fn greeting(routing_id_len: usize, mechanism: &str, as_server: bool) -> [u8; GREETING_LEN] {
    let mut g = [0u8; GREETING_LEN];
    g[..SIGNATURE_LEN].copy_from_slice(&signature(routing_id_len));
    g[10] = V3_MAJOR;
    g[11] = V3_MINOR;
    let m = mechanism.as_bytes();
    g[12..12 + m.len().min(MECHANISM_LEN)].copy_from_slice(&m[..m.len().min(MECHANISM_LEN)]);
    g[32] = as_server as u8;
    g
}

/// True if the peer's first octets already show a ZMTP 1.0 peer (no 3.x/2.0 signature).
/// Needs at least 1 octet; with 10 octets it is definite.
pub fn is_v1_signature(first: &[u8]) -> bool {
    (!first.is_empty() && first[0] != 0xff) || (first.len() >= 10 && first[9] & 1 == 0)
}

/// The peer's protocol from its first 11 octets (signature + revision/major).
pub fn version_of(first11: &[u8]) -> Version {
    if is_v1_signature(first11) {
        return Version::V1;
    }
    match first11.get(10).copied() {
        Some(0) => Version::V1,
        Some(1) => Version::V2,
        Some(_) => Version::V3_0, // refined by the minor octet, see `Greeting::version`
        None => Version::V1,
    }
}

/// A 3.x greeting as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    pub major: u8,
    pub minor: u8,
    pub mechanism: Vec<u8>,
    pub as_server: bool,
}

impl Greeting {
    /// Parses the 64 octets of a 3.x greeting.
    pub fn parse(g: &[u8; GREETING_LEN]) -> Result<Greeting, ProtocolError> {
        if g[0] != 0xff || g[9] & 1 == 0 || g[10] < V3_MAJOR {
            return Err(ProtocolError::Unspecified);
        }
        let mech = &g[12..32];
        let end = mech.iter().position(|&b| b == 0).unwrap_or(MECHANISM_LEN);
        Ok(Greeting {
            major: g[10],
            minor: g[11],
            mechanism: mech[..end].to_vec(),
            as_server: g[32] != 0,
        })
    }

    pub fn version(&self) -> Version {
        if self.major == V3_MAJOR && self.minor == 0 {
            Version::V3_0
        } else {
            Version::V3_1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_greeting_matches_libzmq_bytes() {
        let g = greeting(0, "NULL", false);
        let mut want = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1];
        want.extend_from_slice(b"NULL");
        want.resize(64, 0);
        assert_eq!(&g[..], &want[..]);
        // A 5-byte routing id shows in the padding as 6.
        assert_eq!(&signature(5)[..], &[0xff, 0, 0, 0, 0, 0, 0, 0, 6, 0x7f]);
    }

    #[test]
    fn parses_and_detects_versions() {
        let g = Greeting::parse(&greeting(0, "PLAIN", true)).unwrap();
        assert_eq!(g.mechanism, b"PLAIN");
        assert!(g.as_server);
        assert_eq!(g.version(), Version::V3_1);
        let mut g30 = greeting(0, "NULL", false);
        g30[11] = 0;
        assert_eq!(Greeting::parse(&g30).unwrap().version(), Version::V3_0);
        assert_eq!(
            version_of(&[0x01, 0x00]),
            Version::V1,
            "a v1 identity frame"
        );
        let mut v2 = [0xffu8, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1];
        assert_eq!(version_of(&v2), Version::V2);
        v2[10] = 0;
        assert_eq!(version_of(&v2), Version::V1);
        v2[9] = 0x7e;
        assert!(is_v1_signature(&v2));
        assert!(Greeting::parse(&[0u8; 64]).is_err());
    }
}
