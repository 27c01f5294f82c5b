//! PULL: fair-queues whole messages from its peers; never sends.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::socket::parts::fq::FairQueue;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::Pipes;

#[derive(Default)]
pub struct Pull {
    fq: FairQueue,
}

impl Pattern for Pull {
    fn attach(&mut self, _ps: &mut Pipes, i: usize, _opts: &Options) {
        self.fq.attach(i);
    }
    fn detach(&mut self, _ps: &mut Pipes, i: usize) {
        self.fq.detach(i);
    }
    fn read_activated(&mut self, _ps: &mut Pipes, i: usize) {
        self.fq.activated(i);
    }
    fn write_activated(&mut self, _ps: &mut Pipes, _i: usize) {}
    fn send(&mut self, _ps: &mut Pipes, _msg: &mut Msg, _opts: &Options) -> Result<()> {
        Err(Error::NOTSUP)
    }
    fn recv(&mut self, ps: &mut Pipes, _opts: &Options) -> Result<Msg> {
        self.fq.recv(ps)
    }
    fn recv_into(&mut self, ps: &mut Pipes, _opts: &Options, out: &mut Msg) -> Result<()> {
        self.fq.recv_into(ps, out)
    }
    fn has_in(&mut self, ps: &mut Pipes) -> bool {
        self.fq.has_in(ps)
    }
    fn has_out(&mut self, _ps: &mut Pipes) -> bool {
        false
    }
}
