//! Which I/O object each command key (a pipe id, or a listener's key) is routed to, and the
//! keys each object holds, so that a finished object gives up its keys without a scan of
//! everyone's: closing thousands of connections was quadratic in them.

use std::collections::HashMap;

#[derive(Default)]
pub(super) struct Keys {
    owner: HashMap<u64, usize>,
    /// Each object's keys (a pipe or two, a listener's own key): short lists.
    held: HashMap<usize, Vec<u64>>,
}

impl Keys {
    /// Commands for `key` go to the object `token` from now on.
    pub(super) fn own(&mut self, key: u64, token: usize) {
        match self.owner.insert(key, token) {
            Some(prev) if prev == token => return,
            Some(prev) => self.unlist(prev, key),
            None => {}
        }
        self.held.entry(token).or_default().push(key);
    }

    /// Commands for `key` go nowhere from now on.
    pub(super) fn disown(&mut self, key: u64) {
        if let Some(token) = self.owner.remove(&key) {
            self.unlist(token, key);
        }
    }

    pub(super) fn owner(&self, key: u64) -> Option<usize> {
        self.owner.get(&key).copied()
    }

    /// Drops every key of the object `token`.
    pub(super) fn remove_owner(&mut self, token: usize) {
        for key in self.held.remove(&token).unwrap_or_default() {
            self.owner.remove(&key);
        }
    }

    fn unlist(&mut self, token: usize, key: u64) {
        if let Some(list) = self.held.get_mut(&token) {
            list.retain(|k| *k != key);
            if list.is_empty() {
                self.held.remove(&token);
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> (usize, usize) {
        (self.owner.len(), self.held.values().map(Vec::len).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_route_to_their_owner_until_disowned() {
        let mut k = Keys::default();
        k.own(10, 1);
        k.own(11, 1);
        k.own(20, 2);
        assert_eq!(
            (k.owner(10), k.owner(11), k.owner(20)),
            (Some(1), Some(1), Some(2))
        );
        k.disown(10);
        assert_eq!(k.owner(10), None);
        assert_eq!(k.len(), (2, 2));
        // Disowning twice, or an unknown key, changes nothing.
        k.disown(10);
        k.disown(99);
        assert_eq!(k.len(), (2, 2));
    }

    #[test]
    fn a_finished_owner_takes_its_keys_and_no_one_elses() {
        let mut k = Keys::default();
        for t in 0..100 {
            k.own(1000 + t as u64, t);
            k.own(2000 + t as u64, t);
        }
        k.remove_owner(7);
        assert_eq!((k.owner(1007), k.owner(2007)), (None, None));
        assert_eq!((k.owner(1008), k.owner(2006)), (Some(8), Some(6)));
        assert_eq!(k.len(), (198, 198));
        for t in 0..100 {
            k.remove_owner(t);
        }
        assert_eq!(k.len(), (0, 0));
        assert!(k.held.is_empty());
    }

    #[test]
    fn a_key_owned_again_moves_to_its_new_owner() {
        let mut k = Keys::default();
        k.own(5, 1);
        k.own(5, 1);
        assert_eq!(k.len(), (1, 1));
        k.own(5, 2);
        assert_eq!(k.owner(5), Some(2));
        assert_eq!(k.len(), (1, 1));
        // The old owner finishing leaves the key with the new one.
        k.remove_owner(1);
        assert_eq!(k.owner(5), Some(2));
        k.remove_owner(2);
        assert_eq!(k.owner(5), None);
    }
}
