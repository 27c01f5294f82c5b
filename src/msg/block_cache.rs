//! Recently freed message blocks (512 B to 2 MiB), kept for the next allocation of the same
//! size.
//!
//! Messages are mostly allocated on one thread and freed on another (the sender's, then the
//! reader's). For the C allocator that is its slow path: a free into another thread's arena
//! takes that arena's lock, and for large blocks a stream of them makes it shrink its heap at
//! every free and grow it at the next allocation, faulting in fresh zeroed pages. Handing
//! blocks back through these slots spares both, at the cost of holding at most `SLOTS`
//! blocks: `LARGE_SLOTS` of up to `MAX` bytes, the others of up to `LARGE` (11 MiB in all).
//! Small blocks have their own per-thread magazines (`small_pool`).
//!
//! Slots are filled only when empty (compare-exchange from null) and emptied by swapping in
//! null, so a block always has exactly one owner. A kept block's first word holds its size
//! (written before it is published, read after it is taken).

use std::alloc::{self, Layout};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Blocks below this are served by the per-thread magazines (`small_pool`).
pub const MIN: usize = 512;
/// Blocks above this are not kept (the allocator maps such sizes afresh each time).
pub const MAX: usize = 2 * 1024 * 1024;
/// Blocks above this may only take the first `LARGE_SLOTS` slots.
const LARGE: usize = 256 * 1024;
const LARGE_SLOTS: usize = 4;
const SLOTS: usize = 16;

/// Blocks above this that an I/O thread frees (messages it has written out) go back to the
/// allocator. Their writer may have filled only their first pages; the kernel's reads of
/// the rest mapped the shared zero page there, and a block reused to receive into takes a
/// copy-on-write fault on each such page, each with a TLB shootdown across the cores (an
/// interrupt per core, costly in a VM). Measured on 64 KiB messages over tcp whose sender
/// writes 64 bytes of each: 1.3x the throughput. Blocks of a page or two are almost always
/// written where they lie, and are kept.
const IO_KEEP_MAX: usize = 8192;

thread_local! {
    static ON_IO_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the calling thread as an I/O thread (see `IO_KEEP_MAX`).
pub fn on_io_thread() {
    ON_IO_THREAD.with(|g| g.set(true));
}

static KEPT: [AtomicPtr<u8>; SLOTS] = [const { AtomicPtr::new(ptr::null_mut()) }; SLOTS];

fn slots_for(layout: Layout) -> &'static [AtomicPtr<u8>] {
    if layout.size() > LARGE {
        &KEPT[..LARGE_SLOTS]
    } else {
        &KEPT[..]
    }
}

/// Whether a block freed with `layout` is kept; `io_thread` (whether this is an I/O thread)
/// is asked only for blocks above `IO_KEEP_MAX`, off the path of small messages.
fn keeps(layout: Layout, io_thread: impl FnOnce() -> bool) -> bool {
    keepable(layout) && (layout.size() <= IO_KEEP_MAX || !io_thread())
}

fn keepable(layout: Layout) -> bool {
    (MIN..=MAX).contains(&layout.size())
}

/// A kept block with exactly `layout`, if there is one. Blocks of other sizes met on the way
/// are freed (the cache follows the sizes in use).
pub fn take(layout: Layout) -> Option<*mut u8> {
    if !keepable(layout) {
        return None;
    }
    for slot in slots_for(layout) {
        if slot.load(Ordering::Relaxed).is_null() {
            continue;
        }
        let block = slot.swap(ptr::null_mut(), Ordering::Acquire);
        if block.is_null() {
            continue;
        }
        // SAFETY: a kept block starts with its size (see `give`), and is ours alone now.
        let size = unsafe { block.cast::<usize>().read() };
        if size == layout.size() {
            return Some(block);
        }
        // SAFETY: the block was allocated with this size and the alignment every message
        // block has (all come from `heap_layout`).
        unsafe {
            alloc::dealloc(
                block,
                Layout::from_size_align_unchecked(size, layout.align()),
            )
        };
    }
    None
}

/// Keeps `block` (allocated with `layout`) for reuse, or frees it if it is not keepable or
/// every slot is taken.
///
/// # Safety
/// `block` must come from the global allocator with `layout`, and nothing may use it after.
pub unsafe fn give(block: *mut u8, layout: Layout) {
    if keeps(layout, || ON_IO_THREAD.with(|g| g.get())) {
        // SAFETY: the block is ours and at least MIN bytes: its first word takes its size,
        // published by the Release below.
        unsafe { block.cast::<usize>().write(layout.size()) };
        for slot in slots_for(layout) {
            if !slot.load(Ordering::Relaxed).is_null() {
                continue;
            }
            if slot
                .compare_exchange(ptr::null_mut(), block, Ordering::Release, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }
    // SAFETY: the caller's contract.
    unsafe { alloc::dealloc(block, layout) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_block_serves_the_next_allocation_of_its_size_only() {
        // Sizes no other test allocates (the cache is process-wide).
        let layout = Layout::from_size_align(100_008, 8).unwrap();
        let other = Layout::from_size_align(100_104, 8).unwrap();
        // SAFETY: a fresh block of `layout`, handed over whole.
        let block = unsafe { alloc::alloc(layout) };
        assert!(!block.is_null());
        // SAFETY: the block came from the allocator with `layout`; we drop it here.
        unsafe { give(block, layout) };
        // Another size does not get it (and the kept block is freed on the way).
        assert!(take(other).is_none());
        // SAFETY: as above.
        let block = unsafe { alloc::alloc(layout) };
        // SAFETY: as above.
        unsafe { give(block, layout) };
        let again = take(layout).expect("the kept block");
        assert_eq!(again, block);
        // SAFETY: the block is ours again, allocated with `layout`.
        unsafe { alloc::dealloc(again, layout) };
        // Too small or too large: never kept.
        assert!(!keepable(Layout::from_size_align(MIN - 1, 8).unwrap()));
        assert!(!keepable(Layout::from_size_align(MAX + 1, 8).unwrap()));
    }

    #[test]
    fn an_io_thread_gives_back_large_blocks_and_keeps_small_ones() {
        let large = Layout::from_size_align(IO_KEEP_MAX + 8, 8).unwrap();
        let small = Layout::from_size_align(IO_KEEP_MAX, 8).unwrap();
        assert!(keeps(large, || false) && keeps(small, || false));
        assert!(!keeps(large, || true) && keeps(small, || true));
        let marked = std::thread::spawn(|| {
            let before = ON_IO_THREAD.with(|g| g.get());
            on_io_thread();
            (before, ON_IO_THREAD.with(|g| g.get()))
        })
        .join()
        .unwrap();
        assert_eq!(marked, (false, true));
    }

    #[test]
    fn blocks_over_256_kib_take_at_most_the_large_slots() {
        let layout = |n| Layout::from_size_align(n, 8).unwrap();
        assert_eq!(slots_for(layout(LARGE + 8)).len(), LARGE_SLOTS);
        assert_eq!(slots_for(layout(LARGE)).len(), SLOTS);
    }
}
