//! The pipes of one socket, by small index, and the operations socket types use on them.
//!
//! A socket type keeps indices into this table. Reading a pipe's end (its peer's delimiter,
//! or the peer gone without linger) records the pipe as ended; the socket then detaches it
//! from the type's routing and drops it once the type's call returns.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::msg::Msg;
use crate::pipe::duplex::{Pipe, PipeId, ReadInto};

#[derive(Default)]
pub struct Pipes {
    slots: Vec<Option<Pipe>>,
    free: Vec<usize>,
    by_id: HashMap<PipeId, usize, BuildHasherDefault<IdHasher>>,
    ended: Vec<usize>,
    /// Rounds a read may still spend watching an empty queue before it sleeps (set for a
    /// blocking receive, see `Socket::recv_into`).
    pub patience: u32,
}

/// Pipe ids are numbers this library hands out in sequence (nobody else picks them): a
/// multiplication spreads them well enough, at a fraction of the default hasher's cost (a
/// lookup on every activation command).
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl Pipes {
    pub fn insert(&mut self, pipe: Pipe) -> usize {
        let id = pipe.id();
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some(pipe);
                i
            }
            None => {
                self.slots.push(Some(pipe));
                self.slots.len() - 1
            }
        };
        self.by_id.insert(id, i);
        i
    }

    pub fn remove(&mut self, i: usize) -> Option<Pipe> {
        let p = self.slots.get_mut(i)?.take()?;
        self.by_id.remove(&p.id());
        self.free.push(i);
        self.ended.retain(|&e| e != i);
        Some(p)
    }

    pub fn index_of(&self, id: PipeId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// The pipe at `i`. Socket types only hold indices of live pipes.
    pub fn pipe(&mut self, i: usize) -> &mut Pipe {
        self.slots[i]
            .as_mut()
            .expect("socket type holds a detached pipe index")
    }

    pub fn get(&self, i: usize) -> Option<&Pipe> {
        self.slots.get(i)?.as_ref()
    }

    pub fn indices(&self) -> Vec<usize> {
        (0..self.slots.len())
            .filter(|&i| self.slots[i].is_some())
            .collect()
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Next part from pipe `i`; None if there is nothing now (the pipe will be activated
    /// again) or the pipe ended (it is then recorded for removal).
    pub fn read(&mut self, i: usize) -> Option<Msg> {
        let mut m = Msg::new();
        self.read_into(i, &mut m).then_some(m)
    }

    /// As `read`, into `out` (see `Pipe::read_into`); false leaves `out` alone.
    #[inline]
    pub fn read_into(&mut self, i: usize, out: &mut Msg) -> bool {
        let mut patience = std::mem::take(&mut self.patience);
        let r = self.pipe(i).read_into_patient(out, &mut patience);
        self.patience = patience;
        match r {
            ReadInto::Got => true,
            ReadInto::Empty => false,
            ReadInto::Ended => {
                self.mark_ended(i);
                false
            }
        }
    }

    /// True if pipe `i` has a part to read; false arms its ActivateRead (or records its end).
    pub fn check_read(&mut self, i: usize) -> bool {
        let p = self.pipe(i);
        if p.check_read() {
            return true;
        }
        if p.at_end() {
            self.mark_ended(i);
        }
        false
    }

    /// True if pipe `i` takes a part now; false arms its ActivateWrite.
    pub fn check_write(&mut self, i: usize) -> bool {
        self.pipe(i).check_write()
    }

    pub fn write(&mut self, i: usize, msg: Msg) {
        self.pipe(i).write(msg)
    }

    /// Writes the part in `msg` to pipe `i`, leaving `msg` empty.
    #[inline]
    pub fn write_take(&mut self, i: usize, msg: &mut Msg) {
        self.pipe(i).write_take(msg)
    }

    pub fn flush(&mut self, i: usize) {
        self.pipe(i).flush()
    }

    pub fn mark_ended(&mut self, i: usize) {
        if !self.ended.contains(&i) {
            self.ended.push(i);
        }
    }

    #[inline]
    pub fn any_ended(&self) -> bool {
        !self.ended.is_empty()
    }

    /// Pipes recorded as ended since the last call.
    pub fn take_ended(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.ended)
    }
}
