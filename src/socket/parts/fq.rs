//! Fair queueing: receive from the pipes that have messages, round robin, one whole message
//! at a time (the parts of a message always come from one pipe).

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::pipes::Pipes;

#[derive(Default)]
pub struct FairQueue {
    /// Pipe indices; the first `active` may have messages.
    pipes: Vec<usize>,
    active: usize,
    current: usize,
    /// Inside a multipart message: the next part comes from `pipes[current]`.
    more: bool,
}

impl FairQueue {
    pub fn attach(&mut self, i: usize) {
        self.pipes.push(i);
        let last = self.pipes.len() - 1;
        self.pipes.swap(self.active, last);
        self.active += 1;
    }

    pub fn detach(&mut self, i: usize) {
        let Some(mut pos) = self.pipes.iter().position(|&p| p == i) else {
            return;
        };
        if pos < self.active {
            if pos == self.current && self.more {
                // The rest of that message is lost with the pipe.
                self.more = false;
            }
            self.active -= 1;
            self.pipes.swap(pos, self.active);
            if self.current == self.active {
                self.current = 0;
            }
            pos = self.active;
        }
        // pos is in the inactive region, as is the last element: the active region stays.
        self.pipes.swap_remove(pos);
    }

    /// Pipe `i` has messages again.
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

    /// Next part and the pipe it came from, or EAGAIN.
    pub fn recv_from(&mut self, ps: &mut Pipes) -> Result<(Msg, usize)> {
        while self.active > 0 {
            let i = self.pipes[self.current];
            if let Some(m) = ps.read(i) {
                self.more = m.more();
                if !self.more {
                    self.current = (self.current + 1) % self.active;
                }
                return Ok((m, i));
            }
            self.more = false;
            self.deactivate_current();
        }
        Err(Error::AGAIN)
    }

    pub fn recv(&mut self, ps: &mut Pipes) -> Result<Msg> {
        self.recv_from(ps).map(|(m, _)| m)
    }

    pub fn has_in(&mut self, ps: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while self.active > 0 {
            if ps.check_read(self.pipes[self.current]) {
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
