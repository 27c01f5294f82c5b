//! The built-in proxy (`zmq_proxy`, `zmq_proxy_steerable`, `zmq_device`) over the safe API.
//!
//! Behaviour matched (libzmq 4.3.5):
//! - Whole multipart messages go frontend → backend and backend → frontend, in bursts of up to
//!   1000 messages per turn. A direction is only served when its source has a message
//!   (ZMQ_POLLIN) and its destination has room (ZMQ_POLLOUT), so a PULL frontend with a PUSH
//!   backend is one-way without any special case. The same socket may be frontend and backend:
//!   it then forwards to itself, without waiting for ZMQ_POLLOUT.
//! - Sends to the destination, the capture socket and the control socket are blocking sends
//!   (their own ZMQ_SNDTIMEO applies); any error ends the proxy with that error.
//! - Every frame is copied to the capture socket (if any) before it is forwarded, with its
//!   MORE flag.
//! - Statistics count frames, not whole messages: each frame received adds one message and its
//!   size to the source's "in" counters, each frame sent one message and its size to the
//!   destination's "out" counters.
//! - Control commands are single frames: PAUSE, RESUME, TERMINATE (the proxy then returns Ok),
//!   STATISTICS (a reply of 8 native-endian u64 frames). Anything else is ignored. A REP control
//!   socket gets an empty reply to every command but STATISTICS, whose statistics are its reply.
//! - The context shutting down ends the proxy with ETERM (its normal end); a signal during
//!   the wait with EINTR.
//!
//! Waiting is done as zmq_poll does it: `poll(2)` on the sockets' ZMQ_FD (the mailbox eventfd,
//! readable when something may have changed), with the truth taken from `Socket::events()`.
//! The proxy only waits on what can unblock it: the source while it has nothing to read, the
//! destination while it is full, and the control socket. While paused it waits on the control
//! socket alone (libzmq keeps polling the sockets and spins while input is pending).

use std::os::raw::c_int;

use crate::capi::consts::{ZMQ_DONTWAIT, ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_SNDMORE};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::{Socket, SocketType};

/// Messages forwarded in one direction before the other direction gets a turn.
const BURST: usize = 1000;

/// Which socket of a `run` call plays which part. Indices into its socket slice; one socket
/// may play several parts (frontend == backend is a supported setup).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    pub frontend: usize,
    pub backend: usize,
    pub capture: Option<usize>,
    pub control: Option<usize>,
}

/// Frames and bytes through one side of one socket.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub msgs: u64,
    pub bytes: u64,
}

impl Counter {
    fn add(&mut self, bytes: usize) {
        self.msgs += 1;
        self.bytes += bytes as u64;
    }
}

/// What STATISTICS reports.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub frontend_in: Counter,
    pub frontend_out: Counter,
    pub backend_in: Counter,
    pub backend_out: Counter,
}

impl Stats {
    /// The 8 values in the order of the STATISTICS reply.
    pub fn values(&self) -> [u64; 8] {
        [
            self.frontend_in.msgs,
            self.frontend_in.bytes,
            self.frontend_out.msgs,
            self.frontend_out.bytes,
            self.backend_in.msgs,
            self.backend_in.bytes,
            self.backend_out.msgs,
            self.backend_out.bytes,
        ]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Active,
    Paused,
    Terminated,
}

/// Forwards between two distinct sockets until the context ends (ETERM) or an error.
pub fn proxy(
    frontend: &mut Socket,
    backend: &mut Socket,
    capture: Option<&mut Socket>,
) -> Result<()> {
    proxy_steerable(frontend, backend, capture, None)
}

/// As `proxy`, steered by commands on `control`; returns Ok after TERMINATE.
pub fn proxy_steerable(
    frontend: &mut Socket,
    backend: &mut Socket,
    capture: Option<&mut Socket>,
    control: Option<&mut Socket>,
) -> Result<()> {
    let mut socks: Vec<&mut Socket> = vec![frontend, backend];
    let capture = capture.map(|c| {
        socks.push(c);
        socks.len() - 1
    });
    let control = control.map(|c| {
        socks.push(c);
        socks.len() - 1
    });
    run(
        &mut socks,
        Roles {
            frontend: 0,
            backend: 1,
            capture,
            control,
        },
    )
}

/// The general form: `socks` holds each distinct socket once, `roles` says which is which.
/// EINVAL if a role points outside `socks`.
pub fn run(socks: &mut [&mut Socket], roles: Roles) -> Result<()> {
    let n = socks.len();
    let valid = |i: usize| i < n;
    if !valid(roles.frontend)
        || !valid(roles.backend)
        || !roles.capture.is_none_or(valid)
        || !roles.control.is_none_or(valid)
    {
        return Err(Error::INVAL);
    }
    Proxy {
        socks,
        roles,
        state: State::Active,
        stats: Stats::default(),
        wait: vec![None; n],
        pfds: Vec::with_capacity(n),
    }
    .run()
}

/// One side of a forwarding direction.
#[derive(Clone, Copy)]
enum Side {
    Front,
    Back,
}

struct Proxy<'s, 'a> {
    socks: &'s mut [&'a mut Socket],
    roles: Roles,
    state: State,
    stats: Stats,
    /// The sockets to wait on this turn: for each, how many commands it had handled when
    /// the turn first decided to wait on it (see `changed_since_decided`).
    wait: Vec<Option<u64>>,
    pfds: Vec<libc::pollfd>,
}

impl Proxy<'_, '_> {
    fn index(&self, side: Side) -> usize {
        match side {
            Side::Front => self.roles.frontend,
            Side::Back => self.roles.backend,
        }
    }

    fn events(&mut self, i: usize) -> Result<c_int> {
        self.socks[i].events()
    }

    /// Marks socket `i` to be waited on, as just found by a look at its ZMQ_EVENTS.
    fn wait_on(&mut self, i: usize) {
        if self.wait[i].is_none() {
            self.wait[i] = Some(self.socks[i].commands_handled());
        }
    }

    /// True if a socket to be waited on handled commands after the turn decided to wait on
    /// it. Its ZMQ_FD readiness went with them, so a sleep would miss what they changed:
    /// the frontend is found with a request while the backend has no peer yet, and the
    /// other direction's look at the backend then takes in the peer's arrival, so a sleep
    /// on the backend's fd would never end.
    fn changed_since_decided(&self) -> bool {
        self.wait
            .iter()
            .zip(self.socks.iter())
            .any(|(w, s)| w.is_some_and(|at| s.commands_handled() != at))
    }

    fn run(mut self) -> Result<()> {
        let same = self.roles.frontend == self.roles.backend;
        let kind = |p: &Self, s: Side| p.socks[p.index(s)].kind();
        // Directions the socket types allow at all; the others are never waited for.
        let forward_ok = |from: SocketType, to: SocketType| from.can_recv() && to.can_send();
        let f2b = forward_ok(kind(&self, Side::Front), kind(&self, Side::Back));
        let b2f = !same && forward_ok(kind(&self, Side::Back), kind(&self, Side::Front));
        loop {
            self.wait.fill(None);
            // Set when something was received: ZMQ_FD only wakes a reader that found its
            // socket empty, so the loop must look again (ZMQ_EVENTS) before it may sleep.
            let mut moved = false;
            if let Some(c) = self.roles.control {
                if self.events(c)? & ZMQ_POLLIN != 0 {
                    self.handle_control(c)?;
                    if self.state == State::Terminated {
                        return Ok(());
                    }
                    moved = true;
                }
                self.wait_on(c);
            }
            if self.state == State::Active {
                if f2b {
                    moved |= self.turn(Side::Front, Side::Back, same)?;
                }
                if b2f {
                    moved |= self.turn(Side::Back, Side::Front, false)?;
                }
            }
            if moved {
                // Look again before sleeping: more may have come meanwhile.
                continue;
            }
            if self.wait.iter().all(Option::is_none) {
                // Nothing can ever move (e.g. two send-only sockets): still notice the
                // context ending, which every socket's fd reports.
                self.wait_on(self.roles.frontend);
            }
            if self.changed_since_decided() {
                continue;
            }
            self.sleep()?;
        }
    }

    /// One direction's turn: forwards a burst if the source has a message and the destination
    /// room (or they are the same socket); otherwise marks what to wait for. True if it moved
    /// something.
    fn turn(&mut self, from: Side, to: Side, same: bool) -> Result<bool> {
        let (fi, ti) = (self.index(from), self.index(to));
        if self.events(fi)? & ZMQ_POLLIN == 0 {
            self.wait_on(fi);
            return Ok(false);
        }
        if !same && self.events(ti)? & ZMQ_POLLOUT == 0 {
            self.wait_on(ti);
            return Ok(false);
        }
        let moved = self.forward(from, to)?;
        if !moved {
            // POLLIN, yet nothing to receive: wait for the source like when it is empty.
            self.wait_on(fi);
        }
        Ok(moved)
    }

    /// Moves up to BURST whole messages from `from` to `to`, copying each frame to the
    /// capture socket. True if at least one message moved.
    fn forward(&mut self, from: Side, to: Side) -> Result<bool> {
        let (fi, ti) = (self.index(from), self.index(to));
        let mut moved = false;
        for _ in 0..BURST {
            let mut msg = match self.socks[fi].recv(ZMQ_DONTWAIT) {
                Ok(m) => m,
                Err(Error::AGAIN) => break,
                Err(e) => return Err(e),
            };
            loop {
                let more = msg.more();
                let len = msg.len();
                self.count_in(from, len);
                let flags = if more { ZMQ_SNDMORE } else { 0 };
                if let Some(cap) = self.roles.capture {
                    let mut copy = msg.share();
                    self.socks[cap].send(&mut copy, flags)?;
                }
                self.socks[ti].send(&mut msg, flags)?;
                self.count_out(to, len);
                if !more {
                    break;
                }
                // The rest of a message arrives with its first part; a blocking receive
                // only guards against a peer that vanished mid-message.
                msg = self.socks[fi].recv(0)?;
            }
            moved = true;
        }
        Ok(moved)
    }

    fn count_in(&mut self, side: Side, len: usize) {
        match side {
            Side::Front => self.stats.frontend_in.add(len),
            Side::Back => self.stats.backend_in.add(len),
        }
    }

    fn count_out(&mut self, side: Side, len: usize) {
        match side {
            Side::Front => self.stats.frontend_out.add(len),
            Side::Back => self.stats.backend_out.add(len),
        }
    }

    /// Reads and acts on one command from the control socket.
    fn handle_control(&mut self, c: usize) -> Result<()> {
        let cmd = match self.socks[c].recv(ZMQ_DONTWAIT) {
            Ok(m) => m,
            Err(Error::AGAIN) => return Ok(()),
            Err(e) => return Err(e),
        };
        match cmd.as_slice() {
            b"STATISTICS" => {
                let values = self.stats.values();
                for (k, v) in values.iter().enumerate() {
                    let mut frame = Msg::from_slice(&v.to_ne_bytes())?;
                    let flags = if k + 1 < values.len() { ZMQ_SNDMORE } else { 0 };
                    self.socks[c].send(&mut frame, flags)?;
                }
                // The statistics are the reply, also for REP.
                return Ok(());
            }
            b"PAUSE" => self.state = State::Paused,
            b"RESUME" => self.state = State::Active,
            b"TERMINATE" => self.state = State::Terminated,
            _ => {}
        }
        if self.socks[c].kind() == SocketType::Rep {
            // REP must answer every request: an empty reply.
            self.socks[c].send(&mut Msg::new(), 0)?;
        }
        Ok(())
    }

    /// Blocks until one of the marked sockets' ZMQ_FD becomes readable.
    fn sleep(&mut self) -> Result<()> {
        self.pfds.clear();
        for (i, s) in self.socks.iter().enumerate() {
            if self.wait[i].is_some() {
                self.pfds.push(libc::pollfd {
                    fd: s.fd(),
                    events: libc::POLLIN,
                    revents: 0,
                });
            }
        }
        // SAFETY: pfds is a live, initialised array of pfds.len() pollfds for the whole call.
        let rc = unsafe { libc::poll(self.pfds.as_mut_ptr(), self.pfds.len() as libc::nfds_t, -1) };
        if rc < 0 {
            // EINTR (a signal) ends the proxy, as libzmq's poller wait does.
            return Err(Error::last_os());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capi::consts::{
        ZMQ_DEALER, ZMQ_PAIR, ZMQ_PULL, ZMQ_PUSH, ZMQ_RCVTIMEO, ZMQ_REP, ZMQ_REQ, ZMQ_ROUTER,
    };
    use crate::ctx::Ctx;
    use std::sync::Arc;

    fn sock(ctx: &Arc<Ctx>, kind: c_int) -> Socket {
        let mut s = Socket::new(ctx, kind).unwrap();
        s.set_option(ZMQ_RCVTIMEO, Some(&5000i32.to_ne_bytes()))
            .unwrap();
        s
    }

    fn send_parts(s: &mut Socket, parts: &[&[u8]]) {
        for (k, p) in parts.iter().enumerate() {
            let flags = if k + 1 < parts.len() { ZMQ_SNDMORE } else { 0 };
            s.send(&mut Msg::from_slice(p).unwrap(), flags).unwrap();
        }
    }

    fn recv_parts(s: &mut Socket) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            let m = s.recv(0).unwrap();
            out.push(m.as_slice().to_vec());
            if !m.more() {
                return out;
            }
        }
    }

    #[test]
    fn push_pull_through_proxy_until_shutdown() {
        let ctx = Ctx::new().unwrap();
        let mut front = sock(&ctx, ZMQ_PULL);
        let mut back = sock(&ctx, ZMQ_PUSH);
        let mut cap = sock(&ctx, ZMQ_PUSH);
        front.bind("inproc://front").unwrap();
        back.bind("inproc://back").unwrap();
        cap.bind("inproc://cap").unwrap();
        let mut src = sock(&ctx, ZMQ_PUSH);
        let mut dst = sock(&ctx, ZMQ_PULL);
        let mut tap = sock(&ctx, ZMQ_PULL);
        src.connect("inproc://front").unwrap();
        dst.connect("inproc://back").unwrap();
        tap.connect("inproc://cap").unwrap();
        let t = std::thread::spawn(move || {
            let r = proxy(&mut front, &mut back, Some(&mut cap));
            (r, front, back, cap)
        });
        for i in 0..100u32 {
            send_parts(&mut src, &[b"head", &i.to_le_bytes()]);
        }
        for i in 0..100u32 {
            assert_eq!(
                recv_parts(&mut dst),
                vec![b"head".to_vec(), i.to_le_bytes().to_vec()]
            );
            assert_eq!(
                recv_parts(&mut tap),
                vec![b"head".to_vec(), i.to_le_bytes().to_vec()]
            );
        }
        ctx.shutdown();
        let (r, ..) = t.join().unwrap();
        assert_eq!(r, Err(Error::TERM));
    }

    #[test]
    fn steerable_statistics_and_terminate() {
        let ctx = Ctx::new().unwrap();
        let mut front = sock(&ctx, ZMQ_PAIR);
        let mut back = sock(&ctx, ZMQ_PAIR);
        let mut ctl = sock(&ctx, ZMQ_PAIR);
        front.bind("inproc://f").unwrap();
        back.bind("inproc://b").unwrap();
        ctl.bind("inproc://c").unwrap();
        let mut a = sock(&ctx, ZMQ_PAIR);
        let mut b = sock(&ctx, ZMQ_PAIR);
        let mut boss = sock(&ctx, ZMQ_PAIR);
        a.connect("inproc://f").unwrap();
        b.connect("inproc://b").unwrap();
        boss.connect("inproc://c").unwrap();
        let t = std::thread::spawn(move || {
            let r = proxy_steerable(&mut front, &mut back, None, Some(&mut ctl));
            (r, front, back, ctl)
        });
        send_parts(&mut a, &[b"abc", b"de"]);
        assert_eq!(recv_parts(&mut b), vec![b"abc".to_vec(), b"de".to_vec()]);
        send_parts(&mut b, &[b"xyzw"]);
        assert_eq!(recv_parts(&mut a), vec![b"xyzw".to_vec()]);
        send_parts(&mut boss, &[b"STATISTICS"]);
        let stats: Vec<u64> = recv_parts(&mut boss)
            .iter()
            .map(|f| u64::from_ne_bytes(f.as_slice().try_into().unwrap()))
            .collect();
        assert_eq!(stats, vec![2, 5, 1, 4, 1, 4, 2, 5]);
        send_parts(&mut boss, &[b"TERMINATE"]);
        let (r, ..) = t.join().unwrap();
        assert_eq!(r, Ok(()));
    }

    /// The interleaving that hung `bench/proxy` about once in a few hundred runs: the
    /// frontend holds a request while the backend has no peer, so the turn decides to wait
    /// on the backend; the worker connects; the other direction's look at the backend takes
    /// in its arrival, and the backend's fd is no longer readable. Sleeping on it would never
    /// end: the proxy must look again instead.
    #[test]
    fn a_peer_arriving_between_the_two_directions_is_not_slept_through() {
        let ctx = Ctx::new().unwrap();
        let mut front = sock(&ctx, ZMQ_ROUTER);
        let mut back = sock(&ctx, ZMQ_DEALER);
        front.bind("inproc://race-front").unwrap();
        back.bind("inproc://race-back").unwrap();
        let mut client = sock(&ctx, ZMQ_REQ);
        client.connect("inproc://race-front").unwrap();
        send_parts(&mut client, &[b"ping"]);
        let mut socks: Vec<&mut Socket> = vec![&mut front, &mut back];
        let mut p = Proxy {
            socks: &mut socks,
            roles: Roles {
                frontend: 0,
                backend: 1,
                capture: None,
                control: None,
            },
            state: State::Active,
            stats: Stats::default(),
            wait: vec![None; 2],
            pfds: Vec::new(),
        };
        // Frontend to backend: a request, nowhere to send it.
        assert!(!p.turn(Side::Front, Side::Back, false).unwrap());
        let waited: Vec<bool> = p.wait.iter().map(Option::is_some).collect();
        assert_eq!(waited, vec![false, true]);
        assert!(!p.changed_since_decided());
        let mut worker = sock(&ctx, ZMQ_REP);
        worker.connect("inproc://race-back").unwrap();
        // Backend to frontend: nothing to read, but the look takes in the worker's pipe.
        assert!(!p.turn(Side::Back, Side::Front, false).unwrap());
        let fd = p.socks[1].fd();
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one live pollfd, no wait.
        assert_eq!(
            unsafe { libc::poll(&mut pfd, 1, 0) },
            0,
            "the fd announces nothing"
        );
        assert!(
            p.changed_since_decided(),
            "the proxy would sleep through the change"
        );
        // What the first direction waited for is there.
        assert_ne!(p.events(1).unwrap() & ZMQ_POLLOUT, 0);
        // Run on from here: the request goes through.
        std::thread::scope(|s| {
            let t = s.spawn(move || p.run());
            assert_eq!(recv_parts(&mut worker), vec![b"ping".to_vec()]);
            send_parts(&mut worker, &[b"pong"]);
            assert_eq!(recv_parts(&mut client), vec![b"pong".to_vec()]);
            ctx.shutdown();
            assert_eq!(t.join().unwrap(), Err(Error::TERM));
        });
    }

    #[test]
    fn bad_roles_are_einval() {
        let ctx = Ctx::new().unwrap();
        let mut s = sock(&ctx, ZMQ_PAIR);
        let roles = Roles {
            frontend: 0,
            backend: 1,
            capture: None,
            control: None,
        };
        assert_eq!(run(&mut [&mut s], roles), Err(Error::INVAL));
    }
}
