//! The reactor of an I/O thread: a mio poll over the thread's mailbox and the sources of its
//! objects (listeners, sessions), plus one-shot timers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Registry, Token};

use super::deadlines::Deadlines;
use super::keys::Keys;
use crate::pipe::mailbox::{Command, Mailbox};
use crate::pipe::spin;

const MAILBOX: Token = Token(usize::MAX);

/// Something the reactor drives.
pub trait IoObject: Send {
    /// Called once, right after the object joins the reactor with its token.
    fn start(&mut self, ctl: &mut Ctl);
    /// Its source is ready.
    fn ready(&mut self, ctl: &mut Ctl, readable: bool, writable: bool);
    /// A command addressed to it (through one of its pipes, or directly).
    fn command(&mut self, ctl: &mut Ctl, cmd: Command);
    /// One of its timers fired.
    fn timer(&mut self, ctl: &mut Ctl, id: u64);
    /// True once it is finished; the reactor then drops it.
    fn done(&self) -> bool;
    /// Called after `Ctl::resume` (once the events at hand are served).
    fn resume(&mut self, _ctl: &mut Ctl) {}
}

/// What an object may ask of the reactor while it runs.
pub struct Ctl<'a> {
    pub token: Token,
    registry: &'a Registry,
    timers: &'a mut Deadlines,
    keys: &'a mut Keys,
    spawned: &'a mut Vec<Box<dyn IoObject>>,
    resumed: &'a mut Vec<usize>,
    pub mailbox: &'a Arc<Mailbox>,
}

impl Ctl<'_> {
    pub fn registry(&self) -> &Registry {
        self.registry
    }

    /// Has `timer(id)` called after `after`; a timer `id` of this object still pending is
    /// moved, not doubled (one per id: see `deadlines`).
    pub fn set_timer(&mut self, after: Duration, id: u64) {
        self.timers.set(self.token.0, id, Instant::now() + after);
    }

    /// Commands for `key` — a pipe id (of the pipe end on this thread) or an object key from
    /// `new_key` — come to this object.
    pub fn own_key(&mut self, key: u64) {
        self.keys.own(key, self.token.0);
    }

    pub fn disown_key(&mut self, key: u64) {
        self.keys.disown(key);
    }

    /// Has the object's `resume` called soon, after the other objects' ready events: an
    /// object that stopped with work left (a turn's share of writing done) goes on from
    /// there without starving the others, and without an event to wake it (the sources are
    /// edge-triggered: a socket it stopped writing to while writable reports nothing more).
    pub fn resume(&mut self) {
        if !self.resumed.contains(&self.token.0) {
            self.resumed.push(self.token.0);
        }
    }

    /// Adds a new object (e.g. a session for an accepted connection).
    pub fn spawn(&mut self, obj: Box<dyn IoObject>) {
        self.spawned.push(obj);
    }
}

struct Reactor {
    poll: Poll,
    mailbox: Arc<Mailbox>,
    objects: HashMap<usize, Box<dyn IoObject>>,
    next_token: usize,
    timers: Deadlines,
    keys: Keys,
    spawned: Vec<Box<dyn IoObject>>,
    /// Objects to resume after the next poll (see `Ctl::resume`).
    resumed: Vec<usize>,
    stopping: bool,
}

/// A key for an I/O object that is not a pipe (listeners), from a range pipe ids never reach.
pub fn new_key() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1 << 62);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Reactor {
    fn new(poll: Poll, mailbox: Arc<Mailbox>) -> Reactor {
        Reactor {
            poll,
            mailbox,
            objects: HashMap::new(),
            next_token: 0,
            timers: Deadlines::default(),
            keys: Keys::default(),
            spawned: Vec::new(),
            resumed: Vec::new(),
            stopping: false,
        }
    }

    fn with<F: FnOnce(&mut dyn IoObject, &mut Ctl)>(&mut self, token: usize, f: F) {
        let Some(mut obj) = self.objects.remove(&token) else {
            return;
        };
        {
            let mut ctl = Ctl {
                token: Token(token),
                registry: self.poll.registry(),
                timers: &mut self.timers,
                keys: &mut self.keys,
                spawned: &mut self.spawned,
                resumed: &mut self.resumed,
                mailbox: &self.mailbox,
            };
            f(obj.as_mut(), &mut ctl);
        }
        if obj.done() {
            self.keys.remove_owner(token);
            self.timers.remove_owner(token);
        } else {
            self.objects.insert(token, obj);
        }
        self.start_spawned();
    }

    fn start_spawned(&mut self) {
        while let Some(obj) = self.spawned.pop() {
            let token = self.next_token;
            self.next_token += 1;
            self.objects.insert(token, obj);
            self.with(token, |o, ctl| o.start(ctl));
        }
    }

    fn dispatch(&mut self, cmd: Command) {
        let key = match &cmd {
            Command::Stop => {
                self.stopping = true;
                return;
            }
            Command::Spawn(_) => None,
            Command::ActivateRead(k)
            | Command::ActivateWrite(k)
            | Command::PipeTerm(k)
            | Command::Close(k) => Some(*k),
            _ => None,
        };
        match (key, cmd) {
            (None, Command::Spawn(obj)) => {
                self.spawned.push(obj);
                self.start_spawned();
            }
            (Some(k), cmd) => {
                if let Some(t) = self.keys.owner(k) {
                    self.with(t, |o, ctl| o.command(ctl, cmd));
                }
            }
            _ => {}
        }
    }
}

/// The I/O thread's body. Returns when told to stop (all objects are dropped then).
pub fn run(mailbox: Arc<Mailbox>) {
    crate::msg::block_cache::on_io_thread();
    let poll = match Poll::new() {
        Ok(p) => p,
        Err(e) => panic!("I/O thread cannot create its poller: {e}"),
    };
    let fd = mailbox.fd();
    poll.registry()
        .register(&mut SourceFd(&fd), MAILBOX, Interest::READABLE)
        .expect("I/O thread cannot poll its mailbox");
    let mut r = Reactor::new(poll, mailbox);
    let mut events = Events::with_capacity(256);
    let mut commands = std::collections::VecDeque::new();
    // Empty polls in a row since the last event: the first few do not block (each yields the
    // CPU instead), since after traffic the next event usually comes within microseconds and
    // an epoll sleep and wake-up costs tens of them; but not while the core is contended,
    // where a yielding thread waits out other threads' slices (see pipe::spin).
    const SPIN_ROUNDS: u32 = 50;
    let mut idle: u32 = SPIN_ROUNDS;
    while !r.stopping {
        let timeout = if idle < SPIN_ROUNDS || !r.resumed.is_empty() {
            Some(std::time::Duration::ZERO)
        } else {
            r.timers
                .next_due()
                .map(|at| at.saturating_duration_since(Instant::now()))
        };
        if let Err(e) = r.poll.poll(&mut events, timeout) {
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            panic!("I/O thread poll failed: {e}");
        }
        if !r.resumed.is_empty() || !events.is_empty() {
            // Spin after this work only while the core is free (see pipe::spin).
            idle = if spin::may_spin() { 0 } else { SPIN_ROUNDS };
        } else if idle < SPIN_ROUNDS {
            idle = if spin::yield_round() {
                idle + 1
            } else {
                SPIN_ROUNDS
            };
        }
        let mut mailbox_ready = false;
        let ready: Vec<(usize, bool, bool)> = events
            .iter()
            .filter_map(|ev| {
                if ev.token() == MAILBOX {
                    mailbox_ready = true;
                    None
                } else {
                    Some((
                        ev.token().0,
                        ev.is_readable() || ev.is_read_closed() || ev.is_error(),
                        ev.is_writable() || ev.is_write_closed(),
                    ))
                }
            })
            .collect();
        for (t, rd, wr) in ready {
            r.with(t, |o, ctl| o.ready(ctl, rd, wr));
        }
        // The commands queued now, as one batch (the eventfd is reset with it). Those sent
        // while it runs wait for the next round, after a poll: a socket that keeps waking
        // a session (a PUB flooding it) would otherwise keep this thread from its other
        // sources for as long as the flood lasts.
        if mailbox_ready || r.mailbox.has_pending() {
            r.mailbox.take_all(&mut commands);
            for cmd in commands.drain(..) {
                r.dispatch(cmd);
            }
        }
        let now = Instant::now();
        while let Some((t, id)) = r.timers.pop_due(now) {
            r.with(t, |o, ctl| o.timer(ctl, id));
        }
        for t in std::mem::take(&mut r.resumed) {
            r.with(t, |o, ctl| o.resume(ctl));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::IoThread;
    use std::io::Write;
    use std::os::unix::net::UnixStream;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    /// Commands the chatter sends itself at most.
    const CHATTER_LIMIT: u64 = 1_000_000;

    /// Sends itself a command for each one it gets (as a socket that writes again as soon as
    /// its session took the last message keeps an I/O thread's mailbox full), until the
    /// watcher was served or the limit is reached.
    struct Chatter {
        key: u64,
        got: Arc<AtomicU64>,
        served: Arc<AtomicBool>,
    }

    impl IoObject for Chatter {
        fn start(&mut self, ctl: &mut Ctl) {
            ctl.own_key(self.key);
            ctl.mailbox.send(Command::Close(self.key));
        }
        fn ready(&mut self, _: &mut Ctl, _: bool, _: bool) {}
        fn command(&mut self, ctl: &mut Ctl, _: Command) {
            let n = self.got.fetch_add(1, Ordering::SeqCst) + 1;
            if !self.served.load(Ordering::SeqCst) && n < CHATTER_LIMIT {
                ctl.mailbox.send(Command::Close(self.key));
            }
        }
        fn timer(&mut self, _: &mut Ctl, _: u64) {}
        fn done(&self) -> bool {
            false
        }
    }

    /// Waits for its socket to become readable; records how many commands the chatter had
    /// got by then.
    struct Watcher {
        sock: mio::net::UnixStream,
        chatter_got: Arc<AtomicU64>,
        served: Arc<AtomicBool>,
        served_at: Arc<AtomicU64>,
    }

    impl IoObject for Watcher {
        fn start(&mut self, ctl: &mut Ctl) {
            ctl.registry()
                .register(&mut self.sock, ctl.token, Interest::READABLE)
                .unwrap();
        }
        fn ready(&mut self, _: &mut Ctl, readable: bool, _: bool) {
            if readable && !self.served.load(Ordering::SeqCst) {
                self.served_at
                    .store(self.chatter_got.load(Ordering::SeqCst), Ordering::SeqCst);
                self.served.store(true, Ordering::SeqCst);
            }
        }
        fn command(&mut self, _: &mut Ctl, _: Command) {}
        fn timer(&mut self, _: &mut Ctl, _: u64) {}
        fn done(&self) -> bool {
            false
        }
    }

    /// Sets its timer 1 again and again and timer 2 once; done when told to close.
    struct Timed {
        done: bool,
    }

    impl IoObject for Timed {
        fn start(&mut self, ctl: &mut Ctl) {
            for ms in 1..=1000 {
                ctl.set_timer(Duration::from_millis(ms), 1);
            }
            ctl.set_timer(Duration::from_secs(30), 2);
        }
        fn ready(&mut self, _: &mut Ctl, _: bool, _: bool) {}
        fn command(&mut self, _: &mut Ctl, _: Command) {
            self.done = true;
        }
        fn timer(&mut self, _: &mut Ctl, _: u64) {}
        fn done(&self) -> bool {
            self.done
        }
    }

    #[test]
    fn an_object_holds_one_timer_per_id_and_none_once_done() {
        let mut r = Reactor::new(Poll::new().unwrap(), Arc::new(Mailbox::new().unwrap()));
        r.spawned.push(Box::new(Timed { done: false }));
        r.spawned.push(Box::new(Timed { done: false }));
        r.start_spawned();
        assert_eq!(r.timers.len(), 4, "two objects, two timer ids each");
        let first = r.timers.next_due().unwrap();
        assert!(
            first >= Instant::now() + Duration::from_millis(900),
            "the last setting holds"
        );
        r.with(0, |o, ctl| o.command(ctl, Command::Close(0)));
        assert!(!r.objects.contains_key(&0));
        assert_eq!(r.timers.len(), 2, "a finished object's timers go with it");
        r.with(1, |o, ctl| o.command(ctl, Command::Close(0)));
        assert_eq!(r.timers.len(), 0);
    }

    /// Owns the keys `base` and `base + 1`; done at its first command.
    struct Keyed {
        base: u64,
        commands: Arc<AtomicU64>,
        done: bool,
    }

    impl IoObject for Keyed {
        fn start(&mut self, ctl: &mut Ctl) {
            ctl.own_key(self.base);
            ctl.own_key(self.base + 1);
        }
        fn ready(&mut self, _: &mut Ctl, _: bool, _: bool) {}
        fn command(&mut self, _: &mut Ctl, _: Command) {
            self.commands.fetch_add(1, Ordering::SeqCst);
            self.done = true;
        }
        fn timer(&mut self, _: &mut Ctl, _: u64) {}
        fn done(&self) -> bool {
            self.done
        }
    }

    #[test]
    fn a_finished_object_gives_up_its_keys_and_only_its_own() {
        let mut r = Reactor::new(Poll::new().unwrap(), Arc::new(Mailbox::new().unwrap()));
        let commands = Arc::new(AtomicU64::new(0));
        for base in [100, 200] {
            r.spawned.push(Box::new(Keyed {
                base,
                commands: commands.clone(),
                done: false,
            }));
        }
        r.start_spawned();
        let owners = |r: &Reactor| [100, 101, 200, 201].map(|k| r.keys.owner(k));
        let (a, b) = (r.keys.owner(100).unwrap(), r.keys.owner(200).unwrap());
        assert_ne!(a, b);
        assert_eq!(owners(&r), [Some(a), Some(a), Some(b), Some(b)]);
        r.dispatch(Command::Close(101));
        assert_eq!(commands.load(Ordering::SeqCst), 1);
        assert!(!r.objects.contains_key(&a));
        assert_eq!(owners(&r), [None, None, Some(b), Some(b)]);
        // Its keys route nowhere now; the other object's still reach it.
        r.dispatch(Command::Close(100));
        assert_eq!(commands.load(Ordering::SeqCst), 1);
        r.dispatch(Command::Close(200));
        assert_eq!(commands.load(Ordering::SeqCst), 2);
        assert_eq!(owners(&r), [None; 4]);
    }

    #[test]
    fn a_stream_of_commands_does_not_keep_the_thread_from_its_sources() {
        let io = IoThread::spawn("test-io".into()).unwrap();
        let (a, mut b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let got = Arc::new(AtomicU64::new(0));
        let served = Arc::new(AtomicBool::new(false));
        let served_at = Arc::new(AtomicU64::new(0));
        io.send(Command::Spawn(Box::new(Watcher {
            sock: mio::net::UnixStream::from_std(a),
            chatter_got: got.clone(),
            served: served.clone(),
            served_at: served_at.clone(),
        })));
        io.send(Command::Spawn(Box::new(Chatter {
            key: new_key(),
            got: got.clone(),
            served: served.clone(),
        })));
        // The watcher's socket becomes readable while the chatter is in full flow.
        while got.load(Ordering::SeqCst) < 1000 {
            std::thread::yield_now();
        }
        b.write_all(b"x").unwrap();
        while !served.load(Ordering::SeqCst) && got.load(Ordering::SeqCst) < CHATTER_LIMIT {
            std::thread::yield_now();
        }
        // Before the chatter stopped by itself: a thread that drained its mailbox for as
        // long as commands came serves the watcher only once the chatter falls silent.
        assert!(
            served.load(Ordering::SeqCst),
            "the watcher was not served while commands kept coming"
        );
        assert!(served_at.load(Ordering::SeqCst) < CHATTER_LIMIT);
    }
}
