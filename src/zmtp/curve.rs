//! CURVE (RFC 25 ZMTP-CURVE, RFC 26 CurveZMQ): authenticated encryption over ZMTP 3.x.
//!
//! The handshake, as command bodies (sizes include the name's length octet):
//!
//! ```text
//! C: HELLO     200  [5]HELLO, version 1.0, 72 zeros, C', short nonce, Box[64 zeros](C'->S)
//! S: WELCOME   168  [7]WELCOME, long nonce, Box[S' + cookie](S->C')
//!                   cookie = long nonce + SecretBox[C' + s'](K)       (96)
//! C: INITIATE ≥257  [8]INITIATE, cookie, short nonce, Box[C + vouch + metadata](C'->S')
//!                   vouch = long nonce + Box[C' + S](C->S')           (96)
//! S: (ZAP with C, then) READY ≥30  [5]READY, short nonce, Box[metadata](S'->C')
//! ```
//!
//! Nonces are 24 octets: a 16-octet prefix and an 8-octet big-endian counter ("short"), or
//! an 8-octet prefix and 16 random octets ("long"). Each side counts its short nonces from 1
//! (HELLO 1, INITIATE 2, then MESSAGEs from the client; READY 1, then MESSAGEs from the
//! server) and refuses a peer nonce that does not grow. The server keeps nothing of S'/s'
//! after WELCOME but the cookie key K, which opens the cookie INITIATE brings back and is
//! forgotten once INITIATE has been read.
//!
//! # MESSAGE framing (what libzmq puts on the wire)
//!
//! After the handshake every message part travels as one MESSAGE command body:
//! `[7]MESSAGE` + short nonce + Box[flags + payload], flags bit 0 = MORE, bit 1 = COMMAND
//! (RFC 26 defines only MORE and reserves the rest; libzmq 4.3 also carries its COMMAND flag
//! there: `curve_encoding_t::encode` masks the part's flags with `more | command`).
//!
//! - The outer ZMTP frame is a *data* frame with no flags (0x00, or 0x02 when long): libzmq's
//!   encoder replaces the part with a fresh message holding the MESSAGE body, so neither the
//!   part's MORE nor its COMMAND flag reaches the outer frame; multipart structure lives only
//!   inside the boxes. `encode` therefore returns a message with no flags set. (Seen on
//!   the wire from Debian's libzmq 4.3.4: HELLO in a `04 c8` frame, INITIATE in `06 ...`,
//!   then `00 21 07 "MESSAGE" 00..03 ...` and `02 <8-octet size> 07 "MESSAGE" ...` for
//!   every part of a multipart message alike; its first MESSAGE nonce is 3.)
//! - ZMTP 3.1 peers (RFC 37) get SUBSCRIBE/CANCEL/PING/PONG as command bodies inside the box
//!   with the COMMAND bit set (libzmq prepends `\x09SUBSCRIBE` / `\x06CANCEL` to a
//!   subscription); ZMTP 3.0 peers (RFC 23) get subscriptions in the 3.0 form, a data part
//!   `\x01topic` / `\x00topic` with flags 0. Which form goes in is the session's choice;
//!   this mechanism boxes whatever part and flags it is given. Nothing travels in clear
//!   after the handshake: a bare SUBSCRIBE or PING command frame would make libzmq drop
//!   the connection.
//! - On receipt libzmq runs every frame of the traffic phase through the mechanism, whatever
//!   its outer flags: a MESSAGE arriving in a command frame (0x04/0x06) is opened like one in
//!   a data frame, and anything that is not a MESSAGE (a bare PING command, say) is refused
//!   as an unexpected command. `decode` accepts both forms and takes MORE and COMMAND from
//!   the inner flags only (libzmq ORs the inner flags into the outer frame's; well-formed
//!   peers send no outer flags, so the result is the same).
//!
//! Sources: RFC 26 (command grammar, MORE bit, nonce prefixes), RFC 23/37 (frame flags, the
//! 3.0 subscription messages and 3.1 SUBSCRIBE/CANCEL commands), libzmq 4.3
//! `curve_mechanism_base.cpp` and `stream_engine_base.cpp` (flag mask, fresh outer message,
//! decode of every traffic frame), read for behaviour only.

use crypto_box::aead::generic_array::GenericArray;
use crypto_box::aead::AeadInPlace;
use crypto_box::{PublicKey, SalsaBox, SecretKey};
use crypto_secretbox::{KeyInit, XSalsa20Poly1305};
use zeroize::Zeroizing;

use super::command::{self, Properties};
use super::mechanism::{Mechanism, Status, ZapRequest, ZAP_OK, ZAP_TEMPORARY};
use super::security::CurveKeys;
use super::socket_types::compatible;
use super::ProtocolError;
use crate::msg::Msg;
use crate::socket::SocketType;

/// Key length (public and secret).
const KEY: usize = 32;
/// What a box adds to its plain text (the Poly1305 tag, first in the box as in NaCl).
const TAG: usize = 16;

const HELLO_SIZE: usize = 200;
const WELCOME_SIZE: usize = 168;
/// INITIATE: name (9), cookie (96), short nonce (8), box of at least C + vouch (16 + 128).
const INITIATE_MIN: usize = 257;
/// READY: name (6), short nonce (8), box of at least nothing (16).
const READY_MIN: usize = 30;
const COOKIE: usize = 16 + TAG + 2 * KEY;
const VOUCH: usize = 16 + TAG + 2 * KEY;
/// MESSAGE header: name (8) and short nonce (8); then the box: tag, flags, payload.
const MESSAGE_HEADER: usize = 16;
const MESSAGE_MIN: usize = MESSAGE_HEADER + TAG + 1;

const FLAG_MORE: u8 = 1;
const FLAG_COMMAND: u8 = 2;

/// A 24-octet nonce: a prefix and a counter or random tail.
fn nonce(prefix: &[u8], tail: &[u8]) -> [u8; 24] {
    debug_assert_eq!(prefix.len() + tail.len(), 24);
    let mut n = [0u8; 24];
    n[..prefix.len()].copy_from_slice(prefix);
    n[prefix.len()..].copy_from_slice(tail);
    n
}

fn short_nonce(prefix: &[u8; 16], counter: u64) -> [u8; 24] {
    nonce(prefix, &counter.to_be_bytes())
}

fn be64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_be_bytes(a)
}

fn key32(b: &[u8]) -> [u8; KEY] {
    let mut k = [0u8; KEY];
    k.copy_from_slice(&b[..KEY]);
    k
}

/// Random bytes from the OS; None if it cannot give any.
fn random<const N: usize>() -> Option<Zeroizing<[u8; N]>> {
    let mut b = Zeroizing::new([0u8; N]);
    getrandom::fill(&mut b[..]).ok()?;
    Some(b)
}

/// A fresh X25519 key pair (also what `zmq_curve_keypair` hands out).
pub fn keypair() -> Option<(SecretKey, PublicKey)> {
    let bytes = random::<KEY>()?;
    let secret = SecretKey::from(*bytes);
    let public = secret.public_key();
    Some((secret, public))
}

/// The public key of a secret key (`zmq_curve_public`).
pub fn public_of(secret: &[u8; KEY]) -> [u8; KEY] {
    *SecretKey::from(*secret).public_key().as_bytes()
}

/// True for a point of order 1, 2, 4 or 8: Diffie-Hellman with it gives a value known in
/// advance (libsodium refuses such keys; so does this side).
fn small_order(key: &[u8; KEY]) -> bool {
    use curve25519_dalek::montgomery::MontgomeryPoint;
    use curve25519_dalek::scalar::Scalar;
    (MontgomeryPoint(*key) * Scalar::from(8u8)).0 == [0u8; KEY]
}

/// Box[plain] with `nonce`, appended to `out` in NaCl's layout (tag, then cipher text).
fn seal_into(
    cipher: &impl AeadInPlace,
    nonce: &[u8; 24],
    plain: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), ProtocolError> {
    let start = out.len();
    out.resize(start + TAG, 0);
    out.extend_from_slice(plain);
    let tag = cipher
        .encrypt_in_place_detached(
            GenericArray::from_slice(nonce),
            b"",
            &mut out[start + TAG..],
        )
        .map_err(|_| ProtocolError::Cryptographic)?;
    out[start..start + TAG].copy_from_slice(&tag);
    Ok(())
}

/// Opens a box (tag + cipher text); Cryptographic if it is short, forged or altered.
fn open(
    cipher: &impl AeadInPlace,
    nonce: &[u8; 24],
    boxed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ProtocolError> {
    if boxed.len() < TAG {
        return Err(ProtocolError::Cryptographic);
    }
    let mut plain = Zeroizing::new(boxed[TAG..].to_vec());
    cipher
        .decrypt_in_place_detached(
            GenericArray::from_slice(nonce),
            b"",
            &mut plain[..],
            GenericArray::from_slice(&boxed[..TAG]),
        )
        .map_err(|_| ProtocolError::Cryptographic)?;
    Ok(plain)
}

/// Parses and checks the peer's metadata (INITIATE, READY).
fn peer_props(kind: SocketType, data: &[u8]) -> Result<Properties, ProtocolError> {
    let props = command::parse_properties(data)?;
    if let Some(t) = command::property(&props, b"Socket-Type") {
        if !compatible(kind, t) {
            return Err(ProtocolError::IncompatibleSocketType);
        }
    }
    Ok(props)
}

/// The traffic keys and short nonces of one connection, shared by client and server.
struct Channel {
    /// Box(C' <-> S'), once both short-term keys are known.
    key: Option<SalsaBox>,
    /// The last short nonce sent (0 = none yet).
    nonce: u64,
    /// The last short nonce received.
    peer_nonce: u64,
    send_prefix: &'static [u8; 16],
    recv_prefix: &'static [u8; 16],
}

impl Channel {
    fn new(server: bool) -> Channel {
        let (send_prefix, recv_prefix) = if server {
            (b"CurveZMQMESSAGES", b"CurveZMQMESSAGEC")
        } else {
            (b"CurveZMQMESSAGEC", b"CurveZMQMESSAGES")
        };
        Channel {
            key: None,
            nonce: 0,
            peer_nonce: 0,
            send_prefix,
            recv_prefix,
        }
    }

    /// The next short nonce to send; never wraps (2^64 - 1 commands at most, RFC 26).
    fn next_nonce(&mut self) -> Result<u64, ProtocolError> {
        self.nonce = self
            .nonce
            .checked_add(1)
            .ok_or(ProtocolError::InvalidSequence)?;
        Ok(self.nonce)
    }

    /// One message part → one MESSAGE body, in a single new message with no flags.
    fn encode(&mut self, msg: Msg) -> Result<Msg, ProtocolError> {
        let Some(key) = self.key.as_ref() else {
            return Err(ProtocolError::UnexpectedCommand);
        };
        let payload = msg.as_slice();
        let total = payload
            .len()
            .checked_add(MESSAGE_MIN)
            .ok_or(ProtocolError::TooLarge)?;
        let mut flags = 0;
        if msg.more() {
            flags |= FLAG_MORE;
        }
        if msg.is_command() {
            flags |= FLAG_COMMAND;
        }
        self.nonce = self
            .nonce
            .checked_add(1)
            .ok_or(ProtocolError::InvalidSequence)?;
        let n = self.nonce;
        // SAFETY: all `total` bytes are written just below, before anything reads them.
        let mut out =
            unsafe { Msg::with_size_uninit(total) }.map_err(|_| ProtocolError::Unspecified)?;
        let p = out.data_mut_ptr();
        // SAFETY: `p` is valid for `total` = 33 + payload.len() bytes of a fresh message,
        // which cannot overlap `payload`; the writes below cover [0, total) exactly.
        unsafe {
            std::ptr::copy_nonoverlapping(b"\x07MESSAGE".as_ptr(), p, 8);
            std::ptr::copy_nonoverlapping(n.to_be_bytes().as_ptr(), p.add(8), 8);
            std::ptr::write_bytes(p.add(MESSAGE_HEADER), 0, TAG);
            p.add(MESSAGE_HEADER + TAG).write(flags);
            std::ptr::copy_nonoverlapping(payload.as_ptr(), p.add(MESSAGE_MIN), payload.len());
        }
        let buf = out.as_mut_slice().ok_or(ProtocolError::Unspecified)?;
        let tag = key
            .encrypt_in_place_detached(
                GenericArray::from_slice(&short_nonce(self.send_prefix, n)),
                b"",
                &mut buf[MESSAGE_HEADER + TAG..],
            )
            .map_err(|_| ProtocolError::Cryptographic)?;
        buf[MESSAGE_HEADER..MESSAGE_HEADER + TAG].copy_from_slice(&tag);
        Ok(out)
    }

    /// One MESSAGE body → the message part it carries, MORE and COMMAND from its flags.
    /// Decrypts in place when `msg` is the only holder of its bytes, else into one copy.
    fn decode(&mut self, mut msg: Msg) -> Result<Msg, ProtocolError> {
        let Some(key) = self.key.as_ref() else {
            return Err(ProtocolError::UnexpectedCommand);
        };
        let (n, tag) = {
            let body = msg.as_slice();
            let (name, _) = command::split(body)?;
            if name != b"MESSAGE" {
                return Err(ProtocolError::UnexpectedCommand);
            }
            if body.len() < MESSAGE_MIN {
                return Err(ProtocolError::MalformedCommandMessage);
            }
            let mut tag = [0u8; TAG];
            tag.copy_from_slice(&body[MESSAGE_HEADER..MESSAGE_HEADER + TAG]);
            (be64(&body[8..16]), tag)
        };
        if n <= self.peer_nonce {
            return Err(ProtocolError::InvalidSequence);
        }
        let nonce = short_nonce(self.recv_prefix, n);
        let open = |buf: &mut [u8]| {
            key.decrypt_in_place_detached(
                GenericArray::from_slice(&nonce),
                b"",
                buf,
                GenericArray::from_slice(&tag),
            )
            .map_err(|_| ProtocolError::Cryptographic)
        };
        // `plain` holds the opened flags + payload from offset `at`.
        let (mut plain, at) = match msg.as_mut_slice() {
            Some(buf) => {
                open(&mut buf[MESSAGE_HEADER + TAG..])?;
                (msg, MESSAGE_HEADER + TAG)
            }
            None => {
                let mut copy = Msg::from_slice(&msg.as_slice()[MESSAGE_HEADER + TAG..])
                    .map_err(|_| ProtocolError::Unspecified)?;
                drop(msg);
                open(copy.as_mut_slice().ok_or(ProtocolError::Unspecified)?)?;
                (copy, 0)
            }
        };
        self.peer_nonce = n;
        let flags = plain.as_slice()[at];
        let len = plain.len() - at - 1;
        let mut out = if len <= Msg::INLINE_MAX {
            None
        } else {
            plain.make_counted();
            plain.slice(at + 1, len)
        }
        .map_or_else(|| Msg::from_slice(&plain.as_slice()[at + 1..]), Ok)
        .map_err(|_| ProtocolError::Unspecified)?;
        out.set_more(flags & FLAG_MORE != 0);
        if flags & FLAG_COMMAND != 0 {
            out.set_flags(Msg::COMMAND);
        }
        Ok(out)
    }
}

// ---- Client

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientState {
    SendHello,
    WaitWelcome,
    SendInitiate,
    WaitReady,
    Ready,
    Error,
}

pub struct CurveClient {
    kind: SocketType,
    props: Properties,
    /// C and c: the client's long-term key pair.
    public: [u8; KEY],
    secret: SecretKey,
    /// S: the server's long-term public key.
    server: [u8; KEY],
    /// c' and C': this connection's key pair.
    cn_secret: Option<SecretKey>,
    cn_public: [u8; KEY],
    /// S' and the cookie, from WELCOME.
    server_cn: [u8; KEY],
    cookie: [u8; COOKIE],
    /// Box(C' <-> S), for HELLO and WELCOME.
    hello_key: Option<SalsaBox>,
    chan: Channel,
    state: ClientState,
    peer: Properties,
}

impl CurveClient {
    pub fn new(kind: SocketType, props: Properties, keys: &CurveKeys) -> CurveClient {
        CurveClient {
            kind,
            props,
            public: keys.public,
            secret: SecretKey::from(keys.secret),
            server: keys.server_key,
            cn_secret: None,
            cn_public: [0; KEY],
            server_cn: [0; KEY],
            cookie: [0; COOKIE],
            hello_key: None,
            chan: Channel::new(false),
            state: ClientState::SendHello,
            peer: Properties::new(),
        }
    }

    fn hello(&mut self) -> Result<Vec<u8>, ProtocolError> {
        if small_order(&self.server) {
            return Err(ProtocolError::Cryptographic);
        }
        let (cn_secret, cn_public) = keypair().ok_or(ProtocolError::Unspecified)?;
        let hello_key = SalsaBox::new(&PublicKey::from(self.server), &cn_secret);
        let n = self.chan.next_nonce()?;
        let mut body = Vec::with_capacity(HELLO_SIZE);
        body.extend_from_slice(b"\x05HELLO\x01\x00");
        body.resize(8 + 72, 0);
        body.extend_from_slice(cn_public.as_bytes());
        body.extend_from_slice(&n.to_be_bytes());
        let sig = nonce(b"CurveZMQHELLO---", &n.to_be_bytes());
        seal_into(&hello_key, &sig, &[0u8; 64], &mut body)?;
        debug_assert_eq!(body.len(), HELLO_SIZE);
        self.cn_secret = Some(cn_secret);
        self.cn_public = *cn_public.as_bytes();
        self.hello_key = Some(hello_key);
        Ok(body)
    }

    /// WELCOME's data: long nonce (16) and Box[S' + cookie](S->C') (144).
    fn welcome(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        if body.len() != WELCOME_SIZE {
            return Err(ProtocolError::MalformedCommandWelcome);
        }
        let data = &body[8..];
        let key = self
            .hello_key
            .take()
            .ok_or(ProtocolError::UnexpectedCommand)?;
        let plain = open(&key, &nonce(b"WELCOME-", &data[..16]), &data[16..])?;
        let server_cn = key32(&plain[..KEY]);
        if small_order(&server_cn) {
            return Err(ProtocolError::Cryptographic);
        }
        let cn_secret = self
            .cn_secret
            .as_ref()
            .ok_or(ProtocolError::UnexpectedCommand)?;
        self.chan.key = Some(SalsaBox::new(&PublicKey::from(server_cn), cn_secret));
        self.server_cn = server_cn;
        self.cookie.copy_from_slice(&plain[KEY..KEY + COOKIE]);
        Ok(())
    }

    /// INITIATE with `metadata` (raw property bytes) and the vouch's plain text [C' + S].
    fn initiate(
        &mut self,
        metadata: &[u8],
        vouched: &[u8; 2 * KEY],
    ) -> Result<Vec<u8>, ProtocolError> {
        let vouch_key = SalsaBox::new(&PublicKey::from(self.server_cn), &self.secret);
        let vouch_nonce = random::<16>().ok_or(ProtocolError::Unspecified)?;
        let mut plain = Zeroizing::new(Vec::with_capacity(KEY + VOUCH + metadata.len()));
        plain.extend_from_slice(&self.public);
        plain.extend_from_slice(&vouch_nonce[..]);
        seal_into(
            &vouch_key,
            &nonce(b"VOUCH---", &vouch_nonce[..]),
            vouched,
            &mut plain,
        )?;
        plain.extend_from_slice(metadata);
        let n = self.chan.next_nonce()?;
        let key = self.chan.key.as_ref().ok_or(ProtocolError::Unspecified)?;
        let mut body = Vec::with_capacity(9 + COOKIE + 8 + TAG + plain.len());
        body.extend_from_slice(b"\x08INITIATE");
        body.extend_from_slice(&self.cookie);
        body.extend_from_slice(&n.to_be_bytes());
        seal_into(key, &short_nonce(b"CurveZMQINITIATE", n), &plain, &mut body)?;
        // c' is not needed any more: the traffic key is derived.
        self.cn_secret = None;
        Ok(body)
    }

    fn vouched(&self) -> [u8; 2 * KEY] {
        let mut v = [0u8; 2 * KEY];
        v[..KEY].copy_from_slice(&self.cn_public);
        v[KEY..].copy_from_slice(&self.server);
        v
    }

    /// READY's data: short nonce (8) and Box[metadata](S'->C').
    fn ready(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        if body.len() < READY_MIN {
            return Err(ProtocolError::MalformedCommandReady);
        }
        let data = &body[6..];
        let n = be64(data);
        let key = self.chan.key.as_ref().ok_or(ProtocolError::Unspecified)?;
        let plain = open(key, &short_nonce(b"CurveZMQREADY---", n), &data[8..])?;
        self.peer = peer_props(self.kind, &plain)?;
        self.chan.peer_nonce = n;
        Ok(())
    }
}

impl Mechanism for CurveClient {
    fn name(&self) -> &'static [u8] {
        b"CURVE"
    }

    fn next_command(&mut self) -> Option<Vec<u8>> {
        let r = match self.state {
            ClientState::SendHello => self.hello().map(|b| (b, ClientState::WaitWelcome)),
            ClientState::SendInitiate => {
                let metadata = command::properties(&self.props);
                let vouched = self.vouched();
                self.initiate(&metadata, &vouched)
                    .map(|b| (b, ClientState::WaitReady))
            }
            _ => return None,
        };
        match r {
            Ok((body, next)) => {
                self.state = next;
                Some(body)
            }
            Err(_) => {
                self.state = ClientState::Error;
                None
            }
        }
    }

    fn process_command(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        let r = (|| {
            let (name, data) = command::split(body)?;
            match (name, self.state) {
                (b"WELCOME", ClientState::WaitWelcome) => {
                    self.welcome(body)?;
                    self.state = ClientState::SendInitiate;
                    Ok(())
                }
                (b"READY", ClientState::WaitReady) => {
                    self.ready(body)?;
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

    fn transforms(&self) -> bool {
        true
    }

    fn encode(&mut self, msg: Msg) -> Result<Msg, ProtocolError> {
        if self.state != ClientState::Ready {
            return Err(ProtocolError::UnexpectedCommand);
        }
        self.chan.encode(msg)
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg, ProtocolError> {
        if self.state != ClientState::Ready {
            return Err(ProtocolError::UnexpectedCommand);
        }
        self.chan.decode(msg)
    }
}

// ---- Server

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerState {
    WaitHello,
    SendWelcome,
    WaitInitiate,
    /// INITIATE is in: the ZAP request is to be taken, then its answer awaited.
    AskZap,
    WaitZap,
    SendReady,
    SendError(u16),
    Ready,
    Error,
}

pub struct CurveServer {
    kind: SocketType,
    props: Properties,
    /// S (derived from s: libzmq servers need not set their public key) and s.
    public: [u8; KEY],
    secret: SecretKey,
    /// C': the client's short-term key, from HELLO.
    client_cn: [u8; KEY],
    /// C: the client's long-term key, from INITIATE (for ZAP).
    client: [u8; KEY],
    /// K: the cookie key, from WELCOME until INITIATE.
    cookie_key: Option<Zeroizing<[u8; KEY]>>,
    /// The command due next (WELCOME, READY).
    pending: Option<Vec<u8>>,
    chan: Channel,
    state: ServerState,
    peer: Properties,
}

impl CurveServer {
    pub fn new(kind: SocketType, props: Properties, keys: &CurveKeys) -> CurveServer {
        let secret = SecretKey::from(keys.secret);
        CurveServer {
            kind,
            props,
            public: *secret.public_key().as_bytes(),
            secret,
            client_cn: [0; KEY],
            client: [0; KEY],
            cookie_key: None,
            pending: None,
            chan: Channel::new(true),
            state: ServerState::WaitHello,
            peer: Properties::new(),
        }
    }

    /// HELLO, checked; the answer is WELCOME with a fresh S' and its cookie. The padding is
    /// not looked at (libzmq does not either); the signature box must hold 64 zeros.
    fn hello(&mut self, body: &[u8]) -> Result<Vec<u8>, ProtocolError> {
        if body.len() != HELLO_SIZE || body[6..8] != [1, 0] {
            return Err(ProtocolError::MalformedCommandHello);
        }
        let client_cn = key32(&body[80..112]);
        let n = be64(&body[112..120]);
        if small_order(&client_cn) {
            return Err(ProtocolError::Cryptographic);
        }
        let hello_key = SalsaBox::new(&PublicKey::from(client_cn), &self.secret);
        let sig = open(
            &hello_key,
            &nonce(b"CurveZMQHELLO---", &n.to_be_bytes()),
            &body[120..],
        )?;
        if sig.iter().any(|&b| b != 0) {
            return Err(ProtocolError::Cryptographic);
        }
        self.client_cn = client_cn;
        self.chan.peer_nonce = n;

        // Cookie: Box[C' + s'](K), which only this server can open.
        let (cn_secret, cn_public) = keypair().ok_or(ProtocolError::Unspecified)?;
        let cookie_key = random::<KEY>().ok_or(ProtocolError::Unspecified)?;
        let cookie_nonce = random::<16>().ok_or(ProtocolError::Unspecified)?;
        let mut cookie_plain = Zeroizing::new([0u8; 2 * KEY]);
        cookie_plain[..KEY].copy_from_slice(&client_cn);
        cookie_plain[KEY..].copy_from_slice(&Zeroizing::new(cn_secret.to_bytes())[..]);
        let mut plain = Zeroizing::new(Vec::with_capacity(KEY + COOKIE));
        plain.extend_from_slice(cn_public.as_bytes());
        plain.extend_from_slice(&cookie_nonce[..]);
        seal_into(
            &XSalsa20Poly1305::new(GenericArray::from_slice(&cookie_key[..])),
            &nonce(b"COOKIE--", &cookie_nonce[..]),
            &cookie_plain[..],
            &mut plain,
        )?;
        let welcome_nonce = random::<16>().ok_or(ProtocolError::Unspecified)?;
        let mut out = Vec::with_capacity(WELCOME_SIZE);
        out.extend_from_slice(b"\x07WELCOME");
        out.extend_from_slice(&welcome_nonce[..]);
        seal_into(
            &hello_key,
            &nonce(b"WELCOME-", &welcome_nonce[..]),
            &plain,
            &mut out,
        )?;
        debug_assert_eq!(out.len(), WELCOME_SIZE);
        self.cookie_key = Some(cookie_key);
        Ok(out)
    }

    /// INITIATE: the cookie, then the client's long-term key and its vouch, then metadata.
    fn initiate(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        if body.len() < INITIATE_MIN {
            return Err(ProtocolError::MalformedCommandInitiate);
        }
        // K serves one INITIATE, valid or not.
        let cookie_key = self
            .cookie_key
            .take()
            .ok_or(ProtocolError::UnexpectedCommand)?;
        let data = &body[9..];
        let cookie = &data[..COOKIE];
        let cookie_plain = open(
            &XSalsa20Poly1305::new(GenericArray::from_slice(&cookie_key[..])),
            &nonce(b"COOKIE--", &cookie[..16]),
            &cookie[16..],
        )?;
        drop(cookie_key);
        if cookie_plain[..KEY] != self.client_cn {
            return Err(ProtocolError::Cryptographic);
        }
        let cn_secret = SecretKey::from(key32(&cookie_plain[KEY..]));
        drop(cookie_plain);

        let n = be64(&data[COOKIE..]);
        if n <= self.chan.peer_nonce {
            return Err(ProtocolError::InvalidSequence);
        }
        let key = SalsaBox::new(&PublicKey::from(self.client_cn), &cn_secret);
        let plain = open(
            &key,
            &short_nonce(b"CurveZMQINITIATE", n),
            &data[COOKIE + 8..],
        )?;
        // The box held at least C and the vouch (INITIATE_MIN).
        let client = key32(&plain[..KEY]);
        if small_order(&client) {
            return Err(ProtocolError::Cryptographic);
        }
        let vouch = &plain[KEY..KEY + VOUCH];
        let vouched = open(
            &SalsaBox::new(&PublicKey::from(client), &cn_secret),
            &nonce(b"VOUCH---", &vouch[..16]),
            &vouch[16..],
        )?;
        if vouched[..KEY] != self.client_cn || vouched[KEY..] != self.public {
            return Err(ProtocolError::KeyExchange);
        }
        self.peer = peer_props(self.kind, &plain[KEY + VOUCH..])?;
        self.client = client;
        self.chan.peer_nonce = n;
        self.chan.key = Some(key);
        Ok(())
    }

    fn ready(&mut self) -> Result<Vec<u8>, ProtocolError> {
        let metadata = command::properties(&self.props);
        let n = self.chan.next_nonce()?;
        let key = self.chan.key.as_ref().ok_or(ProtocolError::Unspecified)?;
        let mut out = Vec::with_capacity(READY_MIN + metadata.len());
        out.extend_from_slice(b"\x05READY");
        out.extend_from_slice(&n.to_be_bytes());
        seal_into(
            key,
            &short_nonce(b"CurveZMQREADY---", n),
            &metadata,
            &mut out,
        )?;
        Ok(out)
    }
}

impl Mechanism for CurveServer {
    fn name(&self) -> &'static [u8] {
        b"CURVE"
    }

    fn next_command(&mut self) -> Option<Vec<u8>> {
        match self.state {
            ServerState::SendWelcome => {
                self.state = ServerState::WaitInitiate;
                self.pending.take()
            }
            ServerState::SendReady => {
                self.state = ServerState::Ready;
                self.pending.take()
            }
            ServerState::SendError(code) => {
                self.state = ServerState::Error;
                Some(command::error(code.to_string().as_bytes()))
            }
            _ => None,
        }
    }

    fn process_command(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        let r = (|| {
            let (name, _) = command::split(body)?;
            match (name, self.state) {
                (b"HELLO", ServerState::WaitHello) => {
                    self.pending = Some(self.hello(body)?);
                    self.state = ServerState::SendWelcome;
                    Ok(())
                }
                (b"INITIATE", ServerState::WaitInitiate) => {
                    self.initiate(body)?;
                    self.state = ServerState::AskZap;
                    Ok(())
                }
                _ => Err(ProtocolError::UnexpectedCommand),
            }
        })();
        if r.is_err() {
            self.state = ServerState::Error;
            self.cookie_key = None;
            self.pending = None;
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
            mechanism: b"CURVE",
            credentials: vec![self.client.to_vec()],
        })
    }

    fn zap_done(&mut self, status: u16) {
        if !matches!(self.state, ServerState::AskZap | ServerState::WaitZap) {
            return;
        }
        self.state = match status {
            ZAP_OK => match self.ready() {
                Ok(body) => {
                    self.pending = Some(body);
                    ServerState::SendReady
                }
                Err(_) => ServerState::Error,
            },
            ZAP_TEMPORARY => ServerState::Error,
            code => ServerState::SendError(code),
        };
    }

    fn transforms(&self) -> bool {
        true
    }

    fn encode(&mut self, msg: Msg) -> Result<Msg, ProtocolError> {
        if self.state != ServerState::Ready {
            return Err(ProtocolError::UnexpectedCommand);
        }
        self.chan.encode(msg)
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg, ProtocolError> {
        if self.state != ServerState::Ready {
            return Err(ProtocolError::UnexpectedCommand);
        }
        self.chan.decode(msg)
    }
}

/// The CURVE mechanism for one connection: `server` is this side's as-server role.
pub fn mechanism(
    server: bool,
    kind: SocketType,
    props: Properties,
    keys: &CurveKeys,
) -> Box<dyn Mechanism> {
    if server {
        Box::new(CurveServer::new(kind, props, keys))
    } else {
        Box::new(CurveClient::new(kind, props, keys))
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

    fn pair() -> ([u8; KEY], [u8; KEY]) {
        let (s, p) = keypair().unwrap();
        (*p.as_bytes(), s.to_bytes())
    }

    struct Keys {
        client: CurveKeys,
        server: CurveKeys,
    }

    fn keys() -> Keys {
        let (cp, cs) = pair();
        let (sp, ss) = pair();
        Keys {
            client: CurveKeys {
                public: cp,
                secret: cs,
                server_key: sp,
            },
            // A server needs only its secret key.
            server: CurveKeys {
                public: [0; KEY],
                secret: ss,
                server_key: [0; KEY],
            },
        }
    }

    fn client(k: &Keys) -> CurveClient {
        CurveClient::new(SocketType::Dealer, props(SocketType::Dealer), &k.client)
    }

    fn server(k: &Keys) -> CurveServer {
        CurveServer::new(SocketType::Router, props(SocketType::Router), &k.server)
    }

    /// Client and server up to the point where the server has read INITIATE.
    fn to_initiate(k: &Keys) -> (CurveClient, CurveServer, Vec<u8>) {
        let mut c = client(k);
        let mut s = server(k);
        let hello = c.next_command().unwrap();
        s.process_command(&hello).unwrap();
        let welcome = s.next_command().unwrap();
        c.process_command(&welcome).unwrap();
        let initiate = c.next_command().unwrap();
        (c, s, initiate)
    }

    fn shake(k: &Keys) -> (CurveClient, CurveServer) {
        let (mut c, mut s, initiate) = to_initiate(k);
        s.process_command(&initiate).unwrap();
        assert!(s.zap_request().is_some());
        s.zap_done(ZAP_OK);
        let ready = s.next_command().unwrap();
        c.process_command(&ready).unwrap();
        (c, s)
    }

    fn msg(data: &[u8], more: bool) -> Msg {
        let mut m = Msg::from_slice(data).unwrap();
        m.set_more(more);
        m
    }

    #[test]
    fn nacl_box_layout_matches_libsodium() {
        // crypto_box_easy(m = a0..b3, nonce = 00..17, pk = B, sk = a) from libsodium 1.0.18,
        // with a = 01..20 and b = 21..40.
        let a: [u8; KEY] = std::array::from_fn(|i| i as u8 + 1);
        let b: [u8; KEY] = std::array::from_fn(|i| i as u8 + 33);
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        assert_eq!(
            public_of(&a).to_vec(),
            hex("07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c")
        );
        let pb = public_of(&b);
        assert_eq!(
            pb.to_vec(),
            hex("5869aff450549732cbaaed5e5df9b30a6da31cb0e5742bad5ad4a1a768f1a67b")
        );
        let n: [u8; 24] = std::array::from_fn(|i| i as u8);
        let m: Vec<u8> = (0..20).map(|i| 0xa0 + i).collect();
        let bx = SalsaBox::new(&PublicKey::from(pb), &SecretKey::from(a));
        let mut out = Vec::new();
        seal_into(&bx, &n, &m, &mut out).unwrap();
        assert_eq!(
            out,
            hex("ef8cc6bc02505eb0aae837e700baef46b25479fafe98db75515beba853efbf12c5bba6b5")
        );
        let back = SalsaBox::new(&PublicKey::from(public_of(&a)), &SecretKey::from(b));
        assert_eq!(&open(&back, &n, &out).unwrap()[..], &m[..]);
    }

    #[test]
    fn handshake_sizes_zap_and_properties() {
        let k = keys();
        let mut c = client(&k);
        let mut s = server(&k);
        assert_eq!(c.name(), b"CURVE");
        assert!(s.next_command().is_none(), "the server waits for HELLO");
        let hello = c.next_command().unwrap();
        assert_eq!(hello.len(), 200);
        assert_eq!(&hello[..8], b"\x05HELLO\x01\x00");
        assert!(hello[8..80].iter().all(|&b| b == 0));
        assert_eq!(&hello[112..120], &1u64.to_be_bytes());
        assert!(c.next_command().is_none(), "HELLO once");
        s.process_command(&hello).unwrap();
        let welcome = s.next_command().unwrap();
        assert_eq!(welcome.len(), 168);
        assert_eq!(&welcome[..8], b"\x07WELCOME");
        assert!(s.next_command().is_none());
        c.process_command(&welcome).unwrap();
        let initiate = c.next_command().unwrap();
        assert_eq!(&initiate[..9], b"\x08INITIATE");
        let meta = command::properties(&props(SocketType::Dealer));
        assert_eq!(initiate.len(), 257 + meta.len());
        assert_eq!(&initiate[105..113], &2u64.to_be_bytes());
        s.process_command(&initiate).unwrap();
        assert!(s.cookie_key.is_none(), "K is forgotten after INITIATE");
        assert_eq!(s.status(), Status::Handshaking);
        assert!(s.next_command().is_none(), "nothing before ZAP answers");
        assert_eq!(
            s.zap_request(),
            Some(ZapRequest {
                mechanism: b"CURVE",
                credentials: vec![k.client.public.to_vec()],
            })
        );
        assert!(s.zap_request().is_none(), "asked once");
        assert!(s.next_command().is_none());
        s.zap_done(ZAP_OK);
        let ready = s.next_command().unwrap();
        assert_eq!(&ready[..6], b"\x05READY");
        assert_eq!(&ready[6..14], &1u64.to_be_bytes());
        let smeta = command::properties(&props(SocketType::Router));
        assert_eq!(ready.len(), 30 + smeta.len());
        assert_eq!(s.status(), Status::Ready);
        assert_eq!(c.status(), Status::Handshaking);
        c.process_command(&ready).unwrap();
        assert_eq!(c.status(), Status::Ready);
        assert!(c.next_command().is_none() && s.next_command().is_none());
        assert_eq!(
            command::property(c.peer_properties(), b"Socket-Type"),
            Some(&b"ROUTER"[..])
        );
        assert_eq!(
            command::property(s.peer_properties(), b"Socket-Type"),
            Some(&b"DEALER"[..])
        );
        assert!(c.transforms() && s.transforms());
    }

    /// Parts from `tx` to `rx`, each encoded and decoded.
    fn round_trip(tx: &mut dyn Mechanism, rx: &mut dyn Mechanism) {
        let big = vec![0x5a; 100_000];
        let parts: [(&[u8], bool); 5] = [
            (b"", true),
            (b"hello", true),
            (&big, true),
            (&[7u8; 33], true),
            (&[8u8; 34], false),
        ];
        for (data, more) in parts {
            let wire = tx.encode(msg(data, more)).unwrap();
            assert_eq!(wire.flags(), 0, "no MORE/COMMAND on the outer frame");
            assert_eq!(wire.len(), 33 + data.len());
            assert_eq!(&wire.as_slice()[..8], b"\x07MESSAGE");
            let back = rx.decode(wire).unwrap();
            assert_eq!(back.as_slice(), data);
            assert_eq!(back.more(), more);
            assert!(!back.is_command());
        }
        // A command part (PING inside the box, as libzmq sends it to 3.1 peers).
        let mut ping = Msg::from_slice(b"\x04PING\x00\x00").unwrap();
        ping.set_flags(Msg::COMMAND);
        let back = rx.decode(tx.encode(ping).unwrap()).unwrap();
        assert!(back.is_command() && !back.more());
        assert_eq!(back.as_slice(), b"\x04PING\x00\x00");
        // A MESSAGE that came in a command frame, or with MORE on its frame: the inner flags
        // alone count.
        let mut wire = tx.encode(msg(b"inner", false)).unwrap();
        wire.set_flags(Msg::COMMAND | Msg::MORE);
        let back = rx.decode(wire).unwrap();
        assert!(!back.is_command() && !back.more());
        assert_eq!(back.as_slice(), b"inner");
        // A shared body (the decoder's copy path) decodes the same.
        let mut wire = tx.encode(msg(&big, false)).unwrap();
        let keep = wire.share();
        assert_eq!(rx.decode(wire).unwrap().as_slice(), &big[..]);
        drop(keep);
    }

    #[test]
    fn messages_both_ways_with_flags() {
        let k = keys();
        let (mut c, mut s) = shake(&k);
        round_trip(&mut c, &mut s);
        round_trip(&mut s, &mut c);
        // Client nonces went on from INITIATE (2), server ones from READY (1).
        assert_eq!(c.chan.nonce, 2 + 8);
        assert_eq!(s.chan.nonce, 1 + 8);
    }

    #[test]
    fn message_nonce_replay_and_tampering() {
        let k = keys();
        let (mut c, mut s) = shake(&k);
        let w1 = c.encode(msg(b"one", false)).unwrap();
        let w1_copy = Msg::from_slice(w1.as_slice()).unwrap();
        s.decode(w1).unwrap();
        assert_eq!(
            s.decode(w1_copy).err(),
            Some(ProtocolError::InvalidSequence)
        );

        let w2 = c.encode(msg(b"two", false)).unwrap();
        let mut bad = w2.as_slice().to_vec();
        *bad.last_mut().unwrap() ^= 1;
        assert_eq!(
            s.decode(Msg::from_slice(&bad).unwrap()).err(),
            Some(ProtocolError::Cryptographic)
        );
        // The failed one did not consume its nonce.
        s.decode(w2).unwrap();

        // Messages going the wrong way (own prefix) do not open.
        let w3 = c.encode(msg(b"three", false)).unwrap();
        assert_eq!(c.decode(w3).err(), Some(ProtocolError::Cryptographic));

        let short = Msg::from_slice(b"\x07MESSAGE\x00\x00\x00\x00\x00\x00\x00\x09").unwrap();
        assert_eq!(
            s.decode(short).err(),
            Some(ProtocolError::MalformedCommandMessage)
        );
        let other = Msg::from_slice(b"\x04PING\x00\x00").unwrap();
        assert_eq!(
            s.decode(other).err(),
            Some(ProtocolError::UnexpectedCommand)
        );
        assert_eq!(
            s.decode(Msg::from_slice(b"\x09MESS").unwrap()).err(),
            Some(ProtocolError::UnexpectedCommand)
        );
        assert_eq!(
            s.decode(Msg::new()).err(),
            Some(ProtocolError::UnexpectedCommand)
        );

        // Before the handshake ends nothing is encoded or decoded.
        let mut fresh = client(&k);
        assert_eq!(
            fresh.encode(msg(b"x", false)).map(|_| ()),
            Err(ProtocolError::UnexpectedCommand)
        );
    }

    #[test]
    fn wrong_server_key_is_refused() {
        let k = keys();
        let mut c = client(&k);
        c.server = pair().0;
        let mut s = server(&k);
        let hello = c.next_command().unwrap();
        assert_eq!(s.process_command(&hello), Err(ProtocolError::Cryptographic));
        assert_eq!(s.status(), Status::Error);
        assert!(s.next_command().is_none(), "no WELCOME after a bad HELLO");
    }

    #[test]
    fn small_order_keys_are_refused() {
        let k = keys();
        let mut c = client(&k);
        c.server = [0; KEY];
        assert!(c.next_command().is_none());
        assert_eq!(c.status(), Status::Error);

        // A HELLO whose C' is the identity: its box would open with a known key.
        let mut s = server(&k);
        let mut hello = client(&k).next_command().unwrap();
        hello[80..112].copy_from_slice(&[0; KEY]);
        assert_eq!(s.process_command(&hello), Err(ProtocolError::Cryptographic));
        assert!(small_order(&[0; KEY]));
        let mut one = [0u8; KEY];
        one[0] = 1;
        assert!(small_order(&one));
        assert!(!small_order(&k.client.public));
        // A point of order 8, and p - 1 (order 2), as libsodium lists them.
        let hex32 = |s: &str| -> [u8; KEY] {
            std::array::from_fn(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        };
        assert!(small_order(&hex32(
            "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"
        )));
        assert!(small_order(&hex32(
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
        )));
    }

    #[test]
    fn tampered_handshake_boxes_are_refused() {
        let k = keys();
        // WELCOME
        let mut c = client(&k);
        let mut s = server(&k);
        s.process_command(&c.next_command().unwrap()).unwrap();
        let mut welcome = s.next_command().unwrap();
        welcome[100] ^= 0x20;
        assert_eq!(
            c.process_command(&welcome),
            Err(ProtocolError::Cryptographic)
        );
        assert_eq!(c.status(), Status::Error);
        // INITIATE box
        let (_, mut s, mut initiate) = to_initiate(&k);
        initiate[200] ^= 1;
        assert_eq!(
            s.process_command(&initiate),
            Err(ProtocolError::Cryptographic)
        );
        // READY
        let (mut c, mut s, initiate) = to_initiate(&k);
        s.process_command(&initiate).unwrap();
        s.zap_done(ZAP_OK);
        let mut ready = s.next_command().unwrap();
        *ready.last_mut().unwrap() ^= 1;
        assert_eq!(c.process_command(&ready), Err(ProtocolError::Cryptographic));
    }

    #[test]
    fn cookies_cannot_be_replayed_or_forged() {
        let k = keys();
        // A cookie from another connection to the same server: its K is not this one's.
        let (_, _, initiate_a) = to_initiate(&k);
        let (_, mut s_b, initiate_b) = to_initiate(&k);
        let mut mixed = initiate_b.clone();
        mixed[9..9 + COOKIE].copy_from_slice(&initiate_a[9..9 + COOKIE]);
        assert_eq!(
            s_b.process_command(&mixed),
            Err(ProtocolError::Cryptographic)
        );
        // K went with that attempt: the genuine INITIATE is refused now too.
        assert_eq!(
            s_b.process_command(&initiate_b),
            Err(ProtocolError::UnexpectedCommand)
        );
        // A whole INITIATE replayed to another connection.
        let (_, mut s_c, _) = to_initiate(&k);
        assert_eq!(
            s_c.process_command(&initiate_a),
            Err(ProtocolError::Cryptographic)
        );
        // A forged cookie (one bit of its box).
        let (_, mut s, mut initiate) = to_initiate(&k);
        initiate[9 + 40] ^= 4;
        assert_eq!(
            s.process_command(&initiate),
            Err(ProtocolError::Cryptographic)
        );
        // INITIATE twice.
        let (_, mut s, initiate) = to_initiate(&k);
        s.process_command(&initiate).unwrap();
        assert_eq!(
            s.process_command(&initiate),
            Err(ProtocolError::UnexpectedCommand)
        );
    }

    #[test]
    fn vouch_and_nonce_checks() {
        let k = keys();
        // A vouch for another C'.
        let (mut c, mut s, _) = to_initiate(&k);
        let mut v = c.vouched();
        v[0] ^= 1;
        c.chan.nonce = 1;
        let initiate = c.initiate(b"", &v).unwrap();
        assert_eq!(
            s.process_command(&initiate),
            Err(ProtocolError::KeyExchange)
        );
        // A vouch for another server.
        let (mut c, mut s, _) = to_initiate(&k);
        let mut v = c.vouched();
        v[KEY + 3] ^= 1;
        c.chan.nonce = 1;
        let initiate = c.initiate(b"", &v).unwrap();
        assert_eq!(
            s.process_command(&initiate),
            Err(ProtocolError::KeyExchange)
        );
        // INITIATE reusing HELLO's short nonce.
        let (mut c, mut s, _) = to_initiate(&k);
        c.chan.nonce = 0;
        let v = c.vouched();
        let initiate = c.initiate(b"", &v).unwrap();
        assert_eq!(
            s.process_command(&initiate),
            Err(ProtocolError::InvalidSequence)
        );
    }

    #[test]
    fn wrong_sizes_and_commands() {
        let k = keys();
        let hello = client(&k).next_command().unwrap();
        for n in [6, 7, 199] {
            let mut s = server(&k);
            assert_eq!(
                s.process_command(&hello[..n]),
                Err(ProtocolError::MalformedCommandHello)
            );
        }
        let mut long = hello.clone();
        long.push(0);
        assert_eq!(
            server(&k).process_command(&long),
            Err(ProtocolError::MalformedCommandHello)
        );
        let mut v2 = hello.clone();
        v2[6] = 2;
        assert_eq!(
            server(&k).process_command(&v2),
            Err(ProtocolError::MalformedCommandHello)
        );
        assert_eq!(
            server(&k).process_command(b"\x08INITIATE"),
            Err(ProtocolError::UnexpectedCommand)
        );
        assert_eq!(
            server(&k).process_command(b"\x05ERROR\x03400"),
            Err(ProtocolError::UnexpectedCommand)
        );
        assert_eq!(
            server(&k).process_command(b""),
            Err(ProtocolError::UnexpectedCommand)
        );
        // INITIATE one byte short.
        let (_, mut s, initiate) = to_initiate(&k);
        assert_eq!(
            s.process_command(&initiate[..256]),
            Err(ProtocolError::MalformedCommandInitiate)
        );
        // WELCOME of the wrong size, READY too short.
        let mut c = client(&k);
        c.next_command().unwrap();
        assert_eq!(
            c.process_command(&[b"\x07WELCOME".as_slice(), &[0; 159]].concat()),
            Err(ProtocolError::MalformedCommandWelcome)
        );
        let (mut c, mut s, initiate) = to_initiate(&k);
        s.process_command(&initiate).unwrap();
        s.zap_done(ZAP_OK);
        let ready = s.next_command().unwrap();
        assert_eq!(
            c.process_command(&ready[..29]),
            Err(ProtocolError::MalformedCommandReady)
        );
        // READY before WELCOME.
        let mut c = client(&k);
        c.next_command().unwrap();
        assert_eq!(
            c.process_command(&ready),
            Err(ProtocolError::UnexpectedCommand)
        );
    }

    #[test]
    fn errors_from_the_server() {
        let k = keys();
        for (reason, want) in [
            (&b"\x05ERROR\x03400"[..], ProtocolError::Refused(400)),
            (b"\x05ERROR\x03500", ProtocolError::Refused(500)),
            (b"\x05ERROR\x03300", ProtocolError::Refused(300)),
            (b"\x05ERROR\x02no", ProtocolError::Refused(0)),
            (b"\x05ERROR\x05ab", ProtocolError::MalformedCommandError),
        ] {
            let mut c = client(&k);
            c.next_command().unwrap();
            assert_eq!(c.process_command(reason), Err(want));
            assert_eq!(c.status(), Status::Error);
        }
        // While waiting for READY too.
        let (mut c, _, _) = to_initiate(&k);
        assert_eq!(
            c.process_command(b"\x05ERROR\x03400"),
            Err(ProtocolError::Refused(400))
        );
        // Not before HELLO has gone.
        let mut c = client(&k);
        assert_eq!(
            c.process_command(b"\x05ERROR\x03400"),
            Err(ProtocolError::UnexpectedCommand)
        );
    }

    #[test]
    fn zap_refusals() {
        let k = keys();
        for (code, sent) in [(400u16, Some(b"400")), (500, Some(b"500")), (300, None)] {
            let (_, mut s, initiate) = to_initiate(&k);
            s.process_command(&initiate).unwrap();
            assert!(s.zap_request().is_some());
            s.zap_done(code);
            assert_eq!(
                s.next_command(),
                sent.map(|r| command::error(r)),
                "ZAP {code}"
            );
            assert_eq!(s.status(), Status::Error);
            assert!(s.next_command().is_none());
            assert_eq!(
                s.encode(msg(b"x", false)).map(|_| ()),
                Err(ProtocolError::UnexpectedCommand)
            );
        }
        // zap_done(200) without the request taken (no handler bound).
        let (mut c, mut s, initiate) = to_initiate(&k);
        s.process_command(&initiate).unwrap();
        s.zap_done(ZAP_OK);
        c.process_command(&s.next_command().unwrap()).unwrap();
        assert_eq!(c.status(), Status::Ready);
    }

    #[test]
    fn initiate_metadata_of_any_size() {
        // CVE-2019-13132: metadata past a fixed buffer. Valid lists of these sizes, and the
        // same number of arbitrary bytes, are read without overflow.
        let k = keys();
        for size in [0usize, 255, 256, 257, 4096, 65536, 1 << 20] {
            for valid in [true, false] {
                let meta = if valid {
                    let mut m = Vec::new();
                    if size >= 6 {
                        command::put_property(&mut m, b"X", &vec![b'v'; size - 6]);
                    }
                    m.resize(size, 0);
                    m
                } else {
                    (0..size).map(|i| (i * 7 + 3) as u8).collect()
                };
                let (mut c, mut s, _) = to_initiate(&k);
                c.chan.nonce = 1;
                let v = c.vouched();
                let initiate = c.initiate(&meta, &v).unwrap();
                assert_eq!(initiate.len(), 257 + size);
                let r = s.process_command(&initiate);
                if valid && (size == 0 || size >= 6) {
                    assert_eq!(r, Ok(()), "{size}");
                    let want = if size == 0 { 0 } else { 1 };
                    assert_eq!(s.peer_properties().len(), want);
                } else if size > 0 {
                    assert_eq!(r, Err(ProtocolError::InvalidMetadata), "{size}");
                }
            }
        }
        // An incompatible Socket-Type in INITIATE.
        let (mut c, mut s, _) = to_initiate(&k);
        c.chan.nonce = 1;
        let v = c.vouched();
        let meta = command::properties(&props(SocketType::Pub));
        let initiate = c.initiate(&meta, &v).unwrap();
        assert_eq!(
            s.process_command(&initiate),
            Err(ProtocolError::IncompatibleSocketType)
        );
    }

    use crate::zmtp::fuzz_tests::Rng;

    /// A variant of `good`: truncated, extended, bit-flipped, byte-overwritten, renamed,
    /// or random bytes of a random size.
    fn mutate(rng: &mut Rng, good: &[u8]) -> Vec<u8> {
        let mut v = good.to_vec();
        match rng.below(7) {
            0 => v.truncate(rng.below(v.len() + 1)),
            1 => v.extend((0..rng.below(300)).map(|_| rng.next() as u8)),
            2 => {
                for _ in 0..1 + rng.below(4) {
                    if !v.is_empty() {
                        let i = rng.below(v.len());
                        v[i] ^= 1 << rng.below(8);
                    }
                }
            }
            3 => {
                if !v.is_empty() {
                    let i = rng.below(v.len());
                    v[i] = rng.next() as u8;
                }
            }
            4 => {
                let names: [&[u8]; 7] = [
                    b"\x05HELLO",
                    b"\x07WELCOME",
                    b"\x08INITIATE",
                    b"\x05READY",
                    b"\x05ERROR",
                    b"\x07MESSAGE",
                    b"\x04PING",
                ];
                let n = names[rng.below(names.len())];
                let keep = v.len().min(n.len());
                v.splice(..keep, n.iter().copied());
            }
            5 => {
                v = (0..rng.below(400)).map(|_| rng.next() as u8).collect();
                if !v.is_empty() {
                    v[0] = rng.below(12) as u8;
                }
            }
            _ => v.clear(),
        }
        v
    }

    #[test]
    fn hostile_inputs_never_panic() {
        let k = keys();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        // Genuine commands to mutate, and a MESSAGE each way.
        let (c0, s0) = {
            let (mut c, mut s) = shake(&k);
            (
                c.encode(msg(b"payload", true)).unwrap(),
                s.encode(msg(b"reply", false)).unwrap(),
            )
        };
        let mut c = client(&k);
        let mut s = server(&k);
        let hello = c.next_command().unwrap();
        s.process_command(&hello).unwrap();
        let welcome = s.next_command().unwrap();
        c.process_command(&welcome).unwrap();
        let initiate = c.next_command().unwrap();
        s.process_command(&initiate).unwrap();
        s.zap_done(ZAP_OK);
        let ready = s.next_command().unwrap();
        let samples = [
            hello,
            welcome,
            initiate,
            ready,
            c0.as_slice().to_vec(),
            s0.as_slice().to_vec(),
            command::error(b"400"),
        ];
        for round in 0..2500 {
            let good = &samples[rng.below(samples.len())];
            let bad = mutate(&mut rng, good);
            // Each state of each side gets the input.
            let stage = round % 8;
            match stage {
                0 => {
                    let _ = server(&k).process_command(&bad);
                }
                1 => {
                    let mut c = client(&k);
                    c.next_command();
                    let _ = c.process_command(&bad);
                    c.next_command();
                }
                2 => {
                    let mut c = client(&k);
                    let _ = c.process_command(&bad);
                }
                3 => {
                    let (_, mut s, _) = to_initiate(&k);
                    if s.process_command(&bad).is_ok() {
                        s.zap_done(ZAP_OK);
                        s.next_command();
                    }
                }
                4 => {
                    let (mut c, _, _) = to_initiate(&k);
                    let _ = c.process_command(&bad);
                }
                5 => {
                    let (mut c, mut s) = shake(&k);
                    let _ = c.process_command(&bad);
                    let _ = s.process_command(&bad);
                    let _ = c.decode(Msg::from_slice(&bad).unwrap());
                    let _ = s.decode(Msg::from_slice(&bad).unwrap());
                }
                6 => {
                    let (_, mut s, initiate) = to_initiate(&k);
                    s.process_command(&initiate).unwrap();
                    let _ = s.process_command(&bad);
                    s.zap_done(rng.below(600) as u16);
                    s.next_command();
                }
                _ => {
                    let (mut c, mut s) = shake(&k);
                    let mut shared = Msg::from_slice(&bad).unwrap();
                    let keep = shared.share();
                    let _ = s.decode(shared);
                    let _ = c.decode(keep);
                }
            }
        }
    }
}
