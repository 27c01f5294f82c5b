//! A socket's command mailbox: any thread posts, the socket's owner thread drains.

use std::collections::VecDeque;
use std::time::Duration;

use parking_lot::Mutex;

use super::signaler::Signaler;
use crate::error::Result;

/// Commands sent to a socket by its context (and, later, by I/O threads and peers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The context is shutting down: blocking calls return ETERM from now on.
    Stop,
}

#[derive(Debug)]
pub struct Mailbox {
    queue: Mutex<VecDeque<Command>>,
    signaler: Signaler,
}

impl Mailbox {
    pub fn new() -> Result<Mailbox> {
        Ok(Mailbox {
            queue: Mutex::new(VecDeque::new()),
            signaler: Signaler::new()?,
        })
    }

    pub fn fd(&self) -> std::os::raw::c_int {
        self.signaler.fd()
    }

    pub fn send(&self, cmd: Command) {
        let mut q = self.queue.lock();
        let was_empty = q.is_empty();
        q.push_back(cmd);
        drop(q);
        if was_empty {
            // Only the first command of a batch needs to wake the reader.
            self.signaler.raise();
        }
    }

    /// Takes the next command, waiting up to `timeout` (`None` = forever) for one.
    /// Ok(None) on timeout; EINTR if a signal interrupted the wait.
    pub fn recv(&self, timeout: Option<Duration>) -> Result<Option<Command>> {
        if let Some(c) = self.try_recv() {
            return Ok(Some(c));
        }
        if timeout == Some(Duration::ZERO) || !self.signaler.wait(timeout)? {
            return Ok(None);
        }
        Ok(self.try_recv())
    }

    pub fn try_recv(&self) -> Option<Command> {
        let mut q = self.queue.lock();
        let c = q.pop_front();
        if q.is_empty() {
            // Reset under the lock so that a concurrent send re-raises after us.
            self.signaler.reset();
        }
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
            m2.send(Command::Stop);
        });
        assert_eq!(mb.recv(None).unwrap(), Some(Command::Stop));
        t.join().unwrap();
        assert_eq!(mb.recv(Some(Duration::from_millis(1))).unwrap(), None);
    }
}
