//! SUB: XSUB's routing (xsub.rs) with filtering: only messages that match a subscription
//! (prefix of the first part; ZMQ_INVERT_MATCHING: that match none) are delivered, whole.
//! The user subscribes with ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE; SUB cannot send.

use std::os::raw::c_int;

use super::xsub::XSub;
use crate::capi::consts::{ZMQ_SUBSCRIBE, ZMQ_UNSUBSCRIBE};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::Pipes;

pub fn new() -> Box<dyn Pattern> {
    Box::new(Sub(XSub::new(true)))
}

struct Sub(XSub);

impl Pattern for Sub {
    fn attach(&mut self, ps: &mut Pipes, i: usize, opts: &Options) {
        self.0.attach(ps, i, opts);
    }

    fn detach(&mut self, ps: &mut Pipes, i: usize) {
        self.0.detach(ps, i);
    }

    fn read_activated(&mut self, ps: &mut Pipes, i: usize) {
        self.0.read_activated(ps, i);
    }

    fn write_activated(&mut self, ps: &mut Pipes, i: usize) {
        self.0.write_activated(ps, i);
    }

    fn send(&mut self, _ps: &mut Pipes, _msg: &mut Msg, _opts: &Options) -> Result<()> {
        Err(Error::NOTSUP)
    }

    fn recv(&mut self, ps: &mut Pipes, opts: &Options) -> Result<Msg> {
        self.0.recv(ps, opts)
    }

    fn has_in(&mut self, ps: &mut Pipes) -> bool {
        self.0.has_in(ps)
    }

    fn has_out(&mut self, _ps: &mut Pipes) -> bool {
        false
    }

    fn option_set(&mut self, ps: &mut Pipes, option: i32, val: &[u8], opts: &Options) {
        self.0.option_set(ps, option, val, opts);
        match option {
            ZMQ_SUBSCRIBE => self.0.subscribe(ps, true, val, opts),
            ZMQ_UNSUBSCRIBE => self.0.subscribe(ps, false, val, opts),
            _ => {}
        }
    }

    fn topics_count(&self) -> Option<c_int> {
        self.0.topics_count()
    }
}
