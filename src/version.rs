//! The version we report, and what `zmq_has` answers.

use std::os::raw::c_int;

pub const MAJOR: c_int = 4;
pub const MINOR: c_int = 3;
pub const PATCH: c_int = 5;

/// Capabilities libzmq names (exact, case-sensitive: "WS"/"WSS" are upper case upstream).
/// Only what really works here answers true; the rest come with their issues.
pub fn has(capability: &[u8]) -> bool {
    const WORKING: &[&[u8]] = &[b"ipc", b"curve"];
    const KNOWN: &[&[u8]] = &[
        b"ipc", b"pgm", b"tipc", b"norm", b"curve", b"gssapi", b"vmci", b"draft", b"vsock", b"WS",
        b"WSS",
    ];
    debug_assert!(WORKING.iter().all(|w| KNOWN.contains(w)));
    WORKING.contains(&capability)
}
