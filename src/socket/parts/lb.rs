//! Load balancing: send each whole message to the next pipe with room, round robin.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::pipes::Pipes;

#[derive(Default)]
pub struct LoadBalancer {
    /// Pipe indices; the first `active` may take messages.
    pipes: Vec<usize>,
    active: usize,
    current: usize,
    /// Inside a multipart message: the next part goes to `pipes[current]`.
    more: bool,
    /// The pipe died inside a multipart message: drop its remaining parts.
    dropping: bool,
}

impl LoadBalancer {
    pub fn attach(&mut self, i: usize) {
        self.pipes.push(i);
        self.activated(i);
    }

    pub fn detach(&mut self, i: usize) {
        let Some(mut pos) = self.pipes.iter().position(|&p| p == i) else {
            return;
        };
        if pos == self.current && self.more {
            // The peer went away mid-message: swallow the rest of it.
            self.dropping = true;
            self.more = false;
        }
        if pos < self.active {
            self.active -= 1;
            self.pipes.swap(pos, self.active);
            if self.current == self.active {
                self.current = 0;
            }
            pos = self.active;
        }
        self.pipes.swap_remove(pos);
    }

    /// Pipe `i` has room again.
    pub fn activated(&mut self, i: usize) {
        if let Some(pos) = self.pipes.iter().position(|&p| p == i) {
            if pos >= self.active {
                self.pipes.swap(pos, self.active);
                self.active += 1;
            }
        }
    }

    fn deactivate_current(&mut self) {
        self.active -= 1;
        self.pipes.swap(self.current, self.active);
        if self.current == self.active {
            self.current = 0;
        }
    }

    /// Sends a part; returns the pipe used (None if the part was dropped). EAGAIN when no
    /// pipe has room (the part stays in `msg`).
    pub fn send_to(&mut self, ps: &mut Pipes, msg: &mut Msg) -> Result<Option<usize>> {
        if self.dropping {
            self.dropping = msg.more();
            drop(std::mem::take(msg));
            return Ok(None);
        }
        while self.active > 0 {
            let i = self.pipes[self.current];
            if ps.check_write(i) {
                let m = std::mem::take(msg);
                let more = m.more();
                ps.write(i, m);
                self.more = more;
                if !more {
                    ps.flush(i);
                    self.current = (self.current + 1) % self.active;
                }
                return Ok(Some(i));
            }
            if self.more {
                // Later parts always fit unless the peer is gone: drop the rest.
                self.more = false;
                self.dropping = msg.more();
                self.deactivate_current();
                drop(std::mem::take(msg));
                return Ok(None);
            }
            self.deactivate_current();
        }
        Err(Error::AGAIN)
    }

    pub fn send(&mut self, ps: &mut Pipes, msg: &mut Msg) -> Result<()> {
        self.send_to(ps, msg).map(|_| ())
    }

    pub fn has_out(&mut self, ps: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while self.active > 0 {
            if ps.check_write(self.pipes[self.current]) {
                return true;
            }
            self.deactivate_current();
        }
        false
    }

    pub fn len(&self) -> usize {
        self.pipes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pipes.is_empty()
    }
}
