//! Small message blocks (under `block_cache::MIN`, header included), recycled between threads
//! in magazines.
//!
//! A message is allocated by the thread that sends it and freed by the one that reads it (or
//! by an I/O thread once it is written out). For the C allocator that makes every allocation
//! miss its per-thread cache (the frees land in the other thread's) and every free take the
//! sending thread's arena lock, so both threads fight over one lock and its cache lines for
//! each message. Here each thread keeps two magazines per size class: it allocates from one
//! and frees into the other. A full free magazine goes to a shared depot, from which an
//! allocating thread takes a full one when its own is empty: one lock per `MAG` messages
//! instead of two per message.
//!
//! Blocks are rounded up to their class size, and every block of a class is allocated with
//! that class's layout (`alloc`), so any of them may be freed with it.

use std::alloc::{self, Layout};
use std::cell::UnsafeCell;

use parking_lot::Mutex;

/// Block sizes of the classes (bytes, header included).
const CLASSES: [usize; 4] = [64, 128, 256, 512];
/// Blocks per magazine.
const MAG: usize = 32;
/// Full magazines the depot keeps per class; beyond that, blocks go back to the allocator.
const DEPOT_MAX: usize = 16;

/// The class of a block layout; None for blocks this pool does not serve.
#[inline]
fn class_of(layout: Layout) -> Option<usize> {
    let size = layout.size();
    if layout.align() > 16 || size > CLASSES[CLASSES.len() - 1] {
        return None;
    }
    // 1..=64 -> 0, 65..=128 -> 1, 129..=256 -> 2, 257..=512 -> 3.
    let steps = (size.max(1) - 1) >> 6;
    Some((usize::BITS - steps.leading_zeros()) as usize)
}

fn class_layout(class: usize) -> Layout {
    // SAFETY: the sizes are non-zero powers of two, 16 is a power of two, and neither
    // overflows isize when rounded.
    unsafe { Layout::from_size_align_unchecked(CLASSES[class], 16) }
}

/// A stack of up to `MAG` free blocks of one class.
#[derive(Clone, Copy)]
struct Magazine {
    len: usize,
    blocks: [*mut u8; MAG],
}

impl Magazine {
    const EMPTY: Magazine = Magazine {
        len: 0,
        blocks: [std::ptr::null_mut(); MAG],
    };
}

/// Full magazines, by class.
struct Depot(Vec<Magazine>);

// SAFETY: the pointers are blocks nobody else uses while they are in the depot.
unsafe impl Send for Depot {}

static DEPOT: [Mutex<Depot>; CLASSES.len()] =
    [const { Mutex::new(Depot(Vec::new())) }; CLASSES.len()];

struct Local {
    /// Allocations are taken from here.
    take: [Magazine; CLASSES.len()],
    /// Frees go here.
    give: [Magazine; CLASSES.len()],
}

impl Drop for Local {
    fn drop(&mut self) {
        // The thread ends: its blocks go back to the allocator.
        for class in 0..CLASSES.len() {
            for m in [&self.take[class], &self.give[class]] {
                for &b in &m.blocks[..m.len] {
                    // SAFETY: every pooled block was allocated with its class layout.
                    unsafe { alloc::dealloc(b, class_layout(class)) };
                }
            }
        }
    }
}

thread_local! {
    // No RefCell: `alloc` and `free` are the only users, neither calls the other nor
    // anything that could come back here (the depot lock and the C allocator do not).
    static LOCAL: UnsafeCell<Local> = const {
        UnsafeCell::new(Local {
            take: [Magazine::EMPTY; CLASSES.len()],
            give: [Magazine::EMPTY; CLASSES.len()],
        })
    };
}

/// A block for `layout` (non-zero size): recycled, else new. NULL if out of memory. Blocks
/// from here must be freed with `free` and the same layout.
#[inline]
pub fn alloc(layout: Layout) -> *mut u8 {
    let Some(class) = class_of(layout) else {
        // SAFETY: callers pass non-zero layouts.
        return unsafe { alloc::alloc(layout) };
    };
    let got = LOCAL.try_with(|l| {
        // SAFETY: this thread's pool, used by nothing else during this call (see LOCAL).
        let m = unsafe { &mut (*l.get()).take[class] };
        if m.len == 0 {
            // Swap the empty magazine for a full one from the depot.
            *m = DEPOT[class].lock().0.pop()?;
        }
        m.len -= 1;
        Some(m.blocks[m.len])
    });
    match got {
        Ok(Some(b)) => b,
        // SAFETY: the class layout has a non-zero size.
        _ => unsafe { alloc::alloc(class_layout(class)) },
    }
}

/// Takes back a block from `alloc` with the same `layout`.
///
/// # Safety
/// `block` must come from `alloc(layout)` and nothing may use it after.
#[inline]
pub unsafe fn free(block: *mut u8, layout: Layout) {
    let Some(class) = class_of(layout) else {
        // SAFETY: the caller's contract: not a pooled layout, so allocated with it as is.
        unsafe { alloc::dealloc(block, layout) };
        return;
    };
    let kept = LOCAL.try_with(|l| {
        // SAFETY: this thread's pool, used by nothing else during this call (see LOCAL).
        let m = unsafe { &mut (*l.get()).give[class] };
        if m.len == MAG {
            // Full: hand it to the depot and continue with an empty one.
            let mut d = DEPOT[class].lock();
            if d.0.len() >= DEPOT_MAX {
                return false;
            }
            d.0.push(*m);
            drop(d);
            m.len = 0;
        }
        m.blocks[m.len] = block;
        m.len += 1;
        true
    });
    if kept != Ok(true) {
        // SAFETY: the block was allocated with its class layout.
        unsafe { alloc::dealloc(block, class_layout(class)) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(size: usize) -> Layout {
        Layout::from_size_align(size, 8).unwrap()
    }

    #[test]
    fn classes_round_up_and_stop_below_the_block_cache() {
        assert_eq!(class_of(layout(1)), Some(0));
        assert_eq!(class_of(layout(8)), Some(0));
        assert_eq!(class_of(layout(65)), Some(1));
        assert_eq!(class_of(layout(128)), Some(1));
        assert_eq!(class_of(layout(129)), Some(2));
        assert_eq!(class_of(layout(256)), Some(2));
        assert_eq!(class_of(layout(257)), Some(3));
        assert_eq!(class_of(layout(64)), Some(0));
        assert_eq!(class_of(layout(72)), Some(1));
        assert_eq!(class_of(layout(512)), Some(3));
        assert_eq!(class_of(layout(520)), None);
        assert!(CLASSES[CLASSES.len() - 1] <= super::super::block_cache::MIN);
    }

    #[test]
    fn blocks_freed_on_one_thread_serve_allocations_on_another() {
        let l = layout(200);
        let blocks: Vec<usize> = (0..MAG * 3).map(|_| alloc(l) as usize).collect();
        assert!(blocks.iter().all(|&b| b != 0));
        let freed = blocks.clone();
        std::thread::spawn(move || {
            for b in freed {
                // SAFETY: allocated above with `l`, used by nobody.
                unsafe { free(b as *mut u8, l) };
            }
        })
        .join()
        .unwrap();
        // The freeing thread handed its full magazines to the depot: allocations here get
        // those blocks back (the depot is shared with other tests' threads, so look a while).
        let mut again = Vec::new();
        let mut found = false;
        while !found && again.len() < DEPOT_MAX * MAG * 2 {
            let b = alloc(l) as usize;
            found = blocks.contains(&b);
            again.push(b);
        }
        assert!(found, "no freed block came back");
        for b in again {
            // SAFETY: as above.
            unsafe { free(b as *mut u8, l) };
        }
    }
}
