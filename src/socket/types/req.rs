//! REQ: a DEALER that keeps strict request/reply turns and adds the envelope.
//!
//! A request goes out as an empty delimiter frame, then the user's parts (with
//! ZMQ_REQ_CORRELATE, a 4-byte request id frame comes first). Only then may a reply be
//! received: from the pipe the request went to, starting with that delimiter (and the id),
//! which are stripped; anything else is dropped whole. Sending again before the reply is
//! EFSM, unless ZMQ_REQ_RELAXED, which abandons the pending reply. Receiving before a
//! request is EFSM.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::socket::parts::routing_ids::random_u32;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::Pipes;

use super::dealer::Dealer;

pub fn new() -> Box<dyn Pattern> {
    Box::new(Req::new())
}

pub struct Req {
    dealer: Dealer,
    /// A request was sent whole; its reply is owed to the user.
    receiving_reply: bool,
    /// The next part sent (or received) starts a request (or a reply).
    message_begins: bool,
    /// The pipe the last request went to; replies from other pipes are dropped. None once
    /// that pipe is gone, when any pipe's reply is taken.
    reply_pipe: Option<usize>,
    /// The id of the last request (ZMQ_REQ_CORRELATE); starts random.
    request_id: u32,
    /// Cached ZMQ_REQ_CORRELATE and !ZMQ_REQ_RELAXED.
    correlate: bool,
    strict: bool,
}

impl Req {
    fn new() -> Req {
        Req {
            dealer: Dealer::default(),
            receiving_reply: false,
            message_begins: true,
            reply_pipe: None,
            request_id: random_u32(),
            correlate: false,
            strict: true,
        }
    }

    fn refresh(&mut self, opts: &Options) {
        self.correlate = opts.typed.req_correlate;
        self.strict = !opts.typed.req_relaxed;
    }

    /// The next part from the reply pipe; parts from other pipes are dropped on the way.
    fn recv_reply_pipe(&mut self, ps: &mut Pipes) -> Result<Msg> {
        loop {
            let (m, i) = self.dealer.fq.recv_from(ps)?;
            if self.reply_pipe.is_none_or(|p| p == i) {
                return Ok(m);
            }
        }
    }

    /// Drops the rest of a message whose part `m` did not fit the reply envelope.
    fn drop_rest(&mut self, ps: &mut Pipes, m: Msg) {
        let mut more = m.more();
        while more {
            match self.recv_reply_pipe(ps) {
                Ok(next) => more = next.more(),
                Err(_) => break,
            }
        }
    }

    /// Sends an envelope frame of a new request; records the pipe it went to.
    fn send_envelope_frame(&mut self, ps: &mut Pipes, mut frame: Msg) -> Result<()> {
        frame.set_more(true);
        if let Some(i) = self.dealer.lb.send_to(ps, &mut frame)? {
            self.reply_pipe = Some(i);
        }
        Ok(())
    }
}

impl Pattern for Req {
    fn attach(&mut self, ps: &mut Pipes, i: usize, opts: &Options) {
        self.refresh(opts);
        self.dealer.attach(ps, i, opts);
    }

    fn detach(&mut self, ps: &mut Pipes, i: usize) {
        if self.reply_pipe == Some(i) {
            self.reply_pipe = None;
        }
        self.dealer.detach(ps, i);
    }

    fn read_activated(&mut self, ps: &mut Pipes, i: usize) {
        self.dealer.read_activated(ps, i);
    }

    fn write_activated(&mut self, ps: &mut Pipes, i: usize) {
        self.dealer.write_activated(ps, i);
    }

    fn send(&mut self, ps: &mut Pipes, msg: &mut Msg, opts: &Options) -> Result<()> {
        self.refresh(opts);
        if self.receiving_reply {
            if self.strict {
                return Err(Error::FSM);
            }
            // Relaxed: the pending reply is abandoned; a new request starts.
            self.receiving_reply = false;
            self.message_begins = true;
        }
        if self.message_begins {
            self.reply_pipe = None;
            if self.correlate {
                self.request_id = self.request_id.wrapping_add(1);
                let id = Msg::from_slice(&self.request_id.to_ne_bytes())?;
                self.send_envelope_frame(ps, id)?;
            }
            self.send_envelope_frame(ps, Msg::new())?;
            self.message_begins = false;
            // Whatever arrived before this request (late replies to earlier ones) is stale:
            // drop it now, so an old reply from the same peer cannot pass for the new one.
            while self.dealer.fq.recv(ps).is_ok() {}
        }
        let more = msg.more();
        self.dealer.lb.send(ps, msg)?;
        if !more {
            self.receiving_reply = true;
            self.message_begins = true;
        }
        Ok(())
    }

    fn recv(&mut self, ps: &mut Pipes, opts: &Options) -> Result<Msg> {
        self.refresh(opts);
        if !self.receiving_reply {
            return Err(Error::FSM);
        }
        if self.message_begins {
            loop {
                if self.correlate {
                    let m = self.recv_reply_pipe(ps)?;
                    if !(m.more() && m.as_slice() == self.request_id.to_ne_bytes()) {
                        self.drop_rest(ps, m);
                        continue;
                    }
                }
                let m = self.recv_reply_pipe(ps)?;
                if !(m.more() && m.is_empty()) {
                    // No delimiter: not a reply to us.
                    self.drop_rest(ps, m);
                    continue;
                }
                break;
            }
            self.message_begins = false;
        }
        let m = self.recv_reply_pipe(ps)?;
        if !m.more() {
            self.receiving_reply = false;
            self.message_begins = true;
        }
        Ok(m)
    }

    fn has_in(&mut self, ps: &mut Pipes) -> bool {
        self.receiving_reply && self.dealer.has_in(ps)
    }

    fn has_out(&mut self, ps: &mut Pipes) -> bool {
        if self.receiving_reply && self.strict {
            return false;
        }
        self.dealer.has_out(ps)
    }

    fn option_set(&mut self, _ps: &mut Pipes, _option: i32, _val: &[u8], opts: &Options) {
        self.refresh(opts);
    }
}
