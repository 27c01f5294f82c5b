//! REP: a ROUTER that serves one request at a time.
//!
//! Receiving a request takes its envelope (the sender's routing id and every frame up to and
//! including the first empty one) and keeps it; the user gets only the body. A request
//! without the empty delimiter is dropped whole. The reply goes back with the envelope in
//! front, to the pipe the request came from (dropped silently if that peer is gone or full).
//! Sending before a request was received whole is EFSM, and so is receiving while a reply
//! is owed.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::Pipes;

use super::router::Router;

pub fn new() -> Box<dyn Pattern> {
    Box::new(Rep::default())
}

pub struct Rep {
    router: Router,
    /// A request was received whole; its reply is owed.
    sending_reply: bool,
    /// The next part received starts a request (its envelope).
    request_begins: bool,
    /// The envelope of the request being served, until the reply's first part is sent.
    envelope: Vec<Msg>,
}

impl Default for Rep {
    fn default() -> Self {
        Rep {
            router: Router::default(),
            sending_reply: false,
            request_begins: true,
            envelope: Vec::new(),
        }
    }
}

impl Rep {
    /// Reads a request's envelope into `self.envelope`, dropping malformed requests.
    fn read_envelope(&mut self, ps: &mut Pipes) -> Result<()> {
        loop {
            let m = match self.router.recv_part(ps) {
                Ok(m) => m,
                Err(e) => {
                    // Nothing read yet, or the sender went away inside its message.
                    self.envelope.clear();
                    return Err(e);
                }
            };
            if !m.more() {
                // The request ended inside its envelope: malformed, dropped.
                self.envelope.clear();
                continue;
            }
            let bottom = m.is_empty();
            self.envelope.push(m);
            if bottom {
                return Ok(());
            }
        }
    }
}

impl Pattern for Rep {
    fn attach(&mut self, ps: &mut Pipes, i: usize, opts: &Options) {
        self.router.attach(ps, i, opts);
    }

    fn detach(&mut self, ps: &mut Pipes, i: usize) {
        self.router.detach(ps, i);
    }

    fn read_activated(&mut self, ps: &mut Pipes, i: usize) {
        self.router.read_activated(ps, i);
    }

    fn write_activated(&mut self, ps: &mut Pipes, i: usize) {
        self.router.write_activated(ps, i);
    }

    fn send(&mut self, ps: &mut Pipes, msg: &mut Msg, _opts: &Options) -> Result<()> {
        if !self.sending_reply {
            return Err(Error::FSM);
        }
        // The reply's first part: the envelope goes first. A reply is never refused (the
        // requester may be gone), so ZMQ_ROUTER_MANDATORY plays no part.
        for mut frame in std::mem::take(&mut self.envelope) {
            self.router.send_part(ps, &mut frame, false)?;
        }
        let more = msg.more();
        self.router.send_part(ps, msg, false)?;
        if !more {
            self.sending_reply = false;
        }
        Ok(())
    }

    fn recv(&mut self, ps: &mut Pipes, _opts: &Options) -> Result<Msg> {
        if self.sending_reply {
            return Err(Error::FSM);
        }
        if self.request_begins {
            self.read_envelope(ps)?;
            self.request_begins = false;
        }
        let m = match self.router.recv_part(ps) {
            Ok(m) => m,
            Err(e) => {
                // Only a requester gone inside its message gets here: start over.
                self.envelope.clear();
                self.request_begins = true;
                return Err(e);
            }
        };
        if !m.more() {
            self.sending_reply = true;
            self.request_begins = true;
        }
        Ok(m)
    }

    fn has_in(&mut self, ps: &mut Pipes) -> bool {
        !self.sending_reply && self.router.has_in(ps)
    }

    fn has_out(&mut self, ps: &mut Pipes) -> bool {
        self.sending_reply && self.router.has_out(ps)
    }

    fn option_set(&mut self, ps: &mut Pipes, option: i32, val: &[u8], opts: &Options) {
        self.router.option_set(ps, option, val, opts);
    }
}
