//! XSUB: receives from its publishers by fair queueing, and sends upstream to all of them.
//! A message sent whose first byte is 1 subscribes to the topic that follows, 0 unsubscribes;
//! XSUB records its subscriptions (with a count per topic) and replays them to every publisher
//! that joins later. Other messages go upstream as they are.
//!
//! SUB (sub.rs) is the same routing with two changes: it filters what it receives by its
//! subscriptions, and its user subscribes with ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE instead of
//! sending.

use std::os::raw::c_int;

use crate::error::Result;
use crate::msg::Msg;
use crate::options::Options;
use crate::socket::parts::dist::Dist;
use crate::socket::parts::fq::FairQueue;
use crate::socket::parts::trie::Trie;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::Pipes;

pub fn new() -> Box<dyn Pattern> {
    Box::new(XSub::new(false))
}

/// A subscription (`subscribe`) or unsubscription message for `topic`.
pub fn subscription_msg(subscribe: bool, topic: &[u8]) -> Option<Msg> {
    let mut m = Msg::with_size(topic.len() + 1).ok()?;
    let body = m.as_mut_slice()?;
    body[0] = subscribe as u8;
    body[1..].copy_from_slice(topic);
    Some(m)
}

pub struct XSub {
    /// SUB: deliver only messages that match a subscription.
    filter: bool,
    /// ZMQ_INVERT_MATCHING (SUB): deliver only messages that match none.
    invert: bool,
    fq: FairQueue,
    dist: Dist,
    subscriptions: Trie,
    /// The first part of a matching message that `has_in` fetched while looking for one.
    prefetched: Option<Msg>,
    /// Inside a message being received: the next parts belong to it, whatever they hold.
    more_recv: bool,
    /// Inside a message being sent.
    more_send: bool,
    /// The parts of the message being sent may be (un)subscriptions.
    process_subscribe: bool,
}

impl XSub {
    pub fn new(filter: bool) -> XSub {
        XSub {
            filter,
            invert: false,
            fq: FairQueue::default(),
            dist: Dist::default(),
            subscriptions: Trie::default(),
            prefetched: None,
            more_recv: false,
            more_send: false,
            process_subscribe: false,
        }
    }

    fn matches(&self, msg: &Msg) -> bool {
        self.subscriptions.check(msg.as_slice()) != self.invert
    }

    /// Reads and drops the remaining parts of a message whose first part was `first`.
    fn skip_rest(&mut self, ps: &mut Pipes, first: Msg) {
        let mut more = first.more();
        while more {
            match self.fq.recv(ps) {
                Ok(m) => more = m.more(),
                // The pipe went away mid-message: nothing more of it will come.
                Err(_) => break,
            }
        }
    }

    /// Sends a part upstream; (un)subscriptions are recorded first. Never blocks: a
    /// publisher that cannot take the part misses it.
    pub fn send_upstream(&mut self, ps: &mut Pipes, msg: &mut Msg, opts: &Options) {
        let first = !self.more_send;
        self.more_send = msg.more();
        if first {
            self.process_subscribe = !opts.typed.only_first_subscribe;
        } else if !self.process_subscribe {
            self.dist.send_to_all(ps, msg);
            return;
        }
        match msg.as_slice().split_first() {
            Some((1, topic)) => {
                // Duplicates go upstream too: the publisher decides what is news (a
                // forwarding device with XPUB_VERBOSE relies on it).
                self.subscriptions.add(topic);
                self.process_subscribe = true;
                self.dist.send_to_all(ps, msg);
            }
            Some((0, topic)) => {
                self.process_subscribe = true;
                let last = self.subscriptions.rm(topic);
                if last || opts.typed.xsub_verbose_unsubs {
                    self.dist.send_to_all(ps, msg);
                } else {
                    // Other references remain (or there was none): nothing to tell upstream.
                    drop(std::mem::take(msg));
                }
            }
            _ => self.dist.send_to_all(ps, msg),
        }
    }

    pub fn subscribe(&mut self, ps: &mut Pipes, subscribe: bool, topic: &[u8], opts: &Options) {
        if let Some(mut m) = subscription_msg(subscribe, topic) {
            self.send_upstream(ps, &mut m, opts);
        }
    }
}

impl Pattern for XSub {
    fn attach(&mut self, ps: &mut Pipes, i: usize, opts: &Options) {
        self.invert = opts.invert_matching;
        self.fq.attach(i);
        self.dist.attach(i);
        // The new publisher learns every current subscription (once per topic). Those that
        // do not fit under its HWM are dropped, as a subscription sent then would be.
        self.subscriptions.apply(|topic| {
            if let Some(m) = subscription_msg(true, topic) {
                if ps.check_write(i) {
                    ps.write(i, m);
                }
            }
        });
        ps.flush(i);
    }

    fn detach(&mut self, _ps: &mut Pipes, i: usize) {
        self.fq.detach(i);
        self.dist.detach(i);
    }

    fn read_activated(&mut self, _ps: &mut Pipes, i: usize) {
        self.fq.activated(i);
    }

    fn write_activated(&mut self, _ps: &mut Pipes, i: usize) {
        self.dist.activated(i);
    }

    fn send(&mut self, ps: &mut Pipes, msg: &mut Msg, opts: &Options) -> Result<()> {
        self.send_upstream(ps, msg, opts);
        Ok(())
    }

    fn recv(&mut self, ps: &mut Pipes, _opts: &Options) -> Result<Msg> {
        if let Some(m) = self.prefetched.take() {
            self.more_recv = m.more();
            return Ok(m);
        }
        loop {
            let m = match self.fq.recv(ps) {
                Ok(m) => m,
                Err(e) => {
                    // Nothing mid-message means its pipe went away: the message is over.
                    self.more_recv = false;
                    return Err(e);
                }
            };
            // Parts after the first belong to a message already accepted.
            if self.more_recv || !self.filter || self.matches(&m) {
                self.more_recv = m.more();
                return Ok(m);
            }
            self.skip_rest(ps, m);
        }
    }

    fn has_in(&mut self, ps: &mut Pipes) -> bool {
        if self.more_recv || self.prefetched.is_some() {
            return true;
        }
        if !self.filter {
            return self.fq.has_in(ps);
        }
        // Only a matching message counts: skip the others, keep the first that matches.
        loop {
            let Ok(m) = self.fq.recv(ps) else {
                return false;
            };
            if self.matches(&m) {
                self.prefetched = Some(m);
                return true;
            }
            self.skip_rest(ps, m);
        }
    }

    fn has_out(&mut self, _ps: &mut Pipes) -> bool {
        // Subscriptions can be sent at any time.
        true
    }

    fn option_set(&mut self, _ps: &mut Pipes, _option: i32, _val: &[u8], opts: &Options) {
        self.invert = opts.invert_matching;
    }

    fn topics_count(&self) -> Option<c_int> {
        Some(self.subscriptions.num_prefixes().min(c_int::MAX as usize) as c_int)
    }
}
