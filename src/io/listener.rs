//! A bound endpoint on an I/O thread: accepts connections and starts a session for each.

use std::sync::Arc;

use mio::net::{TcpListener, UnixListener};
use mio::Interest;

use super::raw::RawSession;
use super::reactor::{Ctl, IoObject};
use super::session::{Session, SessionConfig};
use super::stream::Stream;
use crate::monitor::{self, Endpoints};
use crate::pipe::mailbox::Command;
use crate::socket::SocketType;
use crate::transport::sockopts;

pub enum Listening {
    Tcp(TcpListener),
    /// The listener and the path to unlink when it closes (None for abstract sockets).
    Ipc(UnixListener, Option<String>),
}

pub struct Listener {
    key: u64,
    sock: Listening,
    cfg: Arc<SessionConfig>,
    done: bool,
}

impl Listener {
    pub fn new(key: u64, sock: Listening, cfg: Arc<SessionConfig>) -> Listener {
        Listener {
            key,
            sock,
            cfg,
            done: false,
        }
    }

    fn close(&mut self, ctl: &mut Ctl) {
        match &mut self.sock {
            Listening::Tcp(l) => {
                let _ = ctl.registry().deregister(l);
            }
            Listening::Ipc(l, path) => {
                let _ = ctl.registry().deregister(l);
                if let Some(p) = path.take() {
                    let _ = std::fs::remove_file(p);
                }
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
            Listening::Ipc(l, _) => ctl.registry().register(l, t, Interest::READABLE),
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
                Listening::Ipc(l, _) => l.accept().map(|(s, _)| Stream::Ipc(s)),
            };
            match accepted {
                Ok(s) if !sockopts::accepted(&s, &self.cfg.sockopts) => continue,
                // STREAM sockets speak raw bytes: a raw session, no ZMTP (see io/raw.rs).
                Ok(stream) if self.cfg.kind == SocketType::Stream => {
                    ctl.spawn(Box::new(RawSession::accepted(self.cfg.clone(), stream)))
                }
                Ok(stream) => ctl.spawn(Box::new(Session::accepted(self.cfg.clone(), stream))),
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

impl Drop for Listener {
    fn drop(&mut self) {
        if let Listening::Ipc(_, Some(p)) = &self.sock {
            let _ = std::fs::remove_file(p);
        }
    }
}
