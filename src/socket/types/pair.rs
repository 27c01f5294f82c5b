//! PAIR: exactly one peer; further connections are refused (their pipes ended at once).

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::Pipes;

#[derive(Default)]
pub struct Pair {
    pipe: Option<usize>,
}

impl Pattern for Pair {
    fn attach(&mut self, ps: &mut Pipes, i: usize, _opts: &Options) {
        if self.pipe.is_some() {
            ps.mark_ended(i);
        } else {
            self.pipe = Some(i);
        }
    }

    fn detach(&mut self, _ps: &mut Pipes, i: usize) {
        if self.pipe == Some(i) {
            self.pipe = None;
        }
    }

    fn read_activated(&mut self, _ps: &mut Pipes, _i: usize) {}

    fn write_activated(&mut self, _ps: &mut Pipes, _i: usize) {}

    fn send(&mut self, ps: &mut Pipes, msg: &mut Msg, _opts: &Options) -> Result<()> {
        let i = self.pipe.ok_or(Error::AGAIN)?;
        if !ps.check_write(i) {
            return Err(Error::AGAIN);
        }
        let m = std::mem::take(msg);
        let more = m.more();
        ps.write(i, m);
        if !more {
            ps.flush(i);
        }
        Ok(())
    }

    fn recv(&mut self, ps: &mut Pipes, _opts: &Options) -> Result<Msg> {
        let i = self.pipe.ok_or(Error::AGAIN)?;
        ps.read(i).ok_or(Error::AGAIN)
    }

    fn recv_into(&mut self, ps: &mut Pipes, _opts: &Options, out: &mut Msg) -> Result<()> {
        let i = self.pipe.ok_or(Error::AGAIN)?;
        if ps.read_into(i, out) {
            Ok(())
        } else {
            Err(Error::AGAIN)
        }
    }

    fn has_in(&mut self, ps: &mut Pipes) -> bool {
        self.pipe.is_some_and(|i| ps.check_read(i))
    }

    fn has_out(&mut self, ps: &mut Pipes) -> bool {
        self.pipe.is_some_and(|i| ps.check_write(i))
    }
}
