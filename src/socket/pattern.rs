//! What a socket type is: how it attaches pipes and routes messages over them. The socket
//! base (`Socket`) does everything else: options, blocking and timeouts, commands, endpoints.

use std::os::raw::c_int;

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::Options;

use super::pipes::Pipes;

pub trait Pattern: Send {
    /// A new pipe joined the socket.
    fn attach(&mut self, ps: &mut Pipes, i: usize, opts: &Options);

    /// Pipe `i` is going away (its peer ended it, or the socket disconnects it): forget it.
    fn detach(&mut self, ps: &mut Pipes, i: usize);

    /// Pipe `i` may have something to read again.
    fn read_activated(&mut self, ps: &mut Pipes, i: usize);

    /// Pipe `i` has room again.
    fn write_activated(&mut self, ps: &mut Pipes, i: usize);

    /// Sends one part. On success the part is taken (`msg` left empty); EAGAIN leaves `msg`
    /// with the caller, who may block and retry.
    fn send(&mut self, ps: &mut Pipes, msg: &mut Msg, opts: &Options) -> Result<()>;

    /// Receives one part, or EAGAIN.
    fn recv(&mut self, ps: &mut Pipes, opts: &Options) -> Result<Msg>;

    /// As `recv`, into `out` (its old content released; left alone on failure). The types
    /// that pass parts straight from a pipe fill `out` in place.
    fn recv_into(&mut self, ps: &mut Pipes, opts: &Options, out: &mut Msg) -> Result<()> {
        *out = self.recv(ps, opts)?;
        Ok(())
    }

    fn has_in(&mut self, ps: &mut Pipes) -> bool;

    fn has_out(&mut self, ps: &mut Pipes) -> bool;

    /// Called after the option table accepted `option` (e.g. SUBSCRIBE), so the type can act.
    fn option_set(&mut self, _ps: &mut Pipes, _option: i32, _val: &[u8], _opts: &Options) {}

    /// ZMQ_TOPICS_COUNT: the number of distinct subscriptions, for the types that keep them.
    fn topics_count(&self) -> Option<c_int> {
        None
    }
}

/// A socket type whose routing is not built yet: sends block or are dropped as with no
/// peers, receives block. Kept only until every type has its own implementation.
pub struct Unrouted {
    pub drops: bool,
}

impl Pattern for Unrouted {
    fn attach(&mut self, ps: &mut Pipes, i: usize, _opts: &Options) {
        // Not routed: end the pipe so the peer is not left waiting on it.
        ps.mark_ended(i);
    }
    fn detach(&mut self, _ps: &mut Pipes, _i: usize) {}
    fn read_activated(&mut self, _ps: &mut Pipes, _i: usize) {}
    fn write_activated(&mut self, _ps: &mut Pipes, _i: usize) {}
    fn send(&mut self, _ps: &mut Pipes, msg: &mut Msg, _opts: &Options) -> Result<()> {
        if self.drops {
            drop(std::mem::take(msg));
            return Ok(());
        }
        Err(Error::AGAIN)
    }
    fn recv(&mut self, _ps: &mut Pipes, _opts: &Options) -> Result<Msg> {
        Err(Error::AGAIN)
    }
    fn has_in(&mut self, _ps: &mut Pipes) -> bool {
        false
    }
    fn has_out(&mut self, _ps: &mut Pipes) -> bool {
        self.drops
    }
}
