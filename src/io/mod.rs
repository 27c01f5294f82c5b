//! I/O threads: each runs a mio reactor that owns network connections (sessions) and
//! listeners. Sockets talk to it through its mailbox, whose eventfd the reactor polls.

mod conn;
mod deadlines;
mod keys;
pub mod listener;
pub mod raw;
pub mod reactor;
pub mod session;
pub mod stream;

use std::sync::Arc;
use std::thread::JoinHandle;

use crate::error::Result;
use crate::pipe::mailbox::{Command, Mailbox};

pub struct IoThread {
    mailbox: Arc<Mailbox>,
    handle: Option<JoinHandle<()>>,
}

impl IoThread {
    pub fn spawn(name: String) -> Result<IoThread> {
        let mailbox = Arc::new(Mailbox::new()?);
        let mb = mailbox.clone();
        let handle = std::thread::Builder::new()
            .name(name)
            .spawn(move || reactor::run(mb))
            .map_err(crate::error::Error::from)?;
        Ok(IoThread {
            mailbox,
            handle: Some(handle),
        })
    }

    pub fn mailbox(&self) -> &Arc<Mailbox> {
        &self.mailbox
    }

    pub fn send(&self, cmd: Command) {
        self.mailbox.send(cmd);
    }
}

impl Drop for IoThread {
    fn drop(&mut self) {
        self.mailbox.send(Command::Stop);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
