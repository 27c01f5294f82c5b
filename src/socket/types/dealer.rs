//! DEALER: load-balances whole messages over its peers and fair-queues what they send, with
//! no envelope handling. With ZMQ_PROBE_ROUTER each new peer first gets an empty message.
//! REQ is built on it.

use crate::error::Result;
use crate::msg::Msg;
use crate::options::Options;
use crate::socket::parts::fq::FairQueue;
use crate::socket::parts::lb::LoadBalancer;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::Pipes;

pub fn new() -> Box<dyn Pattern> {
    Box::new(Dealer::default())
}

#[derive(Default)]
pub struct Dealer {
    pub fq: FairQueue,
    pub lb: LoadBalancer,
}

/// Writes the empty probe message of ZMQ_PROBE_ROUTER to a new pipe (dropped if it is full).
pub fn probe(ps: &mut Pipes, i: usize) {
    if ps.check_write(i) {
        ps.write(i, Msg::new());
        ps.flush(i);
    }
}

impl Pattern for Dealer {
    fn attach(&mut self, ps: &mut Pipes, i: usize, opts: &Options) {
        if opts.typed.probe_router {
            probe(ps, i);
        }
        self.fq.attach(i);
        self.lb.attach(i);
    }

    fn detach(&mut self, _ps: &mut Pipes, i: usize) {
        self.fq.detach(i);
        self.lb.detach(i);
    }

    fn read_activated(&mut self, _ps: &mut Pipes, i: usize) {
        self.fq.activated(i);
    }

    fn write_activated(&mut self, _ps: &mut Pipes, i: usize) {
        self.lb.activated(i);
    }

    fn send(&mut self, ps: &mut Pipes, msg: &mut Msg, _opts: &Options) -> Result<()> {
        self.lb.send(ps, msg)
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

    fn has_out(&mut self, ps: &mut Pipes) -> bool {
        self.lb.has_out(ps)
    }
}
