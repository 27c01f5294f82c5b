//! A socket's command mailbox: any thread posts, the socket's owner thread drains.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

use super::duplex::{Pipe, PipeId};
use super::signaler::Signaler;
use super::spin;
use crate::error::Result;

/// Commands sent to a socket by its context, its peers and I/O threads, and to I/O threads
/// by sockets.
pub enum Command {
    /// The context is shutting down: blocking calls return ETERM from now on.
    Stop,
    /// A pipe whose reader was asleep has new data (or its end).
    ActivateRead(PipeId),
    /// A pipe that was full has room again.
    ActivateWrite(PipeId),
    /// The peer end of a pipe went away.
    PipeTerm(PipeId),
    /// A new pipe for this socket (the bind side of an inproc connection, or a network
    /// connection whose handshake completed).
    Attach(Box<Pipe>),
    /// To an I/O thread: run this object (a listener or a session).
    Spawn(Box<dyn crate::io::reactor::IoObject>),
    /// To an I/O thread: stop the object with this key (a listener, on unbind or close).
    Close(u64),
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Stop => write!(f, "Stop"),
            Command::ActivateRead(p) => write!(f, "ActivateRead({p})"),
            Command::ActivateWrite(p) => write!(f, "ActivateWrite({p})"),
            Command::PipeTerm(p) => write!(f, "PipeTerm({p})"),
            Command::Attach(p) => write!(f, "Attach({p:?})"),
            Command::Spawn(_) => write!(f, "Spawn(..)"),
            Command::Close(k) => write!(f, "Close({k})"),
        }
    }
}

/// The queue and whether the eventfd is raised for it (both under the lock).
#[derive(Debug, Default)]
struct Inner {
    queue: VecDeque<Command>,
    raised: bool,
}

/// The eventfd is raised only for someone who waits on it: a thread sleeping in `recv`, or
/// whoever got the fd from `fd()` (ZMQ_FD, zmq_poll, an I/O thread's epoll), for whom it is
/// then always kept readable exactly while commands are queued (libzmq's edge-triggered
/// contract). A socket whose owner only spins in `spin_for_command` costs its peers no
/// syscall per command.
#[derive(Debug)]
pub struct Mailbox {
    inner: Mutex<Inner>,
    /// Commands queued: lets the owner check for work with one load, no lock.
    pending: AtomicUsize,
    /// The owner is gone: commands are dropped instead of queued.
    closed: std::sync::atomic::AtomicBool,
    /// The fd was handed out: it must always reflect the queue.
    fd_exposed: std::sync::atomic::AtomicBool,
    /// The owner sleeps (or is about to) on the eventfd in `recv`.
    sleeper: std::sync::atomic::AtomicBool,
    signaler: Signaler,
}

impl Mailbox {
    pub fn new() -> Result<Mailbox> {
        Ok(Mailbox {
            inner: Mutex::new(Inner::default()),
            pending: AtomicUsize::new(0),
            closed: std::sync::atomic::AtomicBool::new(false),
            fd_exposed: std::sync::atomic::AtomicBool::new(false),
            sleeper: std::sync::atomic::AtomicBool::new(false),
            signaler: Signaler::new()?,
        })
    }

    /// The eventfd, readable while commands are queued, for polling by others; from now on
    /// it is kept that way.
    pub fn fd(&self) -> std::os::raw::c_int {
        if !self.fd_exposed.swap(true, Ordering::SeqCst) {
            let mut g = self.inner.lock();
            self.raise_if_needed(&mut g);
        }
        self.signaler.fd()
    }

    /// Raises the eventfd if commands are queued and it is not raised yet (under the lock).
    fn raise_if_needed(&self, g: &mut Inner) {
        if !g.raised && !g.queue.is_empty() {
            self.signaler.raise();
            g.raised = true;
        }
    }

    /// Resets the eventfd once the queue is empty (under the lock, so that a concurrent send
    /// re-raises after us).
    fn lower_if_drained(&self, g: &mut Inner) {
        if g.raised && g.queue.is_empty() {
            self.signaler.reset();
            g.raised = false;
        }
    }

    pub fn send(&self, cmd: Command) {
        let mut g = self.inner.lock();
        if self.closed.load(Ordering::Relaxed) {
            // Dropped outside the lock (dropping a pipe sends commands of its own).
            drop(g);
            drop(cmd);
            return;
        }
        g.queue.push_back(cmd);
        self.pending.store(g.queue.len(), Ordering::Release);
        // Raised under the lock: raised after unlocking, it could land after the reader took
        // the command and reset, leaving the fd readable over an empty mailbox. SeqCst pairs
        // with the sleeper's store in `recv` (Dekker: it stores, then looks at the queue).
        if self.sleeper.load(Ordering::SeqCst) || self.fd_exposed.load(Ordering::SeqCst) {
            self.raise_if_needed(&mut g);
        }
        drop(g);
    }

    /// The owner is gone: drops what is queued and whatever is sent from now on.
    pub fn close(&self) {
        let left = {
            let mut g = self.inner.lock();
            self.closed.store(true, Ordering::Relaxed);
            self.pending.store(0, Ordering::Release);
            std::mem::take(&mut g.queue)
        };
        drop(left);
    }

    /// Before sleeping on the eventfd, watch the queue for a moment: the answer to what a
    /// thread just sent often comes within microseconds, and a sleep and wake-up costs tens
    /// of them. Each round yields the CPU, so a thread that has work on this core runs
    /// instead; once yields show the core contended, this thread sleeps at once (see
    /// `spin`: a yielding waiter misses the wake-up a sleeper would get).
    pub fn spin_for_command(&self) {
        // A few busy rounds first (an answer already on its way arrives within them, for
        // no syscall), then rounds that yield.
        const BUSY: u32 = 64;
        const YIELDS: u32 = 50;
        for _ in 0..BUSY {
            if self.has_pending() {
                return;
            }
            std::hint::spin_loop();
        }
        if !spin::may_spin() {
            return;
        }
        for _ in 0..YIELDS {
            if self.has_pending() || !spin::yield_round() {
                return;
            }
        }
    }

    /// True if commands are waiting (cheap: no lock).
    pub fn has_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire) != 0
    }

    /// Takes the next command, waiting up to `timeout` (`None` = forever) for one.
    /// Ok(None) on timeout; EINTR if a signal interrupted the wait.
    pub fn recv(&self, timeout: Option<Duration>) -> Result<Option<Command>> {
        if let Some(c) = self.try_recv() {
            return Ok(Some(c));
        }
        if timeout == Some(Duration::ZERO) {
            return Ok(None);
        }
        // Announce the sleep, then make sure a command queued before the announcement
        // raised the fd (one queued after it sees the announcement and raises it).
        self.sleeper.store(true, Ordering::SeqCst);
        {
            let mut g = self.inner.lock();
            self.raise_if_needed(&mut g);
        }
        let woke = self.signaler.wait(timeout);
        self.sleeper.store(false, Ordering::SeqCst);
        if !woke? {
            return Ok(None);
        }
        Ok(self.try_recv())
    }

    /// Moves every queued command into `into` (which must be empty, and keeps its
    /// capacity for the next time): an owner that acts on a batch comes back for the
    /// commands sent meanwhile only after its other work (see the I/O thread's loop).
    pub fn take_all(&self, into: &mut VecDeque<Command>) {
        debug_assert!(into.is_empty());
        let mut g = self.inner.lock();
        std::mem::swap(&mut g.queue, into);
        self.pending.store(0, Ordering::Release);
        self.lower_if_drained(&mut g);
    }

    pub fn try_recv(&self) -> Option<Command> {
        let mut g = self.inner.lock();
        let c = g.queue.pop_front();
        self.pending.store(g.queue.len(), Ordering::Release);
        self.lower_if_drained(&mut g);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn commands_cross_threads_in_order() {
        let mb = Arc::new(Mailbox::new().unwrap());
        let m2 = mb.clone();
        let t = std::thread::spawn(move || {
            m2.send(Command::ActivateRead(7));
            m2.send(Command::Stop);
        });
        t.join().unwrap();
        assert!(mb.has_pending());
        assert!(matches!(
            mb.recv(None).unwrap(),
            Some(Command::ActivateRead(7))
        ));
        assert!(matches!(mb.recv(None).unwrap(), Some(Command::Stop)));
        assert!(!mb.has_pending());
        assert!(mb.recv(Some(Duration::from_millis(1))).unwrap().is_none());
    }
}
