//! Spinning before a sleep, and noticing when it hurts.
//!
//! A thread that waits for an answer watches for it a moment before it sleeps (the
//! mailbox's `spin_for_command`, the I/O thread's empty polls), yielding the CPU between
//! looks: a sleep and wake-up costs tens of microseconds on a VM, and the answer often
//! comes sooner. That is a good bet only while the CPU is free. A yielding thread stays
//! runnable, so when threads with whole time slices of work share its core, each yield
//! hands the core to one of them for a slice, and the answer, when it comes, finds the
//! waiter runnable but not running: it gets no wake-up preemption and waits out the slice
//! (milliseconds, where a sleeper is woken in tens of microseconds).
//!
//! So each thread times its yields. One that kept it off the CPU for longer than any
//! hand-off between cooperating threads takes means the core is contended; the thread then
//! stops spinning and sleeps instead, for a while, and looks again later (twice as late
//! each time the core is still contended, reset once yields come back at once).

use std::cell::Cell;
use std::time::{Duration, Instant};

/// Longer than a yield takes when the thread it hands the core to only passes a message
/// on (a few to tens of µs, even with a 64 KiB copy), shorter than the slice a busy thread
/// gets (about 1.5 ms with EEVDF on two cores, 3 ms or more with CFS).
const CONTENDED: Duration = Duration::from_micros(250);
/// How long a thread that found its core contended sleeps without spinning, at first.
const FIRST_BACKOFF: Duration = Duration::from_millis(10);
/// The longest it goes without looking again.
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// Yields in a row that came back at once, after which the core counts as free again.
const FREE_AFTER: u32 = 16;

/// One thread's view of its core.
#[derive(Clone, Copy)]
struct Governor {
    /// Until when it sleeps without spinning (None: it may spin).
    quiet_until: Option<Instant>,
    /// How long the next contended yield keeps it from spinning.
    backoff: Duration,
    /// Yields in a row that came back at once.
    fast: u32,
}

impl Governor {
    const fn new() -> Self {
        Governor {
            quiet_until: None,
            backoff: FIRST_BACKOFF,
            fast: 0,
        }
    }

    fn may_spin(&mut self, now: impl FnOnce() -> Instant) -> bool {
        match self.quiet_until {
            None => true,
            Some(until) if now() >= until => {
                self.quiet_until = None;
                true
            }
            Some(_) => false,
        }
    }

    /// Takes note of a yield that kept the thread away for `took`, ending at `now`; false
    /// if the core is contended (the caller should sleep now).
    fn yielded(&mut self, took: Duration, now: Instant) -> bool {
        if took >= CONTENDED {
            self.quiet_until = Some(now + self.backoff);
            self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
            self.fast = 0;
            return false;
        }
        self.fast += 1;
        if self.fast >= FREE_AFTER {
            self.backoff = FIRST_BACKOFF;
        }
        true
    }
}

thread_local! {
    static GOVERNOR: Cell<Governor> = const { Cell::new(Governor::new()) };
}

/// Runs `f` on this thread's governor.
fn governed<R>(f: impl FnOnce(&mut Governor) -> R) -> R {
    GOVERNOR.with(|g| {
        let mut s = g.get();
        let r = f(&mut s);
        g.set(s);
        r
    })
}

/// True if this thread may spin before sleeping (its core was not found contended lately).
pub fn may_spin() -> bool {
    governed(|g| g.may_spin(Instant::now))
}

/// Yields the CPU as one round of a spin; false if the yield showed the core contended,
/// and the caller should stop spinning and sleep.
pub fn yield_round() -> bool {
    let start = Instant::now();
    std::thread::yield_now();
    let end = Instant::now();
    governed(|g| g.yielded(end - start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICK: Duration = Duration::from_micros(2);
    const SLICE: Duration = Duration::from_millis(3);

    #[test]
    fn quick_yields_leave_spinning_on() {
        let mut g = Governor::new();
        let t = Instant::now();
        for _ in 0..1000 {
            assert!(g.yielded(QUICK, t));
        }
        assert!(g.may_spin(|| t));
    }

    #[test]
    fn a_yield_that_lost_a_slice_stops_spinning_until_the_backoff_ends() {
        let mut g = Governor::new();
        let t = Instant::now();
        assert!(!g.yielded(SLICE, t));
        assert!(!g.may_spin(|| t + FIRST_BACKOFF - Duration::from_micros(1)));
        assert!(g.may_spin(|| t + FIRST_BACKOFF));
        // Spinning is back on without looking at the clock again.
        assert!(g.may_spin(|| unreachable!()));
    }

    #[test]
    fn the_backoff_doubles_while_the_core_stays_contended_and_resets_once_it_is_free() {
        let mut g = Governor::new();
        let mut t = Instant::now();
        let mut expect = FIRST_BACKOFF;
        for _ in 0..12 {
            assert!(!g.yielded(SLICE, t));
            assert!(!g.may_spin(|| t + expect - Duration::from_micros(1)));
            t += expect;
            assert!(g.may_spin(|| t));
            expect = (expect * 2).min(MAX_BACKOFF);
        }
        assert_eq!(expect, MAX_BACKOFF);
        // A few quick yields are not enough to call the core free...
        for _ in 0..FREE_AFTER - 1 {
            assert!(g.yielded(QUICK, t));
        }
        assert!(!g.yielded(SLICE, t));
        t += MAX_BACKOFF;
        assert!(g.may_spin(|| t));
        // ...a run of them is.
        for _ in 0..FREE_AFTER {
            assert!(g.yielded(QUICK, t));
        }
        assert!(!g.yielded(SLICE, t));
        assert!(!g.may_spin(|| t + FIRST_BACKOFF - Duration::from_micros(1)));
        assert!(g.may_spin(|| t + FIRST_BACKOFF));
    }
}
