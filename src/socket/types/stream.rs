//! STREAM: raw TCP (or ipc) connections, without ZMTP, each named by a routing id. The
//! connections themselves are raw sessions (`io::raw`), which explains how they and this
//! pattern talk through the pipe; in short:
//!
//! - Every pipe gets its routing id when it attaches: ZMQ_CONNECT_ROUTING_ID for a connect
//!   that set it, otherwise a generated one (5 bytes, a zero byte first, as ROUTER's). Nothing
//!   is read from the peer for it.
//! - Received: each message from a pipe comes out as [routing id (MORE), data]. An empty
//!   message from a raw session is a connect or disconnect notification, delivered as
//!   [routing id, ""], or dropped if ZMQ_STREAM_NOTIFY was off when the pipe attached (a
//!   snapshot per connection, as libzmq copies the option into each connection).
//! - Sent: [routing id (MORE), data]. The data goes to that connection (MORE on it is
//!   ignored). An empty data frame asks to close the connection: the pipe is ended with a
//!   delimiter, so the raw session writes what came before it and then closes. An unknown id
//!   fails the id frame's send with EHOSTUNREACH and a full pipe with EAGAIN, as libzmq. A
//!   connection already gone whose pipe is not reaped yet also gives EHOSTUNREACH (libzmq
//!   answers EAGAIN until its socket has handled the pipe's end, which can block a sender
//!   for good). An id frame sent without MORE is swallowed and makes the next frame's data
//!   go nowhere, again as libzmq.
//! - A pipe that goes away (disconnect, or the raw session's end) is simply forgotten: the
//!   disconnect notification, if any, came through the pipe before its end.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::socket::parts::fq::FairQueue;
use crate::socket::parts::routing_ids::RoutingIds;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::Pipes;

pub fn new() -> Box<dyn Pattern> {
    Box::new(Stream::default())
}

#[derive(Default)]
pub struct Stream {
    fq: FairQueue,
    ids: RoutingIds,
    /// Pipes attached while ZMQ_STREAM_NOTIFY was 0: their notifications are dropped.
    quiet: HashSet<usize>,
    /// The next message, read ahead: its id frame, then its data frame.
    prefetched_id: Option<Msg>,
    prefetched_msg: Option<Msg>,
    /// Inside a sent message: the next frame is data (for `current_out`, if any).
    more_out: bool,
    current_out: Option<usize>,
}

impl Stream {
    /// The next message from any pipe, as its id frame and its data frame.
    fn fetch(&mut self, ps: &mut Pipes) -> Result<(Msg, Msg)> {
        loop {
            let (mut m, i) = self.fq.recv_from(ps)?;
            // Routing-id messages (a ZMTP-style peer's) carry nothing for the application.
            if m.flags() & Msg::IS_ROUTING_ID != 0 {
                continue;
            }
            if m.is_empty() && self.quiet.contains(&i) {
                continue;
            }
            m.set_more(false);
            let mut id = Msg::from_slice(&ps.pipe(i).routing_id)?;
            id.set_more(true);
            if let Some(md) = m.metadata() {
                id.set_metadata(md.clone());
            }
            return Ok((id, m));
        }
    }
}

impl Pattern for Stream {
    fn attach(&mut self, ps: &mut Pipes, i: usize, opts: &Options) {
        let id = match ps.pipe(i).connect_routing_id.take() {
            Some(id) if self.ids.lookup(&id).is_some() => {
                // libzmq asserts on a duplicate; refusing the connection is kinder.
                ps.pipe(i).terminate(false);
                ps.mark_ended(i);
                return;
            }
            Some(id) => id,
            None => self.ids.generate(),
        };
        let p = ps.pipe(i);
        p.routing_id = id.clone();
        p.identified = true;
        self.ids.insert(id, i);
        if !opts.typed.stream_notify {
            self.quiet.insert(i);
        }
        self.fq.attach(i);
    }

    fn detach(&mut self, ps: &mut Pipes, i: usize) {
        let id = std::mem::take(&mut ps.pipe(i).routing_id);
        self.ids.remove(&id, i);
        self.fq.detach(i);
        self.quiet.remove(&i);
        if self.current_out == Some(i) {
            self.current_out = None;
        }
    }

    fn read_activated(&mut self, _ps: &mut Pipes, i: usize) {
        self.fq.activated(i);
    }

    fn write_activated(&mut self, _ps: &mut Pipes, _i: usize) {}

    fn send(&mut self, ps: &mut Pipes, msg: &mut Msg, _opts: &Options) -> Result<()> {
        if !self.more_out {
            // The routing id frame.
            if msg.more() {
                match self.ids.lookup(msg.as_slice()) {
                    Some(i) if ps.check_write(i) => self.current_out = Some(i),
                    Some(i) if !ps.pipe(i).peer_gone() => return Err(Error::AGAIN),
                    _ => return Err(Error(libc::EHOSTUNREACH)),
                }
            } else {
                self.current_out = None;
            }
            self.more_out = true;
            drop(std::mem::take(msg));
            return Ok(());
        }
        // The data frame; MORE on it is ignored.
        self.more_out = false;
        let mut m = std::mem::take(msg);
        if let Some(i) = self.current_out.take() {
            if m.is_empty() {
                // Close the connection once what was sent before is written.
                ps.pipe(i).terminate(true);
                ps.mark_ended(i);
            } else if ps.check_write(i) {
                m.set_more(false);
                ps.write(i, m);
                ps.flush(i);
            }
        }
        Ok(())
    }

    fn recv(&mut self, ps: &mut Pipes, _opts: &Options) -> Result<Msg> {
        if let Some(id) = self.prefetched_id.take() {
            return Ok(id);
        }
        if let Some(m) = self.prefetched_msg.take() {
            return Ok(m);
        }
        let (id, m) = self.fetch(ps)?;
        self.prefetched_msg = Some(m);
        Ok(id)
    }

    fn has_in(&mut self, ps: &mut Pipes) -> bool {
        if self.prefetched_id.is_some() || self.prefetched_msg.is_some() {
            return true;
        }
        match self.fetch(ps) {
            Ok((id, m)) => {
                self.prefetched_id = Some(id);
                self.prefetched_msg = Some(m);
                true
            }
            Err(_) => false,
        }
    }

    /// Always writable, as libzmq's STREAM (a full connection shows at send time).
    fn has_out(&mut self, _ps: &mut Pipes) -> bool {
        true
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

    /// A raw session's end of a new pipe, and the pipe's index in the socket.
    fn connect(
        s: &mut Stream,
        ps: &mut Pipes,
        opts: &Options,
        rid: Option<&[u8]>,
    ) -> (Pipe, usize) {
        let (mut mine, theirs) = pipe_pair([0, 0]);
        mine.connect_routing_id = rid.map(|r| r.to_vec());
        let i = ps.insert(mine);
        s.attach(ps, i, opts);
        (theirs, i)
    }

    fn recv2(s: &mut Stream, ps: &mut Pipes, opts: &Options) -> (Vec<u8>, Vec<u8>) {
        let id = s.recv(ps, opts).unwrap();
        assert!(id.more());
        let m = s.recv(ps, opts).unwrap();
        assert!(!m.more());
        (id.as_slice().to_vec(), m.as_slice().to_vec())
    }

    fn body(p: &mut Pipe) -> Option<Vec<u8>> {
        match p.read() {
            Read::Msg(m) => Some(m.as_slice().to_vec()),
            _ => None,
        }
    }

    #[test]
    fn notifications_and_data_carry_the_generated_id() {
        let (mut s, mut ps, opts) = (Stream::default(), Pipes::default(), Options::default());
        let (mut raw, i) = connect(&mut s, &mut ps, &opts, None);
        let id = ps.pipe(i).routing_id.clone();
        assert_eq!((id.len(), id[0]), (5, 0));
        raw.write(Msg::new());
        raw.write(frame(b"GET /", false));
        raw.flush();
        assert!(s.has_in(&mut ps));
        assert_eq!(recv2(&mut s, &mut ps, &opts), (id.clone(), vec![]));
        assert_eq!(
            recv2(&mut s, &mut ps, &opts),
            (id.clone(), b"GET /".to_vec())
        );
        assert_eq!(s.recv(&mut ps, &opts).err(), Some(Error::AGAIN));
        // Replies go to the connection; MORE on the data frame is ignored.
        s.send(&mut ps, &mut frame(&id, true), &opts).unwrap();
        s.send(&mut ps, &mut frame(b"200", true), &opts).unwrap();
        assert_eq!(body(&mut raw).as_deref(), Some(&b"200"[..]));
    }

    #[test]
    fn notify_off_drops_empty_messages() {
        let (mut s, mut ps, mut opts) = (Stream::default(), Pipes::default(), Options::default());
        opts.typed.stream_notify = false;
        let (mut raw, i) = connect(&mut s, &mut ps, &opts, None);
        raw.write(Msg::new());
        raw.write(frame(b"x", false));
        raw.write(Msg::new());
        raw.flush();
        let id = ps.pipe(i).routing_id.clone();
        assert_eq!(recv2(&mut s, &mut ps, &opts), (id, b"x".to_vec()));
        assert!(!s.has_in(&mut ps));
    }

    #[test]
    fn empty_frame_closes_after_earlier_data() {
        let (mut s, mut ps, opts) = (Stream::default(), Pipes::default(), Options::default());
        let (mut raw, i) = connect(&mut s, &mut ps, &opts, Some(b"conn"));
        s.send(&mut ps, &mut frame(b"conn", true), &opts).unwrap();
        s.send(&mut ps, &mut frame(b"bye", false), &opts).unwrap();
        s.send(&mut ps, &mut frame(b"conn", true), &opts).unwrap();
        s.send(&mut ps, &mut frame(b"", false), &opts).unwrap();
        assert_eq!(ps.take_ended(), vec![i]);
        s.detach(&mut ps, i);
        ps.remove(i);
        assert_eq!(body(&mut raw).as_deref(), Some(&b"bye"[..]));
        assert!(matches!(raw.read(), Read::Ended));
        assert_eq!(
            s.send(&mut ps, &mut frame(b"conn", true), &opts),
            Err(Error(libc::EHOSTUNREACH))
        );
    }

    #[test]
    fn unknown_id_is_unreachable_and_lone_id_is_swallowed() {
        let (mut s, mut ps, opts) = (Stream::default(), Pipes::default(), Options::default());
        let (mut raw, _) = connect(&mut s, &mut ps, &opts, Some(b"A"));
        assert_eq!(
            s.send(&mut ps, &mut frame(b"nobody", true), &opts),
            Err(Error(libc::EHOSTUNREACH))
        );
        // An id frame without MORE: accepted, and the next frame goes nowhere.
        s.send(&mut ps, &mut frame(b"A", false), &opts).unwrap();
        s.send(&mut ps, &mut frame(b"lost", false), &opts).unwrap();
        assert_eq!(body(&mut raw), None);
        s.send(&mut ps, &mut frame(b"A", true), &opts).unwrap();
        s.send(&mut ps, &mut frame(b"ok", false), &opts).unwrap();
        assert_eq!(body(&mut raw).as_deref(), Some(&b"ok"[..]));
    }

    #[test]
    fn full_pipe_is_eagain_and_gone_peer_unreachable() {
        let (mut s, mut ps, opts) = (Stream::default(), Pipes::default(), Options::default());
        let (mine, mut raw) = pipe_pair([0, 1]);
        let mut mine = mine;
        mine.connect_routing_id = Some(b"F".to_vec());
        let i = ps.insert(mine);
        s.attach(&mut ps, i, &opts);
        s.send(&mut ps, &mut frame(b"F", true), &opts).unwrap();
        s.send(&mut ps, &mut frame(b"1", false), &opts).unwrap();
        assert_eq!(
            s.send(&mut ps, &mut frame(b"F", true), &opts),
            Err(Error::AGAIN)
        );
        raw.terminate(true);
        assert_eq!(
            s.send(&mut ps, &mut frame(b"F", true), &opts),
            Err(Error(libc::EHOSTUNREACH))
        );
    }

    #[test]
    fn duplicate_connect_routing_id_is_refused() {
        let (mut s, mut ps, opts) = (Stream::default(), Pipes::default(), Options::default());
        let _a = connect(&mut s, &mut ps, &opts, Some(b"X"));
        let (_b, j) = connect(&mut s, &mut ps, &opts, Some(b"X"));
        assert_eq!(ps.take_ended(), vec![j]);
    }
}
