//! The security mechanism of a connection: a state machine over handshake command bodies.
//! NULL, PLAIN and CURVE implement it; ZAP (RFC 27) is asked through it by the session.

use std::collections::BTreeMap;

use super::command::Properties;
use super::ProtocolError;
use crate::msg::Msg;
use crate::socket::SocketType;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Handshaking,
    Ready,
    /// The handshake failed (after an ERROR sent or received).
    Error,
}

/// What a server mechanism asks the ZAP handler about its peer: the mechanism's name and the
/// credentials frames (PLAIN: username, password; CURVE: the client's public key). The
/// session adds version, request id, domain, address and routing id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZapRequest {
    pub mechanism: &'static [u8],
    pub credentials: Vec<Vec<u8>>,
}

/// The ZAP status codes, as libzmq reads them (first digit 2..5, then "00").
pub const ZAP_OK: u16 = 200;
pub const ZAP_TEMPORARY: u16 = 300;

pub trait Mechanism: Send {
    /// The name in the greeting ("NULL", "PLAIN", "CURVE").
    fn name(&self) -> &'static [u8];

    /// The next handshake command body to send, if one is due now.
    fn next_command(&mut self) -> Option<Vec<u8>>;

    /// A handshake command body from the peer.
    fn process_command(&mut self, body: &[u8]) -> Result<(), ProtocolError>;

    fn status(&self) -> Status;

    /// The peer's properties, once received.
    fn peer_properties(&self) -> &Properties;

    /// A request for the ZAP handler, due once the peer's credentials are in (taken once).
    /// Until `zap_done` the mechanism sends nothing more.
    fn zap_request(&mut self) -> Option<ZapRequest> {
        None
    }

    /// The handler's verdict: 200 lets the handshake go on; 300 ends it silently; 400 and
    /// 500 send ERROR with the code as reason, then end it. Also 200 when no handler is
    /// bound and the mechanism may go on without one (the session decides which may).
    fn zap_done(&mut self, _status: u16) {}

    /// True if `encode`/`decode` change messages (CURVE); false lets the session skip them.
    fn transforms(&self) -> bool {
        false
    }

    /// Wraps a message for the wire after the handshake (CURVE encrypts; others pass it on).
    fn encode(&mut self, msg: Msg) -> Result<Msg, ProtocolError> {
        Ok(msg)
    }

    /// Unwraps a message from the wire after the handshake.
    fn decode(&mut self, msg: Msg) -> Result<Msg, ProtocolError> {
        Ok(msg)
    }
}

/// The properties a socket announces in its handshake: Socket-Type, Identity (libzmq sends
/// it from REQ, DEALER and ROUTER only), then the application's ZMQ_METADATA ones.
pub fn local_properties(
    kind: SocketType,
    routing_id: &[u8],
    metadata: &BTreeMap<Vec<u8>, Vec<u8>>,
) -> Properties {
    let mut p: Properties = vec![(b"Socket-Type".to_vec(), kind.name().as_bytes().to_vec())];
    if matches!(
        kind,
        SocketType::Req | SocketType::Dealer | SocketType::Router
    ) {
        p.push((b"Identity".to_vec(), routing_id.to_vec()));
    }
    for (k, v) in metadata {
        p.push((k.clone(), v.clone()));
    }
    p
}
