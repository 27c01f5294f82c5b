//! A network session: one ZMTP connection and the pipe it feeds, on an I/O thread.
//!
//! A connecting session owns its pipe from `zmq_connect` on (messages queue while the
//! connection is being made, and survive reconnects); it reconnects after failures with
//! ZMQ_RECONNECT_IVL. An accepted session creates its pipe only when the handshake has
//! succeeded, so a peer that never completes a handshake never reaches the socket
//! (CVE-2020-15166).
//!
//! The connection goes greeting → handshake (the mechanism's commands) → traffic. The
//! greeting is exchanged in libzmq's stages (signature, then major version, then the rest),
//! so older peers can be told apart. ZMTP 2.0 and 1.0 peers are served as libzmq serves them
//! (unless security or ZAP is configured): no mechanism, an identity message first, their
//! framing, and subscriptions as messages; a 1.0 PUB/XPUB peer gets a phantom subscribe-all
//! message, since 1.0 subscribers do not send their subscriptions.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::Interest;

use super::conn::{self, READ_CHUNK};
use super::reactor::{Ctl, IoObject};
use super::stream::Stream;
use crate::monitor::{self, Endpoints, Monitor};
use crate::msg::{Extras, ExtrasSource, Metadata, Msg};
use crate::pipe::duplex::{pipe_pair, Pipe, Read as PipeRead, ReadInto};
use crate::pipe::mailbox::{Command, Mailbox};
use crate::socket::SocketType;
use crate::transport::address::{self, Ipc, TcpConnect};
use crate::zmtp::command::{self, Properties, Traffic};
use crate::zmtp::frame::{self, Decoder, Frame, Framing};
use crate::zmtp::greeting::{self, Greeting, Version, GREETING_LEN, SIGNATURE_LEN};
use crate::zmtp::mechanism::{local_properties, Mechanism, Status, ZAP_OK};
use crate::zmtp::security::Security;
use crate::zmtp::zap;
use crate::zmtp::ProtocolError;

/// The handshake timer of connection number n is `TIMER_HANDSHAKE | n << 8`, so a timer
/// left from an earlier connection (the session reconnected meanwhile) does not cut the
/// handshake of the current one short.
const TIMER_HANDSHAKE: u64 = 1;
const TIMER_RECONNECT: u64 = 2;
const TIMER_LINGER: u64 = 3;
/// Heartbeat timers of connection number n (`| n << 8`): time to send a PING, our
/// ZMQ_HEARTBEAT_TIMEOUT after a PING, the peer's PING TTL.
const TIMER_HB_IVL: u64 = 0x10;
const TIMER_HB_TIMEOUT: u64 = 0x11;
const TIMER_HB_TTL: u64 = 0x12;
/// ZMQ_CONNECT_TIMEOUT of connection number n: `TIMER_CONNECT | n << 8`.
const TIMER_CONNECT: u64 = 0x40;
/// Stop encoding into the output buffer past this; write, then continue.
const OUT_HIGH: usize = 256 * 1024;
/// The read batch while large frames come (libzmq's default ZMQ_IN_BATCH_SIZE).
const SHORT_READ: usize = 8192;
/// Message bodies this large are written from the message itself (writev with what is
/// buffered before them), not copied into the output buffer first.
const WRITE_THROUGH: usize = 32 * 1024;
/// Bytes a session writes in one turn before the reactor serves its other sources. Writing
/// until the socket would block lets megabytes pile up in the kernel's buffers when the
/// reader is slower than the writer (always so when the I/O thread itself reads the other
/// end, as it does for a peer in the same process): they are cold in the cache by the time
/// they are read, and the copies out of the kernel then cost twice as much. A turn of this
/// size keeps what is in flight within the core's cache. Measured on tcp 64 KiB messages in
/// one process: 1.5x the throughput. Bodies of this size or more do not count towards a
/// turn: they outgrow the cache by themselves, and ending a turn after each of them cost
/// 1 MiB messages a third of their throughput.
const WRITE_TURN: usize = 256 * 1024;

/// What a session needs to know of its socket, copied at bind/connect time.
pub struct SessionConfig {
    pub kind: SocketType,
    pub socket: Arc<Mailbox>,
    pub routing_id: Vec<u8>,
    pub metadata: BTreeMap<Vec<u8>, Vec<u8>>,
    pub maxmsgsize: i64,
    pub sndhwm: i32,
    pub rcvhwm: i32,
    pub conflate: bool,
    pub reconnect_ivl: i32,
    pub reconnect_ivl_max: i32,
    pub handshake_ivl: i32,
    pub linger: i32,
    pub ipv6: bool,
    /// ZMQ_HEARTBEAT_IVL (ms, 0 = off), ZMQ_HEARTBEAT_TTL (deciseconds, sent in PINGs) and
    /// the effective ZMQ_HEARTBEAT_TIMEOUT (ms; -1 already replaced by the interval).
    pub heartbeat_ivl: i32,
    pub heartbeat_ttl: u16,
    pub heartbeat_timeout: i32,
    /// The socket's monitor (events are reported from here, on the I/O thread).
    pub monitor: Arc<Monitor>,
    pub sockopts: crate::transport::sockopts::SockOpts,
    pub endpoint: String,
    /// Sessions still delivering after their socket closed; zmq_ctx_term waits for zero.
    pub draining: Arc<Draining>,
    /// ZMQ_IMMEDIATE on a connecting socket: the pipe exists only while connected.
    pub immediate: bool,
    /// A security mechanism or ZAP domain is set: ZMTP 1.0/2.0 peers (which cannot
    /// authenticate) are refused, as libzmq refuses them.
    pub zap_enabled: bool,
    /// The mechanism, role and credentials of each connection.
    pub security: Security,
    /// ZMQ_ZAP_DOMAIN (NULL asks ZAP only when it is set) and ZMQ_ZAP_ENFORCE_DOMAIN (no
    /// handler bound is then a failure for every mechanism, not only PLAIN).
    pub zap_domain: Vec<u8>,
    pub zap_enforce_domain: bool,
    /// Where the ZAP handler is looked up.
    pub ctx: std::sync::Weak<crate::ctx::Ctx>,
}

/// Counts sessions that are flushing what a closed socket left them. zmq_ctx_term waits for
/// zero on an eventfd, so a signal interrupts it with EINTR as it does libzmq's.
pub struct Draining {
    count: AtomicUsize,
    done: crate::pipe::signaler::Signaler,
}

impl Draining {
    pub fn new() -> crate::error::Result<Draining> {
        Ok(Draining {
            count: AtomicUsize::new(0),
            done: crate::pipe::signaler::Signaler::new()?,
        })
    }
    pub fn add(&self) {
        self.count.fetch_add(1, Ordering::SeqCst);
    }
    pub fn sub(&self) {
        if self.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.done.raise();
        }
    }
    pub fn is_zero(&self) -> bool {
        self.count.load(Ordering::SeqCst) == 0
    }
    /// Waits until no session drains; EINTR if a signal comes first.
    pub fn wait_zero(&self) -> crate::error::Result<()> {
        while !self.is_zero() {
            self.done.wait(None)?;
            self.done.reset();
        }
        Ok(())
    }
}

impl SessionConfig {
    fn recv_routing_id(&self) -> bool {
        matches!(
            self.kind,
            SocketType::Router | SocketType::Rep | SocketType::Stream
        )
    }

    fn conflates(&self) -> bool {
        self.conflate
            && matches!(
                self.kind,
                SocketType::Dealer
                    | SocketType::Pull
                    | SocketType::Push
                    | SocketType::Pub
                    | SocketType::Sub
            )
    }

    /// The pipe between a socket and a session: (socket end, session end).
    pub fn make_pipe(&self) -> (Pipe, Pipe) {
        let hwm = |v: i32| {
            if self.conflates() || v <= 0 {
                0
            } else {
                v as u64
            }
        };
        let (mut mine, mut theirs) = pipe_pair([hwm(self.rcvhwm), hwm(self.sndhwm)]);
        if self.conflates() {
            mine.set_conflate();
        }
        mine.report_progress_often();
        mine.endpoint = self.endpoint.clone();
        theirs.endpoint = self.endpoint.clone();
        (mine, theirs)
    }
}

/// Where a connecting session connects.
pub enum Target {
    Tcp(TcpConnect),
    Ipc(Ipc),
}

#[derive(PartialEq, Eq, Clone, Copy, Debug)]
enum Phase {
    Connecting,
    /// Sent our signature; waiting for the peer's.
    Signature,
    /// Sent our major version; waiting for the peer's.
    Major,
    /// Sent the rest; waiting for the rest of the peer's greeting.
    Greeting,
    Handshake,
    Traffic,
}

struct Conn {
    stream: Stream,
    phase: Phase,
    greet_in: Vec<u8>,
    mech: Box<dyn Mechanism>,
    decoder: Decoder,
    /// Bytes read but not yet decoded (the pipe was full): a slice of the read buffer they
    /// lie in, so that holding them back copies nothing and their frames still share it.
    pending_in: Option<Msg>,
    out: Vec<u8>,
    out_pos: usize,
    /// A large message body being written straight from the message (after `out`), and
    /// how much of it is written.
    out_body: Option<(Msg, usize)>,
    /// Peer speaks 3.1 (commands for subscriptions) rather than 3.0 (messages).
    peer_31: bool,
    /// The mechanism changes messages (CURVE boxes them); NULL and PLAIN pass them as they
    /// are, and the per-message calls are skipped.
    mech_transforms: bool,
    /// The framing of messages on this connection (V3 unless the peer is a 1.0/2.0 one).
    framing: Framing,
    /// The greeting is complete at this many octets (12 for a 1.0/2.0 peer's).
    greet_len: usize,
    /// A 1.0/2.0 peer: no mechanism, no commands, no heartbeats.
    legacy: bool,
    /// A 1.0/2.0 peer's first message, its identity, is still to come.
    expect_identity: bool,
    /// Parts of an incoming multipart message, held until its last part so the socket never
    /// sees half a message if the connection drops.
    partial: Vec<Msg>,
    /// The pipe towards the socket was full: reading is paused; frames decoded meanwhile
    /// wait here, in order.
    read_paused: bool,
    held: std::collections::VecDeque<Frame>,
    /// The next part taken from the pipe starts a message.
    out_first: bool,
    writable_interest: bool,
    /// The addresses monitor events report for this connection.
    eps: Endpoints,
    /// A HANDSHAKE_FAILED_PROTOCOL event was reported (no NO_DETAIL then).
    failed_protocol: bool,
    /// ZAP refused the peer: what the mechanism said (ERROR, or nothing for 300) goes out,
    /// input is discarded, and the connection ends when the peer closes it or the handshake
    /// time runs out, as libzmq's does (a peer is not made to reconnect at once).
    refused: bool,
    /// The errno that ended the connection, when a system call or timeout did; None when
    /// the peer broke the protocol.
    err: Option<i32>,
    /// The pipe to the ZAP handler while a request is out, and the reply's frames so far.
    zap: Option<Pipe>,
    zap_in: Vec<Msg>,
    /// The ZAP handler's User-Id and metadata, for the connection's messages.
    zap_props: Properties,
    /// What every message from this connection carries: its properties (Peer-Address,
    /// ZAP's, the peer's handshake properties), set when the handshake succeeds.
    extras: Option<ExtrasSource>,
    /// Nothing received since our PING: the connection ends at this instant.
    hb_timeout_at: Option<Instant>,
    /// The peer's PING asked to hear from it again by this instant.
    ttl_at: Option<Instant>,
    /// A PING with a TTL came in: its timer is to be armed.
    ttl_arm: Option<Duration>,
}

pub struct Session {
    cfg: Arc<SessionConfig>,
    target: Option<Target>,
    pipe: Option<Pipe>,
    conn: Option<Conn>,
    /// The socket closed its end: deliver what is left, then finish.
    draining: bool,
    /// The delimiter was read: everything the socket sent is in the output buffer.
    drained: bool,
    reconnect_ivl: i32,
    /// Connections made so far (numbers the handshake timers).
    conn_gen: u64,
    /// SUB/XSUB: the subscriptions that went out and are in force (topic → count). Each new
    /// connection gets them again after its handshake, once per topic, as libzmq's SUB
    /// resends its subscriptions when it reconnects (a restarted publisher knows nothing).
    subscriptions: BTreeMap<Vec<u8>, usize>,
    /// A connection broke in the middle of sending a multipart message: the rest of that
    /// message is dropped from the pipe, so the next peer never sees a message's tail as a
    /// message of its own.
    skip_out_rest: bool,
    /// A turn ended with more to write: `resume` goes on with it, so a wake-up for the pipe
    /// meanwhile has nothing to add (run then, it would be a turn more before the reactor's
    /// other sources).
    turn_pending: bool,
    /// ZMQ_IMMEDIATE: the key the socket ends this session with (it may have no pipe), and
    /// the ZMQ_CONNECT_ROUTING_ID for each pipe attached.
    key: Option<u64>,
    connect_rid: Option<Vec<u8>>,
    done: bool,
}

impl Conn {
    /// The output buffer, to append to: a body being written from its message is copied in
    /// first (what is appended must follow it on the wire).
    fn out_mut(&mut self) -> &mut Vec<u8> {
        if let Some((m, k)) = self.out_body.take() {
            self.out.extend_from_slice(&m.as_slice()[k..]);
        }
        &mut self.out
    }

    /// Nothing left to write.
    fn out_idle(&self) -> bool {
        self.out.is_empty() && self.out_body.is_none()
    }

    /// The mechanism's wrapping of an outgoing message (skipped when it changes nothing).
    fn wrap(&mut self, m: Msg) -> Result<Msg, ProtocolError> {
        if self.mech_transforms {
            self.mech.encode(m)
        } else {
            Ok(m)
        }
    }

    /// Appends a command of the traffic phase (SUBSCRIBE, PING, ...): a command frame, or
    /// under CURVE a message with the COMMAND flag in its box, as libzmq sends them.
    fn encode_command(&mut self, body: &[u8]) {
        if !self.mech_transforms {
            frame::encode(self.out_mut(), Framing::V3, body, false, true);
            return;
        }
        let Ok(mut m) = Msg::from_slice(body) else {
            return;
        };
        m.set_flags(Msg::COMMAND);
        if let Ok(m) = self.mech.encode(m) {
            let framing = self.framing;
            frame::encode(self.out_mut(), framing, m.as_slice(), false, false);
        }
    }

    /// A frame of the traffic phase as the mechanism gives it back: under CURVE every frame
    /// is a MESSAGE to open (its box says whether it holds a command); anything else, or a
    /// box that does not open, is a protocol error with libzmq's code.
    fn unwrap(&mut self, f: Frame) -> Result<Frame, ProtocolError> {
        if !self.mech_transforms {
            return Ok(f);
        }
        let (Frame::Data(m) | Frame::Command(m)) = f;
        let m = self.mech.decode(m)?;
        Ok(if m.flags() & Msg::COMMAND != 0 {
            Frame::Command(m)
        } else {
            Frame::Data(m)
        })
    }
}

impl Session {
    /// A session for `zmq_connect`, owning the session end of the socket's pipe.
    pub fn connecting(cfg: Arc<SessionConfig>, target: Target, pipe: Pipe) -> Session {
        let mut s = Session::idle(cfg);
        s.target = Some(target);
        s.pipe = Some(pipe);
        s
    }

    /// A session for `zmq_connect` under ZMQ_IMMEDIATE: no pipe until connected; the
    /// socket ends it with `Command::Close(key)`.
    pub fn connecting_immediate(
        cfg: Arc<SessionConfig>,
        target: Target,
        key: u64,
        connect_rid: Option<Vec<u8>>,
    ) -> Session {
        let mut s = Session::idle(cfg);
        s.target = Some(target);
        s.key = Some(key);
        s.connect_rid = connect_rid;
        s
    }

    /// A session with no target, pipe or connection yet (what the constructors start from).
    fn idle(cfg: Arc<SessionConfig>) -> Session {
        Session {
            reconnect_ivl: cfg.reconnect_ivl,
            cfg,
            target: None,
            pipe: None,
            conn: None,
            draining: false,
            drained: false,
            conn_gen: 0,
            subscriptions: BTreeMap::new(),
            skip_out_rest: false,
            turn_pending: false,
            key: None,
            connect_rid: None,
            done: false,
        }
    }

    /// A session for a connection a listener accepted.
    pub fn accepted(cfg: Arc<SessionConfig>, stream: Stream) -> Session {
        let mut s = Session::idle(cfg);
        let fd = stream.raw_fd();
        s.cfg.monitor.event(
            monitor::ACCEPTED,
            fd as u64,
            &Endpoints::bound(&s.cfg.endpoint),
        );
        let mut conn = s.new_conn(stream, Phase::Signature);
        conn.eps = conn_endpoints(&conn.stream, &s.cfg.endpoint, true);
        s.conn = Some(conn);
        s
    }

    fn new_conn(&self, stream: Stream, phase: Phase) -> Conn {
        let props = local_properties(self.cfg.kind, &self.cfg.routing_id, &self.cfg.metadata);
        Conn {
            stream,
            phase,
            greet_in: Vec::with_capacity(GREETING_LEN),
            mech: self.cfg.security.mechanism(
                self.cfg.kind,
                props,
                !self.cfg.zap_domain.is_empty(),
            ),
            decoder: Decoder::new(Framing::V3, self.cfg.maxmsgsize),
            pending_in: None,
            out: Vec::new(),
            out_pos: 0,
            out_body: None,
            peer_31: true,
            mech_transforms: false,
            framing: Framing::V3,
            greet_len: GREETING_LEN,
            legacy: false,
            expect_identity: false,
            partial: Vec::new(),
            read_paused: false,
            held: std::collections::VecDeque::new(),
            out_first: true,
            writable_interest: false,
            eps: Endpoints::default(),
            failed_protocol: false,
            refused: false,
            err: None,
            zap: None,
            zap_in: Vec::new(),
            zap_props: Properties::new(),
            extras: None,
            hb_timeout_at: None,
            ttl_at: None,
            ttl_arm: None,
        }
    }

    fn open(&mut self) -> std::io::Result<Stream> {
        Self::open_target(
            self.target.as_ref().expect("a connecting session"),
            &self.cfg,
        )
    }

    /// Opens a connection to `target` (also used by the raw sessions of STREAM sockets).
    pub(crate) fn open_target(target: &Target, cfg: &SessionConfig) -> std::io::Result<Stream> {
        match target {
            Target::Tcp(t) => {
                let addrs = address::resolve(t, cfg.ipv6)
                    .map_err(|e| std::io::Error::from_raw_os_error(e.0))?;
                let addr: SocketAddr = addrs[0];
                let s = crate::transport::sockopts::connect_tcp(t.source, addr, &cfg.sockopts)?;
                Ok(Stream::Tcp(s))
            }
            Target::Ipc(Ipc::Path(p)) => Ok(Stream::Ipc(mio::net::UnixStream::connect(p)?)),
            Target::Ipc(Ipc::Abstract(name)) => {
                use std::os::linux::net::SocketAddrExt;
                let a = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
                let s = std::os::unix::net::UnixStream::connect_addr(&a)?;
                s.set_nonblocking(true)?;
                Ok(Stream::Ipc(mio::net::UnixStream::from_std(s)))
            }
            Target::Ipc(Ipc::Wildcard) => Err(std::io::Error::from_raw_os_error(libc::EINVAL)),
        }
    }

    fn try_connect(&mut self, ctl: &mut Ctl) {
        match self.open() {
            Ok(mut stream) => {
                let ok = conn::register_connecting(ctl, &mut stream);
                self.conn_gen += 1;
                if matches!(stream, Stream::Tcp(_)) {
                    // A tcp connect is always under way at first (EINPROGRESS), as libzmq's.
                    self.cfg.monitor.event(
                        monitor::CONNECT_DELAYED,
                        libc::EINPROGRESS as u64,
                        &Endpoints::connecting(&self.cfg.endpoint),
                    );
                }
                let mut conn = self.new_conn(stream, Phase::Connecting);
                conn.writable_interest = true;
                self.conn = Some(conn);
                if self.cfg.handshake_ivl > 0 {
                    ctl.set_timer(
                        Duration::from_millis(self.cfg.handshake_ivl as u64),
                        TIMER_HANDSHAKE | self.conn_gen << 8,
                    );
                }
                if self.cfg.sockopts.connect_timeout > 0 {
                    let ms = self.cfg.sockopts.connect_timeout as u64;
                    ctl.set_timer(
                        Duration::from_millis(ms),
                        TIMER_CONNECT | self.conn_gen << 8,
                    );
                }
                if !ok {
                    self.disconnected(ctl);
                }
            }
            Err(e) if self.stop_on(&e) => self.finish(ctl),
            Err(_) => self.schedule_reconnect(ctl),
        }
    }

    /// ZMQ_RECONNECT_STOP_CONN_REFUSED: a refused connection ends the session.
    fn stop_on(&self, e: &std::io::Error) -> bool {
        use crate::transport::sockopts::RECONNECT_STOP_CONN_REFUSED as REFUSED;
        e.raw_os_error() == Some(libc::ECONNREFUSED)
            && self.cfg.sockopts.reconnect_stop & REFUSED != 0
    }

    fn schedule_reconnect(&mut self, ctl: &mut Ctl) {
        // A lingering session keeps trying to deliver, as libzmq's: ZMQ_LINGER ends it. With
        // nothing left to deliver it ends now.
        let nothing_left = self.draining && !self.pipe.as_mut().is_some_and(|p| p.check_read());
        if self.cfg.reconnect_ivl < 0 || nothing_left {
            self.finish(ctl);
            return;
        }
        conn::retry_later(ctl, &self.cfg, &mut self.reconnect_ivl, TIMER_RECONNECT);
    }

    /// The connection is gone: reconnect (connecting side) or end (accepted side).
    fn disconnected(&mut self, ctl: &mut Ctl) {
        // (First, so the socket has the pipe's end queued before the monitor tells.)
        let mut gone_with_socket = false;
        // As libzmq: a peer that broke the protocol is not reconnected to; with
        // ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED, neither is one whose handshake failed at all.
        // The pipe stays (libzmq keeps it: messages still queue, up to the HWM) until the
        // socket ends it.
        let stop = self.conn.as_ref().is_some_and(|c| {
            use crate::transport::sockopts::RECONNECT_STOP_HANDSHAKE_FAILED as HS_FAILED;
            let in_handshake = !matches!(c.phase, Phase::Connecting | Phase::Traffic);
            (c.phase != Phase::Connecting && c.err.is_none())
                || (in_handshake && self.cfg.sockopts.reconnect_stop & HS_FAILED != 0)
        });
        if self.key.is_some() && self.pipe.is_some() {
            // ZMQ_IMMEDIATE: the pipe lives only with the connection; what was queued for
            // this peer is dropped, and a pipe the socket already ended ends the session.
            let socket_gone = self.pipe.as_ref().is_some_and(|p| p.peer_gone());
            conn::end_pipe(ctl, &mut self.pipe, &self.cfg);
            self.subscriptions.clear();
            self.skip_out_rest = false;
            gone_with_socket = socket_gone;
        }
        if let Some(mut c) = self.conn.take() {
            end_zap(ctl, &mut c);
            let _ = ctl.registry().deregister(&mut c.stream);
            if !c.out_first && self.pipe.is_some() {
                self.skip_out_rest = true;
            }
            let fd = c.stream.raw_fd() as u64;
            let mon = &self.cfg.monitor;
            match c.phase {
                // A connect that failed: its socket closes (libzmq's connecter reports it).
                Phase::Connecting => mon.event(
                    monitor::CLOSED,
                    fd,
                    &Endpoints::connecting(&self.cfg.endpoint),
                ),
                Phase::Traffic => mon.event(monitor::DISCONNECTED, fd, &c.eps),
                _ => {
                    if !c.failed_protocol {
                        // The errno that ended it, as libzmq reports (EPIPE: closed by the
                        // peer; EAGAIN after a handshake timeout, its last read's).
                        let err = c.err.unwrap_or(libc::EPIPE) as u64;
                        mon.event(monitor::HANDSHAKE_FAILED_NO_DETAIL, err, &c.eps);
                    }
                    mon.event(monitor::DISCONNECTED, fd, &c.eps);
                }
            }
        }
        if self.target.is_some() && !self.done && !gone_with_socket {
            if !stop {
                self.schedule_reconnect(ctl);
            } else if self.pipe.is_none() {
                self.finish(ctl);
            }
        } else {
            self.finish(ctl);
        }
    }

    fn finish(&mut self, ctl: &mut Ctl) {
        let stream = self.conn.take().map(|mut c| {
            end_zap(ctl, &mut c);
            c.stream
        });
        conn::close(ctl, stream, &mut self.pipe, &self.cfg);
        self.done = true;
    }

    /// Starts traffic after a successful handshake.
    fn handshake_done(&mut self, ctl: &mut Ctl) {
        let peer_id = {
            let c = self.conn.as_mut().expect("connected");
            end_zap(ctl, c);
            // The properties every message of this connection carries; the first of a
            // name wins, in libzmq's order: Peer-Address, ZAP's, then the peer's own.
            let addr = c.stream.peer_address();
            let mut props: Vec<(&[u8], &[u8])> = Vec::new();
            if !addr.is_empty() {
                props.push((b"Peer-Address", addr.as_bytes()));
            }
            let zap_props = std::mem::take(&mut c.zap_props);
            props.extend(zap_props.iter().map(|(k, v)| (k.as_slice(), v.as_slice())));
            let peer = c.mech.peer_properties();
            props.extend(peer.iter().map(|(k, v)| (k.as_slice(), v.as_slice())));
            if !props.is_empty() {
                c.extras = Some(ExtrasSource::new(Extras {
                    metadata: Some(Arc::new(Metadata::from_bytes(props))),
                    group: None,
                }));
            }
            command::property(peer, b"Identity").unwrap_or(b"").to_vec()
        };
        self.start_traffic(ctl, Some(peer_id));
    }

    /// Attaches the pipe and starts traffic. `peer_id` is None for a 1.0/2.0 peer, whose
    /// identity comes as its first message; such a connection has no handshake event and
    /// no heartbeats, as in libzmq.
    fn start_traffic(&mut self, ctl: &mut Ctl, peer_id: Option<Vec<u8>>) {
        if self.pipe.is_none() {
            let (mut sock_end, mut mine) = self.cfg.make_pipe();
            sock_end.connect_routing_id = self.connect_rid.clone();
            mine.set_owner(ctl.mailbox.clone());
            ctl.own_key(mine.id());
            self.pipe = Some(mine);
            self.cfg.socket.send(Command::Attach(Box::new(sock_end)));
        }
        let legacy = peer_id.is_none();
        if let Some(peer_id) = peer_id {
            self.deliver_identity(&peer_id);
        }
        self.reconnect_ivl = self.cfg.reconnect_ivl;
        if let Some(c) = self.conn.as_mut() {
            c.expect_identity = legacy;
            if !legacy {
                self.cfg
                    .monitor
                    .event(monitor::HANDSHAKE_SUCCEEDED, 0, &c.eps);
            }
            if self.cfg.heartbeat_ivl > 0 && !legacy {
                ctl.set_timer(
                    Duration::from_millis(self.cfg.heartbeat_ivl as u64),
                    TIMER_HB_IVL | self.conn_gen << 8,
                );
            }
            c.phase = Phase::Traffic;
            for topic in self.subscriptions.keys() {
                encode_subscription(c, true, topic);
            }
        }
    }

    /// Hands the peer's routing id to a socket that wants it (ROUTER, REP, STREAM).
    fn deliver_identity(&mut self, peer_id: &[u8]) {
        if self.cfg.recv_routing_id() {
            let mut m = Msg::from_slice(peer_id).unwrap_or_default();
            m.set_flags(Msg::IS_ROUTING_ID);
            let p = self.pipe.as_mut().expect("pipe");
            p.write(m);
            p.flush();
        }
    }

    /// Reads what the stream has and acts on it. Returns false if the connection ended.
    fn read_input(&mut self, ctl: &mut Ctl) -> bool {
        let mut buf = conn::ReadBuf::take();
        let ok = self.read_input_with(ctl, &mut buf);
        buf.give_back();
        ok
    }

    fn read_input_with(&mut self, ctl: &mut Ctl, buf: &mut conn::ReadBuf) -> bool {
        loop {
            let c = match self.conn.as_mut() {
                Some(c) => c,
                None => return false,
            };
            if c.read_paused {
                return true;
            }
            // The rest of a large frame body is read straight into its message.
            if c.pending_in.is_none() {
                if let Some(dst) = c.decoder.direct() {
                    let n = match conn::read_some(&mut c.stream, dst) {
                        Ok(Some(n)) => n,
                        Ok(None) => return true,
                        Err(e) => {
                            c.err = Some(e);
                            return false;
                        }
                    };
                    c.hb_timeout_at = None;
                    c.ttl_at = None;
                    match c.decoder.direct_filled(n) {
                        Ok(Some(f)) => {
                            if !self.deliver_frame(ctl, f) {
                                return false;
                            }
                        }
                        Ok(None) => {}
                        Err(_) => return false,
                    }
                    continue;
                }
            }
            // Greeting stages read exactly what they need.
            let want = match c.phase {
                Phase::Signature => SIGNATURE_LEN - c.greet_in.len(),
                Phase::Major => SIGNATURE_LEN + 1 - c.greet_in.len(),
                Phase::Greeting => c.greet_len - c.greet_in.len(),
                // Large frames: a short read takes the next header (and a little of its
                // body), the rest of the body is then read straight into its message.
                _ if c.decoder.expects_large() => SHORT_READ,
                _ => READ_CHUNK,
            };
            let n = match conn::read_some(&mut c.stream, &mut buf[..want]) {
                Ok(Some(n)) => n,
                Ok(None) => return true,
                Err(e) => {
                    c.err = Some(e);
                    return false;
                }
            };
            // Any input at all shows the peer alive.
            c.hb_timeout_at = None;
            c.ttl_at = None;
            if c.refused {
                continue;
            }
            match c.phase {
                Phase::Signature | Phase::Major | Phase::Greeting => {
                    c.greet_in.extend_from_slice(&buf[..n]);
                    if !self.advance_greeting(ctl) {
                        return false;
                    }
                    // A 1.0 peer's first octets were already its identity message.
                    let early = self.conn.as_mut().and_then(|c| {
                        (c.phase == Phase::Traffic && !c.greet_in.is_empty())
                            .then(|| std::mem::take(&mut c.greet_in))
                    });
                    if let Some(bytes) = early {
                        if !self.decode(ctl, &bytes) {
                            return false;
                        }
                    }
                }
                _ => {
                    // Frames share the buffer only when the read filled a good part of it:
                    // a few bytes must not keep a whole buffer alive while they wait.
                    let share = (n >= READ_CHUNK / 8).then(|| buf.chunk());
                    let ok = self.decode_from(ctl, &buf[..n], share);
                    buf.renew_if_shared();
                    if !ok {
                        return false;
                    }
                }
            }
        }
    }

    /// Moves the greeting on; false if the peer cannot be served.
    fn advance_greeting(&mut self, ctl: &mut Ctl) -> bool {
        let rid_len = self.cfg.routing_id.len();
        let c = self.conn.as_mut().expect("connected");
        loop {
            match c.phase {
                // A first octet other than FF, or octet 9 with bit 0 clear, is a ZMTP 1.0
                // peer without a greeting: its octets so far begin its identity message.
                // Our signature was sent as the header of a 1.0 identity frame (its padding
                // is the length, 7F the flags), so its body, our routing id, follows.
                Phase::Signature if greeting::is_v1_signature(&c.greet_in) => {
                    if self.cfg.zap_enabled {
                        return false;
                    }
                    c.out.extend_from_slice(&self.cfg.routing_id);
                    self.start_legacy(ctl, Framing::V1);
                    return true;
                }
                Phase::Signature if c.greet_in.len() >= SIGNATURE_LEN => {
                    c.out.push(greeting::V3_MAJOR);
                    c.phase = Phase::Major;
                }
                Phase::Major if c.greet_in.len() > SIGNATURE_LEN => {
                    if greeting::version_of(&c.greet_in) == Version::V3_0 {
                        // libzmq 4.3 leaves the as-server octet 0 whatever its role (seen on
                        // the wire from Debian's 4.3.4), and so do we: byte for byte.
                        let name = self.cfg.security.name();
                        let full = greeting::greeting(rid_len, name, false);
                        c.out.extend_from_slice(&full[SIGNATURE_LEN + 1..]);
                    } else {
                        // Revision 0 or 1: a 2.0-style greeting, our socket type next.
                        c.out.push(self.cfg.kind.raw() as u8);
                        c.greet_len = SIGNATURE_LEN + 2;
                    }
                    c.phase = Phase::Greeting;
                }
                Phase::Greeting
                    if c.greet_len < GREETING_LEN && c.greet_in.len() >= c.greet_len =>
                {
                    if self.cfg.zap_enabled {
                        return false;
                    }
                    // The 2.0 peer's socket type is not checked, as libzmq does not.
                    let framing = match greeting::version_of(&c.greet_in) {
                        Version::V2 => Framing::V2,
                        _ => Framing::V1,
                    };
                    c.greet_in.clear();
                    // Our identity message comes first.
                    frame::encode(&mut c.out, framing, &self.cfg.routing_id, false, false);
                    self.start_legacy(ctl, framing);
                    return true;
                }
                Phase::Greeting if c.greet_in.len() >= GREETING_LEN => {
                    let g: [u8; GREETING_LEN] = c.greet_in[..GREETING_LEN].try_into().unwrap();
                    let Ok(g) = Greeting::parse(&g) else {
                        return false;
                    };
                    if g.mechanism.as_slice() != c.mech.name() {
                        let code = ProtocolError::MechanismMismatch.code() as u32 as u64;
                        self.cfg
                            .monitor
                            .event(monitor::HANDSHAKE_FAILED_PROTOCOL, code, &c.eps);
                        c.failed_protocol = true;
                        return false;
                    }
                    c.peer_31 = g.version() == Version::V3_1;
                    c.phase = Phase::Handshake;
                    return self.mech_step(ctl);
                }
                _ => return true,
            }
        }
    }

    /// Moves the handshake on after the mechanism changed: asks ZAP when the mechanism wants
    /// to, sends what it has to send, starts traffic when it is done. False ends the
    /// connection.
    fn mech_step(&mut self, ctl: &mut Ctl) -> bool {
        let c = self.conn.as_mut().expect("connected");
        let mut asked = false;
        if let Some(req) = c.mech.zap_request() {
            let handler = self.cfg.ctx.upgrade().and_then(|ctx| ctx.connect_zap());
            match handler {
                Some(mut p) => {
                    p.set_owner(ctl.mailbox.clone());
                    ctl.own_key(p.id());
                    let addr = c.stream.peer_address();
                    let domain = &self.cfg.zap_domain;
                    for m in zap::request(&req, domain, addr.as_bytes(), &self.cfg.routing_id) {
                        p.write(m);
                    }
                    p.flush();
                    c.zap = Some(p);
                    asked = true;
                }
                // As libzmq: PLAIN cannot go on without a handler, nor can any mechanism
                // when ZMQ_ZAP_ENFORCE_DOMAIN is set.
                None if req.mechanism == b"PLAIN" || self.cfg.zap_enforce_domain => {
                    let efault = libc::EFAULT as u64;
                    let mon = &self.cfg.monitor;
                    mon.event(monitor::HANDSHAKE_FAILED_NO_DETAIL, efault, &c.eps);
                    c.failed_protocol = true;
                    return false;
                }
                None => c.mech.zap_done(ZAP_OK),
            }
        }
        if asked {
            // The reply may be there already; looking also arms the wake-up for it.
            return self.read_zap(ctl);
        }
        while let Some(cmd) = c.mech.next_command() {
            frame::encode(&mut c.out, Framing::V3, &cmd, false, true);
        }
        match c.mech.status() {
            Status::Handshaking => true,
            Status::Ready => {
                c.mech_transforms = c.mech.transforms();
                self.handshake_done(ctl);
                true
            }
            Status::Error => {
                c.failed_protocol = true;
                c.refused = true;
                true
            }
        }
    }

    /// Takes the ZAP handler's reply if it has come and acts on it; false ends the
    /// connection (a malformed reply, a refusal, or a handler that went away).
    fn read_zap(&mut self, ctl: &mut Ctl) -> bool {
        let c = self.conn.as_mut().expect("connected");
        let Some(p) = c.zap.as_mut() else {
            return true;
        };
        let malformed;
        loop {
            match p.read() {
                PipeRead::Msg(m) => {
                    let more = m.more();
                    c.zap_in.push(m);
                    // libzmq reads seven frames; a seventh that says more is malformed.
                    if !more || c.zap_in.len() == 7 {
                        malformed = more;
                        break;
                    }
                }
                PipeRead::Empty => return true,
                PipeRead::Ended => {
                    end_zap(ctl, c);
                    c.err = Some(libc::ECONNRESET);
                    return false;
                }
            }
        }
        end_zap_pipe(ctl, c);
        let frames = std::mem::take(&mut c.zap_in);
        let reply = if malformed {
            Err(crate::capi::consts::ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY)
        } else {
            zap::parse_reply(&frames)
        };
        let mon = &self.cfg.monitor;
        match reply {
            Err(code) => {
                mon.event(
                    monitor::HANDSHAKE_FAILED_PROTOCOL,
                    code as u32 as u64,
                    &c.eps,
                );
                c.failed_protocol = true;
                false
            }
            Ok(r) => {
                if r.status != ZAP_OK {
                    mon.event(monitor::HANDSHAKE_FAILED_AUTH, u64::from(r.status), &c.eps);
                }
                c.zap_props = r.properties;
                c.mech.zap_done(r.status);
                self.mech_step(ctl)
            }
        }
    }

    /// Starts traffic with a ZMTP 1.0/2.0 peer in `framing`.
    fn start_legacy(&mut self, ctl: &mut Ctl, framing: Framing) {
        let c = self.conn.as_mut().expect("connected");
        c.framing = framing;
        c.decoder = Decoder::new(framing, self.cfg.maxmsgsize);
        c.peer_31 = false;
        c.legacy = true;
        self.start_traffic(ctl, None);
    }

    /// Delivers one frame read directly into its message (see `read_input`).
    fn deliver_frame(&mut self, ctl: &mut Ctl, f: Frame) -> bool {
        let c = self.conn.as_mut().expect("connected");
        if c.read_paused {
            // Frames wait opened: what is held is replayed past the mechanism.
            match c.unwrap(f) {
                Ok(f) => c.held.push_back(f),
                Err(e) => return self.traffic_error(e),
            }
        } else if !self.on_frame(ctl, f) {
            return false;
        }
        if let Some(p) = self.pipe.as_mut() {
            p.flush();
        }
        true
    }

    /// Decodes frames from `data` (plus anything held back) and delivers them.
    fn decode(&mut self, ctl: &mut Ctl, data: &[u8]) -> bool {
        self.decode_from(ctl, data, None)
    }

    /// `decode` of `data` that is the start of the heap message `chunk` (the read buffer):
    /// frames wholly in it share it.
    fn decode_from(&mut self, ctl: &mut Ctl, data: &[u8], chunk: Option<&Msg>) -> bool {
        let c = self.conn.as_mut().expect("connected");
        // Bytes held back go first; without any, `data` is decoded where it lies. (Reading
        // waits while bytes are held back, so both at once is rare: they are then joined.)
        let held = c.pending_in.take();
        let joined;
        let (input, chunk): (&[u8], Option<&Msg>) = match &held {
            None => (data, chunk),
            Some(h) if data.is_empty() => (h.as_slice(), Some(h)),
            Some(h) => {
                let mut v = h.as_slice().to_vec();
                v.extend_from_slice(data);
                joined = v;
                (&joined, None)
            }
        };
        // Each frame is acted on as it is decoded (the decoder is lent out meanwhile, so the
        // session is free to act): a handshake command's outcome applies to the next frame.
        // Decoding stops when the pipe to the socket is full; the rest of the input waits.
        let mut dec = std::mem::replace(&mut c.decoder, Decoder::new(Framing::V3, -1));
        let mut broken = false;
        let r = {
            let mut sink = |f: Frame| {
                if !self.on_frame(ctl, f) {
                    broken = true;
                    return false;
                }
                self.conn.as_ref().is_some_and(|c| !c.read_paused)
            };
            match chunk {
                Some(ch) => dec.decode_shared(ch, 0, input, &mut sink),
                None => dec.decode(input, &mut sink),
            }
        };
        let Some(c) = self.conn.as_mut() else {
            return false;
        };
        c.decoder = dec;
        let consumed = match r {
            Ok(n) if !broken => n,
            _ => return false,
        };
        if consumed < input.len() {
            let rest = input.len() - consumed;
            let kept = match chunk.and_then(|ch| ch.slice(consumed, rest)) {
                Some(m) => m,
                None => match Msg::from_slice(&input[consumed..]) {
                    Ok(m) => m,
                    Err(_) => return false,
                },
            };
            c.pending_in = Some(kept);
        }
        if let Some(p) = self.pipe.as_mut() {
            p.flush();
        }
        true
    }

    /// A frame the mechanism refused after the handshake (CURVE: a replayed nonce, a box
    /// that does not open): libzmq reports it as a handshake protocol failure. False.
    fn traffic_error(&mut self, e: ProtocolError) -> bool {
        if let Some(c) = self.conn.as_mut() {
            let code = e.code() as u32 as u64;
            self.cfg
                .monitor
                .event(monitor::HANDSHAKE_FAILED_PROTOCOL, code, &c.eps);
            c.failed_protocol = true;
        }
        false
    }

    fn on_frame(&mut self, ctl: &mut Ctl, f: Frame) -> bool {
        let c = self.conn.as_mut().expect("connected");
        if c.phase != Phase::Traffic {
            return self.on_handshake_frame(ctl, f);
        }
        match c.unwrap(f) {
            Ok(f) => self.on_traffic(ctl, f),
            Err(e) => self.traffic_error(e),
        }
    }

    /// A frame of the handshake: commands for the mechanism, nothing else.
    fn on_handshake_frame(&mut self, ctl: &mut Ctl, f: Frame) -> bool {
        let phase = self.conn.as_ref().map(|c| c.phase);
        match (phase, f) {
            // Every frame of the handshake goes to the mechanism, as libzmq's do: one that
            // is not a command it expects (a MESSAGE too early, data) is refused with
            // UNEXPECTED_COMMAND.
            (Some(Phase::Handshake), Frame::Command(body) | Frame::Data(body)) => {
                let c = self.conn.as_mut().expect("connected");
                if let Err(e) = c.mech.process_command(body.as_slice()) {
                    match e {
                        // libzmq reports no handshake event for a peer of an incompatible
                        // type (only DISCONNECTED).
                        ProtocolError::IncompatibleSocketType | ProtocolError::Refused(0) => {}
                        // The peer's ERROR carried a ZAP verdict.
                        ProtocolError::Refused(status) => self.cfg.monitor.event(
                            monitor::HANDSHAKE_FAILED_AUTH,
                            u64::from(status),
                            &c.eps,
                        ),
                        e => {
                            let code = e.code() as u32 as u64;
                            self.cfg.monitor.event(
                                monitor::HANDSHAKE_FAILED_PROTOCOL,
                                code,
                                &c.eps,
                            );
                        }
                    }
                    c.failed_protocol = true;
                    return false;
                }
                self.mech_step(ctl)
            }
            _ => false,
        }
    }

    /// A frame of the traffic phase, past the mechanism.
    fn on_traffic(&mut self, ctl: &mut Ctl, f: Frame) -> bool {
        let phase = self.conn.as_ref().map(|c| c.phase);
        match (phase, f) {
            (Some(Phase::Traffic), Frame::Command(body)) => {
                let r = self.on_command(body.as_slice());
                if let Some(ttl) = self.conn.as_mut().and_then(|c| c.ttl_arm.take()) {
                    ctl.set_timer(ttl, TIMER_HB_TTL | self.conn_gen << 8);
                }
                match r {
                    Some(ok) => ok,
                    None => {
                        // The pipe is full: the command waits, first in line, and reading
                        // pauses until the socket makes room (ActivateWrite).
                        let c = self.conn.as_mut().expect("connected");
                        c.held.push_front(Frame::Command(body));
                        c.read_paused = true;
                        true
                    }
                }
            }
            (Some(Phase::Traffic), Frame::Data(mut msg))
                if self.conn.as_ref().is_some_and(|c| c.expect_identity) =>
            {
                // A 1.0/2.0 peer's identity message.
                let c = self.conn.as_mut().expect("connected");
                c.expect_identity = false;
                let v1 = c.framing == Framing::V1;
                msg.set_more(false);
                self.deliver_identity(msg.as_slice());
                // 1.0 subscribers never send subscriptions: a publisher takes the peer as
                // subscribed to everything.
                if v1 && matches!(self.cfg.kind, SocketType::Pub | SocketType::XPub) {
                    if let Some(p) = self.pipe.as_mut() {
                        p.write(Msg::from_slice(&[1]).unwrap_or_default());
                        p.flush();
                    }
                }
                true
            }
            (Some(Phase::Traffic), Frame::Data(msg)) => {
                let c = self.conn.as_mut().expect("connected");
                let mut msg = msg;
                if let Some(x) = c.extras.as_mut() {
                    x.attach(&mut msg);
                }
                let more = msg.more();
                let Some(p) = self.pipe.as_mut() else {
                    // No socket to take it (it is going): dropped.
                    c.partial.clear();
                    return true;
                };
                if more {
                    c.partial.push(msg);
                    return true;
                }
                // Whole messages only; a full pipe pauses reading (the bytes wait).
                if !p.check_write() {
                    c.partial.push(msg);
                    c.read_paused = true;
                    return true;
                }
                if !c.partial.is_empty() {
                    for m in c.partial.drain(..) {
                        p.write(m);
                    }
                }
                p.write(msg);
                true
            }
            _ => false,
        }
    }

    /// Handles a command of the traffic phase: Some(false) ends the connection, None means
    /// the pipe is full and the command must wait.
    fn on_command(&mut self, body: &[u8]) -> Option<bool> {
        let Ok(cmd) = command::parse_traffic(body) else {
            return Some(false);
        };
        let sub = |first: u8, topic: &[u8]| {
            let mut v = Vec::with_capacity(topic.len() + 1);
            v.push(first);
            v.extend_from_slice(topic);
            Msg::from_slice(&v).ok()
        };
        let c = self.conn.as_mut().expect("connected");
        match cmd {
            // Only publishers take subscriptions; to any other socket they would read as a
            // message nobody sent, so they are ignored.
            Traffic::Subscribe(_) | Traffic::Cancel(_)
                if !matches!(self.cfg.kind, SocketType::Pub | SocketType::XPub) =>
            {
                Some(true)
            }
            Traffic::Subscribe(t) | Traffic::Cancel(t) => {
                let first = matches!(cmd, Traffic::Subscribe(_)) as u8;
                if let Some(p) = self.pipe.as_mut() {
                    if !p.check_write() {
                        // Subscriptions are not lost to a full pipe: they wait, like data.
                        // Only inside a peer's unfinished multipart message (which no
                        // well-behaved peer interleaves with commands) is one dropped.
                        return if c.partial.is_empty() {
                            None
                        } else {
                            Some(true)
                        };
                    }
                    if let Some(m) = sub(first, t) {
                        p.write(m);
                    }
                }
                Some(true)
            }
            Traffic::Ping { context, ttl } => {
                // A TTL asks us to drop the peer if nothing comes within it.
                if ttl > 0 && c.ttl_at.is_none() {
                    let d = Duration::from_millis(u64::from(ttl) * 100);
                    c.ttl_at = Some(Instant::now() + d);
                    c.ttl_arm = Some(d);
                }
                // A peer that pings without reading our PONGs must not grow the output
                // without bound: with the output this full, the PONG is left out (the peer
                // is not reading; the data it waits for is liveness enough).
                if c.out.len() - c.out_pos < OUT_HIGH {
                    c.encode_command(&command::pong(context));
                }
                Some(true)
            }
            Traffic::Error(_) => Some(false),
            _ => Some(true),
        }
    }

    /// Moves messages from the pipe into the output buffer.
    fn pull_output(&mut self) {
        let (Some(c), Some(p)) = (self.conn.as_mut(), self.pipe.as_mut()) else {
            return;
        };
        if c.phase != Phase::Traffic {
            return;
        }
        // Each part is read into `m` (the previous one released then), not moved out.
        let mut m = Msg::new();
        while c.out.len() - c.out_pos < OUT_HIGH && c.out_body.is_none() {
            // Awake: `pump` looks again after writing and marks the pipe asleep only when
            // it stops (`check_read`).
            match p.read_into_awake(&mut m) {
                ReadInto::Got if self.skip_out_rest => {
                    // The rest of a message whose start went to a connection now gone.
                    self.skip_out_rest = m.more();
                }
                ReadInto::Got => {
                    if m.flags() & Msg::IS_ROUTING_ID != 0 {
                        continue;
                    }
                    let more = m.more();
                    let first = std::mem::replace(&mut c.out_first, !more);
                    let body = m.as_slice();
                    // SUB subscriptions go to 3.1 peers as commands, to 3.0 as data; those
                    // of SUB and XSUB in force are remembered for the next connection (and
                    // resent then as SUB's are, as libzmq resends them).
                    let is_sub = first
                        && !more
                        && matches!(self.cfg.kind, SocketType::Sub | SocketType::XSub)
                        && matches!(body.first(), Some(0) | Some(1));
                    if is_sub {
                        let (subscribe, topic) = (body[0] == 1, &body[1..]);
                        if subscribe {
                            *self.subscriptions.entry(topic.to_vec()).or_default() += 1;
                        } else if let Some(n) = self.subscriptions.get_mut(topic) {
                            *n -= 1;
                            if *n == 0 {
                                self.subscriptions.remove(topic);
                            }
                        }
                        if self.cfg.kind == SocketType::Sub {
                            encode_subscription(c, subscribe, topic);
                        } else {
                            // XSUB sends what its user wrote, a message, to any peer (as
                            // libzmq; the peer reads both forms).
                            let Ok(m) = c.wrap(std::mem::take(&mut m)) else {
                                break;
                            };
                            frame::encode(&mut c.out, c.framing, m.as_slice(), false, false);
                        }
                    } else if !c.mech_transforms && m.len() < WRITE_THROUGH {
                        // The usual case: copied into the batch from where it lies.
                        frame::encode(&mut c.out, c.framing, m.as_slice(), more, false);
                    } else {
                        let Ok(m) = c.wrap(std::mem::take(&mut m)) else {
                            break;
                        };
                        let body = m.as_slice();
                        if body.len() >= WRITE_THROUGH {
                            // Written from the message itself, after what is buffered;
                            // nothing more is taken until it is out.
                            frame::encode_header(&mut c.out, c.framing, body.len(), more, false);
                            c.out_body = Some((m, 0));
                            break;
                        } else {
                            frame::encode(&mut c.out, c.framing, body, more, false);
                        }
                    }
                }
                ReadInto::Empty => break,
                ReadInto::Ended => {
                    // The socket closed: deliver what is buffered, then finish.
                    self.draining = true;
                    self.drained = true;
                    break;
                }
            }
        }
    }

    /// Writes the output buffer; adds the bytes written to `*written`. False if the
    /// connection broke.
    fn write_output(&mut self, ctl: &mut Ctl, written: &mut usize) -> bool {
        let Some(c) = self.conn.as_mut() else {
            return true;
        };
        if !conn::write_out_body(
            &mut c.stream,
            &mut c.out,
            &mut c.out_pos,
            &mut c.out_body,
            written,
        ) {
            c.err.get_or_insert(libc::EPIPE);
            return false;
        }
        let want_write =
            c.out_pos < c.out.len() || c.out_body.is_some() || c.phase == Phase::Connecting;
        conn::set_write_interest(ctl, &mut c.stream, &mut c.writable_interest, want_write);
        true
    }

    /// Runs the session after any event: read, move output, write; handles the end.
    fn pump(&mut self, ctl: &mut Ctl, readable: bool) {
        if self.conn.as_ref().is_some_and(|c| c.zap.is_some()) && !self.read_zap(ctl) {
            self.disconnected(ctl);
            return;
        }
        if self.conn.is_some() && readable && !self.read_input(ctl) {
            self.disconnected(ctl);
            return;
        }
        // A turn writes about WRITE_TURN bytes (not counting large bodies), in at most
        // TURN_ROUNDS rounds; then the reactor serves the other ready sources before this
        // one goes on (`resume`).
        let mut written = 0;
        for round in 1.. {
            self.pull_output();
            let big = self
                .conn
                .as_ref()
                .and_then(|c| c.out_body.as_ref())
                .is_some_and(|(m, _)| m.len() >= WRITE_TURN);
            let mut n = 0;
            if !self.write_output(ctl, &mut n) {
                self.disconnected(ctl);
                return;
            }
            if !big {
                written += n;
            }
            let more_to_pull = !self.drained
                && self
                    .conn
                    .as_ref()
                    .is_some_and(|c| c.phase == Phase::Traffic && c.out_idle())
                && self.pipe.as_mut().is_some_and(|p| p.check_read());
            if !more_to_pull {
                break;
            }
            if written >= WRITE_TURN || round >= conn::TURN_ROUNDS {
                self.turn_pending = true;
                ctl.resume();
                break;
            }
        }
        if self.drained && self.conn.as_ref().is_none_or(|c| c.out_idle()) {
            self.finish(ctl);
        }
    }
}

impl Session {
    /// A heartbeat timer of the current connection fired.
    fn heartbeat_timer(&mut self, ctl: &mut Ctl, which: u64) {
        let now = Instant::now();
        let Some(c) = self.conn.as_mut() else {
            return;
        };
        if c.phase != Phase::Traffic {
            return;
        }
        match which {
            TIMER_HB_IVL => {
                // A PING with our TTL, no context; then expect to hear back within the
                // timeout (one timeout at a time: it is not pushed back by later PINGs).
                if c.out.len() - c.out_pos < OUT_HIGH {
                    c.encode_command(&command::ping(self.cfg.heartbeat_ttl, &[]));
                }
                let gen = self.conn_gen << 8;
                if c.hb_timeout_at.is_none() && self.cfg.heartbeat_timeout > 0 {
                    let d = Duration::from_millis(self.cfg.heartbeat_timeout as u64);
                    c.hb_timeout_at = Some(now + d);
                    ctl.set_timer(d, TIMER_HB_TIMEOUT | gen);
                }
                let ivl = Duration::from_millis(self.cfg.heartbeat_ivl as u64);
                ctl.set_timer(ivl, TIMER_HB_IVL | gen);
                self.pump(ctl, false);
            }
            _ => {
                // Expired only if no input came meanwhile (input clears the deadline; a
                // later deadline moved this timer to it).
                let at = if which == TIMER_HB_TIMEOUT {
                    c.hb_timeout_at
                } else {
                    c.ttl_at
                };
                if at.is_some_and(|at| at <= now) {
                    c.err = Some(libc::ETIMEDOUT);
                    self.disconnected(ctl);
                }
            }
        }
    }
}

/// The addresses of a connection for monitor events: the bound or connected endpoint on its
/// own side, the socket's addresses where tcp knows them.
pub(super) fn conn_endpoints(stream: &Stream, endpoint: &str, bind_side: bool) -> Endpoints {
    let (local, remote) = match stream {
        Stream::Tcp(s) => (
            s.local_addr().map(|a| address::tcp_endpoint(&a)).ok(),
            s.peer_addr().map(|a| address::tcp_endpoint(&a)).ok(),
        ),
        _ => (None, None),
    };
    if bind_side {
        Endpoints {
            local: local.unwrap_or_else(|| endpoint.to_owned()),
            remote: remote.unwrap_or_default(),
            bind_side,
        }
    } else {
        Endpoints {
            local: local.unwrap_or_default(),
            remote: endpoint.to_owned(),
            bind_side,
        }
    }
}

/// Ends the pipe to the ZAP handler, if one is open.
fn end_zap_pipe(ctl: &mut Ctl, c: &mut Conn) {
    if let Some(mut p) = c.zap.take() {
        ctl.disown_key(p.id());
        p.terminate(false);
    }
}

/// Ends a ZAP exchange: the pipe, and any part of a reply read.
fn end_zap(ctl: &mut Ctl, c: &mut Conn) {
    end_zap_pipe(ctl, c);
    c.zap_in.clear();
}

/// Appends a subscription (or cancel) for `topic`: a command to a 3.1 peer, a message
/// (`01`/`00` + topic) to a 3.0 peer.
fn encode_subscription(c: &mut Conn, subscribe: bool, topic: &[u8]) {
    if c.peer_31 {
        let cmd = if subscribe {
            command::subscribe(topic)
        } else {
            command::cancel(topic)
        };
        c.encode_command(&cmd);
    } else {
        let mut body = Vec::with_capacity(topic.len() + 1);
        body.push(subscribe as u8);
        body.extend_from_slice(topic);
        // A message like any other: the mechanism wraps it (CURVE encrypts).
        if let Some(Ok(m)) = Msg::from_slice(&body).ok().map(|m| c.wrap(m)) {
            let framing = c.framing;
            frame::encode(c.out_mut(), framing, m.as_slice(), false, false);
        }
    }
}

impl IoObject for Session {
    fn start(&mut self, ctl: &mut Ctl) {
        if let Some(k) = self.key {
            ctl.own_key(k);
        }
        let mut socket_gone = false;
        if let Some(p) = self.pipe.as_mut() {
            p.set_owner(ctl.mailbox.clone());
            ctl.own_key(p.id());
            // The socket may have closed before we had an owner to be told.
            socket_gone = p.peer_gone();
        }
        if socket_gone {
            self.command(ctl, Command::PipeTerm(0));
            if self.done {
                return;
            }
        }
        match self.conn.as_mut() {
            Some(c) => {
                if self.cfg.handshake_ivl > 0 {
                    ctl.set_timer(
                        Duration::from_millis(self.cfg.handshake_ivl as u64),
                        TIMER_HANDSHAKE | self.conn_gen << 8,
                    );
                }
                // Accepted: our signature goes out first.
                c.out
                    .extend_from_slice(&greeting::signature(self.cfg.routing_id.len()));
                let ok = ctl
                    .registry()
                    .register(&mut c.stream, ctl.token, Interest::READABLE)
                    .is_ok();
                if !ok {
                    self.finish(ctl);
                    return;
                }
                self.pump(ctl, false);
            }
            None => self.try_connect(ctl),
        }
    }

    fn ready(&mut self, ctl: &mut Ctl, readable: bool, writable: bool) {
        if let Some(c) = self.conn.as_mut() {
            if c.phase == Phase::Connecting {
                if !writable && !readable {
                    return;
                }
                match c.stream.connected() {
                    Ok(true) => {
                        c.phase = Phase::Signature;
                        c.eps = conn_endpoints(&c.stream, &self.cfg.endpoint, false);
                        self.cfg.monitor.event(
                            monitor::CONNECTED,
                            c.stream.raw_fd() as u64,
                            &Endpoints::connecting(&self.cfg.endpoint),
                        );
                        c.out
                            .extend_from_slice(&greeting::signature(self.cfg.routing_id.len()));
                    }
                    Ok(false) => return,
                    Err(e) if self.stop_on(&e) => return self.finish(ctl),
                    Err(_) => {
                        self.disconnected(ctl);
                        return;
                    }
                }
            }
        }
        self.pump(ctl, readable);
    }

    fn command(&mut self, ctl: &mut Ctl, cmd: Command) {
        match cmd {
            Command::ActivateRead(_) if self.turn_pending => {}
            Command::ActivateRead(_) => self.pump(ctl, false),
            Command::ActivateWrite(_) => {
                let paused = self.conn.as_mut().map(|c| {
                    let was = c.read_paused;
                    c.read_paused = false;
                    was
                });
                if paused == Some(true) {
                    // Deliver the held message, then what was held back, then read on.
                    let held = self.conn.as_mut().map(|c| std::mem::take(&mut c.partial));
                    if let (Some(parts), Some(p)) = (held, self.pipe.as_mut()) {
                        if !parts.is_empty() {
                            if p.check_write() {
                                for m in parts {
                                    p.write(m);
                                }
                                p.flush();
                            } else if let Some(c) = self.conn.as_mut() {
                                c.partial = parts;
                                c.read_paused = true;
                                return;
                            }
                        }
                    }
                    if let Some(p) = self.pipe.as_mut() {
                        p.flush();
                    }
                    while let Some(f) = self.conn.as_mut().and_then(|c| {
                        if c.read_paused {
                            None
                        } else {
                            c.held.pop_front()
                        }
                    }) {
                        if !self.on_traffic(ctl, f) {
                            self.disconnected(ctl);
                            return;
                        }
                    }
                    if let Some(p) = self.pipe.as_mut() {
                        p.flush();
                    }
                    if self.conn.as_ref().is_some_and(|c| c.read_paused) {
                        return;
                    }
                    let held = self.conn.as_ref().is_some_and(|c| c.pending_in.is_some());
                    if held && !self.decode(ctl, &[]) {
                        self.disconnected(ctl);
                        return;
                    }
                    self.pump(ctl, true);
                }
            }
            // The socket of a ZMQ_IMMEDIATE session is gone (or disconnected): without a
            // pipe there is nothing to deliver; with one, its PipeTerm decides.
            Command::Close(_) if self.pipe.is_none() => self.finish(ctl),
            // The ZAP handler's socket went away while a request was out.
            Command::PipeTerm(id)
                if self
                    .conn
                    .as_ref()
                    .and_then(|c| c.zap.as_ref())
                    .is_some_and(|p| p.id() == id) =>
            {
                self.pump(ctl, false)
            }
            Command::PipeTerm(_) => {
                // The socket went away: deliver what it left for as long as its linger allows.
                let connected = self
                    .conn
                    .as_ref()
                    .is_some_and(|c| c.phase == Phase::Traffic);
                if !conn::start_linger(ctl, &mut self.pipe, connected, TIMER_LINGER) {
                    self.finish(ctl);
                    return;
                }
                self.draining = true;
                self.pump(ctl, false);
            }
            _ => {}
        }
    }

    fn timer(&mut self, ctl: &mut Ctl, id: u64) {
        match id {
            TIMER_RECONNECT if self.conn.is_none() && !self.done => self.try_connect(ctl),
            TIMER_LINGER if self.draining => self.finish(ctl),
            id if id >> 8 == self.conn_gen
                && matches!(id & 0xff, TIMER_HB_IVL | TIMER_HB_TIMEOUT | TIMER_HB_TTL) =>
            {
                self.heartbeat_timer(ctl, id & 0xff)
            }
            id if id & 0xff == TIMER_CONNECT
                && id >> 8 == self.conn_gen
                && self
                    .conn
                    .as_ref()
                    .is_some_and(|c| c.phase == Phase::Connecting) =>
            {
                self.disconnected(ctl)
            }
            id if id & 0xff == TIMER_HANDSHAKE && id >> 8 == self.conn_gen => {
                let stalled = self
                    .conn
                    .as_mut()
                    .filter(|c| c.phase != Phase::Traffic)
                    .map(|c| c.err = Some(libc::EAGAIN))
                    .is_some();
                if stalled {
                    self.disconnected(ctl);
                }
            }
            _ => {}
        }
    }

    fn resume(&mut self, ctl: &mut Ctl) {
        self.turn_pending = false;
        self.pump(ctl, false);
    }

    fn done(&self) -> bool {
        self.done
    }
}
