//! PUSH: load-balances whole messages over its peers; never receives.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::socket::parts::lb::LoadBalancer;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::Pipes;

#[derive(Default)]
pub struct Push {
    lb: LoadBalancer,
}

impl Pattern for Push {
    fn attach(&mut self, _ps: &mut Pipes, i: usize, _opts: &Options) {
        self.lb.attach(i);
    }
    fn detach(&mut self, _ps: &mut Pipes, i: usize) {
        self.lb.detach(i);
    }
    fn read_activated(&mut self, _ps: &mut Pipes, _i: usize) {}
    fn write_activated(&mut self, _ps: &mut Pipes, i: usize) {
        self.lb.activated(i);
    }
    fn send(&mut self, ps: &mut Pipes, msg: &mut Msg, _opts: &Options) -> Result<()> {
        self.lb.send(ps, msg)
    }
    fn recv(&mut self, _ps: &mut Pipes, _opts: &Options) -> Result<Msg> {
        Err(Error::NOTSUP)
    }
    fn has_in(&mut self, _ps: &mut Pipes) -> bool {
        false
    }
    fn has_out(&mut self, ps: &mut Pipes) -> bool {
        self.lb.has_out(ps)
    }
}
