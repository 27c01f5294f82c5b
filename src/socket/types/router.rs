//! ROUTER: every peer has a routing id; received messages come with the sender's id as
//! their first frame, and the first frame of a sent message names the peer to send it to.
//! REP is built on it.
//!
//! A pipe's first message is the peer's routing id (ZMQ_ROUTING_ID of the peer): empty means
//! "make one up" (5 bytes, a zero byte first). A pipe this socket connected with
//! ZMQ_CONNECT_ROUTING_ID set uses that id instead. An id already in use makes the new peer
//! ignored (its pipe is never read), unless ZMQ_ROUTER_HANDOVER, when the new peer takes the
//! id and the old one is disconnected (after the message being read from it, if any).
//!
//! Sending to an unknown id, or to a peer whose pipe is full, drops the message silently;
//! with ZMQ_ROUTER_MANDATORY the first frame's send fails instead, with EHOSTUNREACH (unknown
//! or gone) or EAGAIN (full). A message of one frame (an id and nothing else) is dropped.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::socket::parts::fq::FairQueue;
use crate::socket::parts::routing_ids::RoutingIds;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::Pipes;

use super::dealer::probe;

pub fn new() -> Box<dyn Pattern> {
    Box::new(Router::default())
}

/// A pipe without a routing id yet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Anonymous {
    /// Its routing id message has not arrived: read it when the pipe is activated.
    Waiting,
    /// Its routing id was taken: the peer is ignored (never read) until it goes away.
    Refused,
}

#[derive(Default)]
pub struct Router {
    fq: FairQueue,
    ids: RoutingIds,
    anonymous: HashMap<usize, Anonymous>,
    /// The first frame of the next message (its sender's id), read ahead by `has_in`.
    prefetched_id: Option<Msg>,
    /// The first part of the next message, read ahead while its id frame was returned.
    prefetched_msg: Option<Msg>,
    /// The pipe the message being received comes from.
    current_in: Option<usize>,
    /// `current_in` lost its id to a handover: disconnect it once its message is read.
    terminate_current_in: bool,
    /// Inside a received message: the next part comes from `current_in` through `fq`.
    more_in: bool,
    /// The pipe of the message being received went away before its last part: the next
    /// part given is an empty last one, so the message still ends.
    cut: bool,
    /// The pipe the message being sent goes to (None: it is being dropped).
    current_out: Option<usize>,
    /// Inside a sent message: the next part is not a routing id.
    more_out: bool,
    /// Cached options.
    mandatory: bool,
    handover: bool,
}

impl Router {
    fn refresh(&mut self, opts: &Options) {
        self.mandatory = opts.typed.router_mandatory;
        self.handover = opts.typed.router_handover;
    }

    /// Works out the routing id of pipe `i` and files the pipe under it. Err tells why the
    /// pipe stays anonymous.
    fn identify(&mut self, ps: &mut Pipes, i: usize) -> std::result::Result<(), Anonymous> {
        let id = if let Some(id) = ps.pipe(i).connect_routing_id.take() {
            // libzmq asserts on a duplicate here; ignoring the connection is kinder.
            if self.ids.lookup(&id).is_some() {
                return Err(Anonymous::Refused);
            }
            id
        } else {
            let Some(m) = ps.read(i) else {
                return Err(Anonymous::Waiting);
            };
            if m.is_empty() {
                self.ids.generate()
            } else {
                let id = m.as_slice().to_vec();
                if let Some(old) = self.ids.lookup(&id) {
                    if !self.handover {
                        return Err(Anonymous::Refused);
                    }
                    self.hand_over(ps, old, &id);
                }
                id
            }
        };
        let p = ps.pipe(i);
        p.routing_id = id.clone();
        p.identified = true;
        self.ids.insert(id, i);
        Ok(())
    }

    /// ZMQ_ROUTER_HANDOVER: pipe `old` gives up `id` (it gets a generated one until it is
    /// gone) and is disconnected, at once or after the message being read from it.
    fn hand_over(&mut self, ps: &mut Pipes, old: usize, id: &[u8]) {
        self.ids.remove(id, old);
        let temp = self.ids.generate();
        ps.pipe(old).routing_id = temp.clone();
        self.ids.insert(temp, old);
        if self.current_in == Some(old) {
            self.terminate_current_in = true;
        } else {
            ps.pipe(old).terminate(true);
            ps.mark_ended(old);
        }
    }

    fn attach_pipe(&mut self, ps: &mut Pipes, i: usize, opts: &Options) {
        self.refresh(opts);
        if opts.typed.probe_router {
            probe(ps, i);
        }
        match self.identify(ps, i) {
            Ok(()) => self.fq.attach(i),
            Err(why) => {
                self.anonymous.insert(i, why);
            }
        }
    }

    /// The message from `current_in` has been read whole.
    fn end_current_in(&mut self, ps: &mut Pipes) {
        if let Some(i) = self.current_in.take() {
            if std::mem::take(&mut self.terminate_current_in) {
                ps.pipe(i).terminate(true);
                ps.mark_ended(i);
            }
        }
    }

    /// The frame that carries pipe `i`'s routing id in front of `first` (the first part of a
    /// message from it).
    fn id_frame(ps: &mut Pipes, i: usize, first: &Msg) -> Result<Msg> {
        let mut id = Msg::from_slice(&ps.pipe(i).routing_id)?;
        id.set_more(true);
        if let Some(md) = first.metadata() {
            id.set_metadata(md.clone());
        }
        Ok(id)
    }

    /// The next part from the fair queue, skipping routing id messages (a peer may resend
    /// its id, e.g. when this socket picked the id itself with ZMQ_CONNECT_ROUTING_ID).
    fn fq_recv(&mut self, ps: &mut Pipes) -> Result<(Msg, usize)> {
        loop {
            let (m, i) = self.fq.recv_from(ps)?;
            if m.flags() & Msg::IS_ROUTING_ID == 0 {
                return Ok((m, i));
            }
        }
    }

    /// True while a received message has parts left to give.
    pub fn in_message(&self) -> bool {
        self.more_in || self.cut || self.prefetched_id.is_some() || self.prefetched_msg.is_some()
    }

    /// Receives one part: the sender's id first, then the parts of its message.
    pub fn recv_part(&mut self, ps: &mut Pipes) -> Result<Msg> {
        if let Some(id) = self.prefetched_id.take() {
            return Ok(id);
        }
        if let Some(m) = self.prefetched_msg.take() {
            self.more_in = m.more();
            if !self.more_in {
                self.end_current_in(ps);
            }
            return Ok(m);
        }
        if std::mem::take(&mut self.cut) {
            self.more_in = false;
            return Ok(Msg::new());
        }
        let (m, i) = self.fq_recv(ps)?;
        if self.more_in {
            self.more_in = m.more();
            if !self.more_in {
                self.end_current_in(ps);
            }
            return Ok(m);
        }
        // A new message: give its sender's id first and keep the part for the next call.
        let id = Self::id_frame(ps, i, &m)?;
        self.prefetched_msg = Some(m);
        self.current_in = Some(i);
        Ok(id)
    }

    /// Sends one part: the first part of a message names the peer. `mandatory` is
    /// ZMQ_ROUTER_MANDATORY's behaviour for this send.
    pub fn send_part(&mut self, ps: &mut Pipes, msg: &mut Msg, mandatory: bool) -> Result<()> {
        if !self.more_out {
            // The routing id. A message of only this frame is dropped whole.
            if msg.more() {
                self.more_out = true;
                match self.ids.lookup(msg.as_slice()) {
                    Some(i) if ps.check_write(i) => self.current_out = Some(i),
                    Some(i) => {
                        self.current_out = None;
                        if mandatory {
                            self.more_out = false;
                            let full = !ps.pipe(i).peer_gone();
                            return Err(if full {
                                Error::AGAIN
                            } else {
                                Error(libc::EHOSTUNREACH)
                            });
                        }
                    }
                    None if mandatory => {
                        self.more_out = false;
                        return Err(Error(libc::EHOSTUNREACH));
                    }
                    None => self.current_out = None,
                }
            }
            drop(std::mem::take(msg));
            return Ok(());
        }
        let m = std::mem::take(msg);
        self.more_out = m.more();
        if let Some(i) = self.current_out {
            // Later parts always fit; only a peer gone in between refuses them.
            if ps.check_write(i) {
                ps.write(i, m);
                if !self.more_out {
                    ps.flush(i);
                    self.current_out = None;
                }
            } else {
                self.current_out = None;
            }
        }
        Ok(())
    }

    pub fn has_in_part(&mut self, ps: &mut Pipes) -> bool {
        if self.in_message() {
            return true;
        }
        // Read the next message's first part ahead; it waits in the prefetch buffers.
        match self.fq_recv(ps) {
            Ok((m, i)) => match Self::id_frame(ps, i, &m) {
                Ok(id) => {
                    self.prefetched_id = Some(id);
                    self.prefetched_msg = Some(m);
                    self.current_in = Some(i);
                    true
                }
                Err(_) => false,
            },
            Err(_) => false,
        }
    }

    pub fn has_out_part(&mut self, ps: &mut Pipes) -> bool {
        if !self.mandatory {
            return true;
        }
        let pipes: Vec<usize> = self.ids.pipes().collect();
        pipes.into_iter().any(|i| ps.check_write(i))
    }
}

impl Pattern for Router {
    fn attach(&mut self, ps: &mut Pipes, i: usize, opts: &Options) {
        self.attach_pipe(ps, i, opts);
    }

    fn detach(&mut self, ps: &mut Pipes, i: usize) {
        if self.anonymous.remove(&i).is_some() {
            return;
        }
        let id = std::mem::take(&mut ps.pipe(i).routing_id);
        self.ids.remove(&id, i);
        self.fq.detach(i);
        if self.current_out == Some(i) {
            // The rest of the message being sent is dropped.
            self.current_out = None;
        }
        if self.current_in == Some(i) {
            self.current_in = None;
            self.terminate_current_in = false;
            // What was read ahead from it is still delivered; a message cut short gets an
            // empty last part.
            if self.more_in || self.prefetched_msg.as_ref().is_some_and(|m| m.more()) {
                self.cut = true;
            }
            self.more_in = false;
        }
    }

    fn read_activated(&mut self, ps: &mut Pipes, i: usize) {
        match self.anonymous.get(&i) {
            None => self.fq.activated(i),
            Some(Anonymous::Waiting) => match self.identify(ps, i) {
                Ok(()) => {
                    self.anonymous.remove(&i);
                    self.fq.attach(i);
                }
                Err(why) => {
                    self.anonymous.insert(i, why);
                }
            },
            Some(Anonymous::Refused) => {
                // Never read; dropped once its peer is gone.
                if ps.pipe(i).peer_gone() {
                    ps.mark_ended(i);
                }
            }
        }
    }

    fn write_activated(&mut self, _ps: &mut Pipes, _i: usize) {}

    fn send(&mut self, ps: &mut Pipes, msg: &mut Msg, opts: &Options) -> Result<()> {
        self.refresh(opts);
        self.send_part(ps, msg, self.mandatory)
    }

    fn recv(&mut self, ps: &mut Pipes, _opts: &Options) -> Result<Msg> {
        self.recv_part(ps)
    }

    fn has_in(&mut self, ps: &mut Pipes) -> bool {
        self.has_in_part(ps)
    }

    fn has_out(&mut self, ps: &mut Pipes) -> bool {
        self.has_out_part(ps)
    }

    fn option_set(&mut self, _ps: &mut Pipes, _option: i32, _val: &[u8], opts: &Options) {
        self.refresh(opts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::duplex::{pipe_pair, Pipe, Read};

    fn frame(b: &[u8], more: bool) -> Msg {
        let mut m = Msg::from_slice(b).unwrap();
        m.set_more(more);
        m
    }

    fn id_msg(b: &[u8]) -> Msg {
        let mut m = Msg::from_slice(b).unwrap();
        m.set_flags(Msg::IS_ROUTING_ID);
        m
    }

    /// A peer that announced `id`: returns its end of the pipe and the router's index.
    fn connect(r: &mut Router, ps: &mut Pipes, opts: &Options, id: &[u8]) -> (Pipe, usize) {
        let (mine, mut theirs) = pipe_pair([0, 0]);
        theirs.write(id_msg(id));
        theirs.flush();
        let i = ps.insert(mine);
        r.attach(ps, i, opts);
        (theirs, i)
    }

    fn send(r: &mut Router, ps: &mut Pipes, opts: &Options, parts: &[&[u8]]) -> Result<()> {
        for (k, p) in parts.iter().enumerate() {
            r.send(ps, &mut frame(p, k + 1 < parts.len()), opts)?;
        }
        Ok(())
    }

    fn recv_all(r: &mut Router, ps: &mut Pipes, opts: &Options) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            let m = r.recv(ps, opts).expect("a part");
            out.push(m.as_slice().to_vec());
            if !m.more() {
                return out;
            }
        }
    }

    fn read_body(p: &mut Pipe) -> Option<Vec<u8>> {
        match p.read() {
            Read::Msg(m) => Some(m.as_slice().to_vec()),
            _ => None,
        }
    }

    #[test]
    fn prefixes_sender_id_and_routes_by_it() {
        let (mut r, mut ps, opts) = (Router::default(), Pipes::default(), Options::default());
        let (mut a, _) = connect(&mut r, &mut ps, &opts, b"A");
        let (mut b, _) = connect(&mut r, &mut ps, &opts, b"B");
        b.write(frame(b"x", true));
        b.write(frame(b"y", false));
        b.flush();
        assert!(r.has_in(&mut ps));
        assert_eq!(
            recv_all(&mut r, &mut ps, &opts),
            vec![b"B".to_vec(), b"x".to_vec(), b"y".to_vec()]
        );
        send(&mut r, &mut ps, &opts, &[b"A", b"to a"]).unwrap();
        assert_eq!(read_body(&mut a).as_deref(), Some(&b"to a"[..]));
        assert_eq!(read_body(&mut b), None);
    }

    #[test]
    fn empty_id_gets_a_generated_one() {
        let (mut r, mut ps, opts) = (Router::default(), Pipes::default(), Options::default());
        let (mut a, i) = connect(&mut r, &mut ps, &opts, b"");
        let id = ps.pipe(i).routing_id.clone();
        assert_eq!(id.len(), 5);
        assert_eq!(id[0], 0);
        a.write(frame(b"m", false));
        a.flush();
        assert_eq!(recv_all(&mut r, &mut ps, &opts), vec![id, b"m".to_vec()]);
    }

    #[test]
    fn duplicate_id_is_ignored_without_handover() {
        let (mut r, mut ps, opts) = (Router::default(), Pipes::default(), Options::default());
        let (mut a, _) = connect(&mut r, &mut ps, &opts, b"X");
        let (mut b, j) = connect(&mut r, &mut ps, &opts, b"X");
        b.write(frame(b"from b", false));
        b.flush();
        r.read_activated(&mut ps, j);
        assert!(!r.has_in(&mut ps), "the duplicate's messages are not read");
        send(&mut r, &mut ps, &opts, &[b"X", b"m"]).unwrap();
        assert_eq!(read_body(&mut a).as_deref(), Some(&b"m"[..]));
        // Once its peer is gone the ignored pipe is dropped.
        b.terminate(true);
        r.read_activated(&mut ps, j);
        assert_eq!(ps.take_ended(), vec![j]);
    }

    #[test]
    fn handover_moves_the_id_and_ends_the_old_pipe() {
        let (mut r, mut ps, mut opts) = (Router::default(), Pipes::default(), Options::default());
        opts.typed.router_handover = true;
        let (mut a, i) = connect(&mut r, &mut ps, &opts, b"X");
        send(&mut r, &mut ps, &opts, &[b"X", b"before"]).unwrap();
        let (mut b, _) = connect(&mut r, &mut ps, &opts, b"X");
        assert_eq!(ps.take_ended(), vec![i]);
        send(&mut r, &mut ps, &opts, &[b"X", b"after"]).unwrap();
        assert_eq!(read_body(&mut b).as_deref(), Some(&b"after"[..]));
        assert_eq!(read_body(&mut a).as_deref(), Some(&b"before"[..]));
        assert!(matches!(a.read(), Read::Ended));
    }

    #[test]
    fn handover_waits_for_the_message_being_read() {
        let (mut r, mut ps, mut opts) = (Router::default(), Pipes::default(), Options::default());
        opts.typed.router_handover = true;
        let (mut a, i) = connect(&mut r, &mut ps, &opts, b"X");
        a.write(frame(b"p1", true));
        a.write(frame(b"p2", false));
        a.flush();
        assert_eq!(r.recv(&mut ps, &opts).unwrap().as_slice(), b"X");
        let _b = connect(&mut r, &mut ps, &opts, b"X");
        assert!(
            ps.take_ended().is_empty(),
            "not while its message is being read"
        );
        assert_eq!(r.recv(&mut ps, &opts).unwrap().as_slice(), b"p1");
        assert_eq!(r.recv(&mut ps, &opts).unwrap().as_slice(), b"p2");
        assert_eq!(ps.take_ended(), vec![i]);
    }

    #[test]
    fn connect_routing_id_names_the_pipe() {
        let (mut r, mut ps, opts) = (Router::default(), Pipes::default(), Options::default());
        let (mut mine, mut theirs) = pipe_pair([0, 0]);
        mine.connect_routing_id = Some(b"alias".to_vec());
        theirs.write(id_msg(b"real"));
        theirs.write(frame(b"hi", false));
        theirs.flush();
        let i = ps.insert(mine);
        r.attach(&mut ps, i, &opts);
        // The peer's own id message is skipped, not taken for data.
        assert_eq!(
            recv_all(&mut r, &mut ps, &opts),
            vec![b"alias".to_vec(), b"hi".to_vec()]
        );
    }

    #[test]
    fn mandatory_reports_unroutable_and_full() {
        let (mut r, mut ps, mut opts) = (Router::default(), Pipes::default(), Options::default());
        opts.typed.router_mandatory = true;
        r.option_set(&mut ps, 0, &[], &opts);
        assert!(!r.has_out(&mut ps));
        assert_eq!(
            send(&mut r, &mut ps, &opts, &[b"nobody", b"m"]),
            Err(Error(libc::EHOSTUNREACH))
        );
        // A lone id frame is dropped quietly.
        assert_eq!(send(&mut r, &mut ps, &opts, &[b"nobody"]), Ok(()));
        let (mine, mut theirs) = pipe_pair([0, 1]);
        theirs.write(id_msg(b"F"));
        theirs.flush();
        let i = ps.insert(mine);
        r.attach(&mut ps, i, &opts);
        assert!(r.has_out(&mut ps));
        send(&mut r, &mut ps, &opts, &[b"F", b"1"]).unwrap();
        assert!(!r.has_out(&mut ps));
        assert_eq!(
            send(&mut r, &mut ps, &opts, &[b"F", b"2"]),
            Err(Error::AGAIN)
        );
        opts.typed.router_mandatory = false;
        assert_eq!(
            send(&mut r, &mut ps, &opts, &[b"F", b"2"]),
            Ok(()),
            "dropped"
        );
        assert_eq!(read_body(&mut theirs).as_deref(), Some(&b"1"[..]));
        assert_eq!(read_body(&mut theirs), None);
    }

    #[test]
    fn a_message_cut_short_still_ends() {
        let (mut r, mut ps, opts) = (Router::default(), Pipes::default(), Options::default());
        let (mut a, i) = connect(&mut r, &mut ps, &opts, b"A");
        a.write(frame(b"p1", true));
        a.write(frame(b"p2", false));
        a.flush();
        assert_eq!(r.recv(&mut ps, &opts).unwrap().as_slice(), b"A");
        let p1 = r.recv(&mut ps, &opts).unwrap();
        assert!(p1.more());
        r.detach(&mut ps, i);
        ps.remove(i);
        let last = r.recv(&mut ps, &opts).unwrap();
        assert!(last.is_empty() && !last.more());
        assert_eq!(r.recv(&mut ps, &opts).err(), Some(Error::AGAIN));
    }
}
