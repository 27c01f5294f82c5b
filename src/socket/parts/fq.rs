//! Fair queueing: receive from the pipes that have messages, round robin, one whole message
//! at a time (the parts of a message always come from one pipe).

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::parts::active_set::ActiveSet;
use crate::socket::pipes::Pipes;

#[derive(Default)]
pub struct FairQueue {
    /// The pipes; the active ones may have messages.
    set: ActiveSet,
    /// Inside a multipart message: the next part comes from the current pipe.
    more: bool,
}

impl FairQueue {
    pub fn attach(&mut self, i: usize) {
        self.set.attach(i);
    }

    pub fn detach(&mut self, i: usize) {
        if let Some(d) = self.set.detach(i) {
            if d.active && d.current && self.more {
                // The rest of that message is lost with the pipe.
                self.more = false;
            }
        }
    }

    /// Pipe `i` has messages again.
    pub fn activated(&mut self, i: usize) {
        self.set.activated(i);
    }

    /// Next part and the pipe it came from, or EAGAIN.
    pub fn recv_from(&mut self, ps: &mut Pipes) -> Result<(Msg, usize)> {
        let mut m = Msg::new();
        let i = self.recv_from_into(ps, &mut m)?;
        Ok((m, i))
    }

    /// As `recv_from`, into `out` (left alone on EAGAIN); returns the pipe's index.
    #[inline]
    pub fn recv_from_into(&mut self, ps: &mut Pipes, out: &mut Msg) -> Result<usize> {
        while let Some(i) = self.set.current() {
            if ps.read_into(i, out) {
                self.more = out.more();
                if !self.more {
                    self.set.advance();
                }
                return Ok(i);
            }
            self.more = false;
            self.set.deactivate_current();
        }
        Err(Error::AGAIN)
    }

    pub fn recv(&mut self, ps: &mut Pipes) -> Result<Msg> {
        self.recv_from(ps).map(|(m, _)| m)
    }

    #[inline]
    pub fn recv_into(&mut self, ps: &mut Pipes, out: &mut Msg) -> Result<()> {
        self.recv_from_into(ps, out).map(|_| ())
    }

    pub fn has_in(&mut self, ps: &mut Pipes) -> bool {
        self.more || self.set.any_ready(|i| ps.check_read(i))
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}
