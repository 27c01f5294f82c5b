//! A lock-free, unbounded, single-producer single-consumer queue with batched publication and
//! a sleeping-reader handshake: the core of a pipe between a socket and a peer.
//!
//! The writer `push`es items privately and makes them visible with `flush`. The reader `pop`s
//! until the queue looks empty; at that moment it atomically marks itself asleep, unless the
//! writer published something meanwhile. A `flush` that finds the reader asleep returns
//! `false`, telling the writer to wake it (by a mailbox command) — so while both sides are
//! busy, no lock and no syscall is spent per item.
//!
//! Items live in fixed-size chunks linked into a list. The reader hands one emptied chunk back
//! through `spare` so a steady stream allocates nothing.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Arc;

const CHUNK: usize = 256;
/// CPU pauses between two looks of a patient reader at the published count (see
/// `pop_patient`).
const PAUSES_PER_ROUND: u32 = 8;
/// In `State::published`: set by a reader that found nothing and went to sleep.
const ASLEEP: u64 = 1 << 63;

/// Aligned to a cache line: a 64-byte item (a message) then fills exactly one line, so the
/// writer filling one slot never shares a line with the reader emptying the one before.
#[repr(C, align(64))]
struct Chunk<T> {
    items: [UnsafeCell<MaybeUninit<T>>; CHUNK],
    next: AtomicPtr<Chunk<T>>,
}

impl<T> Chunk<T> {
    fn alloc() -> *mut Chunk<T> {
        Box::into_raw(Box::new(Chunk {
            items: std::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
            next: AtomicPtr::new(ptr::null_mut()),
        }))
    }
}

struct State<T> {
    /// Count of items the writer has published, with the ASLEEP bit of the reader.
    published: AtomicU64,
    /// One recycled chunk from the reader to the writer (or null).
    spare: AtomicPtr<Chunk<T>>,
    /// For the final drop, recorded by each half as it goes: the reader's chunk and count
    /// read, and the writer's count pushed.
    head: AtomicPtr<Chunk<T>>,
    read: AtomicU64,
    written: AtomicU64,
}

// SAFETY: items of T move from the writer thread to the reader thread, so T must be Send; all
// shared fields are atomics and each chunk slot is accessed by one side at a time (written
// before publication, read after it).
unsafe impl<T: Send> Send for State<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for State<T> {}

pub struct Writer<T> {
    state: Arc<State<T>>,
    tail: *mut Chunk<T>,
    /// Items pushed so far, published or not.
    count: u64,
    /// Items published so far: kept here so that telling whether there is anything to
    /// publish reads nothing of the shared line (a reader watching it holds it, and a load
    /// then a swap would take it back in two transfers instead of one).
    flushed: u64,
}

pub struct Reader<T> {
    state: Arc<State<T>>,
    head: *mut Chunk<T>,
    /// Items taken so far.
    count: u64,
    /// Published count last seen, to avoid an atomic load per item.
    known: u64,
}

// SAFETY: each half is owned by one thread at a time; the raw chunk pointers are private to it.
unsafe impl<T: Send> Send for Writer<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for Reader<T> {}

pub fn channel<T>() -> (Writer<T>, Reader<T>) {
    let first = Chunk::<T>::alloc();
    let state = Arc::new(State {
        published: AtomicU64::new(0),
        spare: AtomicPtr::new(ptr::null_mut()),
        head: AtomicPtr::new(first),
        read: AtomicU64::new(0),
        written: AtomicU64::new(0),
    });
    (
        Writer {
            state: state.clone(),
            tail: first,
            count: 0,
            flushed: 0,
        },
        Reader {
            state,
            head: first,
            count: 0,
            known: 0,
        },
    )
}

impl<T> Writer<T> {
    /// Appends an item; it stays invisible to the reader until `flush`.
    pub fn push(&mut self, item: T) {
        let slot = self.next_slot();
        // SAFETY: the slot is beyond the published count, so only we touch it.
        unsafe { (*slot).write(item) };
        self.count += 1;
    }

    /// Pushes `*item`, leaving `empty` in its place: the item goes straight into its slot
    /// (a large item moved through a temporary first costs more than the queueing).
    #[inline]
    pub fn push_take(&mut self, item: &mut T, empty: T) {
        let slot = self.next_slot();
        // SAFETY: the slot is beyond the published count, so only we touch it; `*item` is
        // moved bit for bit into it and then overwritten without being dropped, so it is
        // owned exactly once.
        unsafe {
            ptr::copy_nonoverlapping(item as *const T, (*slot).as_mut_ptr(), 1);
            ptr::write(item, empty);
        }
        self.count += 1;
    }

    /// The slot for the next item (linking a new chunk when the current one is full).
    #[inline]
    fn next_slot(&mut self) -> *mut MaybeUninit<T> {
        let idx = (self.count % CHUNK as u64) as usize;
        if idx == 0 && self.count != 0 {
            let spare = self.state.spare.swap(ptr::null_mut(), Ordering::Acquire);
            let next = if spare.is_null() {
                Chunk::alloc()
            } else {
                // SAFETY: the reader gave up this chunk entirely; we own it now.
                unsafe { (*spare).next.store(ptr::null_mut(), Ordering::Relaxed) };
                spare
            };
            // SAFETY: tail is our live chunk; the reader follows `next` only after the
            // publication (Release in flush) that covers this store.
            unsafe { (*self.tail).next.store(next, Ordering::Relaxed) };
            self.tail = next;
        }
        // SAFETY: tail is our live chunk; slot idx is beyond the published count.
        unsafe { (*self.tail).items[idx].get() }
    }

    /// Number of items pushed but not yet flushed.
    pub fn unflushed(&self) -> u64 {
        self.count - self.flushed
    }

    /// Publishes everything pushed. Returns false if the reader was asleep and must be woken.
    pub fn flush(&mut self) -> bool {
        self.flushed = self.count;
        let prev = self.state.published.swap(self.count, Ordering::AcqRel);
        prev & ASLEEP == 0
    }

    /// True if the reader half still exists.
    pub fn reader_alive(&self) -> bool {
        Arc::strong_count(&self.state) > 1
    }
}

impl<T> Reader<T> {
    /// Takes the next published item, or None if there is none — in which case the reader is
    /// now marked asleep and the writer's next `flush` returns false.
    pub fn pop(&mut self) -> Option<T> {
        if self.count == self.known && !self.refresh() {
            return None;
        }
        Some(self.take())
    }

    /// Like `pop`, but when nothing is there it first watches for a writer in full flow, for
    /// up to `*budget` rounds (spent from it), before marking the reader asleep: an item that
    /// comes within them costs no wake-up round trip. A round is a few CPU pauses, not one:
    /// each look at the published count takes its cache line from the writer, whose next
    /// flush must take it back; looking less often lets a few items gather between looks
    /// (one transfer for several), and the writer is the one that sets the pace.
    #[inline]
    pub fn pop_patient(&mut self, budget: &mut u32) -> Option<T> {
        while !self.has_item() {
            if *budget == 0 {
                if !self.refresh() {
                    return None;
                }
                break;
            }
            *budget -= 1;
            for _ in 0..PAUSES_PER_ROUND {
                std::hint::spin_loop();
            }
        }
        Some(self.take())
    }

    /// Like `pop`, but never marks the reader asleep.
    pub fn try_pop(&mut self) -> Option<T> {
        if self.count == self.known {
            self.known = self.state.published.load(Ordering::Acquire) & !ASLEEP;
            if self.count == self.known {
                return None;
            }
        }
        Some(self.take())
    }

    /// The next item, without taking it; None (and asleep) if there is none.
    pub fn peek(&mut self) -> Option<&T> {
        if !self.check() {
            return None;
        }
        let idx = (self.count % CHUNK as u64) as usize;
        let chunk = if idx == 0 && self.count != 0 {
            // SAFETY: as in take: the next chunk is linked before its first item is published.
            unsafe { (*self.head).next.load(Ordering::Acquire) }
        } else {
            self.head
        };
        // SAFETY: the slot was written before the publication `check` observed; we hand out a
        // shared reference tied to &mut self, so the item cannot be taken meanwhile.
        Some(unsafe { (*(*chunk).items[idx].get()).assume_init_ref() })
    }

    /// True if an item is ready; if not, the reader is now asleep (as after a failed `pop`).
    pub fn check(&mut self) -> bool {
        self.count < self.known || self.refresh()
    }

    /// True if an item is ready (does not mark the reader asleep).
    pub fn has_item(&mut self) -> bool {
        if self.count < self.known {
            return true;
        }
        self.known = self.state.published.load(Ordering::Acquire) & !ASLEEP;
        self.count < self.known
    }

    /// Reloads the published count; if still nothing, goes to sleep unless the writer
    /// published in between. Returns true if items are available.
    fn refresh(&mut self) -> bool {
        let mut cur = self.state.published.load(Ordering::Acquire);
        loop {
            let n = cur & !ASLEEP;
            if n > self.count {
                self.known = n;
                return true;
            }
            if cur & ASLEEP != 0 {
                return false;
            }
            match self.state.published.compare_exchange_weak(
                cur,
                cur | ASLEEP,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return false,
                Err(actual) => cur = actual,
            }
        }
    }

    fn take(&mut self) -> T {
        let idx = (self.count % CHUNK as u64) as usize;
        if idx == 0 && self.count != 0 {
            // SAFETY: the writer linked `next` before publishing an item in it (Acquire
            // above), so it is non-null and live.
            let next = unsafe { (*self.head).next.load(Ordering::Acquire) };
            let old = std::mem::replace(&mut self.head, next);
            // Offer the emptied chunk for reuse; free the one it replaces, if any.
            let prev = self.state.spare.swap(old, Ordering::AcqRel);
            if !prev.is_null() {
                // SAFETY: a chunk in `spare` belongs to nobody else until taken.
                drop(unsafe { Box::from_raw(prev) });
            }
        }
        // SAFETY: the slot was written before the publication we observed, and is read once.
        let item = unsafe { (*(*self.head).items[idx].get()).assume_init_read() };
        self.count += 1;
        item
    }
}

impl<T> Drop for Writer<T> {
    fn drop(&mut self) {
        self.state.written.store(self.count, Ordering::Release);
    }
}

impl<T> Drop for Reader<T> {
    fn drop(&mut self) {
        self.state.head.store(self.head, Ordering::Release);
        self.state.read.store(self.count, Ordering::Release);
    }
}

impl<T> Drop for State<T> {
    fn drop(&mut self) {
        // Both halves are gone: drop unread items (pushed, flushed or not) and free chunks.
        let read = *self.read.get_mut();
        let written = *self.written.get_mut();
        let mut chunk = *self.head.get_mut();
        // The reader's chunk holds the last item it read (or item 0 if it read none).
        let mut base = read.saturating_sub(1) / CHUNK as u64 * CHUNK as u64;
        let mut i = read;
        while i < written {
            let idx = (i % CHUNK as u64) as usize;
            if i >= base + CHUNK as u64 {
                // SAFETY: chunks between head and tail are linked and live.
                chunk = unsafe { (*chunk).next.load(Ordering::Relaxed) };
                base += CHUNK as u64;
            }
            // SAFETY: items in [read, written) were written and never read.
            unsafe { (*(*chunk).items[idx].get()).assume_init_drop() };
            i += 1;
        }
        let mut c = *self.head.get_mut();
        while !c.is_null() {
            // SAFETY: we own every chunk in the list now.
            let next = unsafe { (*c).next.load(Ordering::Relaxed) };
            drop(unsafe { Box::from_raw(c) });
            c = next;
        }
        let spare = *self.spare.get_mut();
        if !spare.is_null() {
            // SAFETY: the spare chunk is unlinked and unowned.
            drop(unsafe { Box::from_raw(spare) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn a_patient_pop_spends_its_budget_then_sleeps_like_pop() {
        let (mut w, mut r) = channel();
        w.push(1);
        assert!(w.flush());
        let mut budget = 5;
        assert_eq!(r.pop_patient(&mut budget), Some(1));
        assert_eq!(budget, 5, "an item at hand costs no patience");
        assert_eq!(r.pop_patient(&mut budget), None);
        assert_eq!(budget, 0, "the wait was watched to the end");
        assert!(
            !w.flush(),
            "then the reader sleeps, so the writer must wake it"
        );
        assert_eq!(r.pop_patient(&mut budget), None, "nothing was pushed");
        w.push(2);
        assert!(!w.flush(), "still asleep");
        assert_eq!(r.pop_patient(&mut 0), Some(2));
    }

    #[test]
    fn unflushed_items_are_invisible() {
        let (mut w, mut r) = channel();
        w.push(1);
        assert_eq!(r.pop(), None, "not flushed yet");
        assert!(
            !w.flush(),
            "reader went to sleep, so the writer must wake it"
        );
        assert_eq!(r.pop(), Some(1));
        w.push(2);
        assert!(w.flush(), "reader did not sleep since the last wake");
        assert_eq!(r.pop(), Some(2));
    }

    #[test]
    fn peek_sees_the_next_item_across_chunks() {
        let (mut w, mut r) = channel();
        for i in 0..(CHUNK + 2) {
            w.push(i);
        }
        w.flush();
        for i in 0..(CHUNK + 2) {
            assert_eq!(r.peek(), Some(&i));
            assert_eq!(r.pop(), Some(i));
        }
        assert_eq!(r.peek(), None);
    }

    #[test]
    fn crosses_chunks_in_order() {
        let (mut w, mut r) = channel();
        for i in 0..(CHUNK * 5 + 7) {
            w.push(i);
            if i % 100 == 0 {
                w.flush();
            }
        }
        w.flush();
        for i in 0..(CHUNK * 5 + 7) {
            assert_eq!(r.pop(), Some(i));
        }
        assert_eq!(r.pop(), None);
    }

    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn unread_items_are_dropped_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut w, mut r) = channel();
        for _ in 0..(CHUNK * 2 + 3) {
            w.push(Counted(drops.clone()));
        }
        w.flush();
        for _ in 0..(CHUNK + 1) {
            drop(r.pop());
        }
        w.push(Counted(drops.clone())); // never flushed
        drop(w);
        drop(r);
        assert_eq!(drops.load(Ordering::SeqCst), CHUNK * 2 + 4);
    }

    #[test]
    fn drop_after_reading_exactly_whole_chunks() {
        for read in [0, CHUNK, 2 * CHUNK, 2 * CHUNK - 1] {
            let drops = Arc::new(AtomicUsize::new(0));
            let (mut w, mut r) = channel();
            for _ in 0..(CHUNK * 3) {
                w.push(Counted(drops.clone()));
            }
            w.flush();
            for _ in 0..read {
                drop(r.pop());
            }
            drop(r);
            drop(w);
            assert_eq!(drops.load(Ordering::SeqCst), CHUNK * 3, "read {read}");
        }
    }

    #[test]
    fn threads_with_sleep_and_wake() {
        // The writer wakes the reader through a condvar only when flush says it slept: if the
        // handshake lost a wake-up, this test would hang.
        use std::sync::{Condvar, Mutex};
        const N: u64 = 200_000;
        let (mut w, mut r) = channel::<u64>();
        let bell = Arc::new((Mutex::new(false), Condvar::new()));
        let bell2 = bell.clone();
        let t = std::thread::spawn(move || {
            for i in 0..N {
                w.push(i);
                if i % 7 == 0 && !w.flush() {
                    let (m, c) = &*bell2;
                    *m.lock().unwrap() = true;
                    c.notify_one();
                }
            }
            if !w.flush() {
                let (m, c) = &*bell2;
                *m.lock().unwrap() = true;
                c.notify_one();
            }
        });
        let mut next = 0;
        while next < N {
            match r.pop() {
                Some(v) => {
                    assert_eq!(v, next);
                    next += 1;
                }
                None => {
                    let (m, c) = &*bell;
                    let mut rung = m.lock().unwrap();
                    while !*rung {
                        rung = c.wait(rung).unwrap();
                    }
                    *rung = false;
                }
            }
        }
        t.join().unwrap();
    }
}
