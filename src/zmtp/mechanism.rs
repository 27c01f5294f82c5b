//! The security mechanism of a connection: a state machine over handshake command bodies.
//! NULL is here now; PLAIN and CURVE plug into the same trait.

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
