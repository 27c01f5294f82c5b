use super::*;

use std::sync::atomic::AtomicUsize;
use std::thread;

/// A free function that counts its calls in the AtomicUsize its hint points at.
unsafe extern "C" fn count_free(data: *mut c_void, hint: *mut c_void) {
    let _ = data;
    // SAFETY: every test passes a pointer to an AtomicUsize that outlives its messages.
    unsafe { &*(hint as *const AtomicUsize) }.fetch_add(1, Ordering::SeqCst);
}

fn hint_of(counter: &AtomicUsize) -> *mut c_void {
    counter as *const AtomicUsize as *mut c_void
}

fn user_msg(buf: &mut [u8], counter: &AtomicUsize) -> Msg {
    // SAFETY: the buffers outlive the messages in these tests; count_free only counts.
    unsafe {
        Msg::from_user_buffer(
            buf.as_mut_ptr(),
            buf.len(),
            Some(count_free),
            hint_of(counter),
        )
    }
    .unwrap()
}

fn inside(m: &Msg, p: *const u8) -> bool {
    let start = m as *const Msg as usize;
    (start..start + 64).contains(&(p as usize))
}

#[test]
fn empty_message() {
    let m = Msg::new();
    assert_eq!(m.len(), 0);
    assert!(m.is_empty());
    assert_eq!(m.as_slice(), b"");
    assert!(!m.more() && !m.is_command() && !m.is_shared());
    assert_eq!(m.flags(), 0);
    assert_eq!(m.routing_id(), 0);
    assert_eq!(m.group(), c"");
    assert!(m.metadata().is_none());
    assert!(
        inside(&m, m.data_ptr()),
        "an empty message points into itself"
    );
    // SAFETY: `m` is a live, aligned Msg.
    assert!(unsafe { Msg::is_live(&m) });
}

#[test]
fn inline_threshold_is_33() {
    for size in [0, 1, 32, 33] {
        let m = Msg::with_size(size).unwrap();
        assert_eq!(m.len(), size);
        assert!(m.is_inline(), "size {size}");
        assert!(inside(&m, m.data_ptr()));
        assert!(m.as_slice().iter().all(|&b| b == 0));
    }
    for size in [34, 100, 1 << 20] {
        let m = Msg::with_size(size).unwrap();
        assert_eq!(m.len(), size);
        assert_eq!(m.kind, KIND_HEAP, "size {size}");
        assert!(!inside(&m, m.data_ptr()));
        assert!(m.as_slice().iter().all(|&b| b == 0), "with_size zeroes");
    }
}

#[test]
fn from_slice_round_trip() {
    for size in [0usize, 1, 33, 34, 1 << 20] {
        let data: Vec<u8> = (0..size).map(|i| (i * 7 + 3) as u8).collect();
        let m = Msg::from_slice(&data).unwrap();
        assert_eq!(m.as_slice(), &data[..], "size {size}");
        assert_eq!(m.is_inline(), size <= Msg::INLINE_MAX);
    }
}

#[test]
fn absurd_sizes_are_enomem() {
    assert_eq!(Msg::with_size(usize::MAX).unwrap_err(), Error::NOMEM);
    assert_eq!(
        Msg::with_size(isize::MAX as usize).unwrap_err(),
        Error::NOMEM
    );
    assert_eq!(Msg::with_size(usize::MAX - 8).unwrap_err(), Error::NOMEM);
    // SAFETY: fails before anything could be read.
    let r = unsafe { Msg::with_size_uninit(usize::MAX) };
    assert_eq!(r.unwrap_err(), Error::NOMEM);
    assert_eq!(Msg::with_size(1 << 62).unwrap_err(), Error::NOMEM);
}

#[test]
fn moving_an_inline_message_moves_its_bytes() {
    let m = Msg::from_slice(b"hello").unwrap();
    let mut v = Vec::new();
    v.push(m);
    let m = v.pop().unwrap();
    let boxed = Box::new(m);
    assert_eq!(boxed.as_slice(), b"hello");
    assert!(inside(&boxed, boxed.data_ptr()));
}

#[test]
fn clone_of_inline_is_a_plain_copy() {
    let mut a = Msg::from_slice(&[5u8; 33]).unwrap();
    a.set_more(true);
    let b = a.share();
    assert!(!a.is_shared() && !b.is_shared());
    assert_eq!(b.as_slice(), &[5u8; 33]);
    assert!(b.more());
    assert_ne!(a.data_ptr(), b.data_ptr());
    a.as_mut_slice().unwrap()[0] = 9;
    assert_eq!(b.as_slice()[0], 5, "inline copies are independent");
}

#[test]
fn clone_of_heap_shares_and_flag_sticks() {
    let mut a = Msg::from_slice(&[1u8; 34]).unwrap();
    assert!(!a.is_shared());
    assert_eq!(a.flags() & Msg::SHARED, 0);
    let b = a.share();
    assert!(a.is_shared() && b.is_shared());
    assert_eq!(a.flags() & Msg::SHARED, Msg::SHARED);
    assert_eq!(a.data_ptr(), b.data_ptr());
    drop(b);
    assert!(
        a.is_shared(),
        "libzmq's shared flag stays set after the copy is closed"
    );
    assert_eq!(a.as_slice(), &[1u8; 34]);
}

#[test]
fn as_mut_slice_only_when_unique() {
    let mut a = Msg::with_size(100).unwrap();
    a.as_mut_slice().unwrap()[99] = 1;
    let b = a.share();
    assert!(a.as_mut_slice().is_none());
    drop(b);
    assert!(a.as_mut_slice().is_some());
    let mut c = Msg::from_static(b"constant bytes");
    assert!(c.as_mut_slice().is_none());
    let mut e = Msg::new();
    assert_eq!(e.as_mut_slice().unwrap().len(), 0);
}

#[test]
fn constant_messages() {
    static BYTES: [u8; 100] = [7; 100];
    let mut a = Msg::from_static(&BYTES);
    assert_eq!(a.kind, KIND_CONST);
    assert!(a.is_shared(), "libzmq reports constant content as shared");
    assert_eq!(a.data_ptr(), BYTES.as_ptr());
    let b = a.share();
    assert_eq!(b.data_ptr(), BYTES.as_ptr());
    drop(a);
    assert_eq!(b.as_slice(), &BYTES[..]);
    // A small constant message stays zero-copy, as libzmq's.
    let s = Msg::from_static(b"hi");
    assert_eq!(s.data_ptr(), b"hi".as_ptr());
    // SAFETY: NULL with size 0 is allowed and never read.
    let n = unsafe { Msg::from_user_buffer(ptr::null_mut(), 0, None, ptr::null_mut()) }.unwrap();
    assert!(n.data_ptr().is_null());
    assert_eq!(n.as_slice(), b"");
}

#[test]
fn null_data_with_size_is_einval() {
    let counter = AtomicUsize::new(0);
    for ffn in [None, Some(count_free as FreeFn)] {
        // SAFETY: rejected before use.
        let r = unsafe { Msg::from_user_buffer(ptr::null_mut(), 1, ffn, hint_of(&counter)) };
        assert_eq!(r.unwrap_err(), Error::INVAL);
    }
    assert_eq!(counter.load(Ordering::SeqCst), 0);
}

#[test]
fn free_fn_once_on_drop() {
    let counter = AtomicUsize::new(0);
    let mut buf = *b"user bytes";
    let m = user_msg(&mut buf, &counter);
    assert_eq!(m.as_slice(), b"user bytes");
    assert!(!m.is_shared());
    assert_eq!(counter.load(Ordering::SeqCst), 0);
    drop(m);
    assert_eq!(counter.load(Ordering::SeqCst), 1);
}

#[test]
fn free_fn_once_across_clones() {
    let counter = AtomicUsize::new(0);
    let mut buf = [0u8; 4];
    let mut a = user_msg(&mut buf, &counter);
    let mut b = a.share();
    let c = b.share();
    assert!(a.is_shared() && c.is_shared());
    drop(a);
    drop(c);
    assert_eq!(counter.load(Ordering::SeqCst), 0);
    drop(b);
    assert_eq!(counter.load(Ordering::SeqCst), 1);
}

#[test]
fn free_fn_once_across_threads() {
    for _round in 0..50 {
        let counter = Arc::new(AtomicUsize::new(0));
        let mut buf = vec![1u8; 64];
        let mut m = user_msg(&mut buf, &counter);
        let copies: Vec<Msg> = (0..8).map(|_| m.share()).collect();
        drop(m);
        let threads: Vec<_> = copies
            .into_iter()
            .map(|c| {
                thread::spawn(move || {
                    assert_eq!(c.len(), 64);
                    drop(c);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(counter.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn heap_clones_across_threads() {
    let mut m = Msg::from_slice(&[3u8; 1000]).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let mut c = m.share();
            thread::spawn(move || {
                let d = c.share();
                assert_eq!(d.as_slice(), &[3u8; 1000]);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(m.as_slice(), &[3u8; 1000]);
}

static REENTERED: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn reentrant_free(_data: *mut c_void, _hint: *mut c_void) {
    // Makes, copies and drops messages of its own while the outer one is being released.
    let mut a = Msg::from_slice(&[0u8; 500]).unwrap();
    let b = a.share();
    drop(a);
    drop(b);
    REENTERED.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn free_fn_may_reenter() {
    let mut buf = [0u8; 8];
    // SAFETY: buf outlives the message.
    let m = unsafe {
        Msg::from_user_buffer(buf.as_mut_ptr(), 8, Some(reentrant_free), ptr::null_mut())
    }
    .unwrap();
    drop(m);
    assert_eq!(REENTERED.load(Ordering::SeqCst), 1);
}

#[test]
fn garbage_is_rejected() {
    #[repr(C, align(8))]
    struct Raw([u8; 72]);
    let mut raw = Raw([0; 72]);
    let p = raw.0.as_mut_ptr().cast::<Msg>();
    // SAFETY: 72 readable, writable, aligned bytes back every pointer used below.
    unsafe {
        assert!(!Msg::is_live(p), "zeroed");
        assert!(!Msg::is_live(ptr::null()), "NULL");
        ptr::write_bytes(p.cast::<u8>(), 0xab, 64);
        assert!(!Msg::is_live(p), "garbage");
        ptr::write(p, Msg::from_slice(b"abc").unwrap());
        assert!(Msg::is_live(p));
        assert!(
            !Msg::is_live(p.cast::<u8>().add(4).cast::<Msg>()),
            "misaligned"
        );
        // A wrong inline length is rejected too.
        let saved = (*p).inline_len;
        (*p).inline_len = 200;
        assert!(!Msg::is_live(p));
        (*p).inline_len = saved;
        drop(ptr::read(p));
        Msg::invalidate(p);
        assert!(!Msg::is_live(p), "closed");
    }
}

#[test]
fn flags() {
    let mut m = Msg::new();
    m.set_more(true);
    assert!(m.more());
    assert_eq!(m.flags(), Msg::MORE);
    m.set_flags(Msg::COMMAND | Msg::SHARED);
    assert!(m.is_command());
    assert_eq!(
        m.flags(),
        Msg::MORE | Msg::COMMAND,
        "SHARED cannot be set by hand"
    );
    m.reset_flags(Msg::MORE);
    assert!(!m.more());
    m.set_more(false);
    assert_eq!(m.flags(), Msg::COMMAND);
}

#[test]
fn routing_id() {
    let mut m = Msg::new();
    assert_eq!(m.set_routing_id(0).unwrap_err(), Error::INVAL);
    m.set_routing_id(0xdead_beef).unwrap();
    assert_eq!(m.routing_id(), 0xdead_beef);
    assert_eq!(m.share().routing_id(), 0xdead_beef);
    m.reset_routing_id();
    assert_eq!(m.routing_id(), 0);
}

#[test]
fn group() {
    let mut m = Msg::from_slice(b"x").unwrap();
    assert_eq!(m.group(), c"");
    m.set_group(b"weather").unwrap();
    assert_eq!(m.group(), c"weather");
    let long = [b'g'; 255];
    m.set_group(&long).unwrap();
    assert_eq!(m.group().to_bytes(), &long[..]);
    assert_eq!(m.set_group(&[b'g'; 256]).unwrap_err(), Error::INVAL);
    assert_eq!(m.set_group(b"a\0b").unwrap_err(), Error::INVAL);
    assert_eq!(
        m.group().to_bytes(),
        &long[..],
        "a failed set leaves the group"
    );

    // Copies share the group until one of them changes it.
    let mut c = m.share();
    assert_eq!(c.group().as_ptr(), m.group().as_ptr());
    c.set_group(b"other").unwrap();
    assert_eq!(c.group(), c"other");
    assert_eq!(m.group().to_bytes(), &long[..]);
    c.set_group(b"").unwrap();
    assert_eq!(c.group(), c"");
    assert!(c.extras.is_null(), "nothing left to carry");
}

#[test]
fn metadata() {
    let md = Arc::new(Metadata::from_bytes([
        (&b"Socket-Type"[..], &b"ROUTER"[..]),
        (b"Routing-Id", b"peer-1"),
        (b"__fd", b"42"),
    ]));
    let mut m = Msg::from_slice(&[0u8; 50]).unwrap();
    assert!(m.property(b"Socket-Type").is_none());
    m.set_metadata(md.clone());
    m.set_group(b"grp").unwrap();
    assert_eq!(m.property(b"Socket-Type").unwrap(), c"ROUTER");
    assert_eq!(m.property(b"Identity").unwrap(), c"peer-1");
    assert!(m.property(b"User-Id").is_none());
    let c = m.share();
    assert_eq!(c.property(b"__fd").unwrap(), c"42");
    assert_eq!(c.group(), c"grp");
    m.reset_metadata();
    assert!(m.property(b"Socket-Type").is_none());
    assert_eq!(m.group(), c"grp");
    assert_eq!(c.property(b"Routing-Id").unwrap(), c"peer-1");
    drop(c);
    drop(m);
    assert_eq!(Arc::strong_count(&md), 1, "every reference was released");
}

#[test]
fn truncate() {
    let mut m = Msg::from_slice(b"hello world").unwrap();
    m.truncate(5);
    assert_eq!(m.as_slice(), b"hello");
    m.truncate(50);
    assert_eq!(m.as_slice(), b"hello");
    let mut h = Msg::from_slice(&[4u8; 100]).unwrap();
    h.truncate(10);
    assert_eq!(h.as_slice(), &[4u8; 10]);
    drop(h); // frees with the allocated size, not the truncated one
}

#[test]
fn debug_does_not_crash() {
    let s = format!("{:?}", Msg::from_slice(b"abc").unwrap());
    assert!(s.contains("inline"));
}

#[test]
fn a_copy_makes_the_source_count_its_references() {
    let mut a = Msg::from_slice(&[4u8; 300]).unwrap();
    assert!(a.is_unique());
    let b = a.share();
    assert!(!a.is_unique() && !b.is_unique());
    // The source gives its reference back through the count (were it still treated as the
    // only holder, it would free the block under `b` and leave the count at 2).
    drop(a);
    assert!(b.is_unique());
    assert_eq!(b.as_slice(), &[4u8; 300]);
}

#[test]
fn slices_need_a_counted_message() {
    let mut buf = Msg::from_slice(&[6u8; 200]).unwrap();
    assert!(
        buf.slice(10, 50).is_none(),
        "an uncounted message frees its block alone: it must not be sliced"
    );
    buf.make_counted();
    let part = buf.slice(10, 50).unwrap();
    assert_eq!(part.as_slice(), &[6u8; 50]);
    assert!(!buf.is_unique());
    let again = part.slice(0, 40).unwrap();
    drop(buf);
    drop(part);
    assert!(again.is_unique());
    assert_eq!(again.as_slice(), &[6u8; 40]);
}
