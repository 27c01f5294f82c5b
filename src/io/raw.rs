//! A raw session: one connection of a STREAM socket, on an I/O thread. No greeting, no
//! handshake, no framing: the bytes of each read become one message on the pipe (at most
//! `READ_CHUNK` bytes, as libzmq's raw decoder hands over what one read brought), and the
//! bytes of each message taken from the pipe are written to the connection as they are.
//!
//! How the STREAM socket learns what happens to its connections (all through the pipe, so
//! it stays in order with the data):
//! - The socket gives every pipe its routing id when the pipe attaches (a connecting pipe at
//!   `zmq_connect`, an accepted one when the connection is accepted); no routing-id message
//!   travels here.
//! - When a connection is up, and again when it ends, this session writes an *empty*
//!   message. Data is never empty (a read of 0 bytes is the end of the stream), so every empty
//!   message from a raw session is a connect/disconnect notification; the STREAM pattern turns
//!   it into [routing id, ""] or drops it (ZMQ_STREAM_NOTIFY = 0).
//! - The socket asks to close a connection ([id, ""] sent) by ending its end of the pipe with
//!   a delimiter, as it does when it is closed or disconnects: the session writes everything
//!   that came before the delimiter, then closes the connection. A session whose socket
//!   closed honours the socket's ZMQ_LINGER, as the ZMTP session does.
//! - When the connection ends, an accepted session ends its pipe (after the disconnect
//!   notification); a connecting session keeps its pipe and connects again after
//!   ZMQ_RECONNECT_IVL (with the same routing id, and a new connect notification), as libzmq.

use std::ffi::CString;
use std::sync::Arc;

use mio::Interest;

use super::conn;
use super::reactor::{Ctl, IoObject};
use super::session::{conn_endpoints, Session, SessionConfig, Target};
use super::stream::Stream;
use crate::monitor::{self, Endpoints};
use crate::msg::{Metadata, Msg};
use crate::pipe::duplex::{Pipe, ReadInto};
use crate::pipe::mailbox::Command;

const TIMER_RECONNECT: u64 = 2;
const TIMER_LINGER: u64 = 3;
/// The most one read takes (libzmq's ZMQ_IN_BATCH_SIZE default, the raw decoder's buffer).
const READ_CHUNK: usize = 8192;
/// Stop taking messages from the pipe past this much unwritten output.
const OUT_HIGH: usize = 256 * 1024;

struct RawConn {
    stream: Stream,
    /// A connect in progress.
    connecting: bool,
    /// Peer-Address of the data messages (tcp only).
    metadata: Option<Arc<Metadata>>,
    out: Vec<u8>,
    out_pos: usize,
    /// The pipe towards the socket was full: reading waits for ActivateWrite.
    read_paused: bool,
    writable_interest: bool,
    /// The addresses monitor events report for this connection.
    eps: Endpoints,
    /// The errno that ended the connection (EPIPE for the peer's close).
    err: i32,
}

impl RawConn {
    fn new(stream: Stream, connecting: bool) -> RawConn {
        RawConn {
            stream,
            connecting,
            metadata: None,
            out: Vec::new(),
            out_pos: 0,
            read_paused: false,
            writable_interest: connecting,
            eps: Endpoints::default(),
            err: libc::EPIPE,
        }
    }

    fn pending_out(&self) -> bool {
        self.out_pos < self.out.len()
    }
}

pub struct RawSession {
    cfg: Arc<SessionConfig>,
    target: Option<Target>,
    pipe: Option<Pipe>,
    conn: Option<RawConn>,
    /// The socket closed its end: deliver what is left (as its linger allows), then finish.
    draining: bool,
    /// The delimiter was read: everything the socket sent is in the output buffer.
    drained: bool,
    reconnect_ivl: i32,
    done: bool,
    /// A turn ended with more to write: `resume` goes on with it (see Session).
    turn_pending: bool,
}

impl RawSession {
    /// A session for `zmq_connect` of a STREAM socket, owning the session end of its pipe.
    pub fn connecting(cfg: Arc<SessionConfig>, target: Target, pipe: Pipe) -> RawSession {
        RawSession {
            reconnect_ivl: cfg.reconnect_ivl,
            cfg,
            target: Some(target),
            pipe: Some(pipe),
            conn: None,
            draining: false,
            drained: false,
            done: false,
            turn_pending: false,
        }
    }

    /// A session for a connection a STREAM socket's listener accepted.
    pub fn accepted(cfg: Arc<SessionConfig>, stream: Stream) -> RawSession {
        let eps = conn_endpoints(&stream, &cfg.endpoint, true);
        cfg.monitor.event(
            monitor::ACCEPTED,
            stream.raw_fd() as u64,
            &Endpoints::bound(&cfg.endpoint),
        );
        let mut conn = RawConn::new(stream, false);
        conn.eps = eps;
        RawSession {
            reconnect_ivl: cfg.reconnect_ivl,
            cfg,
            target: None,
            pipe: None,
            conn: Some(conn),
            draining: false,
            drained: false,
            done: false,
            turn_pending: false,
        }
    }

    /// Writes a connect/disconnect notification (an empty message) to the socket. It goes
    /// in even at the high-water mark: the socket must learn of the connection's state.
    fn notify(&mut self) {
        if let Some(p) = self.pipe.as_mut().filter(|p| !p.peer_gone()) {
            p.write(Msg::new());
            p.flush();
        }
    }

    /// The connection is established: traffic starts.
    fn up(&mut self, ctl: &mut Ctl) {
        if let Some(c) = self.conn.as_mut() {
            if c.connecting {
                c.eps = conn_endpoints(&c.stream, &self.cfg.endpoint, false);
                self.cfg.monitor.event(
                    monitor::CONNECTED,
                    c.stream.raw_fd() as u64,
                    &Endpoints::connecting(&self.cfg.endpoint),
                );
            }
            c.connecting = false;
            let addr = c.stream.peer_address();
            if !addr.is_empty() {
                if let (Ok(k), Ok(v)) = (CString::new("Peer-Address"), CString::new(addr)) {
                    c.metadata = Some(Arc::new(Metadata::new(vec![(k, v)])));
                }
            }
        }
        self.reconnect_ivl = self.cfg.reconnect_ivl;
        self.notify();
        self.pump(ctl, true);
    }

    fn try_connect(&mut self, ctl: &mut Ctl) {
        let opened = match self.target.as_ref() {
            Some(t) => Session::open_target(t, &self.cfg),
            None => return self.finish(ctl),
        };
        let Ok(mut stream) = opened else {
            return self.schedule_reconnect(ctl);
        };
        let ok = conn::register_connecting(ctl, &mut stream);
        if matches!(stream, Stream::Tcp(_)) {
            self.cfg.monitor.event(
                monitor::CONNECT_DELAYED,
                libc::EINPROGRESS as u64,
                &Endpoints::connecting(&self.cfg.endpoint),
            );
        }
        self.conn = Some(RawConn::new(stream, true));
        if !ok {
            self.disconnected(ctl);
        }
    }

    fn schedule_reconnect(&mut self, ctl: &mut Ctl) {
        if self.cfg.reconnect_ivl < 0 || self.draining {
            self.finish(ctl);
            return;
        }
        conn::retry_later(ctl, &self.cfg, &mut self.reconnect_ivl, TIMER_RECONNECT);
    }

    /// The connection is gone (EOF, error, or a connect that failed): tell the socket if it
    /// had been up, then reconnect (connecting side) or end (accepted side). Output not yet
    /// written is lost with the connection.
    fn disconnected(&mut self, ctl: &mut Ctl) {
        if let Some(mut c) = self.conn.take() {
            let _ = ctl.registry().deregister(&mut c.stream);
            let fd = c.stream.raw_fd() as u64;
            if c.connecting {
                let eps = Endpoints::connecting(&self.cfg.endpoint);
                self.cfg.monitor.event(monitor::CLOSED, fd, &eps);
            } else {
                // libzmq reports a raw connection's end as a failed handshake too (its
                // raw engine has no mechanism, which it takes for "still handshaking").
                let err = c.err as u64;
                let mon = &self.cfg.monitor;
                mon.event(monitor::HANDSHAKE_FAILED_NO_DETAIL, err, &c.eps);
                mon.event(monitor::DISCONNECTED, fd, &c.eps);
                self.notify();
            }
        }
        if self.target.is_some() && !self.done && !self.drained {
            self.schedule_reconnect(ctl);
        } else {
            self.finish(ctl);
        }
    }

    /// Closes the connection (if any) and ends the pipe; the reactor then drops the session.
    fn finish(&mut self, ctl: &mut Ctl) {
        let stream = self.conn.take().map(|c| c.stream);
        conn::close(ctl, stream, &mut self.pipe, &self.cfg);
        self.done = true;
    }

    /// Reads what the connection has into the pipe, one message per read. False if the
    /// connection ended.
    fn read_input(&mut self) -> bool {
        let mut buf = [0u8; READ_CHUNK];
        loop {
            let (Some(c), Some(p)) = (self.conn.as_mut(), self.pipe.as_mut()) else {
                return true;
            };
            if c.connecting || c.read_paused {
                return true;
            }
            if !p.check_write() {
                if p.peer_gone() {
                    // The socket is gone; nobody reads. Drain the connection meanwhile.
                    return match conn::read_some(&mut c.stream, &mut buf) {
                        Ok(Some(_)) => continue,
                        Ok(None) => true,
                        Err(_) => false,
                    };
                }
                // Full: ActivateWrite resumes reading.
                c.read_paused = true;
                return true;
            }
            let n = match conn::read_some(&mut c.stream, &mut buf) {
                Ok(Some(n)) => n,
                Ok(None) => return true,
                Err(e) => {
                    c.err = e;
                    return false;
                }
            };
            let Ok(mut m) = Msg::from_slice(&buf[..n]) else {
                return false;
            };
            if let Some(md) = c.metadata.as_ref() {
                m.set_metadata(md.clone());
            }
            p.write(m);
            p.flush();
        }
    }

    /// Moves messages from the pipe into the output buffer, as bytes.
    fn pull_output(&mut self) {
        let (Some(c), Some(p)) = (self.conn.as_mut(), self.pipe.as_mut()) else {
            return;
        };
        if c.connecting || self.drained {
            return;
        }
        if c.out_pos == c.out.len() {
            c.out.clear();
            c.out_pos = 0;
        }
        let mut m = Msg::new();
        while c.out.len() - c.out_pos < OUT_HIGH {
            // Awake: `pump` marks the pipe asleep only when it stops (`check_read`).
            match p.read_into_awake(&mut m) {
                ReadInto::Got => {
                    // Only data comes this way; a routing id (an inproc-style peer's) is not
                    // for the wire.
                    if m.flags() & Msg::IS_ROUTING_ID == 0 {
                        c.out.extend_from_slice(m.as_slice());
                    }
                }
                ReadInto::Empty => break,
                ReadInto::Ended => {
                    // Closed by the socket (close request, disconnect, or zmq_close): write
                    // what is buffered, then close the connection.
                    self.drained = true;
                    break;
                }
            }
        }
    }

    /// Writes the output buffer. False if the connection broke.
    fn write_output(&mut self, ctl: &mut Ctl) -> bool {
        let Some(c) = self.conn.as_mut() else {
            return true;
        };
        if c.connecting {
            return true;
        }
        if !conn::write_out(&mut c.stream, &mut c.out, &mut c.out_pos) {
            return false;
        }
        let want_write = c.pending_out();
        conn::set_write_interest(ctl, &mut c.stream, &mut c.writable_interest, want_write);
        true
    }

    /// Runs the session after any event: read, move output, write; handles the end.
    fn pump(&mut self, ctl: &mut Ctl, readable: bool) {
        if self.conn.is_some() && readable && !self.read_input() {
            self.disconnected(ctl);
            return;
        }
        // At most TURN_ROUNDS rounds, then the reactor serves its other sources first.
        for round in 1.. {
            self.pull_output();
            if !self.write_output(ctl) {
                self.disconnected(ctl);
                return;
            }
            // Everything pulled was written and the pipe may hold more: go on.
            let more = !self.drained
                && self
                    .conn
                    .as_ref()
                    .is_some_and(|c| !c.connecting && c.out.is_empty())
                && self.pipe.as_mut().is_some_and(|p| p.check_read());
            if !more {
                break;
            }
            if round >= conn::TURN_ROUNDS {
                self.turn_pending = true;
                ctl.resume();
                break;
            }
        }
        if self.drained && self.conn.as_ref().is_none_or(|c| !c.pending_out()) {
            self.finish(ctl);
        }
    }
}

impl IoObject for RawSession {
    fn start(&mut self, ctl: &mut Ctl) {
        if let Some(p) = self.pipe.as_mut() {
            // Connecting: the socket holds the other end since zmq_connect.
            p.set_owner(ctl.mailbox.clone());
            ctl.own_key(p.id());
            if p.peer_gone() {
                // The socket closed before we had an owner to be told.
                self.command(ctl, Command::PipeTerm(0));
                if self.done {
                    return;
                }
            }
        }
        if self.conn.is_none() {
            self.try_connect(ctl);
            return;
        }
        // Accepted: the pipe is made now (there is no handshake to wait for).
        let (sock_end, mut mine) = self.cfg.make_pipe();
        mine.set_owner(ctl.mailbox.clone());
        ctl.own_key(mine.id());
        self.pipe = Some(mine);
        self.cfg.socket.send(Command::Attach(Box::new(sock_end)));
        let ok = self.conn.as_mut().is_some_and(|c| {
            ctl.registry()
                .register(&mut c.stream, ctl.token, Interest::READABLE)
                .is_ok()
        });
        if !ok {
            self.finish(ctl);
            return;
        }
        self.up(ctl);
    }

    fn ready(&mut self, ctl: &mut Ctl, readable: bool, writable: bool) {
        let connecting = self.conn.as_ref().map(|c| c.connecting);
        if connecting == Some(true) {
            if !readable && !writable {
                return;
            }
            match self.conn.as_ref().map(|c| c.stream.connected()) {
                Some(Ok(true)) => return self.up(ctl),
                Some(Ok(false)) => return,
                _ => return self.disconnected(ctl),
            }
        }
        self.pump(ctl, readable);
    }

    fn command(&mut self, ctl: &mut Ctl, cmd: Command) {
        match cmd {
            Command::ActivateRead(_) if self.turn_pending => {}
            Command::ActivateRead(_) => self.pump(ctl, false),
            Command::ActivateWrite(_) => {
                let was_paused = self
                    .conn
                    .as_mut()
                    .is_some_and(|c| std::mem::replace(&mut c.read_paused, false));
                if was_paused {
                    // Reading stopped before the stream said WouldBlock: read on.
                    self.pump(ctl, true);
                }
            }
            Command::PipeTerm(_) => {
                if self.pipe.is_none() {
                    return;
                }
                // The socket ended its end: a close request or a disconnect (linger -1,
                // deliver everything), or the socket closing (its ZMQ_LINGER).
                let connected = self.conn.as_ref().is_some_and(|c| !c.connecting);
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
            TIMER_LINGER if self.draining && !self.done => self.finish(ctl),
            _ => {}
        }
    }

    fn resume(&mut self, ctl: &mut Ctl) {
        self.turn_pending = false;
        if !self.done {
            self.pump(ctl, false);
        }
    }

    fn done(&self) -> bool {
        self.done
    }
}
