//! A bound endpoint on an I/O thread: accepts connections and starts a session for each.

use std::sync::Arc;

use mio::net::{TcpListener, UnixListener};
use mio::Interest;

use super::raw::RawSession;
use super::reactor::{Ctl, IoObject};
use super::session::{Session, SessionConfig};
use super::stream::Stream;
use crate::monitor::{self, Endpoints};
use crate::pipe::mailbox::{Command, Mailbox};
use crate::socket::SocketType;
use crate::transport::sockopts;

pub enum Listening {
    Tcp(TcpListener),
    /// (The socket file is unlinked by the socket, on its own thread, so that a new bind
    /// to the same path right after zmq_unbind is never undone from here.)
    Ipc(UnixListener),
}

pub struct Listener {
    key: u64,
    sock: Listening,
    cfg: Arc<SessionConfig>,
    /// The I/O threads' mailboxes: accepted connections go to them in turn, so that with
    /// ZMQ_IO_THREADS > 1 a busy endpoint's connections spread over the threads.
    threads: Vec<Arc<Mailbox>>,
    next: usize,
    done: bool,
}

impl Listener {
    pub fn new(
        key: u64,
        sock: Listening,
        cfg: Arc<SessionConfig>,
        threads: Vec<Arc<Mailbox>>,
    ) -> Listener {
        Listener {
            key,
            sock,
            cfg,
            threads,
            next: 0,
            done: false,
        }
    }

    /// Starts a session for an accepted connection on the next I/O thread in turn.
    fn hand_over(&mut self, ctl: &mut Ctl, session: Box<dyn IoObject>) {
        let target = (!self.threads.is_empty()).then(|| {
            self.next = (self.next + 1) % self.threads.len();
            &self.threads[self.next]
        });
        match target {
            Some(mb) if !Arc::ptr_eq(mb, ctl.mailbox) => mb.send(Command::Spawn(session)),
            _ => ctl.spawn(session),
        }
    }

    fn close(&mut self, ctl: &mut Ctl) {
        match &mut self.sock {
            Listening::Tcp(l) => {
                let _ = ctl.registry().deregister(l);
            }
            Listening::Ipc(l) => {
                let _ = ctl.registry().deregister(l);
            }
        }
        ctl.disown_key(self.key);
        self.done = true;
    }
}

impl IoObject for Listener {
    fn start(&mut self, ctl: &mut Ctl) {
        ctl.own_key(self.key);
        let t = ctl.token;
        let r = match &mut self.sock {
            Listening::Tcp(l) => ctl.registry().register(l, t, Interest::READABLE),
            Listening::Ipc(l) => ctl.registry().register(l, t, Interest::READABLE),
        };
        if r.is_err() {
            self.close(ctl);
        }
    }

    fn ready(&mut self, ctl: &mut Ctl, _readable: bool, _writable: bool) {
        loop {
            let accepted = match &self.sock {
                Listening::Tcp(l) => l.accept().map(|(s, _)| {
                    let _ = s.set_nodelay(true);
                    Stream::Tcp(s)
                }),
                Listening::Ipc(l) => l.accept().map(|(s, _)| Stream::Ipc(s)),
            };
            match accepted {
                Ok(s) if !sockopts::accepted(&s, &self.cfg.sockopts) => continue,
                // STREAM sockets speak raw bytes: a raw session, no ZMTP (see io/raw.rs).
                Ok(stream) if self.cfg.kind == SocketType::Stream => {
                    let s = RawSession::accepted(self.cfg.clone(), stream);
                    self.hand_over(ctl, Box::new(s))
                }
                Ok(stream) => {
                    let s = Session::accepted(self.cfg.clone(), stream);
                    self.hand_over(ctl, Box::new(s))
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                // EMFILE and friends: reported, then tried again on the next readiness.
                Err(e) => {
                    let errno = e.raw_os_error().unwrap_or(0) as u64;
                    let ep = Endpoints::bound(&self.cfg.endpoint);
                    self.cfg.monitor.event(monitor::ACCEPT_FAILED, errno, &ep);
                    return;
                }
            }
        }
    }

    fn command(&mut self, ctl: &mut Ctl, cmd: Command) {
        if let Command::Close(_) = cmd {
            self.close(ctl);
        }
    }

    fn timer(&mut self, _ctl: &mut Ctl, _id: u64) {}

    fn done(&self) -> bool {
        self.done
    }
}
