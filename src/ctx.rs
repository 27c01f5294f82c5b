//! The context: options, the socket table that `zmq_ctx_term` waits on, shutdown.

use std::collections::{BTreeSet, HashMap};
use std::os::raw::c_int;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::capi::consts::*;
use crate::error::Error as E;
use crate::error::{Error, Result};
use crate::io::session::Draining;
use crate::io::IoThread;
use crate::msg::Msg;
use crate::pipe::duplex::{pipe_pair, Pipe};
use crate::pipe::mailbox::{Command, Mailbox};
use crate::pipe::signaler::Signaler;

/// libzmq's ZMQ_SOCKET_LIMIT on Linux (epoll has no descriptor cap to clip to).
const SOCKET_LIMIT: c_int = 65535;
/// ZMQ_ZERO_COPY_RECV is a draft constant, but the context accepts it in every build.
const ZERO_COPY_RECV: c_int = 10;
/// start_thread() names threads with at most 16 bytes, so libzmq caps the prefix there.
const MAX_NAME_PREFIX: usize = 16;

#[derive(Debug, Clone)]
struct Options {
    io_threads: c_int,
    max_sockets: c_int,
    ipv6: bool,
    blocky: bool,
    max_msgsz: c_int,
    zero_copy: bool,
    thread_priority: c_int,
    thread_sched_policy: c_int,
    affinity: BTreeSet<c_int>,
    name_prefix: Vec<u8>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            io_threads: ZMQ_IO_THREADS_DFLT,
            max_sockets: ZMQ_MAX_SOCKETS_DFLT,
            ipv6: false,
            blocky: true,
            max_msgsz: c_int::MAX,
            zero_copy: true,
            thread_priority: ZMQ_THREAD_PRIORITY_DFLT,
            thread_sched_policy: ZMQ_THREAD_SCHED_POLICY_DFLT,
            affinity: BTreeSet::new(),
            name_prefix: Vec::new(),
        }
    }
}

/// What a new socket inherits from its context.
#[derive(Debug, Clone, Copy)]
pub struct SocketDefaults {
    pub linger: c_int,
    pub ipv6: bool,
}

/// What an inproc peer needs to know of a socket to connect to it.
#[derive(Debug, Clone)]
pub struct InprocPeer {
    pub mailbox: Arc<Mailbox>,
    pub socket_id: u64,
    pub sndhwm: c_int,
    pub rcvhwm: c_int,
    pub routing_id: Vec<u8>,
    /// ROUTER-like: reads the peer's routing id as the pipe's first message.
    pub recv_routing_id: bool,
    /// ZMQ_CONFLATE in effect (set, and the type supports it). For inproc only the
    /// connecter's counts: libzmq makes the pipe with the connecting socket's options.
    pub conflate: bool,
}

/// A connect that came before its bind: the bind side's pipe end waits here.
struct Pending {
    pipe: Pipe,
    connecter: InprocPeer,
}

/// The high-water mark of an inproc queue: the writer's SNDHWM plus the reader's RCVHWM, as
/// libzmq does, unless either is unlimited (or conflate makes the queue unbounded).
fn inproc_hwm(writer_snd: c_int, reader_rcv: c_int, conflate: bool) -> u64 {
    if conflate || writer_snd <= 0 || reader_rcv <= 0 {
        0
    } else {
        writer_snd as u64 + reader_rcv as u64
    }
}

fn routing_id_msg(id: &[u8]) -> Msg {
    let mut m = Msg::from_slice(id).unwrap_or_default();
    m.set_flags(Msg::IS_ROUTING_ID);
    m
}

#[derive(Default)]
struct State {
    /// Set on the first socket: like libzmq, options such as MAX_SOCKETS are fixed then.
    started: bool,
    slots: usize,
    sockets: HashMap<u64, Arc<Mailbox>>,
    next_id: u64,
    /// After zmq_ctx_shutdown or zmq_ctx_term: no new sockets, blocking calls get ETERM.
    terminating: bool,
    /// Bound inproc endpoints, by name (without "inproc://").
    endpoints: HashMap<String, InprocPeer>,
    /// Connects waiting for their endpoint to be bound.
    pending: HashMap<String, Vec<Pending>>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("sockets", &self.sockets.len())
            .field("terminating", &self.terminating)
            .finish()
    }
}

pub struct Ctx {
    options: Mutex<Options>,
    state: Mutex<State>,
    /// I/O threads, started with the first network endpoint.
    io: Mutex<Vec<Arc<IoThread>>>,
    io_next: std::sync::atomic::AtomicUsize,
    /// Network sessions still delivering for closed sockets (zmq_ctx_term waits for them).
    pub draining: Arc<Draining>,
    /// Raised when the last socket of a terminating context closes.
    all_closed: Signaler,
}

impl Ctx {
    pub fn new() -> Result<Arc<Ctx>> {
        Ok(Arc::new(Ctx {
            options: Mutex::new(Options::default()),
            state: Mutex::new(State::default()),
            io: Mutex::new(Vec::new()),
            io_next: std::sync::atomic::AtomicUsize::new(0),
            draining: Arc::new(Draining::new()?),
            all_closed: Signaler::new()?,
        }))
    }

    /// `zmq_ctx_set_ext`: an option with a raw value (ints are exactly `sizeof(int)` bytes).
    pub fn set(&self, option: c_int, val: &[u8]) -> Result<()> {
        let int = <[u8; 4]>::try_from(val).ok().map(c_int::from_ne_bytes);
        let nonneg = int.filter(|v| *v >= 0);
        let mut o = self.options.lock();
        match (option, nonneg) {
            // Linux has no poller fd limit, so no clipping applies.
            (ZMQ_MAX_SOCKETS, Some(v)) if v >= 1 => o.max_sockets = v,
            (ZMQ_IO_THREADS, Some(v)) => o.io_threads = v,
            (ZMQ_IPV6, Some(v)) => o.ipv6 = v != 0,
            (ZMQ_BLOCKY, Some(v)) => o.blocky = v != 0,
            (ZMQ_MAX_MSGSZ, Some(v)) => o.max_msgsz = v,
            (ZERO_COPY_RECV, Some(v)) => o.zero_copy = v != 0,
            (ZMQ_THREAD_SCHED_POLICY, Some(v)) => o.thread_sched_policy = v,
            (ZMQ_THREAD_PRIORITY, Some(v)) => o.thread_priority = v,
            (ZMQ_THREAD_AFFINITY_CPU_ADD, Some(v)) => {
                o.affinity.insert(v);
            }
            (ZMQ_THREAD_AFFINITY_CPU_REMOVE, Some(v)) => {
                if !o.affinity.remove(&v) {
                    return Err(Error::INVAL);
                }
            }
            (ZMQ_THREAD_NAME_PREFIX, _) => match int {
                Some(v) => o.name_prefix = v.to_string().into_bytes(),
                None if !val.is_empty() && val.len() <= MAX_NAME_PREFIX => {
                    o.name_prefix = val.to_vec()
                }
                None => return Err(Error::INVAL),
            },
            _ => return Err(Error::INVAL),
        }
        Ok(())
    }

    pub fn set_int(&self, option: c_int, value: c_int) -> Result<()> {
        self.set(option, &value.to_ne_bytes())
    }

    /// `zmq_ctx_get_ext`: writes the value into `buf`, returns its length. Integer options need
    /// a buffer of exactly `sizeof(int)`; the name prefix may also be read as bytes.
    pub fn get(&self, option: c_int, buf: &mut [u8]) -> Result<usize> {
        let o = self.options.lock();
        let is_int = buf.len() == std::mem::size_of::<c_int>();
        let value = match option {
            ZMQ_MAX_SOCKETS => o.max_sockets,
            ZMQ_SOCKET_LIMIT => SOCKET_LIMIT,
            ZMQ_IO_THREADS => o.io_threads,
            ZMQ_IPV6 => o.ipv6 as c_int,
            ZMQ_BLOCKY => o.blocky as c_int,
            ZMQ_MAX_MSGSZ => o.max_msgsz,
            ZMQ_MSG_T_SIZE => std::mem::size_of::<crate::capi::zmq_msg_t>() as c_int,
            ZERO_COPY_RECV => o.zero_copy as c_int,
            ZMQ_THREAD_SCHED_POLICY => o.thread_sched_policy,
            ZMQ_THREAD_NAME_PREFIX if !is_int => {
                let p = &o.name_prefix;
                if buf.len() < p.len() {
                    return Err(Error::INVAL);
                }
                buf[..p.len()].copy_from_slice(p);
                return Ok(p.len());
            }
            // As libzmq: the int form is atoi() of the prefix.
            ZMQ_THREAD_NAME_PREFIX => atoi(&o.name_prefix),
            _ => return Err(Error::INVAL),
        };
        if !is_int {
            return Err(Error::INVAL);
        }
        buf.copy_from_slice(&value.to_ne_bytes());
        Ok(buf.len())
    }

    pub fn get_int(&self, option: c_int) -> Result<c_int> {
        let mut b = [0u8; 4];
        self.get(option, &mut b)?;
        Ok(c_int::from_ne_bytes(b))
    }

    /// Registers a new socket's mailbox; fails with ETERM after shutdown and EMFILE when the
    /// table (sized by ZMQ_MAX_SOCKETS when the first socket was made) is full.
    pub fn add_socket(&self, mailbox: Arc<Mailbox>) -> Result<(u64, SocketDefaults)> {
        let o = self.options.lock().clone();
        let mut st = self.state.lock();
        if st.terminating {
            return Err(Error::TERM);
        }
        if !st.started {
            st.started = true;
            st.slots = o.max_sockets as usize;
        }
        if st.sockets.len() >= st.slots {
            return Err(Error::MFILE);
        }
        let id = st.next_id;
        st.next_id += 1;
        st.sockets.insert(id, mailbox);
        let defaults = SocketDefaults {
            linger: if o.blocky { -1 } else { 0 },
            ipv6: o.ipv6,
        };
        Ok((id, defaults))
    }

    pub fn remove_socket(&self, id: u64) {
        let mut st = self.state.lock();
        st.sockets.remove(&id);
        if st.terminating && st.sockets.is_empty() {
            self.all_closed.raise();
        }
    }

    /// `zmq_ctx_shutdown`: every blocking call on this context's sockets returns ETERM, and new
    /// sockets cannot be made. Idempotent.
    pub fn shutdown(&self) {
        let mut st = self.state.lock();
        if st.terminating {
            return;
        }
        st.terminating = true;
        for mb in st.sockets.values() {
            mb.send(Command::Stop);
        }
        if st.sockets.is_empty() {
            self.all_closed.raise();
        }
    }

    /// `zmq_ctx_term`: shuts down, then blocks until every socket is closed. A signal during the
    /// wait gives EINTR, as libzmq does; calling again resumes the wait.
    pub fn terminate(&self) -> Result<()> {
        self.shutdown();
        loop {
            if self.state.lock().sockets.is_empty() {
                break;
            }
            self.all_closed.wait(None)?;
            self.all_closed.reset();
        }
        // Network sessions deliver what closed sockets left, for as long as ZMQ_LINGER says.
        self.draining.wait_zero()?;
        self.io.lock().clear();
        Ok(())
    }

    /// An I/O thread for a new network endpoint (round robin); EMTHREAD with ZMQ_IO_THREADS 0.
    pub fn io_thread(&self) -> Result<Arc<IoThread>> {
        let mut io = self.io.lock();
        if io.is_empty() {
            let n = self.options.lock().io_threads;
            if n <= 0 {
                return Err(Error::MTHREAD);
            }
            for i in 0..n {
                io.push(Arc::new(IoThread::spawn(format!("ZMQbg/IO/{i}"))?));
            }
        }
        let i = self
            .io_next
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % io.len();
        Ok(io[i].clone())
    }

    /// The mailboxes of the I/O threads (started if need be): a listener hands the
    /// connections it accepts to them in turn. (Mailboxes, not the threads: an I/O thread
    /// must never hold the last reference to itself.)
    pub fn io_mailboxes(&self) -> Result<Vec<Arc<crate::pipe::mailbox::Mailbox>>> {
        self.io_thread()?;
        Ok(self.io.lock().iter().map(|t| t.mailbox().clone()).collect())
    }

    /// Binds an inproc endpoint (EADDRINUSE if taken) and returns the pipe ends of connects
    /// that were waiting for it, ready for the binder to attach.
    pub fn bind_inproc(&self, name: &str, me: InprocPeer) -> Result<Vec<Pipe>> {
        let mut st = self.state.lock();
        if st.endpoints.contains_key(name) {
            return Err(E(libc::EADDRINUSE));
        }
        st.endpoints.insert(name.to_owned(), me.clone());
        let waiting = st.pending.remove(name).unwrap_or_default();
        drop(st);
        Ok(waiting
            .into_iter()
            .map(
                |Pending {
                     mut pipe,
                     connecter,
                 }| {
                    // The connecter always sent its routing id first, not knowing our type.
                    if !me.recv_routing_id {
                        drop(pipe.read());
                    }
                    if connecter.recv_routing_id {
                        pipe.write(routing_id_msg(&me.routing_id));
                        pipe.flush();
                    }
                    // Now both sides are known: the marks libzmq uses for a bound endpoint.
                    let conflate = connecter.conflate;
                    pipe.set_hwms(
                        inproc_hwm(connecter.sndhwm, me.rcvhwm, conflate),
                        inproc_hwm(me.sndhwm, connecter.rcvhwm, conflate),
                    );
                    pipe
                },
            )
            .collect())
    }

    /// Removes an inproc endpoint bound by `socket_id`; false if it has no such endpoint.
    pub fn unbind_inproc(&self, name: &str, socket_id: u64) -> bool {
        let mut st = self.state.lock();
        match st.endpoints.get(name) {
            Some(ep) if ep.socket_id == socket_id => {
                st.endpoints.remove(name);
                true
            }
            _ => false,
        }
    }

    /// Removes every inproc endpoint of a closing socket.
    pub fn unbind_all_inproc(&self, socket_id: u64) {
        self.state
            .lock()
            .endpoints
            .retain(|_, ep| ep.socket_id != socket_id);
    }

    /// Connects to an inproc endpoint and returns the connecter's pipe end. If the endpoint
    /// is bound, the other end goes to the binder now; if not, it waits for the bind.
    pub fn connect_inproc(&self, name: &str, me: InprocPeer) -> Pipe {
        let mut st = self.state.lock();
        match st.endpoints.get(name) {
            Some(binder) => {
                let (mut mine, mut theirs) = pipe_pair([
                    inproc_hwm(binder.sndhwm, me.rcvhwm, me.conflate),
                    inproc_hwm(me.sndhwm, binder.rcvhwm, me.conflate),
                ]);
                if me.conflate {
                    mine.set_conflate();
                }
                if binder.recv_routing_id {
                    mine.write(routing_id_msg(&me.routing_id));
                    mine.flush();
                }
                if me.recv_routing_id {
                    theirs.write(routing_id_msg(&binder.routing_id));
                    theirs.flush();
                }
                binder.mailbox.send(Command::Attach(Box::new(theirs)));
                mine
            }
            None => {
                let unbounded = |hwm: c_int| {
                    if me.conflate || hwm <= 0 {
                        0
                    } else {
                        hwm as u64
                    }
                };
                let (mut mine, theirs) = pipe_pair([unbounded(me.rcvhwm), unbounded(me.sndhwm)]);
                if me.conflate {
                    mine.set_conflate();
                }
                mine.write(routing_id_msg(&me.routing_id));
                mine.flush();
                st.pending
                    .entry(name.to_owned())
                    .or_default()
                    .push(Pending {
                        pipe: theirs,
                        connecter: me,
                    });
                mine
            }
        }
    }

    /// Connects a session to the ZAP handler bound at `inproc://zeromq.zap.01`, if there is
    /// one: the handler's socket gets the other end (unbounded both ways, as libzmq's).
    pub fn connect_zap(&self) -> Option<Pipe> {
        let st = self.state.lock();
        let binder = st.endpoints.get(crate::zmtp::zap::ENDPOINT)?;
        let (mut mine, theirs) = pipe_pair([0, 0]);
        if binder.recv_routing_id {
            mine.write(routing_id_msg(b""));
            mine.flush();
        }
        binder.mailbox.send(Command::Attach(Box::new(theirs)));
        Some(mine)
    }

    pub fn is_terminating(&self) -> bool {
        self.state.lock().terminating
    }
}

fn atoi(s: &[u8]) -> c_int {
    let s = std::str::from_utf8(s).unwrap_or("");
    let t = s.trim_start();
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    t[..end].parse::<i64>().map_or(0, |v| v as c_int)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_libzmq() {
        let c = Ctx::new().unwrap();
        assert_eq!(c.get_int(ZMQ_IO_THREADS).unwrap(), 1);
        assert_eq!(c.get_int(ZMQ_MAX_SOCKETS).unwrap(), 1023);
        assert_eq!(c.get_int(ZMQ_SOCKET_LIMIT).unwrap(), 65535);
        assert_eq!(c.get_int(ZMQ_MSG_T_SIZE).unwrap(), 64);
        assert_eq!(c.get_int(ZMQ_MAX_MSGSZ).unwrap(), c_int::MAX);
        assert_eq!(c.get_int(ZMQ_BLOCKY).unwrap(), 1);
        assert_eq!(c.get_int(ZMQ_THREAD_SCHED_POLICY).unwrap(), -1);
    }

    #[test]
    fn name_prefix_int_and_bytes() {
        let c = Ctx::new().unwrap();
        c.set_int(ZMQ_THREAD_NAME_PREFIX, 1234).unwrap();
        assert_eq!(c.get_int(ZMQ_THREAD_NAME_PREFIX).unwrap(), 1234);
        c.set(ZMQ_THREAD_NAME_PREFIX, b"abc").unwrap();
        let mut b = [0u8; 16];
        assert_eq!(c.get(ZMQ_THREAD_NAME_PREFIX, &mut b).unwrap(), 3);
        assert_eq!(&b[..3], b"abc");
        assert_eq!(c.get_int(ZMQ_THREAD_NAME_PREFIX).unwrap(), 0);
        assert_eq!(
            c.set(ZMQ_THREAD_NAME_PREFIX, &[b'x'; 17]),
            Err(Error::INVAL)
        );
    }

    #[test]
    fn atoi_like_c() {
        assert_eq!(atoi(b"  42abc"), 42);
        assert_eq!(atoi(b"-7"), -7);
        assert_eq!(atoi(b"x1"), 0);
    }
}
