//! PLAIN (RFC 24): the client sends HELLO with a username and password in clear text; the
//! server asks ZAP about them and answers WELCOME; the client sends INITIATE with its
//! properties and the server answers READY with its own.

use super::command::{self, Properties};
use super::mechanism::{Mechanism, Status, ZapRequest, ZAP_OK, ZAP_TEMPORARY};
use super::socket_types::compatible;
use super::ProtocolError;
use crate::socket::SocketType;

/// How libzmq 4.3's PLAIN writes the name of ERROR: its "\x05ERROR" is a C hex escape
/// that swallows the 'E' ("\x05E" is 0x5E, '^'), so the command reads "^RROR" + reason.
/// Its PLAIN client recognises only this form, so our server sends it (a libzmq client then
/// reports the refusal as HANDSHAKE_FAILED_AUTH), and our client accepts it as well as the
/// ERROR of the spec.
const LIBZMQ_ERROR: &[u8] = b"^RROR";

/// The ERROR a PLAIN server sends, in libzmq's form.
fn error_command(code: u16) -> Vec<u8> {
    let reason = code.to_string();
    let mut out = LIBZMQ_ERROR.to_vec();
    out.push(reason.len() as u8);
    out.extend_from_slice(reason.as_bytes());
    out
}

/// Parses and checks the peer's properties (INITIATE, READY).
fn peer_props(kind: SocketType, data: &[u8]) -> Result<Properties, ProtocolError> {
    let props = command::parse_properties(data)?;
    if let Some(t) = command::property(&props, b"Socket-Type") {
        if !compatible(kind, t) {
            return Err(ProtocolError::IncompatibleSocketType);
        }
    }
    Ok(props)
}

fn props_of(props: &Properties) -> Vec<(&[u8], &[u8])> {
    props
        .iter()
        .map(|(n, v)| (n.as_slice(), v.as_slice()))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientState {
    SendHello,
    WaitWelcome,
    SendInitiate,
    WaitReady,
    Ready,
    Error,
}

pub struct PlainClient {
    kind: SocketType,
    props: Properties,
    username: Vec<u8>,
    password: Vec<u8>,
    state: ClientState,
    peer: Properties,
}

impl PlainClient {
    pub fn new(kind: SocketType, props: Properties, username: &[u8], password: &[u8]) -> Self {
        PlainClient {
            kind,
            props,
            username: username[..username.len().min(255)].to_vec(),
            password: password[..password.len().min(255)].to_vec(),
            state: ClientState::SendHello,
            peer: Properties::new(),
        }
    }
}

impl Mechanism for PlainClient {
    fn name(&self) -> &'static [u8] {
        b"PLAIN"
    }

    fn next_command(&mut self) -> Option<Vec<u8>> {
        match self.state {
            ClientState::SendHello => {
                self.state = ClientState::WaitWelcome;
                let mut data = Vec::with_capacity(2 + self.username.len() + self.password.len());
                data.push(self.username.len() as u8);
                data.extend_from_slice(&self.username);
                data.push(self.password.len() as u8);
                data.extend_from_slice(&self.password);
                Some(command::command(b"HELLO", &data))
            }
            ClientState::SendInitiate => {
                self.state = ClientState::WaitReady;
                Some(command::command(
                    b"INITIATE",
                    &command::properties(&self.props),
                ))
            }
            _ => None,
        }
    }

    fn process_command(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        let r = (|| {
            let waiting = matches!(
                self.state,
                ClientState::WaitWelcome | ClientState::WaitReady
            );
            if let Some(data) = body.strip_prefix(LIBZMQ_ERROR).filter(|_| waiting) {
                return Err(command::refused(data));
            }
            let (name, data) = command::split(body)?;
            match (name, self.state) {
                (b"WELCOME", ClientState::WaitWelcome) => {
                    if !data.is_empty() {
                        return Err(ProtocolError::MalformedCommandWelcome);
                    }
                    self.state = ClientState::SendInitiate;
                    Ok(())
                }
                (b"READY", ClientState::WaitReady) => {
                    self.peer = peer_props(self.kind, data)?;
                    self.state = ClientState::Ready;
                    Ok(())
                }
                (b"ERROR", ClientState::WaitWelcome | ClientState::WaitReady) => {
                    Err(command::refused(data))
                }
                _ => Err(ProtocolError::UnexpectedCommand),
            }
        })();
        if r.is_err() {
            self.state = ClientState::Error;
        }
        r
    }

    fn status(&self) -> Status {
        match self.state {
            ClientState::Ready => Status::Ready,
            ClientState::Error => Status::Error,
            _ => Status::Handshaking,
        }
    }

    fn peer_properties(&self) -> &Properties {
        &self.peer
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerState {
    WaitHello,
    /// HELLO is in: the ZAP request is to be taken, then its answer awaited.
    AskZap,
    WaitZap,
    SendWelcome,
    WaitInitiate,
    SendReady,
    SendError(u16),
    Ready,
    Error,
}

pub struct PlainServer {
    kind: SocketType,
    props: Properties,
    state: ServerState,
    credentials: Vec<Vec<u8>>,
    peer: Properties,
}

impl PlainServer {
    pub fn new(kind: SocketType, props: Properties) -> Self {
        PlainServer {
            kind,
            props,
            state: ServerState::WaitHello,
            credentials: Vec::new(),
            peer: Properties::new(),
        }
    }

    /// HELLO's data: username and password, each a 1-octet length and its bytes, and nothing
    /// after them.
    fn parse_hello(data: &[u8]) -> Result<Vec<Vec<u8>>, ProtocolError> {
        let bad = ProtocolError::MalformedCommandHello;
        let ulen = *data.first().ok_or(bad)? as usize;
        let user = data.get(1..1 + ulen).ok_or(bad)?;
        let rest = &data[1 + ulen..];
        let plen = *rest.first().ok_or(bad)? as usize;
        if rest.len() != 1 + plen {
            return Err(bad);
        }
        Ok(vec![user.to_vec(), rest[1..].to_vec()])
    }
}

impl Mechanism for PlainServer {
    fn name(&self) -> &'static [u8] {
        b"PLAIN"
    }

    fn next_command(&mut self) -> Option<Vec<u8>> {
        match self.state {
            ServerState::SendWelcome => {
                self.state = ServerState::WaitInitiate;
                Some(command::command(b"WELCOME", &[]))
            }
            ServerState::SendReady => {
                self.state = ServerState::Ready;
                Some(command::ready(&props_of(&self.props)))
            }
            ServerState::SendError(code) => {
                self.state = ServerState::Error;
                Some(error_command(code))
            }
            _ => None,
        }
    }

    fn process_command(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        let r = (|| {
            let (name, data) = command::split(body)?;
            match (name, self.state) {
                (b"HELLO", ServerState::WaitHello) => {
                    self.credentials = Self::parse_hello(data)?;
                    self.state = ServerState::AskZap;
                    Ok(())
                }
                (b"INITIATE", ServerState::WaitInitiate) => {
                    self.peer = peer_props(self.kind, data)?;
                    self.state = ServerState::SendReady;
                    Ok(())
                }
                _ => Err(ProtocolError::UnexpectedCommand),
            }
        })();
        if r.is_err() {
            self.state = ServerState::Error;
        }
        r
    }

    fn status(&self) -> Status {
        match self.state {
            ServerState::Ready => Status::Ready,
            ServerState::Error => Status::Error,
            _ => Status::Handshaking,
        }
    }

    fn peer_properties(&self) -> &Properties {
        &self.peer
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        if self.state != ServerState::AskZap {
            return None;
        }
        self.state = ServerState::WaitZap;
        Some(ZapRequest {
            mechanism: b"PLAIN",
            credentials: std::mem::take(&mut self.credentials),
        })
    }

    fn zap_done(&mut self, status: u16) {
        if self.state != ServerState::WaitZap {
            return;
        }
        self.state = match status {
            ZAP_OK => ServerState::SendWelcome,
            ZAP_TEMPORARY => ServerState::Error,
            code => ServerState::SendError(code),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::mechanism::local_properties;
    use std::collections::BTreeMap;

    fn props(kind: SocketType) -> Properties {
        local_properties(kind, b"", &BTreeMap::new())
    }

    /// Runs a client and server to the point where the server asks ZAP.
    fn to_zap(user: &[u8], pass: &[u8]) -> (PlainClient, PlainServer) {
        let mut c = PlainClient::new(SocketType::Push, props(SocketType::Push), user, pass);
        let mut s = PlainServer::new(SocketType::Pull, props(SocketType::Pull));
        let hello = c.next_command().unwrap();
        assert!(c.next_command().is_none());
        s.process_command(&hello).unwrap();
        assert!(s.next_command().is_none(), "nothing before ZAP answers");
        (c, s)
    }

    #[test]
    fn handshake_bytes_and_zap() {
        let mut c = PlainClient::new(SocketType::Push, props(SocketType::Push), b"admin", b"pw");
        assert_eq!(c.next_command().unwrap(), b"\x05HELLO\x05admin\x02pw");
        let (mut c, mut s) = to_zap(b"admin", b"pw");
        let req = s.zap_request().unwrap();
        assert_eq!(req.mechanism, b"PLAIN");
        assert_eq!(req.credentials, vec![b"admin".to_vec(), b"pw".to_vec()]);
        assert!(s.zap_request().is_none());
        s.zap_done(200);
        let welcome = s.next_command().unwrap();
        assert_eq!(welcome, b"\x07WELCOME");
        c.process_command(&welcome).unwrap();
        let init = c.next_command().unwrap();
        assert_eq!(
            init,
            b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x04PUSH".to_vec()
        );
        s.process_command(&init).unwrap();
        let ready = s.next_command().unwrap();
        assert_eq!(s.status(), Status::Ready);
        c.process_command(&ready).unwrap();
        assert_eq!(c.status(), Status::Ready);
        assert_eq!(
            command::property(s.peer_properties(), b"Socket-Type"),
            Some(&b"PUSH"[..])
        );
        assert_eq!(
            command::property(c.peer_properties(), b"Socket-Type"),
            Some(&b"PULL"[..])
        );
    }

    #[test]
    fn zap_refusals() {
        let (mut c, mut s) = to_zap(b"u", b"p");
        s.zap_request();
        s.zap_done(400);
        let err = s.next_command().unwrap();
        assert_eq!(err, b"^RROR\x03400", "libzmq's form");
        assert_eq!(s.status(), Status::Error);
        assert_eq!(c.process_command(&err), Err(ProtocolError::Refused(400)));
        assert_eq!(c.status(), Status::Error);
        // The spec's form is understood too.
        let (mut c, _) = to_zap(b"u", b"p");
        assert_eq!(
            c.process_command(b"\x05ERROR\x03500"),
            Err(ProtocolError::Refused(500))
        );

        let (_, mut s) = to_zap(b"u", b"p");
        s.zap_request();
        s.zap_done(300);
        assert!(s.next_command().is_none());
        assert_eq!(s.status(), Status::Error);
    }

    #[test]
    fn malformed_and_unexpected() {
        let hello = |d: &[u8]| {
            let mut s = PlainServer::new(SocketType::Pull, props(SocketType::Pull));
            s.process_command(&command::command(b"HELLO", d))
        };
        assert_eq!(hello(b""), Err(ProtocolError::MalformedCommandHello));
        assert_eq!(hello(b"\x05ab"), Err(ProtocolError::MalformedCommandHello));
        assert_eq!(hello(b"\x01a"), Err(ProtocolError::MalformedCommandHello));
        assert_eq!(
            hello(b"\x01a\x01bX"),
            Err(ProtocolError::MalformedCommandHello)
        );
        assert_eq!(hello(b"\x00\x00"), Ok(()), "empty credentials parse");
        // 255-octet fields, the longest there are.
        let mut d = vec![255u8];
        d.extend_from_slice(&[b'u'; 255]);
        d.push(255);
        d.extend_from_slice(&[b'p'; 255]);
        assert_eq!(hello(&d), Ok(()));

        let mut s = PlainServer::new(SocketType::Pull, props(SocketType::Pull));
        assert_eq!(
            s.process_command(b"\x08INITIATE"),
            Err(ProtocolError::UnexpectedCommand),
            "INITIATE before HELLO"
        );
        let mut c = PlainClient::new(SocketType::Push, props(SocketType::Push), b"u", b"p");
        c.next_command();
        assert_eq!(
            c.process_command(b"\x07WELCOMEx"),
            Err(ProtocolError::MalformedCommandWelcome)
        );
        let mut c = PlainClient::new(SocketType::Push, props(SocketType::Push), b"u", b"p");
        c.next_command();
        assert_eq!(
            c.process_command(b"\x05READY"),
            Err(ProtocolError::UnexpectedCommand),
            "READY before WELCOME"
        );
        let (_, mut s) = to_zap(b"u", b"p");
        s.zap_request();
        s.zap_done(200);
        s.next_command();
        assert_eq!(
            s.process_command(b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x04PULL"),
            Err(ProtocolError::IncompatibleSocketType),
            "a PULL server takes no PULL client"
        );
    }
}
