//! The routing-id table of ROUTER-like sockets: which pipe each peer's routing id names, and
//! the ids made up for peers that gave none.
//!
//! A generated id is 5 bytes: a zero byte, then a 32-bit counter in network byte order that
//! starts at a random value and counts up by one per id. (That is what libzmq hands out; the
//! leading zero keeps generated ids apart from the ids applications usually set, and the man
//! page reserves ids starting with a zero byte for this use.)

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

pub struct RoutingIds {
    by_id: HashMap<Vec<u8>, usize>,
    next: u32,
}

impl Default for RoutingIds {
    fn default() -> Self {
        RoutingIds::with_seed(random_u32())
    }
}

/// A random 32-bit value from the standard library's per-process random hash keys.
pub fn random_u32() -> u32 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(std::process::id() as u64);
    h.finish() as u32
}

impl RoutingIds {
    /// A table whose first generated id carries the counter `seed`.
    pub fn with_seed(seed: u32) -> Self {
        RoutingIds {
            by_id: HashMap::new(),
            next: seed,
        }
    }

    /// The pipe that `id` names.
    pub fn lookup(&self, id: &[u8]) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Names pipe `pipe` by `id`; false (and no change) if `id` is taken.
    pub fn insert(&mut self, id: Vec<u8>, pipe: usize) -> bool {
        match self.by_id.entry(id) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(pipe);
                true
            }
        }
    }

    /// Forgets `id` if it names `pipe`.
    pub fn remove(&mut self, id: &[u8], pipe: usize) {
        if self.lookup(id) == Some(pipe) {
            self.by_id.remove(id);
        }
    }

    /// A fresh generated id, not in the table.
    pub fn generate(&mut self) -> Vec<u8> {
        loop {
            let n = self.next;
            self.next = self.next.wrapping_add(1);
            let mut id = Vec::with_capacity(5);
            id.push(0);
            id.extend_from_slice(&n.to_be_bytes());
            if !self.by_id.contains_key(&id) {
                return id;
            }
        }
    }

    /// Every named pipe.
    pub fn pipes(&self) -> impl Iterator<Item = usize> + '_ {
        self.by_id.values().copied()
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_lookup_remove() {
        let mut t = RoutingIds::with_seed(7);
        assert!(t.is_empty());
        assert!(t.insert(b"A".to_vec(), 3));
        assert!(!t.insert(b"A".to_vec(), 4), "a taken id is refused");
        assert_eq!(t.lookup(b"A"), Some(3));
        assert_eq!(t.lookup(b"B"), None);
        t.remove(b"A", 4);
        assert_eq!(
            t.lookup(b"A"),
            Some(3),
            "only the pipe the id names can drop it"
        );
        t.remove(b"A", 3);
        assert_eq!(t.lookup(b"A"), None);
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn generated_ids_are_five_bytes_zero_then_counter() {
        let mut t = RoutingIds::with_seed(0x0102_0304);
        assert_eq!(t.generate(), vec![0, 1, 2, 3, 4]);
        assert_eq!(t.generate(), vec![0, 1, 2, 3, 5]);
    }

    #[test]
    fn counter_wraps_and_skips_taken_ids() {
        let mut t = RoutingIds::with_seed(u32::MAX);
        assert!(t.insert(vec![0, 0xff, 0xff, 0xff, 0xff], 1));
        assert_eq!(t.generate(), vec![0, 0, 0, 0, 0]);
    }

    #[test]
    fn pipes_lists_every_named_pipe() {
        let mut t = RoutingIds::with_seed(0);
        t.insert(b"x".to_vec(), 1);
        t.insert(b"y".to_vec(), 2);
        let mut p: Vec<usize> = t.pipes().collect();
        p.sort();
        assert_eq!(p, vec![1, 2]);
    }
}
