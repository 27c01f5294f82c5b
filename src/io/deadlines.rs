//! The one-shot timers of a reactor's objects: at most one per (object, timer id).
//!
//! Setting a timer that is already pending moves it, and an object's timers go with the
//! object. Timers that were only ever added (and skipped when they fired late) piled up
//! wherever a deadline is re-armed more often than it expires: a heartbeat TTL is re-armed
//! at each PING that follows other input, so with a 10 ms interval and a 60 s TTL each
//! connection held thousands of dead entries; and every connection's 30 s handshake timer
//! outlived it, so memory grew with the connection rate.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

#[derive(Default)]
pub struct Deadlines {
    /// Pending timers in firing order.
    by_due: BTreeSet<(Instant, usize, u64)>,
    /// The due time of each pending (object token, timer id).
    by_owner: BTreeMap<(usize, u64), Instant>,
}

impl Deadlines {
    /// Sets `owner`'s timer `id` to fire at `at`, replacing that timer if pending.
    pub fn set(&mut self, owner: usize, id: u64, at: Instant) {
        if let Some(old) = self.by_owner.insert((owner, id), at) {
            self.by_due.remove(&(old, owner, id));
        }
        self.by_due.insert((at, owner, id));
    }

    /// When the next timer is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.by_due.first().map(|&(at, ..)| at)
    }

    /// Takes the next timer due at or before `now`: (owner, id).
    pub fn pop_due(&mut self, now: Instant) -> Option<(usize, u64)> {
        let &(at, owner, id) = self.by_due.first()?;
        if at > now {
            return None;
        }
        self.by_due.pop_first();
        self.by_owner.remove(&(owner, id));
        Some((owner, id))
    }

    /// Drops every timer of `owner` (it is gone).
    pub fn remove_owner(&mut self, owner: usize) {
        let ids: Vec<u64> = self
            .by_owner
            .range((owner, 0)..=(owner, u64::MAX))
            .map(|(&(_, id), _)| id)
            .collect();
        for id in ids {
            if let Some(at) = self.by_owner.remove(&(owner, id)) {
                self.by_due.remove(&(at, owner, id));
            }
        }
    }

    /// Timers pending.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_due.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ms(base: Instant, n: u64) -> Instant {
        base + Duration::from_millis(n)
    }

    #[test]
    fn timers_fire_in_due_order() {
        let t0 = Instant::now();
        let mut d = Deadlines::default();
        d.set(1, 7, ms(t0, 30));
        d.set(2, 7, ms(t0, 10));
        d.set(1, 8, ms(t0, 20));
        assert_eq!(d.next_due(), Some(ms(t0, 10)));
        assert_eq!(d.pop_due(ms(t0, 5)), None);
        assert_eq!(d.pop_due(ms(t0, 25)), Some((2, 7)));
        assert_eq!(d.pop_due(ms(t0, 25)), Some((1, 8)));
        assert_eq!(d.pop_due(ms(t0, 25)), None);
        assert_eq!(d.pop_due(ms(t0, 30)), Some((1, 7)));
        assert_eq!(d.len(), 0);
        assert_eq!(d.next_due(), None);
    }

    #[test]
    fn setting_a_pending_timer_again_moves_it() {
        let t0 = Instant::now();
        let mut d = Deadlines::default();
        for i in 0..1000 {
            d.set(3, 0x12, ms(t0, 100 + i));
        }
        assert_eq!(d.len(), 1);
        assert_eq!(
            d.pop_due(ms(t0, 1000)),
            None,
            "the earlier settings are gone"
        );
        assert_eq!(d.pop_due(ms(t0, 1099)), Some((3, 0x12)));
        // Moved earlier works too.
        d.set(3, 0x12, ms(t0, 50));
        d.set(3, 0x12, ms(t0, 5));
        assert_eq!(d.pop_due(ms(t0, 5)), Some((3, 0x12)));
        assert_eq!(d.len(), 0);
    }

    #[test]
    fn an_owners_timers_go_with_it() {
        let t0 = Instant::now();
        let mut d = Deadlines::default();
        d.set(4, 1, ms(t0, 1));
        d.set(4, u64::MAX, ms(t0, 2));
        d.set(5, 1, ms(t0, 3));
        d.set(3, u64::MAX, ms(t0, 4));
        d.remove_owner(4);
        assert_eq!(d.len(), 2);
        assert_eq!(d.pop_due(ms(t0, 10)), Some((5, 1)));
        assert_eq!(d.pop_due(ms(t0, 10)), Some((3, u64::MAX)));
        d.remove_owner(9);
        assert_eq!(d.len(), 0);
    }
}
