//! Sockets. `Socket` is the part every type shares: the link to the context, the command
//! mailbox (whose eventfd is ZMQ_FD), options, blocking with timeouts, ETERM, endpoints and
//! the table of pipes. What differs between types (routing) is a `Pattern` from `types`.

pub mod kind;
pub mod parts;
pub mod pattern;
pub mod pipes;
pub mod types;

use std::os::fd::AsRawFd;
use std::os::raw::c_int;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::capi::consts::{ZMQ_DONTWAIT, ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_SNDMORE};
use crate::ctx::{Ctx, InprocPeer};
use crate::error::{Error, Result};
use crate::io::listener::{Listener, Listening};
use crate::io::reactor::new_key;
use crate::io::session::{Session, SessionConfig, Target};
use crate::io::IoThread;
use crate::monitor::{self, Endpoints, Monitor};
use crate::msg::Msg;
use crate::options::Options;
use crate::pipe::duplex::Pipe;
use crate::pipe::mailbox::{Command, Mailbox};
use crate::transport::address;
use crate::transport::sockopts::SockOpts;
pub use kind::SocketType;
use pattern::Pattern;
use pipes::Pipes;

/// Rounds a blocking receive watches an empty queue before marking it asleep (about two
/// microseconds: several messages' time for a writer in full flow).
const RECV_PATIENCE: u32 = 8;

/// A listener of this socket, on an I/O thread.
struct Bound {
    /// The endpoint as given to zmq_bind, and as resolved (ZMQ_LAST_ENDPOINT).
    given: String,
    resolved: String,
    key: u64,
    io: Arc<IoThread>,
    fd: c_int,
    /// The ipc socket file to remove when it closes, and whether its directory was made
    /// for it (`ipc://*`) and goes too.
    ipc_file: Option<String>,
    tmp_dir: bool,
}

pub struct Socket {
    ctx: Arc<Ctx>,
    id: u64,
    kind: SocketType,
    mailbox: Arc<Mailbox>,
    /// Set once the context told us to stop: every later call but close gives ETERM.
    ctx_terminated: bool,
    /// Commands handled so far (see `commands_handled`).
    commands: u64,
    pub options: Options,
    pipes: Pipes,
    pattern: Box<dyn Pattern>,
    /// The last part received had MORE set (ZMQ_RCVMORE).
    rcvmore: bool,
    /// ZMQ_LAST_ENDPOINT.
    last_endpoint: String,
    /// Network listeners.
    listeners: Vec<Bound>,
    /// Connecting sessions made under ZMQ_IMMEDIATE (endpoint, key, I/O thread): they have
    /// no pipe until their connection is up, so they are told directly when to end.
    immediate: Vec<(String, u64, Arc<IoThread>)>,
    /// Where monitor events go (shared with this socket's sessions and listeners).
    monitor: Arc<Monitor>,
}

/// Splits "proto://address"; EINVAL if either part is missing.
fn parse_endpoint(addr: &str) -> Result<(&str, &str)> {
    let (proto, rest) = addr.split_once("://").ok_or(Error::INVAL)?;
    if proto.is_empty() || rest.is_empty() {
        return Err(Error::INVAL);
    }
    Ok((proto, rest))
}

impl Socket {
    pub fn new(ctx: &Arc<Ctx>, raw_type: c_int) -> Result<Socket> {
        let kind = SocketType::from_raw(raw_type).ok_or(Error::INVAL)?;
        let mailbox = Arc::new(Mailbox::new()?);
        let (id, defaults) = ctx.add_socket(mailbox.clone())?;
        Ok(Socket {
            ctx: ctx.clone(),
            id,
            kind,
            mailbox,
            ctx_terminated: false,
            commands: 0,
            options: Options::for_socket(kind, &defaults),
            pipes: Pipes::default(),
            pattern: types::make(kind),
            rcvmore: false,
            last_endpoint: String::new(),
            listeners: Vec::new(),
            immediate: Vec::new(),
            monitor: Monitor::new(),
        })
    }

    /// This socket's monitor event sink.
    pub fn monitor(&self) -> &Arc<Monitor> {
        &self.monitor
    }

    pub fn kind(&self) -> SocketType {
        self.kind
    }

    pub fn ctx(&self) -> &Arc<Ctx> {
        &self.ctx
    }

    /// The ZMQ_FD descriptor.
    pub fn fd(&self) -> c_int {
        self.mailbox.fd()
    }

    pub fn rcvmore(&self) -> bool {
        self.rcvmore
    }

    pub fn last_endpoint(&self) -> &str {
        &self.last_endpoint
    }

    /// ZMQ_TOPICS_COUNT (PUB, XPUB, SUB, XSUB); None for the other types.
    pub fn topics_count(&self) -> Option<c_int> {
        self.pattern.topics_count()
    }

    /// Drops the pipes the routing found ended.
    #[inline]
    fn reap(&mut self) {
        if !self.pipes.any_ended() {
            return;
        }
        for i in self.pipes.take_ended() {
            self.pattern.detach(&mut self.pipes, i);
            self.pipes.remove(i);
        }
    }

    fn attach_pipe(&mut self, mut pipe: Pipe) {
        pipe.set_owner(self.mailbox.clone());
        let i = self.pipes.insert(pipe);
        self.pattern.attach(&mut self.pipes, i, &self.options);
        self.reap();
    }

    /// How many commands this socket has handled: each may have changed its ZMQ_EVENTS, and
    /// the ZMQ_FD readiness that announced it is gone once it is handled. A caller that
    /// decided to wait on ZMQ_FD and then made the socket handle commands (any call does)
    /// sees here that it must look at ZMQ_EVENTS again before it sleeps.
    pub fn commands_handled(&self) -> u64 {
        self.commands
    }

    fn handle(&mut self, cmd: Command) {
        self.commands = self.commands.wrapping_add(1);
        match cmd {
            Command::Stop => self.ctx_terminated = true,
            Command::ActivateRead(id) => {
                if let Some(i) = self.pipes.index_of(id) {
                    self.pattern.read_activated(&mut self.pipes, i);
                }
            }
            Command::ActivateWrite(id) => {
                if let Some(i) = self.pipes.index_of(id) {
                    self.pattern.write_activated(&mut self.pipes, i);
                }
            }
            Command::PipeTerm(id) => {
                if let Some(i) = self.pipes.index_of(id) {
                    // Messages the peer left (linger) are still read; otherwise the pipe goes.
                    if self.pipes.check_read(i) {
                        self.pattern.read_activated(&mut self.pipes, i);
                    } else {
                        self.pipes.mark_ended(i);
                    }
                }
            }
            Command::Attach(pipe) => self.attach_pipe(*pipe),
            // I/O-thread commands never reach a socket.
            Command::Spawn(_) | Command::Close(_) => {}
        }
        self.reap();
    }

    /// Handles pending commands without waiting; ETERM once the context is shutting down.
    pub fn process_commands(&mut self) -> Result<()> {
        if self.mailbox.has_pending() {
            while let Some(cmd) = self.mailbox.try_recv() {
                self.handle(cmd);
            }
        }
        if self.ctx_terminated {
            return Err(Error::TERM);
        }
        Ok(())
    }

    /// Waits for a command until `deadline` (None = forever) and handles what came.
    /// Ok(false) on timeout; EINTR on a signal; ETERM on shutdown.
    fn wait(&mut self, deadline: Option<Instant>) -> Result<bool> {
        self.mailbox.spin_for_command();
        let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        match self.mailbox.recv(timeout)? {
            Some(cmd) => {
                self.handle(cmd);
                self.process_commands()?;
                Ok(true)
            }
            None => {
                self.process_commands()?;
                Ok(false)
            }
        }
    }

    /// Runs `op` until it stops answering EAGAIN, blocking between tries as the flags and
    /// the timeout allow (libzmq's send/recv loop).
    fn blocking<T>(
        &mut self,
        flags: c_int,
        timeout_ms: c_int,
        mut op: impl FnMut(&mut Socket) -> Result<T>,
    ) -> Result<T> {
        match op(self) {
            Err(Error::AGAIN) => {}
            r => return r,
        }
        if flags & ZMQ_DONTWAIT != 0 || timeout_ms == 0 {
            return Err(Error::AGAIN);
        }
        let deadline =
            (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
        loop {
            let woke = self.wait(deadline)?;
            match op(self) {
                Err(Error::AGAIN) => {}
                r => return r,
            }
            if !woke && deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Error::AGAIN);
            }
        }
    }

    /// Sends one part (ZMQ_SNDMORE in `flags` marks more to come). On success the content
    /// has been taken from `msg`.
    pub fn send(&mut self, msg: &mut Msg, flags: c_int) -> Result<()> {
        self.process_commands()?;
        if !self.kind.can_send() {
            return Err(Error::NOTSUP);
        }
        msg.set_more(flags & ZMQ_SNDMORE != 0);
        let timeout = self.options.sndtimeo;
        self.blocking(flags, timeout, |s| {
            let r = s.pattern.send(&mut s.pipes, msg, &s.options);
            s.reap();
            r
        })
    }

    /// Receives one part.
    pub fn recv(&mut self, flags: c_int) -> Result<Msg> {
        let mut m = Msg::new();
        self.recv_into(flags, &mut m)?;
        Ok(m)
    }

    /// Receives one part into `out` (its old content released; left alone on failure).
    pub fn recv_into(&mut self, flags: c_int, out: &mut Msg) -> Result<()> {
        self.process_commands()?;
        if !self.kind.can_recv() {
            return Err(Error::NOTSUP);
        }
        let timeout = self.options.rcvtimeo;
        // A receive that may block watches an empty queue a moment before marking it asleep:
        // a writer in full flow then needs no activation round trip per message.
        let wait = flags & ZMQ_DONTWAIT == 0 && timeout != 0;
        self.pipes.patience = if wait { RECV_PATIENCE } else { 0 };
        // ZMQ_CONFLATE is the pipes' business (see InprocPeer::conflate).
        let r = self.blocking(flags, timeout, |s| {
            let r = s.pattern.recv_into(&mut s.pipes, &s.options, out);
            s.reap();
            r
        });
        self.pipes.patience = 0;
        r?;
        self.rcvmore = out.more();
        Ok(())
    }

    /// ZMQ_EVENTS.
    pub fn events(&mut self) -> Result<c_int> {
        self.process_commands()?;
        let mut ev = 0;
        if self.pattern.has_in(&mut self.pipes) {
            ev |= ZMQ_POLLIN;
        }
        if self.pattern.has_out(&mut self.pipes) {
            ev |= ZMQ_POLLOUT;
        }
        self.reap();
        Ok(ev)
    }

    /// zmq_setsockopt: the option table, then the routing's reaction (e.g. SUBSCRIBE).
    pub fn set_option(&mut self, option: c_int, val: Option<&[u8]>) -> Result<()> {
        self.options.set_nullable(self.kind, option, val)?;
        self.pattern
            .option_set(&mut self.pipes, option, val.unwrap_or(&[]), &self.options);
        self.reap();
        Ok(())
    }

    fn inproc_peer(&self) -> InprocPeer {
        InprocPeer {
            mailbox: self.mailbox.clone(),
            socket_id: self.id,
            sndhwm: self.options.sndhwm,
            rcvhwm: self.options.rcvhwm,
            routing_id: self.options.routing_id.clone(),
            recv_routing_id: matches!(
                self.kind,
                SocketType::Router | SocketType::Rep | SocketType::Stream
            ),
            // As libzmq's get_effective_conflate_option.
            conflate: self.options.conflate
                && matches!(
                    self.kind,
                    SocketType::Dealer
                        | SocketType::Pull
                        | SocketType::Push
                        | SocketType::Pub
                        | SocketType::Sub
                ),
        }
    }

    pub fn bind(&mut self, addr: &str) -> Result<()> {
        self.process_commands()?;
        let (proto, name) = parse_endpoint(addr)?;
        match proto {
            "inproc" => {
                // The pipes of waiting connects keep no endpoint: as in libzmq, only the
                // connecting side can zmq_disconnect an inproc connection, and unbinding
                // leaves accepted connections alone.
                for pipe in self.ctx.bind_inproc(name, self.inproc_peer())? {
                    self.attach_pipe(pipe);
                }
                self.last_endpoint = addr.to_owned();
                Ok(())
            }
            "tcp" | "ipc" => {
                let io = self.ctx.io_thread()?;
                use crate::transport::listen;
                let so = SockOpts::from_options(&self.options);
                let fd = self.options.use_fd;
                let opened = (|| -> Result<(Listening, Option<String>, String)> {
                    Ok(if proto == "tcp" {
                        let sa = address::tcp_bind_addr(name, self.options.ipv6)?;
                        let l = if fd >= 0 {
                            listen::tcp_from_fd(fd)?
                        } else {
                            listen::tcp(sa, &so)?
                        };
                        let local = l.local_addr()?;
                        (Listening::Tcp(l), None, address::tcp_endpoint(&local))
                    } else if fd >= 0 {
                        address::ipc_addr(name)?;
                        let l = listen::ipc_from_fd(fd)?;
                        // The path the descriptor is bound to, else the address as given.
                        let shown = l
                            .local_addr()
                            .ok()
                            .and_then(|a| a.as_pathname().map(|p| p.display().to_string()))
                            .unwrap_or_else(|| name.to_owned());
                        (Listening::Ipc(l), None, format!("ipc://{shown}"))
                    } else {
                        let (l, path, shown) = listen::ipc(&address::ipc_addr(name)?, &so)?;
                        (Listening::Ipc(l), path, format!("ipc://{shown}"))
                    })
                })();
                if let Err(e) = &opened {
                    self.monitor
                        // libzmq reports the address without its protocol here.
                        .event(monitor::BIND_FAILED, e.0 as u64, &Endpoints::bound(name));
                }
                let (sock, ipc_file, resolved) = opened?;
                let lfd = match &sock {
                    Listening::Tcp(l) => l.as_raw_fd(),
                    Listening::Ipc(l) => l.as_raw_fd(),
                };
                self.monitor
                    .event(monitor::LISTENING, lfd as u64, &Endpoints::bound(&resolved));
                let key = new_key();
                let cfg = Arc::new(self.session_config(&resolved));
                let threads = self.ctx.io_mailboxes()?;
                io.send(Command::Spawn(Box::new(Listener::new(
                    key, sock, cfg, threads,
                ))));
                self.listeners.push(Bound {
                    given: addr.to_owned(),
                    resolved: resolved.clone(),
                    key,
                    io,
                    fd: lfd,
                    ipc_file,
                    tmp_dir: name == "*",
                });
                self.last_endpoint = resolved;
                Ok(())
            }
            _ => Err(Error::PROTONOSUPPORT),
        }
    }

    /// A snapshot of what a network session needs of this socket.
    fn session_config(&self, endpoint: &str) -> SessionConfig {
        let o = &self.options;
        SessionConfig {
            kind: self.kind,
            socket: self.mailbox.clone(),
            routing_id: o.routing_id.clone(),
            metadata: o.metadata.clone(),
            maxmsgsize: o.maxmsgsize,
            sndhwm: o.sndhwm,
            rcvhwm: o.rcvhwm,
            conflate: o.conflate,
            reconnect_ivl: o.reconnect_ivl,
            reconnect_ivl_max: o.reconnect_ivl_max,
            handshake_ivl: o.handshake_ivl,
            linger: o.linger,
            ipv6: o.ipv6,
            heartbeat_ivl: o.heartbeat_ivl,
            heartbeat_ttl: o.heartbeat_ttl,
            heartbeat_timeout: if o.heartbeat_timeout < 0 {
                o.heartbeat_ivl
            } else {
                o.heartbeat_timeout
            },
            monitor: self.monitor.clone(),
            sockopts: SockOpts::from_options(o),
            endpoint: endpoint.to_owned(),
            draining: self.ctx.draining.clone(),
            immediate: o.immediate,
            zap_enabled: o.mechanism != crate::capi::consts::ZMQ_NULL || !o.zap_domain.is_empty(),
            security: crate::zmtp::security::Security::from_options(o),
            zap_domain: o.zap_domain.clone(),
            zap_enforce_domain: o.zap_enforce_domain,
            ctx: Arc::downgrade(&self.ctx),
        }
    }

    pub fn connect(&mut self, addr: &str) -> Result<()> {
        self.process_commands()?;
        let (proto, name) = parse_endpoint(addr)?;
        match proto {
            "inproc" => {
                let mut pipe = self.ctx.connect_inproc(name, self.inproc_peer());
                pipe.endpoint = addr.to_owned();
                let rid = std::mem::take(&mut self.options.typed.connect_routing_id);
                if !rid.is_empty() {
                    pipe.connect_routing_id = Some(rid);
                }
                self.attach_pipe(pipe);
                self.last_endpoint = addr.to_owned();
                Ok(())
            }
            "tcp" | "ipc" => {
                let target = if proto == "tcp" {
                    Target::Tcp(address::tcp_connect_addr(name, self.options.ipv6)?)
                } else {
                    match address::ipc_addr(name)? {
                        address::Ipc::Wildcard => return Err(Error::INVAL),
                        a => Target::Ipc(a),
                    }
                };
                let io = self.ctx.io_thread()?;
                let cfg = Arc::new(self.session_config(addr));
                let rid = std::mem::take(&mut self.options.typed.connect_routing_id);
                let rid = (!rid.is_empty()).then_some(rid);
                if self.options.immediate && self.kind != SocketType::Stream {
                    // ZMQ_IMMEDIATE: no pipe (nothing queues for this peer) until the
                    // connection is up; the session attaches one after each handshake.
                    let key = new_key();
                    let s = Session::connecting_immediate(cfg, target, key, rid);
                    io.send(Command::Spawn(Box::new(s)));
                    self.immediate.push((addr.to_owned(), key, io));
                    self.last_endpoint = addr.to_owned();
                    return Ok(());
                }
                // The pipe exists from now on: messages queue until the connection is up.
                let (mut mine, theirs) = cfg.make_pipe();
                mine.connect_routing_id = rid;
                self.attach_pipe(mine);
                if self.kind == SocketType::Stream {
                    // Raw TCP, no ZMTP (see io/raw.rs).
                    let raw = crate::io::raw::RawSession::connecting(cfg, target, theirs);
                    io.send(Command::Spawn(Box::new(raw)));
                } else {
                    io.send(Command::Spawn(Box::new(Session::connecting(
                        cfg, target, theirs,
                    ))));
                }
                self.last_endpoint = addr.to_owned();
                Ok(())
            }
            _ => Err(Error::PROTONOSUPPORT),
        }
    }

    /// zmq_unbind and zmq_disconnect (libzmq treats them alike): stop listening on a bound
    /// endpoint, or end the connections made to a connected one. ENOENT if neither.
    pub fn term_endpoint(&mut self, addr: &str) -> Result<()> {
        self.process_commands()?;
        let (proto, name) = parse_endpoint(addr)?;
        match proto {
            "inproc" => {
                if self.ctx.unbind_inproc(name, self.id) {
                    return Ok(());
                }
            }
            "tcp" | "ipc" => {
                if let Some(pos) = self
                    .listeners
                    .iter()
                    .position(|b| b.given == addr || b.resolved == addr)
                {
                    let b = self.listeners.remove(pos);
                    let resolved = b.resolved.clone();
                    self.close_listener(b);
                    // As libzmq, the connections the listener accepted end with it.
                    self.end_pipes_of(&resolved);
                    return Ok(());
                }
            }
            _ => return Err(Error::PROTONOSUPPORT),
        }
        let before = self.immediate.len();
        self.immediate.retain(|(ep, key, io)| {
            let mine = ep == addr;
            if mine {
                io.send(Command::Close(*key));
            }
            !mine
        });
        if self.end_pipes_of(addr) || self.immediate.len() != before {
            Ok(())
        } else {
            Err(Error(libc::ENOENT))
        }
    }

    /// Stops a listener: CLOSED, or CLOSE_FAILED with the errno when the socket file and
    /// directory an `ipc://*` bind made cannot be removed. As libzmq, the file of a named
    /// ipc path stays (the next bind there replaces it).
    fn close_listener(&mut self, b: Bound) {
        b.io.send(Command::Close(b.key));
        let mut failed = None;
        if let (Some(path), true) = (&b.ipc_file, b.tmp_dir) {
            let removed = std::fs::remove_file(path).and_then(|()| {
                let dir = std::path::Path::new(path).parent();
                dir.map_or(Ok(()), std::fs::remove_dir)
            });
            if let Err(e) = removed {
                failed = Some(e.raw_os_error().unwrap_or(libc::EIO));
            }
        }
        let eps = Endpoints::bound(&b.resolved);
        match failed {
            Some(err) => self.monitor.event(monitor::CLOSE_FAILED, err as u64, &eps),
            None => self.monitor.event(monitor::CLOSED, b.fd as u64, &eps),
        }
    }

    #[cfg_attr(not(feature = "draft"), allow(dead_code))]
    /// zmq_socket_monitor_pipes_stats: a PIPES_STATS event per pipe with the messages queued
    /// out and in. EINVAL unless the monitor asks for them, EAGAIN without pipes (libzmq's).
    pub fn pipes_stats(&mut self) -> Result<()> {
        self.process_commands()?;
        if !self.monitor.wants(monitor::PIPES_STATS) {
            return Err(Error::INVAL);
        }
        let pipes = self.pipes.indices();
        if pipes.is_empty() {
            return Err(Error::AGAIN);
        }
        for i in pipes {
            let Some(p) = self.pipes.get(i) else { continue };
            let (out, inbound) = p.queue_stats();
            let bound = self.listeners.iter().any(|b| b.resolved == p.endpoint);
            let eps = if bound {
                Endpoints::bound(&p.endpoint)
            } else {
                Endpoints::connecting(&p.endpoint)
            };
            self.monitor
                .emit(monitor::PIPES_STATS, &[out, inbound], &eps);
        }
        Ok(())
    }

    /// Ends the pipes of an endpoint; false if it had none.
    fn end_pipes_of(&mut self, endpoint: &str) -> bool {
        let mine: Vec<usize> = self
            .pipes
            .indices()
            .into_iter()
            .filter(|&i| self.pipes.get(i).is_some_and(|p| p.endpoint == endpoint))
            .collect();
        let any = !mine.is_empty();
        for i in mine {
            self.pattern.detach(&mut self.pipes, i);
            if let Some(mut p) = self.pipes.remove(i) {
                p.terminate(true);
            }
        }
        any
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ctx.unbind_all_inproc(self.id);
        for b in std::mem::take(&mut self.listeners) {
            self.close_listener(b);
        }
        // Whether the peer still reads what we sent is the reader's choice, not our
        // ZMQ_LINGER: libzmq ends a closing socket's pipes with a delimiter, and an inproc
        // peer reads up to it whatever the linger (linger only bounds how long a network
        // session keeps sending, and a session decides that on its own end of the pipe).
        for i in self.pipes.indices() {
            if let Some(mut p) = self.pipes.remove(i) {
                p.set_linger(self.options.linger);
                let network = p.endpoint.starts_with("tcp://") || p.endpoint.starts_with("ipc://");
                if network && self.options.linger != 0 {
                    // zmq_ctx_term waits for the session to deliver what we leave it.
                    self.ctx.draining.add();
                    if !p.claim_drain() {
                        self.ctx.draining.sub();
                    }
                }
                p.terminate(true);
            }
        }
        for (_, key, io) in self.immediate.drain(..) {
            io.send(Command::Close(key));
        }
        // Commands still queued, or sent from now on, are dropped: a pipe a session attached
        // meanwhile ends with them, so its session does not wait for a reader that is gone.
        self.mailbox.close();
        self.monitor.stop();
        self.ctx.remove_socket(self.id);
    }
}
