//! The NULL mechanism (RFC 23): each side sends READY with its properties and waits for the
//! peer's READY. An ERROR from the peer ends the handshake.

use super::command::{self, Properties};
use super::mechanism::{Mechanism, Status};
use super::socket_types::compatible;
use super::ProtocolError;
use crate::socket::SocketType;

pub struct Null {
    kind: SocketType,
    props: Properties,
    ready_sent: bool,
    ready_received: bool,
    failed: bool,
    peer: Properties,
}

impl Null {
    pub fn new(kind: SocketType, props: Properties) -> Null {
        Null {
            kind,
            props,
            ready_sent: false,
            ready_received: false,
            failed: false,
            peer: Properties::new(),
        }
    }
}

impl Mechanism for Null {
    fn name(&self) -> &'static [u8] {
        b"NULL"
    }

    fn next_command(&mut self) -> Option<Vec<u8>> {
        if self.ready_sent || self.failed {
            return None;
        }
        self.ready_sent = true;
        let props: Vec<(&[u8], &[u8])> = self
            .props
            .iter()
            .map(|(n, v)| (n.as_slice(), v.as_slice()))
            .collect();
        Some(command::ready(&props))
    }

    fn process_command(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        let r = (|| {
            let (name, data) = command::split(body)?;
            match name {
                b"READY" if !self.ready_received => {
                    let props = command::parse_properties(data)?;
                    if let Some(t) = command::property(&props, b"Socket-Type") {
                        if !compatible(self.kind, t) {
                            return Err(ProtocolError::IncompatibleSocketType);
                        }
                    }
                    self.peer = props;
                    self.ready_received = true;
                    Ok(())
                }
                b"ERROR" => {
                    command::parse_error(data)?;
                    Err(ProtocolError::Unspecified)
                }
                _ => Err(ProtocolError::UnexpectedCommand),
            }
        })();
        if r.is_err() {
            self.failed = true;
        }
        r
    }

    fn status(&self) -> Status {
        if self.failed {
            Status::Error
        } else if self.ready_sent && self.ready_received {
            Status::Ready
        } else {
            Status::Handshaking
        }
    }

    fn peer_properties(&self) -> &Properties {
        &self.peer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::mechanism::local_properties;
    use std::collections::BTreeMap;

    fn null(kind: SocketType, id: &[u8]) -> Null {
        Null::new(kind, local_properties(kind, id, &BTreeMap::new()))
    }

    #[test]
    fn two_nulls_shake_hands() {
        let mut a = null(SocketType::Dealer, b"me");
        let mut b = null(SocketType::Router, b"");
        let ra = a.next_command().unwrap();
        let rb = b.next_command().unwrap();
        assert!(a.next_command().is_none(), "READY once");
        assert_eq!(
            ra,
            b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x02me"
                .to_vec()
        );
        b.process_command(&ra).unwrap();
        a.process_command(&rb).unwrap();
        assert_eq!(a.status(), Status::Ready);
        assert_eq!(b.status(), Status::Ready);
        assert_eq!(
            command::property(b.peer_properties(), b"Identity"),
            Some(&b"me"[..])
        );
    }

    #[test]
    fn refusals() {
        let mut a = null(SocketType::Push, b"");
        let bad = null(SocketType::Push, b"").next_command().unwrap();
        assert_eq!(
            a.process_command(&bad),
            Err(ProtocolError::IncompatibleSocketType)
        );
        assert_eq!(a.status(), Status::Error);

        let mut a = null(SocketType::Pull, b"");
        assert_eq!(
            a.process_command(b"\x05HELLO"),
            Err(ProtocolError::UnexpectedCommand)
        );

        let mut a = null(SocketType::Pull, b"");
        assert_eq!(
            a.process_command(b"\x05READY\x0bSocket-Type\x00\x00\x00\x09PUSH"),
            Err(ProtocolError::InvalidMetadata)
        );

        let mut a = null(SocketType::Pull, b"");
        let ok = null(SocketType::Push, b"").next_command().unwrap();
        a.process_command(&ok).unwrap();
        assert_eq!(
            a.process_command(&ok),
            Err(ProtocolError::UnexpectedCommand),
            "READY twice"
        );
    }
}
