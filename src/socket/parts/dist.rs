//! Distribution: fan a message out to many pipes (PUB and XPUB to their subscribers, XSUB and
//! SUB their subscriptions upstream).
//!
//! The pipes sit in one array split into nested regions, `matching <= active <= eligible`:
//! - matching: the pipes the current message goes to (chosen on its first part);
//! - active: the pipes that may take a message now;
//! - eligible: active, plus pipes that may take messages but joined (or got room again) in
//!   the middle of a multipart message, so they wait for the next message to start;
//! - the rest are passive: they were full, and wait for room (`activated`).
//!
//! A pipe that cannot take a part is not waited for: the part is dropped for that pipe and the
//! pipe turns passive. Whole messages only: a pipe gets all parts of a message or none.

use crate::msg::Msg;
use crate::socket::pipes::Pipes;

const NONE: usize = usize::MAX;

#[derive(Default)]
pub struct Dist {
    /// Pipe indices, in the regions described above.
    pipes: Vec<usize>,
    /// Position in `pipes` of each pipe index (NONE if absent).
    pos: Vec<usize>,
    matching: usize,
    active: usize,
    eligible: usize,
    /// In the middle of a multipart message.
    more: bool,
}

impl Dist {
    fn position(&self, i: usize) -> Option<usize> {
        self.pos.get(i).copied().filter(|&p| p != NONE)
    }

    fn swap(&mut self, a: usize, b: usize) {
        if a != b {
            self.pipes.swap(a, b);
            self.pos[self.pipes[a]] = a;
            self.pos[self.pipes[b]] = b;
        }
    }

    pub fn attach(&mut self, i: usize) {
        if self.pos.len() <= i {
            self.pos.resize(i + 1, NONE);
        }
        if self.pos[i] != NONE {
            return;
        }
        self.pipes.push(i);
        let last = self.pipes.len() - 1;
        self.pos[i] = last;
        // Eligible at once; active too unless a multipart message is under way (it must
        // not get the tail of a message whose head it missed).
        self.swap(last, self.eligible);
        self.eligible += 1;
        if !self.more {
            self.swap(self.eligible - 1, self.active);
            self.active += 1;
        }
    }

    /// Moves the pipe at position `p` out of every region it is in (it becomes passive) and
    /// returns its new position.
    fn demote(&mut self, mut p: usize) -> usize {
        if p < self.matching {
            self.matching -= 1;
            self.swap(p, self.matching);
            p = self.matching;
        }
        if p < self.active {
            self.active -= 1;
            self.swap(p, self.active);
            p = self.active;
        }
        if p < self.eligible {
            self.eligible -= 1;
            self.swap(p, self.eligible);
            p = self.eligible;
        }
        p
    }

    pub fn detach(&mut self, i: usize) {
        let Some(p) = self.position(i) else {
            return;
        };
        let p = self.demote(p);
        // `p` is passive, and so is the last pipe: the regions stay as they are.
        self.pipes.swap_remove(p);
        if p < self.pipes.len() {
            self.pos[self.pipes[p]] = p;
        }
        self.pos[i] = NONE;
    }

    pub fn has_pipe(&self, i: usize) -> bool {
        self.position(i).is_some()
    }

    /// Pipe `i` has room again. Harmless if it never lacked any.
    pub fn activated(&mut self, i: usize) {
        let Some(mut p) = self.position(i) else {
            return;
        };
        if p >= self.eligible {
            self.swap(p, self.eligible);
            p = self.eligible;
            self.eligible += 1;
        }
        if !self.more && p >= self.active {
            self.swap(p, self.active);
            self.active += 1;
        }
    }

    /// Adds pipe `i` to the pipes the current message goes to (if it can take it).
    pub fn match_pipe(&mut self, i: usize) {
        let Some(p) = self.position(i) else {
            return;
        };
        if p < self.matching || p >= self.eligible {
            return;
        }
        self.swap(p, self.matching);
        self.matching += 1;
    }

    /// The current message goes nowhere (yet).
    pub fn unmatch(&mut self) {
        self.matching = 0;
    }

    /// Swaps matching and non-matching among the eligible pipes (ZMQ_INVERT_MATCHING).
    pub fn reverse_match(&mut self) {
        let was = self.matching;
        self.matching = 0;
        for p in was..self.eligible {
            self.swap(p, self.matching);
            self.matching += 1;
        }
    }

    /// Sends a part to every active pipe.
    pub fn send_to_all(&mut self, ps: &mut Pipes, msg: &mut Msg) {
        self.matching = self.active;
        self.send_to_matching(ps, msg);
    }

    /// Sends a part to the matching pipes. The part is always taken (dropped where it does
    /// not fit).
    pub fn send_to_matching(&mut self, ps: &mut Pipes, msg: &mut Msg) {
        let more = msg.more();
        self.distribute(ps, msg);
        if !more {
            // The message is complete: pipes that became eligible meanwhile may take the next.
            self.active = self.eligible;
        }
        self.more = more;
    }

    fn distribute(&mut self, ps: &mut Pipes, msg: &mut Msg) {
        let more = msg.more();
        let mut k = 0;
        while k < self.matching {
            let i = self.pipes[k];
            if !ps.check_write(i) {
                // Full (or going away): this pipe misses the message; the same position now
                // holds another matching pipe.
                self.demote(k);
                continue;
            }
            // The last pipe gets the message itself, the others share its content.
            let part = if k + 1 == self.matching {
                std::mem::take(msg)
            } else {
                msg.share()
            };
            ps.write(i, part);
            if !more {
                ps.flush(i);
            }
            k += 1;
        }
        // Nobody (left) to take it.
        drop(std::mem::take(msg));
    }

    /// True if every matching pipe can take a message now (ZMQ_XPUB_NODROP). A full pipe is
    /// armed to report when it has room again.
    pub fn check_hwm(&self, ps: &mut Pipes) -> bool {
        self.pipes[..self.matching]
            .iter()
            .all(|&i| ps.check_write(i))
    }

    pub fn len(&self) -> usize {
        self.pipes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pipes.is_empty()
    }

    #[cfg(test)]
    fn check_invariants(&self) {
        assert!(self.matching <= self.eligible);
        assert!(self.active <= self.eligible && self.eligible <= self.pipes.len());
        for (p, &i) in self.pipes.iter().enumerate() {
            assert_eq!(self.pos[i], p);
        }
        let live = self.pos.iter().filter(|&&p| p != NONE).count();
        assert_eq!(live, self.pipes.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::duplex::{pipe_pair, Pipe, Read};

    /// A table of `n` pipes towards peers (each with `hwm`), and the peers' ends.
    fn setup(n: usize, hwm: u64) -> (Pipes, Vec<usize>, Vec<Pipe>) {
        let mut ps = Pipes::default();
        let mut idx = Vec::new();
        let mut peers = Vec::new();
        for _ in 0..n {
            let (mine, theirs) = pipe_pair([0, hwm]);
            idx.push(ps.insert(mine));
            peers.push(theirs);
        }
        (ps, idx, peers)
    }

    fn part(body: &[u8], more: bool) -> Msg {
        let mut m = Msg::from_slice(body).unwrap();
        m.set_more(more);
        m
    }

    fn drain(p: &mut Pipe) -> Vec<(Vec<u8>, bool)> {
        let mut v = Vec::new();
        while let Read::Msg(m) = p.read() {
            v.push((m.as_slice().to_vec(), m.more()));
        }
        v
    }

    #[test]
    fn send_to_all_fans_out_shared_content() {
        let (mut ps, idx, mut peers) = setup(3, 0);
        let mut d = Dist::default();
        for &i in &idx {
            d.attach(i);
        }
        let big = vec![9u8; 1000];
        let mut m = Msg::from_slice(&big).unwrap();
        d.send_to_all(&mut ps, &mut m);
        assert!(m.is_empty(), "the part is taken");
        for p in &mut peers {
            match p.read() {
                Read::Msg(got) => {
                    assert_eq!(got.as_slice(), &big[..]);
                    assert!(got.is_shared(), "one buffer for all subscribers");
                }
                other => panic!("{other:?}"),
            }
        }
        d.check_invariants();
    }

    #[test]
    fn only_matching_pipes_get_whole_messages() {
        let (mut ps, idx, mut peers) = setup(3, 0);
        let mut d = Dist::default();
        for &i in &idx {
            d.attach(i);
        }
        d.match_pipe(idx[0]);
        d.match_pipe(idx[2]);
        d.match_pipe(idx[2]);
        d.send_to_matching(&mut ps, &mut part(b"a", true));
        d.send_to_matching(&mut ps, &mut part(b"b", false));
        d.unmatch();
        assert_eq!(
            drain(&mut peers[0]),
            vec![(b"a".to_vec(), true), (b"b".to_vec(), false)]
        );
        assert!(drain(&mut peers[1]).is_empty());
        assert_eq!(drain(&mut peers[2]).len(), 2);
        // Inverted: pipes 0 and 2 match, so only pipe 1 gets it.
        d.match_pipe(idx[0]);
        d.match_pipe(idx[2]);
        d.reverse_match();
        d.send_to_matching(&mut ps, &mut part(b"c", false));
        assert!(drain(&mut peers[0]).is_empty());
        assert_eq!(drain(&mut peers[1]), vec![(b"c".to_vec(), false)]);
        assert!(drain(&mut peers[2]).is_empty());
        // No match: dropped.
        d.unmatch();
        let mut m = part(b"d", false);
        d.send_to_matching(&mut ps, &mut m);
        assert!(m.is_empty());
        d.check_invariants();
    }

    #[test]
    fn full_pipe_drops_until_activated() {
        let (mut ps, idx, mut peers) = setup(2, 1);
        let mut d = Dist::default();
        d.attach(idx[0]);
        d.attach(idx[1]);
        d.send_to_all(&mut ps, &mut part(b"1", false));
        d.matching = d.active;
        assert!(!d.check_hwm(&mut ps), "both pipes are at their HWM of 1");
        d.unmatch();
        // Pipe 1 is read; pipe 0 stays full and misses message 2.
        assert_eq!(drain(&mut peers[1]), vec![(b"1".to_vec(), false)]);
        d.send_to_all(&mut ps, &mut part(b"2", false));
        d.check_invariants();
        assert_eq!(d.active, 1, "the full pipe turned passive");
        assert_eq!(drain(&mut peers[1]), vec![(b"2".to_vec(), false)]);
        assert_eq!(drain(&mut peers[0]), vec![(b"1".to_vec(), false)]);
        // Room again: the socket is told, and the pipe gets the next message.
        d.activated(idx[0]);
        d.activated(idx[0]);
        d.check_invariants();
        d.send_to_all(&mut ps, &mut part(b"3", false));
        assert_eq!(drain(&mut peers[0]), vec![(b"3".to_vec(), false)]);
        assert_eq!(drain(&mut peers[1]), vec![(b"3".to_vec(), false)]);
    }

    #[test]
    fn pipe_joining_mid_message_waits_for_the_next() {
        let (mut ps, idx, mut peers) = setup(2, 0);
        let mut d = Dist::default();
        d.attach(idx[0]);
        d.send_to_all(&mut ps, &mut part(b"head", true));
        d.attach(idx[1]);
        d.check_invariants();
        d.send_to_matching(&mut ps, &mut part(b"tail", false));
        assert_eq!(drain(&mut peers[0]).len(), 2);
        assert!(drain(&mut peers[1]).is_empty());
        d.send_to_all(&mut ps, &mut part(b"next", false));
        assert_eq!(drain(&mut peers[0]).len(), 1);
        assert_eq!(drain(&mut peers[1]), vec![(b"next".to_vec(), false)]);
    }

    #[test]
    fn detach_keeps_regions() {
        let (mut ps, idx, mut peers) = setup(4, 0);
        let mut d = Dist::default();
        for &i in &idx {
            d.attach(i);
        }
        d.match_pipe(idx[3]);
        d.match_pipe(idx[1]);
        d.detach(idx[1]);
        d.check_invariants();
        assert!(!d.has_pipe(idx[1]));
        assert_eq!(d.len(), 3);
        d.send_to_matching(&mut ps, &mut part(b"x", false));
        assert_eq!(drain(&mut peers[3]).len(), 1);
        assert!(drain(&mut peers[0]).is_empty() && drain(&mut peers[2]).is_empty());
        d.detach(idx[0]);
        d.detach(idx[0]);
        d.detach(idx[3]);
        d.detach(idx[2]);
        d.check_invariants();
        assert!(d.is_empty());
        d.send_to_all(&mut ps, &mut part(b"y", false));
    }
}
