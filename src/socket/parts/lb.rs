//! Load balancing: send each whole message to the next pipe with room, round robin.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::parts::active_set::ActiveSet;
use crate::socket::pipes::Pipes;

#[derive(Default)]
pub struct LoadBalancer {
    /// The pipes; the active ones may take messages.
    set: ActiveSet,
    /// Inside a multipart message: the next part goes to the current pipe.
    more: bool,
    /// The pipe died inside a multipart message: drop its remaining parts.
    dropping: bool,
}

impl LoadBalancer {
    pub fn attach(&mut self, i: usize) {
        self.set.attach(i);
    }

    pub fn detach(&mut self, i: usize) {
        if let Some(d) = self.set.detach(i) {
            if d.current && self.more {
                // The peer went away mid-message: swallow the rest of it.
                self.dropping = true;
                self.more = false;
            }
        }
    }

    /// Pipe `i` has room again.
    pub fn activated(&mut self, i: usize) {
        self.set.activated(i);
    }

    /// Sends a part; returns the pipe used (None if the part was dropped). EAGAIN when no
    /// pipe has room (the part stays in `msg`).
    pub fn send_to(&mut self, ps: &mut Pipes, msg: &mut Msg) -> Result<Option<usize>> {
        if self.dropping {
            self.dropping = msg.more();
            drop(std::mem::take(msg));
            return Ok(None);
        }
        while let Some(i) = self.set.current() {
            if ps.check_write(i) {
                let more = msg.more();
                ps.write_take(i, msg);
                self.more = more;
                if !more {
                    ps.flush(i);
                    self.set.advance();
                }
                return Ok(Some(i));
            }
            if self.more {
                // Later parts always fit unless the peer is gone: drop the rest.
                self.more = false;
                self.dropping = msg.more();
                self.set.deactivate_current();
                drop(std::mem::take(msg));
                return Ok(None);
            }
            self.set.deactivate_current();
        }
        Err(Error::AGAIN)
    }

    pub fn send(&mut self, ps: &mut Pipes, msg: &mut Msg) -> Result<()> {
        self.send_to(ps, msg).map(|_| ())
    }

    pub fn has_out(&mut self, ps: &mut Pipes) -> bool {
        self.more || self.set.any_ready(|i| ps.check_write(i))
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}
