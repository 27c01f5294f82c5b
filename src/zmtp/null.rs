//! The NULL mechanism (RFC 23): each side sends READY with its properties and waits for the
//! peer's READY. An ERROR from the peer ends the handshake. With a ZAP domain set, the side
//! that has it asks ZAP before sending READY (as libzmq does).

use super::command::{self, Properties};
use super::mechanism::{Mechanism, Status, ZapRequest, ZAP_OK, ZAP_TEMPORARY};
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
    /// ZAP: the request is still to be taken; the verdict is still to come.
    zap_pending: bool,
    zap_waiting: bool,
    /// A refusal to send (the ZAP status as ERROR reason).
    error_out: Option<u16>,
}

impl Null {
    pub fn new(kind: SocketType, props: Properties, zap: bool) -> Null {
        Null {
            kind,
            props,
            ready_sent: false,
            ready_received: false,
            failed: false,
            peer: Properties::new(),
            zap_pending: zap,
            zap_waiting: zap,
            error_out: None,
        }
    }
}

impl Mechanism for Null {
    fn name(&self) -> &'static [u8] {
        b"NULL"
    }

    fn next_command(&mut self) -> Option<Vec<u8>> {
        if let Some(code) = self.error_out.take() {
            self.failed = true;
            return Some(command::error(code.to_string().as_bytes()));
        }
        if self.ready_sent || self.failed || self.zap_waiting {
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
                b"ERROR" => Err(command::refused(data)),
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

    fn zap_request(&mut self) -> Option<ZapRequest> {
        std::mem::take(&mut self.zap_pending).then(|| ZapRequest {
            mechanism: b"NULL",
            credentials: Vec::new(),
        })
    }

    fn zap_done(&mut self, status: u16) {
        self.zap_waiting = false;
        match status {
            ZAP_OK => {}
            ZAP_TEMPORARY => self.failed = true,
            code => self.error_out = Some(code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::mechanism::local_properties;
    use std::collections::BTreeMap;

    fn null(kind: SocketType, id: &[u8]) -> Null {
        Null::new(kind, local_properties(kind, id, &BTreeMap::new()), false)
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

        let mut a = null(SocketType::Pull, b"");
        assert_eq!(
            a.process_command(b"\x05ERROR\x03400"),
            Err(ProtocolError::Refused(400))
        );
        let mut a = null(SocketType::Pull, b"");
        assert_eq!(
            a.process_command(b"\x05ERROR\x03no!"),
            Err(ProtocolError::Refused(0))
        );
    }

    #[test]
    fn zap_holds_ready_until_the_verdict() {
        let props = local_properties(SocketType::Pull, b"", &BTreeMap::new());
        let mut a = Null::new(SocketType::Pull, props.clone(), true);
        assert!(a.next_command().is_none(), "no READY before ZAP answers");
        let req = a.zap_request().unwrap();
        assert_eq!(req.mechanism, b"NULL");
        assert!(req.credentials.is_empty());
        assert!(a.zap_request().is_none(), "asked once");
        a.zap_done(200);
        assert!(a.next_command().unwrap().starts_with(b"\x05READY"));

        let mut a = Null::new(SocketType::Pull, props.clone(), true);
        a.zap_request();
        a.zap_done(400);
        assert_eq!(a.next_command().unwrap(), b"\x05ERROR\x03400");
        assert_eq!(a.status(), Status::Error);

        let mut a = Null::new(SocketType::Pull, props, true);
        a.zap_request();
        a.zap_done(300);
        assert!(a.next_command().is_none(), "300 ends it silently");
        assert_eq!(a.status(), Status::Error);
    }
}
