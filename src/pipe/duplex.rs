//! A pipe: two ypipes, one each way, between a socket and a peer (another socket for inproc,
//! a session for the network transports), with libzmq's high-water-mark flow control and an
//! end-of-pipe handshake.
//!
//! Each end is owned by one thread. What the two ends share (`Shared`) is a few atomics and
//! the mailbox of each end's owner, used only to wake a sleeping reader or a blocked writer.
//!
//! Flow control counts whole messages, as libzmq: the writer may have at most `hwm` messages
//! unread; the reader publishes how many it has read every `lwm` messages and wakes a writer
//! that waits for room.
//!
//! Ending: the end that goes away either writes a delimiter (linger: the peer still reads what
//! was sent, then the delimiter ends the pipe) or not (the peer drops the pipe at once), and
//! in both cases tells the peer through its mailbox.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use super::mailbox::{Command, Mailbox};
use super::ypipe::{self, Reader, Writer};
use crate::msg::Msg;

/// Identifies one end of one pipe, unique in the process.
pub type PipeId = u64;

static NEXT_PIPE: AtomicU64 = AtomicU64::new(1);

const OPEN: u8 = 0;
/// The end is gone; the peer may still read up to the delimiter.
const CLOSED_LINGER: u8 = 1;
/// The end is gone; the peer drops the pipe and whatever it holds.
const CLOSED_NOW: u8 = 2;

/// libzmq's low-water mark: the reader reports progress every `lwm` messages. An unbounded
/// queue (hwm 0) has none: no writer ever waits on it.
fn lwm_for(hwm: u64) -> u64 {
    const MAX_WM_DELTA: u64 = 1024;
    if hwm > MAX_WM_DELTA * 2 {
        hwm - MAX_WM_DELTA
    } else {
        hwm.div_ceil(2)
    }
}

/// (A mark changes only when a pending inproc connect meets its bind, before anything has
/// been read from the pipe: the first look, at the older mark's first multiple, comes no
/// later than the current mark's.)
struct Shared {
    /// Pipe id of end 0; end 1 is base + 1.
    base: PipeId,
    /// The mailbox of each end's owner (None while an end waits for its owner, e.g. an inproc
    /// connect that precedes the bind).
    owners: [Mutex<Option<Arc<Mailbox>>>; 2],
    /// Messages read from the queue *towards* end i, published by end i's reader.
    read: [AtomicU64; 2],
    /// The writer towards end i is blocked on the high-water mark.
    writer_waiting: [AtomicBool; 2],
    /// The state of each end: OPEN, CLOSED_LINGER or CLOSED_NOW.
    state: [AtomicU8; 2],
    /// The high-water mark of the queue towards end i (0 = none). Raised once when a
    /// pending inproc connect meets its bind.
    hwm: [AtomicU64; 2],
    /// ZMQ_CONFLATE: a reader takes only the newest message waiting (both directions).
    conflate: AtomicBool,
    /// ZMQ_LINGER of the socket when it ended its end, for a network session to honour
    /// (-1 = deliver everything, 0 = drop, n = for n ms).
    linger_ms: std::sync::atomic::AtomicI32,
    /// Who accounts for a network session still delivering after its socket closed:
    /// 0 nobody yet, 1 the closing socket counted it, 2 the session already finished.
    drain: AtomicU8,
    /// Whole messages flushed towards end i, published at each flush for
    /// zmq_socket_monitor_pipes_stats (on a line of its own: the writer's alone).
    flushed: Padded<[AtomicU64; 2]>,
}

/// Keeps a counter off the cache line of the counters the other thread writes.
#[repr(align(64))]
struct Padded<T>(T);

impl Shared {
    fn send_to(&self, end: usize, cmd: Command) {
        if let Some(mb) = self.owners[end].lock().as_ref() {
            mb.send(cmd);
        }
    }
}

/// What a read found.
#[derive(Debug)]
pub enum Read {
    Msg(Msg),
    /// Nothing now; the pipe will send ActivateRead when something arrives.
    Empty,
    /// The peer's delimiter: everything it sent has been read and the pipe is over.
    Ended,
}

/// What `read_into` found (the part itself, if any, is in its `out`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadInto {
    Got,
    Empty,
    Ended,
}

/// One end of a pipe.
pub struct Pipe {
    shared: Arc<Shared>,
    /// 0 or 1: which end this is.
    side: usize,
    out: Writer<Msg>,
    inp: Reader<Msg>,
    /// Whole messages written and read through this end.
    written: u64,
    read: u64,
    /// The read count at which to look at the low-water mark again (see `read`).
    publish_at: u64,
    /// This end reports its progress every `lwm / report_div` messages (see
    /// `report_progress_often`).
    report_div: u64,
    /// The next part written continues a multipart message.
    writing_more: bool,
    /// The next part read continues a multipart message.
    reading_more: bool,
    /// The routing id of the peer, for ROUTER-like sockets (empty until known).
    pub routing_id: Vec<u8>,
    /// Set when the socket's routing has seen the peer's routing id message.
    pub identified: bool,
    /// ZMQ_CONNECT_ROUTING_ID given for this connection: the id a ROUTER uses for the peer.
    pub connect_routing_id: Option<Vec<u8>>,
    /// Messages to this end's peer are dropped rather than blocked on at the HWM (PUB-like).
    pub lossy: bool,
    /// The endpoint this pipe belongs to ("inproc://x"), for unbind/disconnect.
    pub endpoint: String,
    /// This end is terminating (delimiter seen or peer gone): no more writes.
    ending: bool,
}

/// Makes a pipe. `hwm[i]` bounds the queue towards end i (0 = unbounded).
pub fn pipe_pair(hwm: [u64; 2]) -> (Pipe, Pipe) {
    let base = NEXT_PIPE.fetch_add(2, Ordering::Relaxed);
    let shared = Arc::new(Shared {
        base,
        owners: [Mutex::new(None), Mutex::new(None)],
        read: [AtomicU64::new(0), AtomicU64::new(0)],
        writer_waiting: [AtomicBool::new(false), AtomicBool::new(false)],
        state: [AtomicU8::new(OPEN), AtomicU8::new(OPEN)],
        hwm: [AtomicU64::new(hwm[0]), AtomicU64::new(hwm[1])],
        conflate: AtomicBool::new(false),
        linger_ms: std::sync::atomic::AtomicI32::new(-1),
        drain: AtomicU8::new(0),
        flushed: Padded([AtomicU64::new(0), AtomicU64::new(0)]),
    });
    let (w01, r01) = ypipe::channel();
    let (w10, r10) = ypipe::channel();
    let end = |side: usize, out, inp| Pipe {
        shared: shared.clone(),
        side,
        out,
        inp,
        written: 0,
        read: 0,
        publish_at: lwm_for(hwm[side]).max(1),
        report_div: 1,
        writing_more: false,
        reading_more: false,
        routing_id: Vec::new(),
        identified: false,
        connect_routing_id: None,
        lossy: false,
        endpoint: String::new(),
        ending: false,
    };
    (end(0, w01, r10), end(1, w10, r01))
}

impl Pipe {
    pub fn id(&self) -> PipeId {
        self.shared.base + self.side as u64
    }

    fn peer(&self) -> usize {
        1 - self.side
    }

    /// Gives this end an owner: wake-ups for it go to `mailbox`. If data or an ending
    /// arrived before, the owner is told now.
    pub fn set_owner(&mut self, mailbox: Arc<Mailbox>) {
        *self.shared.owners[self.side].lock() = Some(mailbox.clone());
        mailbox.send(Command::ActivateRead(self.id()));
    }

    /// Sets the high-water marks: `towards_me` for the queue this end reads, `towards_peer`
    /// for the one it writes (0 = unbounded). Each reader's low-water mark follows its
    /// queue's new mark, as libzmq's set_hwms recomputes it.
    pub fn set_hwms(&mut self, towards_me: u64, towards_peer: u64) {
        self.shared.hwm[self.side].store(towards_me, Ordering::SeqCst);
        self.shared.hwm[self.peer()].store(towards_peer, Ordering::SeqCst);
        // The peer, blocked writing towards us on the old mark, may fit now (Dekker with
        // check_write: mark stored, then the flag looked at).
        if self.shared.writer_waiting[self.side].swap(false, Ordering::SeqCst) {
            let id = self.shared.base + self.peer() as u64;
            self.shared.send_to(self.peer(), Command::ActivateWrite(id));
        }
    }

    /// Records the closing socket's ZMQ_LINGER for the peer end (a network session).
    pub fn set_linger(&self, ms: i32) {
        self.shared.linger_ms.store(ms, Ordering::Release);
    }

    /// The closing socket claims the accounting of the session's drain; false if the session
    /// has already finished (then there is nothing to wait for).
    pub fn claim_drain(&self) -> bool {
        self.shared
            .drain
            .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The session finishes; true if the socket had counted it (the session must uncount).
    pub fn release_drain(&self) -> bool {
        self.shared.drain.swap(2, Ordering::AcqRel) == 1
    }

    /// The ZMQ_LINGER the peer's socket had when it ended its end.
    pub fn peer_linger(&self) -> i32 {
        self.shared.linger_ms.load(Ordering::Acquire)
    }

    /// Makes the pipe conflate (ZMQ_CONFLATE), both ways: each read returns the newest
    /// message waiting and drops the older ones, as libzmq's single-slot conflate queue.
    /// Set before the ends go to their owners; the marks should then be 0 (unbounded).
    pub fn set_conflate(&self) {
        self.shared.conflate.store(true, Ordering::Relaxed);
    }

    /// True if the peer end went away without leaving messages to read.
    pub fn peer_dropped(&self) -> bool {
        self.shared.state[self.peer()].load(Ordering::Acquire) == CLOSED_NOW
    }

    /// True if the peer end is gone (its delimiter, if any, may still be unread).
    pub fn peer_gone(&self) -> bool {
        self.shared.state[self.peer()].load(Ordering::Acquire) != OPEN
    }

    /// True if a message (part) can be written now. At the HWM it registers for an
    /// ActivateWrite and returns false. Parts after the first of a message always fit.
    pub fn check_write(&mut self) -> bool {
        if self.ending || self.peer_gone() {
            return false;
        }
        if self.writing_more {
            return true;
        }
        let fits = |p: &Self| {
            let hwm = p.shared.hwm[p.peer()].load(Ordering::SeqCst);
            hwm == 0 || p.written - p.shared.read[p.peer()].load(Ordering::SeqCst) < hwm
        };
        if fits(self) {
            return true;
        }
        // Dekker with the reader (which publishes its count) and with set_hwms (which
        // raises the mark): announce, then look again.
        self.shared.writer_waiting[self.peer()].store(true, Ordering::SeqCst);
        fits(self)
    }

    /// Writes a part; it becomes visible at `flush`. The caller checked `check_write`.
    /// A routing-id message does not count against the high-water mark (as in libzmq: an
    /// inproc connecter always sends one, which a binder of most types drops unread).
    #[inline]
    pub fn write(&mut self, msg: Msg) {
        let (more, counted) = (msg.more(), msg.flags() & Msg::IS_ROUTING_ID == 0);
        self.out.push(msg);
        self.wrote(more, counted);
    }

    /// As `write`, taking the part out of `msg` (left empty) straight into the queue.
    #[inline]
    pub fn write_take(&mut self, msg: &mut Msg) {
        let (more, counted) = (msg.more(), msg.flags() & Msg::IS_ROUTING_ID == 0);
        self.out.push_take(msg, Msg::new());
        self.wrote(more, counted);
    }

    #[inline]
    fn wrote(&mut self, more: bool, counted: bool) {
        if !more && counted {
            self.written += 1;
        }
        self.writing_more = more;
    }

    /// Publishes what was written, waking the reader if it was asleep.
    pub fn flush(&mut self) {
        if self.out.unflushed() == 0 {
            return;
        }
        self.shared.flushed.0[self.peer()].store(self.written, Ordering::Relaxed);
        if !self.out.flush() {
            self.shared.send_to(
                self.peer(),
                Command::ActivateRead(self.shared.base + self.peer() as u64),
            );
        }
    }

    /// Drops the unfinished tail of a multipart message being written? Not possible once
    /// pushed; the pipe instead completes it with an empty final part when it must stop.
    pub fn writing_more(&self) -> bool {
        self.writing_more
    }

    /// Reads the next part.
    pub fn read(&mut self) -> Read {
        let mut m = Msg::new();
        match self.read_into(&mut m) {
            ReadInto::Got => Read::Msg(m),
            ReadInto::Empty => Read::Empty,
            ReadInto::Ended => Read::Ended,
        }
    }

    /// Reads the next part into `out` (its old content released), which is left alone when
    /// there is none. The receive path reads into the caller's message this way: a message
    /// moved out through several return values costs more than everything else a read does.
    #[inline]
    pub fn read_into(&mut self, out: &mut Msg) -> ReadInto {
        self.read_into_patient(out, &mut 0)
    }

    /// As `read_into`, but an empty queue leaves this end awake: no ActivateRead comes for
    /// what is written next. For a reader that looks again by itself (an I/O thread's write
    /// round) and marks itself asleep with `check_read` before it stops: a reader that fell
    /// asleep each time a writer was a moment behind would cost the writer a wake-up
    /// command per round.
    #[inline]
    pub fn read_into_awake(&mut self, out: &mut Msg) -> ReadInto {
        if !self.inp.has_item() {
            if self.peer_dropped() {
                return ReadInto::Ended;
            }
            return ReadInto::Empty;
        }
        self.read_into(out)
    }

    /// As `read_into`; an empty queue is watched for up to `*patience` rounds first (see
    /// `ypipe::Reader::pop_patient`).
    #[inline]
    pub fn read_into_patient(&mut self, out: &mut Msg, patience: &mut u32) -> ReadInto {
        if self.peer_dropped() {
            return ReadInto::Ended;
        }
        match self.inp.pop_patient(patience) {
            None => {
                // The peer may have gone in between: its state is set before its last flush.
                if self.peer_dropped() {
                    return ReadInto::Ended;
                }
                ReadInto::Empty
            }
            Some(msg) if msg.flags() & Msg::DELIMITER != 0 => ReadInto::Ended,
            Some(mut msg) => {
                if self.shared.conflate.load(Ordering::Relaxed)
                    && msg.flags() & Msg::IS_ROUTING_ID == 0
                {
                    // Skip to the newest message already here. A routing id is never
                    // skipped; the peer's end is (libzmq's delimiter replaces the slot).
                    while self.inp.has_item() {
                        match self.inp.peek() {
                            Some(m) if m.flags() & Msg::DELIMITER != 0 => return ReadInto::Ended,
                            Some(m) if m.flags() & Msg::IS_ROUTING_ID != 0 => break,
                            Some(_) => msg = self.inp.pop().unwrap_or(msg),
                            None => break,
                        }
                    }
                }
                self.reading_more = msg.more();
                if !self.reading_more && msg.flags() & Msg::IS_ROUTING_ID == 0 {
                    self.read += 1;
                    // At every multiple of the low-water mark the writer is told (the mark is
                    // looked at only when the next multiple is reached: no division per
                    // message).
                    if self.read >= self.publish_at {
                        let lwm =
                            self.report_every(self.shared.hwm[self.side].load(Ordering::Relaxed));
                        if lwm > 0 {
                            if self.read.is_multiple_of(lwm) {
                                self.publish_read();
                            }
                            self.publish_at = (self.read / lwm + 1) * lwm;
                        } else {
                            self.publish_at = self.read + 1;
                        }
                    }
                }
                *out = msg;
                ReadInto::Got
            }
        }
    }

    /// How many messages this end reads between reports to the writer (0: never).
    fn report_every(&self, hwm: u64) -> u64 {
        match lwm_for(hwm) {
            0 => 0,
            lwm => (lwm / self.report_div).max(1),
        }
    }

    /// This end reads what an I/O thread writes (a session's messages from the network): it
    /// tells the writer of its progress four times as often as libzmq's low-water mark
    /// says. The I/O thread, stopped by the full queue, may be asleep, and on a busy machine
    /// waking it takes as long as reading half a queue of small messages: told at a quarter,
    /// it refills the queue while this end still has three quarters of it to read, instead
    /// of both ends waiting on each other in turn. (The queue's bound is unchanged.)
    pub fn report_progress_often(&mut self) {
        self.report_div = 4;
        self.publish_at = self
            .report_every(self.shared.hwm[self.side].load(Ordering::Relaxed))
            .max(1);
    }

    fn publish_read(&mut self) {
        self.shared.read[self.side].store(self.read, Ordering::SeqCst);
        if self.shared.writer_waiting[self.side].swap(false, Ordering::SeqCst) {
            self.shared.send_to(
                self.peer(),
                Command::ActivateWrite(self.shared.base + self.peer() as u64),
            );
        }
    }

    /// True if a part (or the delimiter) is ready to read, without consuming it. When it
    /// returns false the reader is asleep and ActivateRead will follow new data.
    pub fn check_read(&mut self) -> bool {
        if self.peer_dropped() {
            return false;
        }
        matches!(self.inp.peek(), Some(m) if m.flags() & Msg::DELIMITER == 0)
    }

    /// True once the pipe is over for this end: the peer dropped it, or the next item is its
    /// delimiter.
    pub fn at_end(&mut self) -> bool {
        self.peer_dropped() || matches!(self.inp.peek(), Some(m) if m.flags() & Msg::DELIMITER != 0)
    }

    /// Whole messages queued (outbound: written here, not yet read by the peer; inbound:
    /// flushed by the peer, not yet read here).
    pub fn queue_stats(&self) -> (u64, u64) {
        let out = self.written - self.shared.read[self.peer()].load(Ordering::Acquire);
        let inbound = self.shared.flushed.0[self.side].load(Ordering::Relaxed);
        (out, inbound.saturating_sub(self.read))
    }

    /// True while a multipart message is being read.
    pub fn reading_more(&self) -> bool {
        self.reading_more
    }

    /// Ends this end. With `linger`, the peer still reads what was sent, then the
    /// delimiter; without, the peer drops the pipe. The peer's owner is told either way.
    pub fn terminate(&mut self, linger: bool) {
        if self.ending {
            return;
        }
        self.ending = true;
        if linger && !self.peer_gone() {
            if self.writing_more {
                // Never leave half a message: end it with an empty last part.
                self.out.push(Msg::new());
            }
            let mut d = Msg::new();
            d.set_flags(Msg::DELIMITER);
            self.out.push(d);
            self.shared.state[self.side].store(CLOSED_LINGER, Ordering::Release);
        } else {
            self.shared.state[self.side].store(CLOSED_NOW, Ordering::Release);
        }
        *self.shared.owners[self.side].lock() = None;
        let peer_id = self.shared.base + self.peer() as u64;
        self.out.flush();
        // Wake the peer both as a reader (delimiter, or the end) and as a writer.
        self.shared.send_to(self.peer(), Command::PipeTerm(peer_id));
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        self.terminate(false);
    }
}

impl std::fmt::Debug for Pipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipe")
            .field("id", &self.id())
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(b: &[u8], more: bool) -> Msg {
        let mut m = Msg::from_slice(b).unwrap();
        m.set_more(more);
        m
    }

    /// Gives `p` an owner; returns its mailbox, the ActivateRead `set_owner` sends taken.
    fn owned(p: &mut Pipe) -> Arc<Mailbox> {
        let mb = Arc::new(Mailbox::new().unwrap());
        p.set_owner(mb.clone());
        while mb.try_recv().is_some() {}
        mb
    }

    fn body(r: Read) -> Vec<u8> {
        match r {
            Read::Msg(m) => m.as_slice().to_vec(),
            other => panic!("expected a message, got {other:?}"),
        }
    }

    #[test]
    fn messages_flow_both_ways() {
        let (mut a, mut b) = pipe_pair([0, 0]);
        assert!(a.check_write());
        a.write(msg(b"hello", false));
        a.flush();
        assert_eq!(body(b.read()), b"hello");
        assert!(matches!(b.read(), Read::Empty));
        b.write(msg(b"x", true));
        b.write(msg(b"y", false));
        b.flush();
        assert_eq!(body(a.read()), b"x");
        assert!(a.reading_more());
        assert_eq!(body(a.read()), b"y");
    }

    #[test]
    fn hwm_blocks_whole_messages_then_reopens() {
        let (mut a, mut b) = pipe_pair([0, 2]);
        let mb = owned(&mut a);
        for i in 0..2 {
            assert!(a.check_write(), "message {i} fits");
            a.write(msg(b"p", true));
            assert!(a.check_write(), "later parts always fit");
            a.write(msg(b"q", false));
        }
        a.flush();
        assert!(!a.check_write(), "hwm of 2 messages reached");
        // lwm for hwm 2 is 1: reading one whole message reports progress and wakes a.
        body(b.read());
        body(b.read());
        assert!(matches!(mb.try_recv(), Some(Command::ActivateWrite(id)) if id == a.id()));
        assert!(a.check_write());
    }

    #[test]
    fn an_awake_reader_costs_the_writer_no_wake_up() {
        let (mut a, mut b) = pipe_pair([0, 0]);
        let mb = owned(&mut b);
        let mut m = Msg::new();
        assert_eq!(b.read_into_awake(&mut m), ReadInto::Empty);
        a.write(msg(b"1", false));
        a.flush();
        assert!(mb.try_recv().is_none(), "the reader was not asleep");
        assert_eq!(b.read_into_awake(&mut m), ReadInto::Got);
        assert_eq!(m.as_slice(), b"1");
        // check_read on an empty queue puts it to sleep: the next flush wakes it.
        assert!(!b.check_read());
        a.write(msg(b"2", false));
        a.flush();
        assert!(matches!(mb.try_recv(), Some(Command::ActivateRead(id)) if id == b.id()));
        assert_eq!(b.read_into_awake(&mut m), ReadInto::Got);
        // The peer's end is seen on an empty queue too.
        a.terminate(false);
        assert_eq!(b.read_into_awake(&mut m), ReadInto::Ended);
    }

    #[test]
    fn linger_delivers_then_ends() {
        let (mut a, mut b) = pipe_pair([0, 0]);
        a.write(msg(b"last", false));
        a.flush();
        a.terminate(true);
        assert!(b.peer_gone());
        assert_eq!(body(b.read()), b"last");
        assert!(matches!(b.read(), Read::Ended));
    }

    #[test]
    fn no_linger_drops_at_once() {
        let (mut a, mut b) = pipe_pair([0, 0]);
        a.write(msg(b"lost", false));
        a.flush();
        a.terminate(false);
        assert!(matches!(b.read(), Read::Ended));
        assert!(!b.check_write());
    }

    #[test]
    fn half_a_message_is_completed_before_the_delimiter() {
        let (mut a, mut b) = pipe_pair([0, 0]);
        a.write(msg(b"head", true));
        a.terminate(true);
        assert_eq!(body(b.read()), b"head");
        assert!(b.reading_more());
        assert_eq!(body(b.read()), b"");
        assert!(!b.reading_more());
        assert!(matches!(b.read(), Read::Ended));
    }

    #[test]
    fn routing_ids_do_not_count_against_the_hwm() {
        let (mut a, mut b) = pipe_pair([0, 2]);
        let mut id = msg(b"id", false);
        id.set_flags(Msg::IS_ROUTING_ID);
        a.write(id);
        for _ in 0..2 {
            assert!(a.check_write());
            a.write(msg(b"m", false));
        }
        a.flush();
        assert!(!a.check_write(), "two messages fill a mark of 2");
        // Reading the id gives no room; reading a message does (lwm 1).
        assert_eq!(body(b.read()), b"id");
        assert!(!a.check_write());
        body(b.read());
        assert!(a.check_write());
    }

    #[test]
    fn raising_the_hwm_wakes_a_blocked_writer() {
        let (mut a, mut b) = pipe_pair([0, 1]);
        let mb = owned(&mut a);
        a.write(msg(b"1", false));
        a.flush();
        assert!(!a.check_write());
        b.set_hwms(3, 0);
        assert!(matches!(mb.try_recv(), Some(Command::ActivateWrite(id)) if id == a.id()));
        assert!(a.check_write());
    }

    #[test]
    fn conflate_reads_the_newest() {
        let (mut a, mut b) = pipe_pair([0, 0]);
        a.set_conflate();
        for i in 0..5u8 {
            a.write(msg(&[i], false));
        }
        a.flush();
        assert_eq!(body(b.read()), [4]);
        assert!(matches!(b.read(), Read::Empty));
        // Both ways.
        b.write(msg(b"x", false));
        b.write(msg(b"y", false));
        b.flush();
        assert_eq!(body(a.read()), b"y");
        // The end replaces what was waiting, as libzmq's single slot.
        a.write(msg(b"lost", false));
        a.terminate(true);
        assert!(matches!(b.read(), Read::Ended));
    }
}
