//! Sockets. This holds the part every type shares: the link to the context, the command
//! mailbox (whose eventfd is ZMQ_FD) and the blocking/ETERM rules. Routing, pipes and the
//! transports arrive with the sockets and network issues.

pub mod kind;

use std::os::raw::c_int;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::capi::consts::{ZMQ_POLLIN, ZMQ_POLLOUT};
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::options::Options;
use crate::pipe::mailbox::{Command, Mailbox};
pub use kind::SocketType;

pub struct Socket {
    ctx: Arc<Ctx>,
    id: u64,
    kind: SocketType,
    mailbox: Arc<Mailbox>,
    /// Set once the context told us to stop: every later call but close gives ETERM.
    ctx_terminated: bool,
    pub options: Options,
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
            options: Options::for_socket(kind, &defaults),
        })
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

    fn handle(&mut self, cmd: Command) {
        match cmd {
            Command::Stop => self.ctx_terminated = true,
        }
    }

    /// Handles pending commands without waiting; ETERM once the context is shutting down.
    pub fn process_commands(&mut self) -> Result<()> {
        while let Some(cmd) = self.mailbox.try_recv() {
            self.handle(cmd);
        }
        if self.ctx_terminated {
            return Err(Error::TERM);
        }
        Ok(())
    }

    /// Waits for something to change, until `deadline` (None = forever).
    fn wait(&mut self, deadline: Option<Instant>) -> Result<bool> {
        let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        match self.mailbox.recv(timeout)? {
            Some(cmd) => {
                self.handle(cmd);
                self.process_commands()?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Blocks as a send or receive does while nothing can move: until the timeout (EAGAIN),
    /// a signal (EINTR) or the context's shutdown (ETERM). With no transports yet, nothing
    /// else can end the wait.
    fn block(&mut self, dontwait: bool, timeout_ms: c_int) -> Result<()> {
        self.process_commands()?;
        if dontwait || timeout_ms == 0 {
            return Err(Error::AGAIN);
        }
        let deadline =
            (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
        loop {
            if !self.wait(deadline)? && deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Error::AGAIN);
            }
        }
    }

    /// Checks a send is allowed and waits for a peer to take it (none can exist yet).
    /// Returns Ok(()) when the type drops the message instead of blocking.
    pub fn send_wait(&mut self, dontwait: bool) -> Result<()> {
        self.process_commands()?;
        if !self.kind.can_send() {
            return Err(Error::NOTSUP);
        }
        if self.kind.send_drops() {
            return Ok(());
        }
        self.block(dontwait, self.options.sndtimeo)
    }

    /// Checks a receive is allowed and waits for a message (none can arrive yet).
    pub fn recv_wait(&mut self, dontwait: bool) -> Result<()> {
        self.process_commands()?;
        if !self.kind.can_recv() {
            return Err(Error::NOTSUP);
        }
        self.block(dontwait, self.options.rcvtimeo)
    }

    /// ZMQ_EVENTS.
    pub fn events(&mut self) -> Result<c_int> {
        self.process_commands()?;
        let _ = ZMQ_POLLIN; // nothing can be received until transports exist
        Ok(if self.kind.send_drops() {
            ZMQ_POLLOUT
        } else {
            0
        })
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ctx.remove_socket(self.id);
    }
}
