//! Message properties ("metadata") and the refcounted extras a message may carry.
//!
//! The engine builds one `Metadata` per connection (from the ZMTP handshake properties, ZAP's
//! User-Id and the peer address) and attaches the same `Arc` to every message it receives, so
//! `zmq_msg_gets` can answer without copying strings per message.

use std::ffi::{CStr, CString};
use std::sync::Arc;

/// The deprecated name libzmq still answers for the routing id property.
const IDENTITY: &[u8] = b"Identity";
/// What "Identity" stands for (`ZMQ_MSG_PROPERTY_ROUTING_ID`).
const ROUTING_ID: &[u8] = b"Routing-Id";

/// A read-only list of (name, value) string properties.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    props: Vec<(CString, CString)>,
}

impl Metadata {
    /// Properties from ready-made C strings. When a name appears twice, the first one wins.
    pub fn new(props: Vec<(CString, CString)>) -> Metadata {
        Metadata { props }
    }

    /// Properties from byte strings, as they come off the wire. A name or value containing a
    /// NUL byte is cut there, which is what a C reader of libzmq's `std::string` values sees.
    pub fn from_bytes<'a, I>(props: I) -> Metadata
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        fn c(bytes: &[u8]) -> CString {
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            // Cannot fail: there is no NUL byte before `end`.
            CString::new(&bytes[..end]).unwrap_or_default()
        }
        Metadata {
            props: props.into_iter().map(|(k, v)| (c(k), c(v))).collect(),
        }
    }

    /// The value of property `key`; "Identity" is answered as "Routing-Id" when it is not
    /// present under its own name.
    pub fn get(&self, key: &[u8]) -> Option<&CStr> {
        let found = self
            .props
            .iter()
            .find(|(k, _)| k.as_bytes() == key)
            .map(|(_, v)| v.as_c_str());
        match found {
            None if key == IDENTITY => self.get(ROUTING_ID),
            other => other,
        }
    }

    /// Every (name, value) pair, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = (&CStr, &CStr)> {
        self.props.iter().map(|(k, v)| (k.as_c_str(), v.as_c_str()))
    }

    pub fn len(&self) -> usize {
        self.props.len()
    }

    pub fn is_empty(&self) -> bool {
        self.props.is_empty()
    }
}

impl std::fmt::Debug for Metadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// What a message carries besides its bytes, rarely enough to live behind one pointer: the
/// connection's properties and the RADIO/DISH group. Shared between copies of a message and
/// copied on write.
///
/// Aligned to a cache line: a connection's extras are shared by all its messages, and their
/// reference count (written by whichever thread frees a message) must not share a line
/// with data the I/O thread writes.
#[derive(Clone, Default)]
#[repr(align(64))]
pub(crate) struct Extras {
    pub(crate) metadata: Option<Arc<Metadata>>,
    /// Never empty when present (an empty group is stored as `None`), at most 255 bytes.
    pub(crate) group: Option<CString>,
}

impl Extras {
    pub(crate) fn is_empty(&self) -> bool {
        self.metadata.is_none() && self.group.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_and_identity_alias() {
        let md = Metadata::from_bytes([
            (&b"Socket-Type"[..], &b"DEALER"[..]),
            (b"Routing-Id", b"abc"),
            (b"X-Weird", b"cut\0here"),
        ]);
        assert_eq!(md.len(), 3);
        assert_eq!(md.get(b"Socket-Type").unwrap().to_bytes(), b"DEALER");
        assert_eq!(md.get(b"Routing-Id").unwrap().to_bytes(), b"abc");
        assert_eq!(md.get(b"Identity").unwrap().to_bytes(), b"abc");
        assert_eq!(md.get(b"X-Weird").unwrap().to_bytes(), b"cut");
        assert!(md.get(b"socket-type").is_none(), "names are case-sensitive");
        assert!(md.get(b"User-Id").is_none());
        assert!(Metadata::default().get(b"Identity").is_none());
    }

    #[test]
    fn own_identity_wins_and_first_duplicate_wins() {
        let md = Metadata::new(vec![
            (c"Identity".into(), c"own".into()),
            (c"Routing-Id".into(), c"rid".into()),
            (c"Routing-Id".into(), c"second".into()),
        ]);
        assert_eq!(md.get(b"Identity").unwrap().to_bytes(), b"own");
        assert_eq!(md.get(b"Routing-Id").unwrap().to_bytes(), b"rid");
    }
}
