//! A set of repeating timers, the engine behind `zmq_timers_*`.
//!
//! The set has no clock of its own: every call that needs the time takes `now`, in
//! milliseconds on a monotonic clock chosen by the caller. That keeps it testable and lets the
//! C API decide the clock.
//!
//! Running the timers is split in steps so that a handler may use the set while it runs
//! (cancel itself or others, add, reset), as `zmq_timers_execute` allows: `begin_execute` lists
//! the timers to run, `fire` claims one of them (rescheduling it) and hands back its payload,
//! the caller runs the handler with no borrow of the set held, and `end_execute` tidies up.
//! `execute` does all of it for callers that need no re-entry.
//!
//! Cancelling is lazy, as in libzmq, and observable through the return codes: a cancelled
//! timer stays in the set, marked, until `timeout` or an execute walks past it. Until then a
//! second cancel fails (EINVAL) but `reset` and `set_interval` succeed (and the timer stays
//! cancelled); afterwards all three fail with EINVAL.
//!
//! Where libzmq 4.3 misbehaves this set does not: an interval so large that libzmq's expiry
//! time wraps around (e.g. `SIZE_MAX`) means "never" here instead of "now", and a timer with
//! interval 0 runs once per execute instead of making execute loop forever.

use std::collections::{BTreeSet, HashMap};

use crate::error::{Error, Result};

struct Timer<T> {
    interval: u64,
    /// Expiry time, in the caller's milliseconds.
    when: u64,
    /// Order among timers with the same expiry: the earlier scheduled first.
    seq: u64,
    /// Cancelled, waiting to be swept out.
    cancelled: bool,
    payload: T,
}

/// Repeating timers, each with an id > 0, an interval in milliseconds and a payload.
pub struct Timers<T> {
    timers: HashMap<i32, Timer<T>>,
    /// (when, seq, id) of every timer, in firing order.
    queue: BTreeSet<(u64, u64, i32)>,
    last_id: i32,
    next_seq: u64,
}

impl<T> Default for Timers<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Timers<T> {
    pub fn new() -> Self {
        Timers {
            timers: HashMap::new(),
            queue: BTreeSet::new(),
            last_id: 0,
            next_seq: 0,
        }
    }

    /// How many timers the set holds, counting cancelled ones not yet swept out.
    pub fn len(&self) -> usize {
        self.timers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }

    /// Adds a timer that first expires `interval` ms after `now`, then every `interval` ms
    /// after each run. Returns its id: 1 for the first timer of a set, then counting up (as
    /// libzmq), skipping ids still in use if the count ever wraps.
    pub fn add(&mut self, now: u64, interval: u64, payload: T) -> i32 {
        let id = self.new_id();
        let seq = self.seq();
        let when = now.saturating_add(interval);
        self.queue.insert((when, seq, id));
        self.timers.insert(
            id,
            Timer {
                interval,
                when,
                seq,
                cancelled: false,
                payload,
            },
        );
        id
    }

    fn new_id(&mut self) -> i32 {
        loop {
            self.last_id = if self.last_id == i32::MAX {
                1
            } else {
                self.last_id + 1
            };
            if !self.timers.contains_key(&self.last_id) {
                return self.last_id;
            }
        }
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Cancels a timer: it never runs again. EINVAL if there is no timer `id` or it is
    /// already cancelled.
    pub fn cancel(&mut self, id: i32) -> Result<()> {
        match self.timers.get_mut(&id) {
            Some(t) if !t.cancelled => {
                t.cancelled = true;
                Ok(())
            }
            _ => Err(Error::INVAL),
        }
    }

    /// Moves a timer's expiry to `now` + its interval.
    fn reschedule(&mut self, now: u64, id: i32) -> Result<()> {
        let seq = self.seq();
        let t = self.timers.get_mut(&id).ok_or(Error::INVAL)?;
        self.queue.remove(&(t.when, t.seq, id));
        t.when = now.saturating_add(t.interval);
        t.seq = seq;
        self.queue.insert((t.when, t.seq, id));
        Ok(())
    }

    /// Gives a timer a new interval and restarts it: it next expires `interval` ms after
    /// `now`. EINVAL if there is no timer `id` (see the module notes on cancelled timers).
    pub fn set_interval(&mut self, now: u64, id: i32, interval: u64) -> Result<()> {
        self.timers.get_mut(&id).ok_or(Error::INVAL)?.interval = interval;
        self.reschedule(now, id)
    }

    /// Restarts a timer: it next expires one interval after `now`. EINVAL if there is no
    /// timer `id` (see the module notes on cancelled timers).
    pub fn reset(&mut self, now: u64, id: i32) -> Result<()> {
        self.reschedule(now, id)
    }

    fn remove(&mut self, key: (u64, u64, i32)) {
        self.queue.remove(&key);
        self.timers.remove(&key.2);
    }

    /// Sweeps out the cancelled timers that come before the first live one.
    fn sweep_front(&mut self) {
        while let Some(&key) = self.queue.first() {
            if !self.timers[&key.2].cancelled {
                break;
            }
            self.remove(key);
        }
    }

    /// Milliseconds from `now` until the next live timer expires, 0 if one is overdue, None if
    /// there is none. Sweeps out the cancelled timers ahead of it.
    pub fn timeout(&mut self, now: u64) -> Option<u64> {
        self.sweep_front();
        self.queue
            .first()
            .map(|&(when, _, _)| when.saturating_sub(now))
    }

    /// The ids of the live timers expired at `now`, in the order they are to run (earliest
    /// expiry first, then the earliest scheduled). Sweeps out the cancelled timers up to the
    /// first live timer that has not expired.
    pub fn begin_execute(&mut self, now: u64) -> Vec<i32> {
        let mut due = Vec::new();
        let mut swept = Vec::new();
        for &key in &self.queue {
            let (when, _, id) = key;
            if self.timers[&id].cancelled {
                swept.push(key);
            } else if when <= now {
                due.push(id);
            } else {
                break;
            }
        }
        for key in swept {
            self.remove(key);
        }
        due
    }

    /// Ends an execute: sweeps out the timers cancelled meanwhile, up to the first live one.
    pub fn end_execute(&mut self) {
        self.sweep_front();
    }
}

impl<T: Clone> Timers<T> {
    /// Claims an expired timer for running: if timer `id` is live and has expired at `now`,
    /// reschedules it one interval after `now` and returns its payload; otherwise None (it was
    /// cancelled or rescheduled after `begin_execute` listed it).
    pub fn fire(&mut self, now: u64, id: i32) -> Option<T> {
        let t = self.timers.get(&id)?;
        if t.cancelled || t.when > now {
            return None;
        }
        let payload = t.payload.clone();
        self.reschedule(now, id).ok()?;
        Some(payload)
    }

    /// Runs every live timer expired at `now` once, in order, rescheduling each one interval
    /// after `now`; returns how many ran.
    pub fn execute(&mut self, now: u64, mut run: impl FnMut(i32, &T)) -> usize {
        let mut ran = 0;
        for id in self.begin_execute(now) {
            if let Some(payload) = self.fire(now, id) {
                run(id, &payload);
                ran += 1;
            }
        }
        self.end_execute();
        ran
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_count_from_one() {
        let mut t = Timers::new();
        assert_eq!(t.add(0, 10, ()), 1);
        assert_eq!(t.add(0, 10, ()), 2);
        t.cancel(2).unwrap();
        assert_eq!(t.add(0, 10, ()), 3);
        assert_eq!(t.timeout(0), Some(10));
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn id_wrap_skips_live_ids() {
        let mut t = Timers::new();
        assert_eq!(t.add(0, 1, ()), 1);
        t.last_id = i32::MAX - 1;
        assert_eq!(t.add(0, 1, ()), i32::MAX);
        assert_eq!(t.add(0, 1, ()), 2);
    }

    #[test]
    fn timeout_counts_down() {
        let mut t = Timers::new();
        assert_eq!(t.timeout(0), None);
        t.add(100, 50, 'a');
        assert_eq!(t.timeout(100), Some(50));
        assert_eq!(t.timeout(120), Some(30));
        assert_eq!(t.timeout(150), Some(0));
        assert_eq!(t.timeout(1000), Some(0));
        t.add(100, 20, 'b');
        assert_eq!(t.timeout(100), Some(20));
    }

    #[test]
    fn execute_runs_due_timers_in_order_and_repeats() {
        let mut t = Timers::new();
        let a = t.add(0, 30, 'a');
        let b = t.add(0, 10, 'b');
        let mut log = Vec::new();
        assert_eq!(t.execute(9, |id, &p| log.push((id, p))), 0);
        assert_eq!(t.execute(10, |id, &p| log.push((id, p))), 1);
        assert_eq!(log, [(b, 'b')]);
        // b was rescheduled to 10 + 10.
        assert_eq!(t.timeout(10), Some(10));
        log.clear();
        assert_eq!(t.execute(35, |id, &p| log.push((id, p))), 2);
        assert_eq!(log, [(b, 'b'), (a, 'a')]);
        // Rescheduled from the time of execute: b at 45, a at 65.
        assert_eq!(t.timeout(35), Some(10));
        assert_eq!(t.begin_execute(45), [b]);
        assert_eq!(t.begin_execute(65), [b, a]);
    }

    #[test]
    fn overdue_timer_runs_once_per_execute() {
        let mut t = Timers::new();
        t.add(0, 10, ());
        assert_eq!(t.execute(1000, |_, _| ()), 1);
        assert_eq!(t.timeout(1000), Some(10));
    }

    #[test]
    fn zero_interval_runs_once_per_execute() {
        let mut t = Timers::new();
        t.add(0, 0, ());
        assert_eq!(t.timeout(0), Some(0));
        assert_eq!(t.execute(0, |_, _| ()), 1);
        assert_eq!(t.execute(0, |_, _| ()), 1);
    }

    #[test]
    fn equal_expiry_keeps_insertion_order() {
        let mut t = Timers::new();
        let ids: Vec<i32> = (0..5).map(|i| t.add(0, 10, i)).collect();
        assert_eq!(t.begin_execute(10), ids);
    }

    #[test]
    fn cancel() {
        let mut t = Timers::new();
        assert_eq!(t.cancel(1), Err(Error::INVAL));
        let a = t.add(0, 10, "a");
        assert_eq!(t.cancel(a), Ok(()));
        assert_eq!(t.cancel(a), Err(Error::INVAL));
        assert_eq!(t.timeout(0), None);
        assert!(t.is_empty());
        assert_eq!(t.cancel(a), Err(Error::INVAL));
        let b = t.add(0, 10, "b");
        t.cancel(b).unwrap();
        assert_eq!(t.execute(100, |_, _| panic!("cancelled timer ran")), 0);
        assert!(t.is_empty());
    }

    #[test]
    fn cancelled_timer_lingers_until_swept() {
        // As libzmq: until timeout or execute sweeps it out, reset and set_interval of a
        // cancelled timer succeed, and it stays cancelled.
        let mut t = Timers::new();
        let a = t.add(0, 100, ());
        t.cancel(a).unwrap();
        assert_eq!(t.set_interval(0, a, 10), Ok(()));
        assert_eq!(t.reset(0, a), Ok(()));
        assert_eq!(t.cancel(a), Err(Error::INVAL));
        assert_eq!(t.timeout(0), None);
        assert_eq!(t.set_interval(0, a, 10), Err(Error::INVAL));
        assert_eq!(t.reset(0, a), Err(Error::INVAL));
    }

    #[test]
    fn sweeps_stop_at_the_first_live_timer() {
        let mut t = Timers::new();
        let a = t.add(0, 10, ());
        let b = t.add(0, 20, ());
        let c = t.add(0, 30, ());
        t.cancel(a).unwrap();
        t.cancel(c).unwrap();
        // a is swept (before b); c lies behind live b and stays.
        assert_eq!(t.timeout(0), Some(20));
        assert_eq!(t.reset(0, a), Err(Error::INVAL));
        assert_eq!(t.reset(0, c), Ok(()));
        // execute at 25 runs b (rescheduled to 45) and sweeps c (at 30, before b).
        let mut ran = Vec::new();
        assert_eq!(t.execute(25, |id, _| ran.push(id)), 1);
        assert_eq!(ran, [b]);
        assert_eq!(t.reset(0, c), Err(Error::INVAL));
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn reset_and_set_interval() {
        let mut t = Timers::new();
        assert_eq!(t.reset(0, 1), Err(Error::INVAL));
        assert_eq!(t.set_interval(0, 1, 5), Err(Error::INVAL));
        let a = t.add(0, 100, ());
        t.reset(60, a).unwrap();
        assert_eq!(t.timeout(60), Some(100));
        assert!(t.begin_execute(100).is_empty());
        t.set_interval(70, a, 20).unwrap();
        assert_eq!(t.timeout(70), Some(20));
        assert_eq!(t.execute(90, |_, _| ()), 1);
        assert_eq!(t.timeout(90), Some(20));
    }

    #[test]
    fn handlers_may_change_the_set_between_begin_and_fire() {
        // What the C API does: list the due timers, then claim each with the set unborrowed.
        let mut t = Timers::new();
        let a = t.add(0, 10, 'a');
        let b = t.add(0, 10, 'b');
        let c = t.add(0, 10, 'c');
        let due = t.begin_execute(10);
        assert_eq!(due, [a, b, c]);
        let mut ran = Vec::new();
        for id in due {
            if let Some(p) = t.fire(10, id) {
                ran.push(p);
                if p == 'a' {
                    // a's handler cancels itself and b, resets c, and adds a due timer d.
                    t.cancel(a).unwrap();
                    t.cancel(b).unwrap();
                    t.reset(10, c).unwrap();
                    t.add(0, 0, 'd');
                }
            }
        }
        t.end_execute();
        assert_eq!(ran, ['a']);
        // d (at 0) waits for the next execute and, being live, stops the sweep before b.
        assert_eq!(t.cancel(b), Err(Error::INVAL));
        assert_eq!(t.reset(0, b), Ok(()));
        // The next execute runs d and sweeps b and a; c (at 20) runs at 20.
        assert_eq!(t.begin_execute(10).len(), 1);
        assert_eq!(t.reset(0, b), Err(Error::INVAL));
        assert_eq!(t.reset(0, a), Err(Error::INVAL));
        let mut ran = Vec::new();
        assert_eq!(t.execute(20, |_, &p| ran.push(p)), 2);
        assert_eq!(ran, ['d', 'c']);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn huge_intervals_saturate() {
        let mut t = Timers::new();
        t.add(5, u64::MAX, ());
        assert_eq!(t.timeout(5), Some(u64::MAX - 5));
        assert!(t.begin_execute(u64::MAX - 1).is_empty());
    }
}
