//! Handles given to C for contexts and sockets.
//!
//! C holds a `void *` to a slot that is never freed, so that a call on a closed socket or a
//! terminated context reads a cleared tag (ENOTSOCK / EFAULT) instead of freed memory, as
//! libzmq's tag check intends and as valgrind requires. Slots are reused first-in first-out.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

use parking_lot::Mutex;

pub(crate) const TAG_CTX: u32 = 0xabad_cafe;
pub(crate) const TAG_SOCKET: u32 = 0xbadd_ecaf;

pub(crate) struct Slot {
    tag: AtomicU32,
    obj: AtomicPtr<()>,
}

const CHUNK: usize = 64;

struct Arena {
    /// Every chunk ever made, so that they stay reachable (valgrind: "still reachable").
    chunks: Vec<&'static [Slot]>,
    free: VecDeque<&'static Slot>,
}

static ARENA: Mutex<Arena> = Mutex::new(Arena {
    chunks: Vec::new(),
    free: VecDeque::new(),
});

impl Slot {
    /// Stores `obj` (a `Box::into_raw` pointer) under `tag`; returns the handle for C.
    pub(crate) fn alloc(tag: u32, obj: *mut ()) -> *mut std::os::raw::c_void {
        let mut a = ARENA.lock();
        if a.free.is_empty() {
            let chunk: &'static [Slot] = Box::leak(
                (0..CHUNK)
                    .map(|_| Slot {
                        tag: AtomicU32::new(0),
                        obj: AtomicPtr::new(std::ptr::null_mut()),
                    })
                    .collect::<Box<[Slot]>>(),
            );
            a.chunks.push(chunk);
            a.free.extend(chunk.iter());
        }
        let slot = a.free.pop_front().expect("a chunk was just added");
        slot.obj.store(obj, Ordering::Relaxed);
        slot.tag.store(tag, Ordering::Release);
        slot as *const Slot as *mut std::os::raw::c_void
    }

    /// The object behind a C handle, if the handle is live and carries `tag`.
    ///
    /// # Safety
    /// `h` must be NULL or a pointer this module returned (libzmq has the same contract).
    pub(crate) unsafe fn get(h: *const std::os::raw::c_void, tag: u32) -> Option<*mut ()> {
        if h.is_null() {
            return None;
        }
        // SAFETY: per the contract, h points at a Slot, and slots are never freed.
        let slot = unsafe { &*(h as *const Slot) };
        if slot.tag.load(Ordering::Acquire) != tag {
            return None;
        }
        Some(slot.obj.load(Ordering::Acquire))
    }

    /// Clears the handle and returns its object; None if it was not live with `tag`.
    ///
    /// # Safety
    /// As for `get`.
    pub(crate) unsafe fn release(h: *const std::os::raw::c_void, tag: u32) -> Option<*mut ()> {
        if h.is_null() {
            return None;
        }
        // SAFETY: as in get.
        let slot: &'static Slot = unsafe { &*(h as *const Slot) };
        if slot
            .tag
            .compare_exchange(tag, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return None;
        }
        let obj = slot.obj.swap(std::ptr::null_mut(), Ordering::AcqRel);
        ARENA.lock().free.push_back(slot);
        Some(obj)
    }
}
