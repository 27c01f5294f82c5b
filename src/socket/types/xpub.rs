//! PUB and XPUB: send each message to every subscriber whose subscriptions match it.
//!
//! Subscribers send their subscriptions upstream as messages (first byte 1 = subscribe to the
//! topic that follows, 0 = unsubscribe); they are kept per pipe in a trie, and a message goes,
//! whole, to the pipes with a subscription that is a prefix of its first part. A subscriber
//! that cannot take a message misses it (unless ZMQ_XPUB_NODROP: then the send waits).
//!
//! XPUB also hands the subscriptions to its user through recv (new topics and topics nobody
//! wants any more; every one with ZMQ_XPUB_VERBOSE / VERBOSER; every one, unapplied, with
//! ZMQ_XPUB_MANUAL, where the user applies them with ZMQ_SUBSCRIBE / UNSUBSCRIBE), as well as
//! any other message its subscribers send. PUB is the same minus all of that.

use std::collections::VecDeque;
use std::os::raw::c_int;

use crate::capi::consts::{ZMQ_SUBSCRIBE, ZMQ_UNSUBSCRIBE};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::pipe::duplex::PipeId;
use crate::socket::parts::dist::Dist;
use crate::socket::parts::trie::{MTrie, Removed};
use crate::socket::pattern::Pattern;
use crate::socket::pipes::Pipes;

use super::xsub::subscription_msg;

pub fn new_pub() -> Box<dyn Pattern> {
    Box::new(XPub::new(true))
}

pub fn new_xpub() -> Box<dyn Pattern> {
    Box::new(XPub::new(false))
}

/// The options that act where no `Options` is at hand (reading subscriptions, pipes going
/// away); refreshed whenever an option is set.
#[derive(Default, Clone, Copy)]
struct Flags {
    verbose_subs: bool,
    verbose_unsubs: bool,
    manual: bool,
    send_last_pipe: bool,
    only_first_subscribe: bool,
}

impl Flags {
    fn of(opts: &Options) -> Flags {
        let t = &opts.typed;
        Flags {
            verbose_subs: t.xpub_verbose_subs,
            verbose_unsubs: t.xpub_verbose_unsubs,
            manual: t.xpub_manual,
            send_last_pipe: t.xpub_send_last_pipe,
            only_first_subscribe: t.only_first_subscribe,
        }
    }
}

struct XPub {
    /// PUB: nothing is handed to the user.
    is_pub: bool,
    flags: Flags,
    dist: Dist,
    /// The subscriptions in force, per pipe.
    subscriptions: MTrie,
    /// XPUB_MANUAL: what each pipe asked for, so that its going away can be reported.
    manual_subscriptions: MTrie,
    /// Inside a message being sent: its pipes were chosen on its first part.
    more_send: bool,
    /// Inside a message being read from a subscriber.
    more_recv: bool,
    /// The parts of the message being read may be (un)subscriptions.
    process_subscribe: bool,
    /// What recv hands out next: (un)subscriptions and other messages from subscribers.
    pending: VecDeque<Msg>,
    /// XPUB_MANUAL: the pipe each pending (un)subscription came from (None: a pipe that went
    /// away), taken by recv to become `last_pipe`.
    pending_pipes: VecDeque<Option<PipeId>>,
    /// XPUB_MANUAL: the pipe ZMQ_SUBSCRIBE / UNSUBSCRIBE apply to.
    last_pipe: Option<PipeId>,
}

impl XPub {
    fn new(is_pub: bool) -> XPub {
        XPub {
            is_pub,
            flags: Flags::default(),
            dist: Dist::default(),
            subscriptions: MTrie::default(),
            manual_subscriptions: MTrie::default(),
            more_send: false,
            more_recv: false,
            process_subscribe: false,
            pending: VecDeque::new(),
            pending_pipes: VecDeque::new(),
            last_pipe: None,
        }
    }

    /// The table index of `last_pipe`, if that pipe is still here.
    fn last_pipe_index(&self, ps: &Pipes) -> Option<usize> {
        self.last_pipe
            .and_then(|id| ps.index_of(id))
            .filter(|&i| self.dist.has_pipe(i))
    }

    /// Reports to the user that `topics` lost their subscriber (a pipe went away).
    fn queue_unsubscriptions(&mut self, topics: Vec<Vec<u8>>) {
        if self.is_pub {
            return;
        }
        for topic in topics {
            if let Some(m) = subscription_msg(false, &topic) {
                self.pending.push_back(m);
            }
            if self.flags.manual {
                self.last_pipe = None;
                self.pending_pipes.push_back(None);
            }
        }
    }

    /// Applies (or, in manual mode, records) a subscription message read from pipe `i`, and
    /// decides whether the user hears of it.
    fn subscription(&mut self, ps: &mut Pipes, i: usize, mut msg: Msg, subscribe: bool) {
        let topic = &msg.as_slice()[1..];
        let notify = if self.flags.manual {
            if subscribe {
                self.manual_subscriptions.add(topic, i);
            } else {
                self.manual_subscriptions.rm(topic, i);
            }
            if !self.is_pub {
                self.pending_pipes.push_back(Some(ps.pipe(i).id()));
            }
            true
        } else if subscribe {
            self.subscriptions.add(topic, i) || self.flags.verbose_subs
        } else {
            // An unsubscription nobody had made is reported as well (as libzmq does).
            self.subscriptions.rm(topic, i) != Removed::ValuesRemain || self.flags.verbose_unsubs
        };
        if notify && !self.is_pub {
            // Handed over as a single-part message.
            msg.set_more(false);
            self.pending.push_back(msg);
        }
    }
}

impl Pattern for XPub {
    fn attach(&mut self, ps: &mut Pipes, i: usize, opts: &Options) {
        self.flags = Flags::of(opts);
        self.dist.attach(i);
        ps.pipe(i).lossy = opts.typed.lossy;
        let welcome = &opts.typed.welcome_msg;
        if !welcome.is_empty() && ps.check_write(i) {
            if let Ok(m) = Msg::from_slice(welcome) {
                ps.write(i, m);
                ps.flush(i);
            }
        }
        // Subscriptions may be waiting already.
        self.read_activated(ps, i);
    }

    fn detach(&mut self, ps: &mut Pipes, i: usize) {
        let mut gone = Vec::new();
        if self.flags.manual {
            // Everything the pipe asked for is reported; the subscriptions the user applied
            // for it just go.
            self.manual_subscriptions
                .rm_pipe(i, false, |t| gone.push(t.to_vec()));
            self.subscriptions.rm_pipe(i, false, |_| {});
        } else {
            self.subscriptions
                .rm_pipe(i, !self.flags.verbose_unsubs, |t| gone.push(t.to_vec()));
        }
        let was_last = self.last_pipe_index(ps) == Some(i);
        self.queue_unsubscriptions(gone);
        if was_last {
            self.last_pipe = None;
        }
        self.dist.detach(i);
    }

    fn read_activated(&mut self, ps: &mut Pipes, i: usize) {
        while let Some(msg) = ps.read(i) {
            let first = !self.more_recv;
            self.more_recv = msg.more();
            let kind = if first || self.process_subscribe {
                match msg.as_slice().first() {
                    Some(&b) if b <= 1 => Some(b == 1),
                    _ => None,
                }
            } else {
                None
            };
            if first {
                self.process_subscribe = !self.flags.only_first_subscribe || kind.is_some();
            }
            match kind {
                Some(subscribe) => self.subscription(ps, i, msg, subscribe),
                // Anything else a subscriber sends goes to the XPUB user as it is.
                None if !self.is_pub => self.pending.push_back(msg),
                None => {}
            }
        }
    }

    fn write_activated(&mut self, _ps: &mut Pipes, i: usize) {
        self.dist.activated(i);
    }

    fn send(&mut self, ps: &mut Pipes, msg: &mut Msg, opts: &Options) -> Result<()> {
        let more = msg.more();
        if !self.more_send {
            // A new message: choose its pipes by its first part.
            let only = if self.flags.manual && self.flags.send_last_pipe {
                self.last_pipe_index(ps)
            } else {
                None
            };
            self.dist.unmatch();
            let dist = &mut self.dist;
            match only {
                // XPUB_MANUAL_LAST_VALUE: the first message after a subscription goes only
                // to the subscriber that asked.
                Some(last) => {
                    self.subscriptions.match_pipes(msg.as_slice(), |p| {
                        if p == last {
                            dist.match_pipe(p)
                        }
                    });
                    self.last_pipe = None;
                }
                None => self
                    .subscriptions
                    .match_pipes(msg.as_slice(), |p| dist.match_pipe(p)),
            }
            if opts.invert_matching {
                self.dist.reverse_match();
            }
        }
        if !opts.typed.lossy && !self.dist.check_hwm(ps) {
            // XPUB_NODROP: wait until every matching subscriber has room.
            return Err(Error::AGAIN);
        }
        self.dist.send_to_matching(ps, msg);
        if !more {
            self.dist.unmatch();
        }
        self.more_send = more;
        Ok(())
    }

    fn recv(&mut self, ps: &mut Pipes, _opts: &Options) -> Result<Msg> {
        if self.is_pub {
            return Err(Error::NOTSUP);
        }
        let msg = self.pending.pop_front().ok_or(Error::AGAIN)?;
        if self.flags.manual {
            if let Some(from) = self.pending_pipes.pop_front() {
                self.last_pipe = from;
                // A pipe that has gone away cannot take manual subscriptions.
                if self.last_pipe_index(ps).is_none() {
                    self.last_pipe = None;
                }
            }
        }
        Ok(msg)
    }

    fn has_in(&mut self, _ps: &mut Pipes) -> bool {
        !self.pending.is_empty()
    }

    fn has_out(&mut self, _ps: &mut Pipes) -> bool {
        // Never blocks for want of a subscriber (not even with XPUB_NODROP, as libzmq).
        true
    }

    fn option_set(&mut self, ps: &mut Pipes, option: i32, val: &[u8], opts: &Options) {
        self.flags = Flags::of(opts);
        // The option table accepts these only in manual mode.
        if !self.flags.manual || !matches!(option, ZMQ_SUBSCRIBE | ZMQ_UNSUBSCRIBE) {
            return;
        }
        if let Some(i) = self.last_pipe_index(ps) {
            if option == ZMQ_SUBSCRIBE {
                self.subscriptions.add(val, i);
            } else {
                self.subscriptions.rm(val, i);
            }
        }
    }

    fn topics_count(&self) -> Option<c_int> {
        Some(self.subscriptions.num_prefixes().min(c_int::MAX as usize) as c_int)
    }
}
