//! Messages: the 64-byte `Msg` that a C `zmq_msg_t` holds.
//!
//! A `Msg` has the size and alignment of `zmq_msg_t`, so the C API validates the caller's
//! storage and then uses it as a `Msg` in place, and pipes move messages by value. It holds no
//! pointer into itself: C copies `zmq_msg_t` with `memcpy` and moves it around freely.
//!
//! Layout (64 bytes, align 8):
//!
//! | offset | field | |
//! |---|---|---|
//! | 0 | `extras` | NULL or an `Arc<Extras>` (properties and group), shared by copies |
//! | 8 | `body` | 40 bytes: inline payload, or {data, len, header} |
//! | 48 | `routing_id` | u32, 0 = none |
//! | 52 | `magic` | tag word, `MAGIC` while the message is live |
//! | 56 | `kind` | one of the `KIND_*` bytes |
//! | 57 | `flags` | MORE, COMMAND, ... |
//! | 58 | `inline_len` | payload length of an inline message |
//! | 59 | `counted` | 1 if the content's refcount may be above one (see below) |
//! | 60 | `cap` | a heap block's payload capacity, `CAP_IN_HEADER` if it does not fit |
//!
//! The contents take one of four forms, as in libzmq:
//! - inline: up to [`Msg::INLINE_MAX`] (33) bytes inside the struct, no allocation; a copy is
//!   a plain copy;
//! - heap: one allocation holding a refcount header and the bytes; copies share it;
//! - user: a buffer given to `zmq_msg_init_data` with a free function, shared by copies through a
//!   separately allocated refcount header; the free function runs exactly once, when the last
//!   copy goes, on whatever thread drops it;
//! - constant: a buffer given without a free function; never freed, copies share it freely.
//!
//! A heap or user message that was never copied or sliced (`counted` 0, as libzmq's `shared`
//! flag) is the only holder of its content: dropping it frees the block without touching the
//! refcount or reading the header. A message allocated on one thread and dropped on another then
//! never moves the block's cache lines to the dropping thread.
//!
//! Dropping a message can call a user free function, which may re-enter the library: never drop
//! a `Msg` while holding a lock that the C API can take.

pub(crate) mod block_cache;
mod metadata;
mod small_pool;

pub(crate) use metadata::Extras;
pub use metadata::Metadata;

use std::alloc::{self, Layout};
use std::ffi::{c_void, CStr, CString};
use std::fmt;
use std::mem::{align_of, size_of};
use std::ptr::{self, addr_of, addr_of_mut, NonNull};
use std::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::capi::FreeFn;
use crate::error::{Error, Result};

/// The tag word of a live message ("ZMSG" read as little-endian bytes).
const MAGIC: u32 = 0x4753_4d5a;

const KIND_INLINE: u8 = 0xa1;
const KIND_HEAP: u8 = 0xa2;
const KIND_USER: u8 = 0xa3;
const KIND_CONST: u8 = 0xa4;

const INLINE_CAP: usize = 40;

/// `Msg::cap` of a heap block whose capacity does not fit in it: read the header instead.
const CAP_IN_HEADER: u32 = u32::MAX;

/// The start of every shared content header.
#[repr(C)]
struct RefHeader {
    refs: AtomicUsize,
    /// Set (for good) the first time the content is shared, as libzmq's `shared` flag.
    shared: AtomicBool,
}

impl RefHeader {
    const fn new() -> RefHeader {
        RefHeader {
            refs: AtomicUsize::new(1),
            shared: AtomicBool::new(false),
        }
    }

    /// Counts one more reference to the content.
    fn add_ref(&self) {
        if self.refs.fetch_add(1, Ordering::Relaxed) > isize::MAX as usize {
            // Cannot happen without leaking copies by the billion; as Arc does.
            std::process::abort();
        }
    }
}

/// Header of a heap message; `cap` bytes of payload follow it in the same allocation.
#[repr(C)]
pub(crate) struct HeapHeader {
    rc: RefHeader,
    cap: usize,
}

/// Header of a user-buffer message (allocated on its own; the bytes are the user's).
#[repr(C)]
struct UserHeader {
    rc: RefHeader,
    ffn: FreeFn,
    hint: *mut c_void,
}

/// Where a heap message's payload starts in its block (right after the header: bytes need
/// no alignment).
const HEAP_OFFSET: usize = size_of::<HeapHeader>();

/// The allocation of a heap message with `cap` bytes (they start at `HEAP_OFFSET`).
fn heap_layout(cap: usize) -> Result<Layout> {
    let bytes = Layout::array::<u8>(cap).map_err(|_| Error::NOMEM)?;
    let (layout, offset) = Layout::new::<HeapHeader>()
        .extend(bytes)
        .map_err(|_| Error::NOMEM)?;
    debug_assert_eq!(offset, HEAP_OFFSET);
    Ok(layout.pad_to_align())
}

/// A block for a heap message: small ones from the thread magazines, middle-sized ones from
/// the recently freed blocks, the rest from the allocator. Freed with `block_free`.
///
/// # Safety
/// `layout` must have a non-zero size.
unsafe fn block_alloc(layout: Layout, zeroed: bool) -> *mut u8 {
    if layout.size() < block_cache::MIN {
        let b = small_pool::alloc(layout);
        if zeroed && !b.is_null() {
            // SAFETY: the block has room for the layout's size.
            unsafe { ptr::write_bytes(b, 0, layout.size()) };
        }
        return b;
    }
    // SAFETY: the caller's contract (non-zero size).
    unsafe {
        if zeroed {
            alloc::alloc_zeroed(layout)
        } else {
            block_cache::take(layout).unwrap_or_else(|| alloc::alloc(layout))
        }
    }
}

/// Frees a block from `block_alloc` with the same layout.
///
/// # Safety
/// `block` must come from `block_alloc(layout, _)`, and nothing may use it after.
unsafe fn block_free(block: *mut u8, layout: Layout) {
    // SAFETY: the caller's contract; each size goes back where `block_alloc` took it.
    unsafe {
        if layout.size() < block_cache::MIN {
            small_pool::free(block, layout)
        } else {
            block_cache::give(block, layout)
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy)]
struct External {
    data: *mut u8,
    len: usize,
    /// The content's `RefHeader` (first field of a `HeapHeader` or `UserHeader`); NULL for a
    /// constant message.
    header: *mut RefHeader,
}

#[repr(C)]
#[derive(Clone, Copy)]
union Body {
    inline: [u8; INLINE_CAP],
    ext: External,
}

/// A message frame (see the module documentation).
#[repr(C, align(8))]
pub struct Msg {
    extras: *const Extras,
    body: Body,
    routing_id: u32,
    magic: u32,
    kind: u8,
    flags: u8,
    inline_len: u8,
    counted: u8,
    cap: u32,
}

const _: () = assert!(size_of::<Msg>() == 64);
const _: () = assert!(align_of::<Msg>() == 8);
const _: () = assert!(size_of::<Msg>() == size_of::<crate::capi::zmq_msg_t>());
const _: () = assert!(align_of::<Msg>() <= align_of::<crate::capi::zmq_msg_t>());
const _: () = assert!(Msg::INLINE_MAX <= INLINE_CAP && Msg::INLINE_MAX <= u8::MAX as usize);

// SAFETY: a Msg owns its inline bytes, or holds one reference to content whose refcount is
// atomic; the extras are an `Arc` of Send + Sync data. A user buffer's free function may run on
// any thread, which is libzmq's contract for `zmq_msg_init_data` too. Shared access (`&Msg`)
// only reads the bytes and touches atomics.
unsafe impl Send for Msg {}
// SAFETY: see above; no method taking `&self` mutates anything but atomics.
unsafe impl Sync for Msg {}

/// The constants stay out of zmq.h.
/// cbindgen:ignore
impl Msg {
    /// Payloads up to this size are stored inside the message (libzmq's "very small message"
    /// limit on 64-bit targets; observable through `ZMQ_SHARED` after a copy).
    pub const INLINE_MAX: usize = 33;
    /// More frames of the same message follow.
    pub const MORE: u8 = 1;
    /// A ZMTP command frame, not data.
    pub const COMMAND: u8 = 2;
    /// Internal: the end-of-pipe marker a closing peer writes (never reaches the user).
    pub const DELIMITER: u8 = 8;
    /// The frame carries a credential (ZAP), as libzmq's `credential` flag.
    pub const CREDENTIAL: u8 = 32;
    /// The frame is a routing id (ROUTER/STREAM identity frames), as libzmq's `routing_id` flag.
    pub const IS_ROUTING_ID: u8 = 64;
    /// The value `flags()` reports for shared content (computed, never stored).
    pub const SHARED: u8 = 128;
    /// Longest RADIO/DISH group, in bytes (`ZMQ_GROUP_MAX_LENGTH`).
    pub const GROUP_MAX: usize = 255;
}

impl Msg {
    /// An empty message.
    #[inline(always)]
    pub const fn new() -> Msg {
        Msg::inline_zeroed(0)
    }

    /// A message of `size` zero bytes. ENOMEM when it cannot be allocated.
    pub fn with_size(size: usize) -> Result<Msg> {
        Msg::alloc(size, true)
    }

    /// A message of `size` bytes that are not initialised when the content is on the heap
    /// (as `zmq_msg_init_size`: no cost for zeroing large buffers).
    ///
    /// # Safety
    /// The caller must write all `size` bytes (through `data_mut_ptr`) before anything reads
    /// them, e.g. with `as_slice`.
    pub unsafe fn with_size_uninit(size: usize) -> Result<Msg> {
        Msg::alloc(size, false)
    }

    #[inline]
    fn alloc(size: usize, zeroed: bool) -> Result<Msg> {
        if size <= Msg::INLINE_MAX {
            return Ok(Msg::inline_zeroed(size as u8));
        }
        Msg::alloc_heap(size, zeroed)
    }

    /// An inline message of `len` zero bytes, built in one expression so that the compiler
    /// stores it straight into its destination (no stack copy read back in other widths, which
    /// stalls store forwarding on the hot path).
    #[inline(always)]
    pub(crate) const fn inline_zeroed(len: u8) -> Msg {
        Msg {
            extras: ptr::null(),
            body: Body {
                inline: [0; INLINE_CAP],
            },
            routing_id: 0,
            magic: MAGIC,
            kind: KIND_INLINE,
            flags: 0,
            inline_len: len,
            counted: 0,
            cap: 0,
        }
    }

    fn alloc_heap(size: usize, zeroed: bool) -> Result<Msg> {
        let block = Msg::heap_block(size, zeroed).ok_or(Error::NOMEM)?;
        // SAFETY: a fresh block for `size` bytes.
        Ok(unsafe { Msg::heap(block, size) })
    }

    /// A new heap block for `size` payload bytes, its header written: half of making a heap
    /// message, `Msg::heap` the other. None when out of memory. Apart so that the caller can
    /// build the message where it is to live (see `inline_zeroed`).
    #[inline(never)]
    pub(crate) fn heap_block(size: usize, zeroed: bool) -> Option<NonNull<HeapHeader>> {
        let layout = heap_layout(size).ok()?;
        // SAFETY: the layout has a non-zero size (it holds at least the header).
        let block = NonNull::new(unsafe { block_alloc(layout, zeroed) })?.cast::<HeapHeader>();
        // SAFETY: `block` is a fresh allocation with room and alignment for a HeapHeader at
        // its start.
        unsafe {
            block.write(HeapHeader {
                rc: RefHeader::new(),
                cap: size,
            })
        };
        Some(block)
    }

    /// The heap message over `block`, built in one expression (see `inline_zeroed`).
    ///
    /// # Safety
    /// `block` must come from `heap_block(size, _)` and be used by nothing else.
    #[inline(always)]
    pub(crate) unsafe fn heap(block: NonNull<HeapHeader>, size: usize) -> Msg {
        Msg {
            extras: ptr::null(),
            body: Body {
                ext: External {
                    // SAFETY: the payload follows the header in the block (`heap_layout`).
                    data: unsafe { block.as_ptr().cast::<u8>().add(HEAP_OFFSET) },
                    len: size,
                    header: block.as_ptr().cast::<RefHeader>(),
                },
            },
            routing_id: 0,
            magic: MAGIC,
            kind: KIND_HEAP,
            flags: 0,
            inline_len: 0,
            counted: 0,
            cap: if size < CAP_IN_HEADER as usize {
                size as u32
            } else {
                CAP_IN_HEADER
            },
        }
    }

    /// A message holding a copy of `data`. ENOMEM when it cannot be allocated.
    pub fn from_slice(data: &[u8]) -> Result<Msg> {
        // SAFETY: every byte is written just below, before anything can read it.
        let mut m = unsafe { Msg::with_size_uninit(data.len()) }?;
        // SAFETY: `m` has room for exactly data.len() bytes at data_mut_ptr, and a fresh
        // message cannot overlap `data`.
        unsafe { ptr::copy_nonoverlapping(data.as_ptr(), m.data_mut_ptr(), data.len()) };
        Ok(m)
    }

    /// A message over bytes that live for the whole program (a constant message: never freed).
    pub fn from_static(data: &'static [u8]) -> Msg {
        // SAFETY: the bytes outlive every message; they are never written through a constant
        // message by this library (`as_mut_slice` refuses constant content).
        unsafe {
            Msg::from_user_buffer(data.as_ptr() as *mut u8, data.len(), None, ptr::null_mut())
        }
        .unwrap_or_else(|_| Msg::new())
    }

    /// A zero-copy message over a caller's buffer (`zmq_msg_init_data`). With a free function,
    /// the buffer is released by `ffn(data, hint)` exactly once, when the last copy of the
    /// message is dropped; without one, it is a constant message and never released. ENOMEM
    /// (and `ffn` is not called) when the refcount header cannot be allocated; EINVAL for a NULL
    /// `data` with a non-zero size.
    ///
    /// # Safety
    /// `data` must be valid for reads (and, unless constant, writes) of `size` bytes until it
    /// is released (forever, for a constant message), and `ffn` must be safe to call with
    /// `(data, hint)` from any thread.
    pub unsafe fn from_user_buffer(
        data: *mut u8,
        size: usize,
        ffn: Option<FreeFn>,
        hint: *mut c_void,
    ) -> Result<Msg> {
        if data.is_null() && size != 0 {
            return Err(Error::INVAL);
        }
        let mut m = Msg::new();
        let header = match ffn {
            None => {
                m.kind = KIND_CONST;
                ptr::null_mut()
            }
            Some(ffn) => {
                let layout = Layout::new::<UserHeader>();
                // SAFETY: UserHeader has a non-zero size.
                let h = unsafe { alloc::alloc(layout) }.cast::<UserHeader>();
                if h.is_null() {
                    return Err(Error::NOMEM);
                }
                // SAFETY: `h` is a fresh allocation for exactly one UserHeader.
                unsafe {
                    h.write(UserHeader {
                        rc: RefHeader::new(),
                        ffn,
                        hint,
                    })
                };
                m.kind = KIND_USER;
                h.cast::<RefHeader>()
            }
        };
        m.body.ext = External {
            data,
            len: size,
            header,
        };
        Ok(m)
    }

    fn is_inline(&self) -> bool {
        self.kind == KIND_INLINE
    }

    /// The refcount header of shared content (heap or user), else None.
    /// A message of the `len` bytes at `offset` in this heap message's content, sharing it
    /// (one more reference; the block is freed when the last goes). The receive path uses
    /// it so that the frames of one read share the buffer they were read into, as libzmq's
    /// zero-copy decoder does. None if this is not a heap message, the range is outside, or
    /// `make_counted` was not called on this message first.
    pub fn slice(&self, offset: usize, len: usize) -> Option<Msg> {
        if self.kind != KIND_HEAP || self.counted == 0 {
            return None;
        }
        // SAFETY: a heap message's body is the `ext` variant.
        let ext = unsafe { self.body.ext };
        if offset.checked_add(len)? > ext.len {
            return None;
        }
        self.ref_header()?.add_ref();
        let mut m = Msg::new();
        m.kind = KIND_HEAP;
        m.counted = 1;
        m.cap = self.cap;
        m.body.ext = External {
            // SAFETY: offset + len is within the content (checked above).
            data: unsafe { ext.data.add(offset) },
            len,
            header: ext.header,
        };
        Some(m)
    }

    /// True if no other message shares this one's content (its buffer may be reused).
    pub fn is_unique(&self) -> bool {
        self.counted == 0
            || self
                .ref_header()
                .is_none_or(|h| h.refs.load(Ordering::Acquire) == 1)
    }

    /// Makes this message count its references from now on, so that `slice` may share its
    /// content (a buffer that frames are decoded from). A message that is not counted is
    /// the only holder of its content and frees it without looking at the refcount.
    pub fn make_counted(&mut self) {
        self.counted = 1;
    }

    /// A copy as `zmq_msg_copy` makes it: inline bytes are copied, anything larger is shared
    /// (and both messages then report `is_shared()` and count their references); flags,
    /// routing id, group and properties are copied. It takes `&mut self` because the source
    /// starts counting its references too.
    pub fn share(&mut self) -> Msg {
        if let Some(h) = self.ref_header() {
            h.add_ref();
            h.shared.store(true, Ordering::Relaxed);
            self.counted = 1;
        }
        if !self.extras.is_null() {
            // SAFETY: `extras` came from Arc::into_raw and is kept alive by our reference.
            unsafe { Arc::increment_strong_count(self.extras) };
        }
        // SAFETY: a bitwise copy whose references were all counted just above.
        unsafe { ptr::read(self) }
    }

    fn ref_header(&self) -> Option<&RefHeader> {
        match self.kind {
            // SAFETY: heap and user messages always hold a live header, kept alive by the
            // reference this message owns.
            KIND_HEAP | KIND_USER => Some(unsafe { &*self.body.ext.header }),
            _ => None,
        }
    }

    /// The payload length.
    pub fn len(&self) -> usize {
        if self.is_inline() {
            self.inline_len as usize
        } else {
            // SAFETY: non-inline messages use the `ext` variant.
            unsafe { self.body.ext.len }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The payload's address (inside this struct for an inline message; it may be NULL for an
    /// empty constant message).
    pub fn data_ptr(&self) -> *const u8 {
        if self.is_inline() {
            // Taking the address of a union field needs no unsafe.
            addr_of!(self.body.inline).cast::<u8>()
        } else {
            // SAFETY: non-inline messages use the `ext` variant.
            unsafe { self.body.ext.data }
        }
    }

    /// The payload's address for writing (what `zmq_msg_data` returns). Writing through it to
    /// shared or constant content is the caller's business, as in libzmq.
    pub fn data_mut_ptr(&mut self) -> *mut u8 {
        if self.is_inline() {
            addr_of_mut!(self.body.inline).cast::<u8>()
        } else {
            // SAFETY: non-inline messages use the `ext` variant.
            unsafe { self.body.ext.data }
        }
    }

    /// The payload.
    pub fn as_slice(&self) -> &[u8] {
        let len = self.len();
        if len == 0 {
            return &[];
        }
        // SAFETY: data_ptr is valid for `len` bytes for as long as this message holds its
        // reference to the content (inline bytes are always initialised).
        unsafe { std::slice::from_raw_parts(self.data_ptr(), len) }
    }

    /// The payload for writing, when this message is its only user: None for constant content
    /// and for content shared with another copy.
    pub fn as_mut_slice(&mut self) -> Option<&mut [u8]> {
        let writable = match self.kind {
            KIND_INLINE => true,
            KIND_CONST => false,
            _ => self.is_unique(),
        };
        if !writable {
            return None;
        }
        let len = self.len();
        if len == 0 {
            return Some(&mut []);
        }
        // SAFETY: as in as_slice; this message is the content's only holder and is borrowed
        // mutably, so nothing else reads it meanwhile.
        Some(unsafe { std::slice::from_raw_parts_mut(self.data_mut_ptr(), len) })
    }

    /// Shortens the payload to `len` bytes (no effect if it is not longer).
    pub fn truncate(&mut self, len: usize) {
        if len < self.len() {
            if self.is_inline() {
                self.inline_len = len as u8;
            } else {
                // Writing a Copy union field is safe. The allocation's size is kept in its
                // header, so freeing does not depend on `len`.
                self.body.ext.len = len;
            }
        }
    }

    /// Whether the content is shared: refcounted content that has been copied (the flag stays
    /// once set, as in libzmq), or a constant buffer.
    pub fn is_shared(&self) -> bool {
        match self.kind {
            KIND_CONST => true,
            _ => self
                .ref_header()
                .is_some_and(|h| h.shared.load(Ordering::Relaxed)),
        }
    }

    /// The flag bits (`MORE`, `COMMAND`, ...), with `SHARED` when `is_shared()`.
    pub fn flags(&self) -> u8 {
        if self.is_shared() {
            self.flags | Msg::SHARED
        } else {
            self.flags
        }
    }

    /// Sets the given flag bits (`SHARED` is ignored: it follows the content).
    pub fn set_flags(&mut self, flags: u8) {
        self.flags |= flags & !Msg::SHARED;
    }

    /// Clears the given flag bits.
    pub fn reset_flags(&mut self, flags: u8) {
        self.flags &= !flags;
    }

    /// More frames of this message follow (`ZMQ_MORE`).
    pub fn more(&self) -> bool {
        self.flags & Msg::MORE != 0
    }

    pub fn set_more(&mut self, more: bool) {
        if more {
            self.flags |= Msg::MORE;
        } else {
            self.flags &= !Msg::MORE;
        }
    }

    pub fn is_command(&self) -> bool {
        self.flags & Msg::COMMAND != 0
    }

    /// The routing id (SERVER/PEER), 0 when none.
    pub fn routing_id(&self) -> u32 {
        self.routing_id
    }

    /// Sets the routing id; 0 is not a routing id (EINVAL), as in libzmq.
    pub fn set_routing_id(&mut self, routing_id: u32) -> Result<()> {
        if routing_id == 0 {
            return Err(Error::INVAL);
        }
        self.routing_id = routing_id;
        Ok(())
    }

    pub fn reset_routing_id(&mut self) {
        self.routing_id = 0;
    }

    fn extras(&self) -> Option<&Extras> {
        // SAFETY: `extras` is NULL or an `Arc<Extras>` pointer this message holds a reference to.
        unsafe { self.extras.as_ref() }
    }

    /// Changes the extras, copying them first if another message shares them.
    fn update_extras(&mut self, f: impl FnOnce(&mut Extras)) {
        let mut arc = if self.extras.is_null() {
            Arc::new(Extras::default())
        } else {
            // SAFETY: `extras` came from Arc::into_raw and this message owns one reference,
            // which is taken back here and given back (or dropped) below.
            unsafe { Arc::from_raw(self.extras) }
        };
        f(Arc::make_mut(&mut arc));
        self.extras = if arc.is_empty() {
            ptr::null()
        } else {
            Arc::into_raw(arc)
        };
    }

    /// The RADIO/DISH group ("" when none).
    pub fn group(&self) -> &CStr {
        match self.extras().and_then(|e| e.group.as_deref()) {
            Some(g) => g,
            None => c"",
        }
    }

    /// Sets the group: at most `GROUP_MAX` bytes, no NUL byte (else EINVAL); "" removes it.
    pub fn set_group(&mut self, group: &[u8]) -> Result<()> {
        if group.len() > Msg::GROUP_MAX {
            return Err(Error::INVAL);
        }
        let group = if group.is_empty() {
            None
        } else {
            Some(CString::new(group).map_err(|_| Error::INVAL)?)
        };
        if group.is_none() && self.extras.is_null() {
            return Ok(());
        }
        self.update_extras(|e| e.group = group);
        Ok(())
    }

    /// The connection's properties, when the message came from one.
    pub fn metadata(&self) -> Option<&Arc<Metadata>> {
        self.extras().and_then(|e| e.metadata.as_ref())
    }

    /// Attaches the connection's properties (done by the engine for received messages).
    #[allow(dead_code)] // until the engine lands
    pub(crate) fn set_metadata(&mut self, metadata: Arc<Metadata>) {
        self.update_extras(|e| e.metadata = Some(metadata));
    }

    /// Detaches the properties.
    #[allow(dead_code)] // until the engine lands
    pub(crate) fn reset_metadata(&mut self) {
        if !self.extras.is_null() {
            self.update_extras(|e| e.metadata = None);
        }
    }

    /// A property of the message's connection (`zmq_msg_gets`).
    pub fn property(&self, name: &[u8]) -> Option<&CStr> {
        self.metadata().and_then(|m| m.get(name))
    }

    /// Whether `p` points at a live message: non-NULL, aligned, with the right tag words. A
    /// zeroed, closed or garbage struct is rejected (a forged one cannot be told apart).
    ///
    /// # Safety
    /// `p` must be NULL or valid for reads of 64 bytes.
    pub(crate) unsafe fn is_live(p: *const Msg) -> bool {
        if p.is_null() || !p.is_aligned() {
            return false;
        }
        // SAFETY: the caller guarantees 64 readable bytes; u32 and u8 have no invalid values.
        let (magic, kind, inline_len) = unsafe {
            (
                ptr::read(addr_of!((*p).magic)),
                ptr::read(addr_of!((*p).kind)),
                ptr::read(addr_of!((*p).inline_len)),
            )
        };
        magic == MAGIC
            && match kind {
                KIND_INLINE => inline_len as usize <= Msg::INLINE_MAX,
                KIND_HEAP | KIND_USER | KIND_CONST => true,
                _ => false,
            }
    }

    /// Whether dropping this message would release nothing (inline bytes, no properties):
    /// closing it then only needs `invalidate`.
    #[inline(always)]
    pub(crate) fn owns_nothing(&self) -> bool {
        self.kind == KIND_INLINE && self.extras.is_null()
    }

    /// Marks the storage at `p` as no longer a message (after its content was moved out).
    ///
    /// # Safety
    /// `p` must be valid for writes of 64 bytes and aligned.
    #[inline(always)]
    pub(crate) unsafe fn invalidate(p: *mut Msg) {
        // SAFETY: the caller guarantees the storage is writable and aligned.
        unsafe {
            ptr::write(addr_of_mut!((*p).magic), 0);
            ptr::write(addr_of_mut!((*p).kind), 0);
        }
    }

    fn kind_name(&self) -> &'static str {
        match self.kind {
            KIND_INLINE => "inline",
            KIND_HEAP => "heap",
            KIND_USER => "user",
            _ => "constant",
        }
    }
}

impl Default for Msg {
    fn default() -> Msg {
        Msg::new()
    }
}

/// A connection's extras (its properties), handed to every message it receives without an
/// allocation. References are taken from the shared count in batches: the receiving thread
/// writes that count as it frees messages, and one increment per message from the I/O
/// thread would move its cache line between the two cores every time.
pub(crate) struct ExtrasSource {
    arc: Arc<Extras>,
    /// References taken and not yet handed out.
    credit: usize,
}

impl ExtrasSource {
    const BATCH: usize = 256;

    pub(crate) fn new(extras: Extras) -> ExtrasSource {
        ExtrasSource {
            arc: Arc::new(extras),
            credit: 0,
        }
    }

    /// Makes `msg` carry these extras (a message that has some keeps its own).
    pub(crate) fn attach(&mut self, msg: &mut Msg) {
        if !msg.extras.is_null() {
            return;
        }
        let raw = Arc::as_ptr(&self.arc);
        if self.credit == 0 {
            for _ in 0..Self::BATCH {
                // SAFETY: `raw` is the pointer of `self.arc`, alive for this call.
                unsafe { Arc::increment_strong_count(raw) };
            }
            self.credit = Self::BATCH;
        }
        self.credit -= 1;
        // One of the references taken above now belongs to the message (its Drop and
        // clones treat `extras` as an `Arc::into_raw` pointer holding one reference).
        msg.extras = raw;
    }
}

impl Drop for ExtrasSource {
    fn drop(&mut self) {
        let raw = Arc::as_ptr(&self.arc);
        for _ in 0..self.credit {
            // SAFETY: each was taken by `attach` on this same allocation and never handed out.
            unsafe { Arc::decrement_strong_count(raw) };
        }
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        if !self.extras.is_null() {
            // SAFETY: this message owns one reference to the extras.
            drop(unsafe { Arc::from_raw(self.extras) });
        }
        let Some(h) = self.ref_header() else { return };
        if self.counted != 0 {
            if h.refs.fetch_sub(1, Ordering::Release) != 1 {
                return;
            }
            fence(Ordering::Acquire);
        }
        // SAFETY: this was the last reference (or, not counted, the only one ever), so nothing
        // else uses the content; the header was allocated by `heap_block` (heap) or
        // `from_user_buffer` (user) with these layouts.
        unsafe {
            let ext = self.body.ext;
            if self.kind == KIND_HEAP {
                let header = ext.header.cast::<HeapHeader>();
                // Kept in the message too, so that freeing an unshared block reads nothing
                // of it.
                let cap = match self.cap {
                    CAP_IN_HEADER => (*header).cap,
                    c => c as usize,
                };
                // The layout was computed successfully for `cap` when the block was made.
                if let Ok(layout) = heap_layout(cap) {
                    block_free(header.cast::<u8>(), layout);
                }
            } else {
                let header = ext.header.cast::<UserHeader>();
                let UserHeader { ffn, hint, .. } = header.read();
                alloc::dealloc(header.cast::<u8>(), Layout::new::<UserHeader>());
                // Last, with nothing of ours borrowed: the function may re-enter the library.
                ffn(ext.data.cast::<c_void>(), hint);
            }
        }
    }
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Msg")
            .field("kind", &self.kind_name())
            .field("len", &self.len())
            .field("flags", &self.flags())
            .field("routing_id", &self.routing_id)
            .field("group", &self.group())
            .field("metadata", &self.metadata())
            .finish()
    }
}

#[cfg(test)]
mod tests;
