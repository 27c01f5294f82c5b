//! Framing: decode a byte stream into frames and encode frames into bytes.
//!
//! ZMTP 2.0 and 3.x: a flags octet (bit 0 MORE, bit 1 LONG, bit 2 COMMAND in 3.x; the other
//! bits must be 0), then the size in 1 octet, or 8 octets big-endian when LONG, then the body.
//! ZMTP 1.0: the size (1 octet, or `FF` + 8 octets) counts the flags octet that follows it
//! (bit 0 MORE), then the body.
//!
//! The decoder takes whatever bytes arrived and yields every whole frame in them. A large
//! body can be read straight into its message (`direct`), so big messages are not copied.
//! Sizes are compared as numbers against ZMQ_MAXMSGSIZE and what memory allows, and a large
//! body's buffer grows with the data that actually arrives, so a peer cannot make us reserve
//! memory it never sends (CVE-2019-6250 and kin).

use super::ProtocolError;
use crate::msg::Msg;

const MORE: u8 = 1;
const LONG: u8 = 2;
const COMMAND: u8 = 4;
/// Bodies up to this size are allocated whole when their header arrives (uninitialised:
/// pages a peer never fills cost address space, not memory); larger ones grow as data comes.
const EAGER_ALLOC: u64 = 1 << 26;
/// Bodies of at least this size are worth reading directly into the message.
pub const DIRECT_MIN: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    V1,
    /// ZMTP 2.0: no COMMAND flag.
    V2,
    V3,
}

/// A decoded frame.
#[derive(Debug)]
pub enum Frame {
    /// A message part (MORE carried in the message's flags).
    Data(Msg),
    /// A command frame (ZMTP 3.x): its body.
    Command(Msg),
}

enum Body {
    /// Allocated whole: the message and how much is filled.
    Whole(Msg, usize),
    /// Grown as data arrives, up to `size`.
    Growing(Vec<u8>, usize),
}

enum State {
    /// Reading a header: the octets so far.
    Header {
        buf: [u8; 10],
        got: usize,
    },
    Body {
        flags: u8,
        body: Body,
    },
}

pub struct Decoder {
    framing: Framing,
    /// The last body started was large (read directly): the next read should be short, so
    /// that little of the next large body is copied before it can be read directly.
    large: bool,
    /// Largest message (sum of its parts, as libzmq checks per frame) accepted; -1 = none.
    max_size: i64,
    state: State,
}

fn free_boxed(data: *mut std::os::raw::c_void, hint: *mut std::os::raw::c_void) {
    // SAFETY: data/hint are the pointer and length of a Box<[u8]> leaked in `finish_growing`.
    drop(unsafe {
        Box::from_raw(std::ptr::slice_from_raw_parts_mut(
            data.cast::<u8>(),
            hint as usize,
        ))
    });
}

extern "C" fn free_boxed_c(data: *mut std::os::raw::c_void, hint: *mut std::os::raw::c_void) {
    free_boxed(data, hint)
}

fn finish_growing(v: Vec<u8>) -> Result<Msg, ProtocolError> {
    let b = v.into_boxed_slice();
    let len = b.len();
    let p = Box::into_raw(b).cast::<u8>();
    // SAFETY: the buffer stays valid until the free function, which releases it once.
    unsafe { Msg::from_user_buffer(p, len, Some(free_boxed_c), len as *mut _) }.map_err(|_| {
        free_boxed(p.cast(), len as *mut _);
        ProtocolError::TooLarge
    })
}

/// The largest body a frame may announce: what this machine's memory could ever hold (and
/// never more than an allocation may be). A bigger size can only be an attack or garbage; it
/// is refused at the header, as libzmq's failed allocation refuses it, instead of being
/// accepted and filled until memory runs out.
fn body_limit() -> u64 {
    static LIMIT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        // SAFETY: sysconf only reads system configuration.
        let (pages, page) = unsafe {
            (
                libc::sysconf(libc::_SC_PHYS_PAGES),
                libc::sysconf(libc::_SC_PAGESIZE),
            )
        };
        let phys = if pages > 0 && page > 0 {
            (pages as u64).saturating_mul(page as u64)
        } else {
            u64::MAX
        };
        phys.min(isize::MAX as u64)
    })
}

impl Decoder {
    pub fn new(framing: Framing, max_size: i64) -> Decoder {
        Decoder {
            framing,
            large: false,
            max_size,
            state: State::Header {
                buf: [0; 10],
                got: 0,
            },
        }
    }

    /// True if large frames are coming (see `large`): read in short batches.
    pub fn expects_large(&self) -> bool {
        self.large
    }

    /// True between frames (no partial frame buffered).
    pub fn at_frame_boundary(&self) -> bool {
        matches!(self.state, State::Header { got: 0, .. })
    }

    /// How many header octets are needed in total, given those seen so far; None when the
    /// header is complete.
    fn header_len(&self, buf: &[u8], got: usize) -> usize {
        match self.framing {
            Framing::V1 => {
                if got == 0 || buf[0] != 0xff {
                    2
                } else {
                    10
                }
            }
            Framing::V2 | Framing::V3 => {
                if got == 0 || buf[0] & LONG == 0 {
                    2
                } else {
                    9
                }
            }
        }
    }

    /// Parses a complete header into (flags, body size).
    fn parse_header(&self, buf: &[u8]) -> Result<(u8, u64), ProtocolError> {
        match self.framing {
            Framing::V1 => {
                let (len, flags) = if buf[0] == 0xff {
                    (u64::from_be_bytes(buf[1..9].try_into().unwrap()), buf[9])
                } else {
                    (buf[0] as u64, buf[1])
                };
                // The size counts the flags octet, so 0 is invalid.
                if len == 0 {
                    return Err(ProtocolError::Framing);
                }
                Ok((flags & MORE, len - 1))
            }
            Framing::V2 | Framing::V3 => {
                let flags = buf[0];
                let allowed = if self.framing == Framing::V3 {
                    MORE | LONG | COMMAND
                } else {
                    MORE | LONG
                };
                if flags & !allowed != 0 {
                    return Err(ProtocolError::Framing);
                }
                let size = if flags & LONG != 0 {
                    u64::from_be_bytes(buf[1..9].try_into().unwrap())
                } else {
                    buf[1] as u64
                };
                if flags & COMMAND != 0 && flags & MORE != 0 {
                    return Err(ProtocolError::Framing);
                }
                Ok((flags & (MORE | COMMAND), size))
            }
        }
    }

    fn start_body(&mut self, flags: u8, size: u64) -> Result<(), ProtocolError> {
        self.check_size(flags, size)?;
        if size > body_limit() {
            return Err(ProtocolError::TooLarge);
        }
        self.large = size >= DIRECT_MIN as u64;
        let body = if size <= EAGER_ALLOC {
            // SAFETY: every byte of the body is written before the message is handed out.
            let m = unsafe { Msg::with_size_uninit(size as usize) }
                .map_err(|_| ProtocolError::TooLarge)?;
            Body::Whole(m, 0)
        } else {
            Body::Growing(Vec::new(), size as usize)
        };
        self.state = State::Body { flags, body };
        Ok(())
    }

    fn body_done(&mut self) -> Result<Option<Frame>, ProtocolError> {
        let complete = match &self.state {
            State::Body {
                body: Body::Whole(m, filled),
                ..
            } => *filled == m.len(),
            State::Body {
                body: Body::Growing(v, size),
                ..
            } => v.len() == *size,
            State::Header { .. } => false,
        };
        if !complete {
            return Ok(None);
        }
        let old = std::mem::replace(
            &mut self.state,
            State::Header {
                buf: [0; 10],
                got: 0,
            },
        );
        let State::Body { flags, body } = old else {
            unreachable!()
        };
        let msg = match body {
            Body::Whole(m, _) => m,
            Body::Growing(v, _) => finish_growing(v)?,
        };
        Ok(Some(frame_of(msg, flags)))
    }

    /// ZMQ_MAXMSGSIZE applies to data frames (a larger one drops the peer).
    fn check_size(&self, flags: u8, size: u64) -> Result<(), ProtocolError> {
        if flags & COMMAND == 0 && self.max_size >= 0 && size > self.max_size as u64 {
            return Err(ProtocolError::TooLarge);
        }
        Ok(())
    }

    /// Decodes from `input`, handing each complete frame to `sink` (which returns false to
    /// stop early, e.g. when its pipe is full). Returns how many octets were consumed.
    pub fn decode(
        &mut self,
        input: &[u8],
        sink: &mut dyn FnMut(Frame) -> bool,
    ) -> Result<usize, ProtocolError> {
        self.decode_in(input, None, sink)
    }

    /// As `decode`, where `input` lies at offset `at` of the heap message `chunk`: bodies
    /// that are wholly in it become messages sharing the chunk instead of copies.
    pub fn decode_shared(
        &mut self,
        chunk: &Msg,
        at: usize,
        input: &[u8],
        sink: &mut dyn FnMut(Frame) -> bool,
    ) -> Result<usize, ProtocolError> {
        self.decode_in(input, Some((chunk, at)), sink)
    }

    /// A whole 2.0/3.x frame at the start of `rest`, taken in one step: (frame, octets).
    fn whole_frame(
        &self,
        rest: &[u8],
        chunk: Option<(&Msg, usize)>,
    ) -> Result<Option<(Frame, usize)>, ProtocolError> {
        if self.framing == Framing::V1 || rest.len() < 2 {
            return Ok(None);
        }
        let hlen = if rest[0] & LONG == 0 { 2 } else { 9 };
        if rest.len() < hlen {
            return Ok(None);
        }
        let (flags, size) = self.parse_header(&rest[..hlen])?;
        self.check_size(flags, size)?;
        let Some(body) = usize::try_from(size)
            .ok()
            .and_then(|n| rest.get(hlen..hlen.checked_add(n)?))
        else {
            return Ok(None);
        };
        let shared = match chunk {
            Some((c, at)) if body.len() > Msg::INLINE_MAX => c.slice(at + hlen, body.len()),
            _ => None,
        };
        let msg = match shared {
            Some(m) => m,
            None => Msg::from_slice(body).map_err(|_| ProtocolError::TooLarge)?,
        };
        Ok(Some((frame_of(msg, flags), hlen + body.len())))
    }

    fn decode_in(
        &mut self,
        input: &[u8],
        chunk: Option<(&Msg, usize)>,
        sink: &mut dyn FnMut(Frame) -> bool,
    ) -> Result<usize, ProtocolError> {
        let mut pos = 0;
        loop {
            // Between frames, a frame wholly in the input is taken at once.
            if matches!(self.state, State::Header { got: 0, .. }) {
                let here = chunk.map(|(c, at)| (c, at + pos));
                if let Some((frame, n)) = self.whole_frame(&input[pos..], here)? {
                    // Whole frames fit the batch: long reads serve them best.
                    self.large = false;
                    pos += n;
                    if !sink(frame) || pos == input.len() {
                        return Ok(pos);
                    }
                    continue;
                }
            }
            match &mut self.state {
                State::Header { buf, got } => {
                    // Zero-length bodies complete with their header.
                    let need = {
                        let (b, g) = (*buf, *got);
                        self.header_len(&b, g)
                    };
                    let State::Header { buf, got } = &mut self.state else {
                        unreachable!()
                    };
                    if *got < need {
                        if pos == input.len() {
                            return Ok(pos);
                        }
                        let take = (need - *got).min(input.len() - pos);
                        buf[*got..*got + take].copy_from_slice(&input[pos..pos + take]);
                        *got += take;
                        pos += take;
                        continue;
                    }
                    let header = *buf;
                    let (flags, size) = self.parse_header(&header[..need])?;
                    self.start_body(flags, size)?;
                }
                State::Body { body, .. } => {
                    let avail = &input[pos..];
                    match body {
                        Body::Whole(m, filled) => {
                            let take = (m.len() - *filled).min(avail.len());
                            if take > 0 {
                                // SAFETY: the message's buffer has m.len() bytes; we write
                                // within [filled, filled + take) and nobody else holds it.
                                unsafe {
                                    std::ptr::copy_nonoverlapping(
                                        avail.as_ptr(),
                                        m.data_mut_ptr().add(*filled),
                                        take,
                                    )
                                };
                                *filled += take;
                                pos += take;
                            }
                        }
                        Body::Growing(v, size) => {
                            let take = (*size - v.len()).min(avail.len());
                            v.extend_from_slice(&avail[..take]);
                            pos += take;
                        }
                    }
                }
            }
            let done = self.body_done()?;
            let stop = match done {
                Some(frame) => !sink(frame),
                None => pos == input.len(),
            };
            if stop {
                return Ok(pos);
            }
        }
    }

    /// While a large body is being received: the unfilled rest of its buffer, to read into
    /// directly (then call `direct_filled`). None otherwise.
    pub fn direct(&mut self) -> Option<&mut [u8]> {
        match &mut self.state {
            State::Body {
                body: Body::Whole(m, filled),
                ..
            } if m.len() - *filled >= DIRECT_MIN => {
                let (len, f) = (m.len(), *filled);
                // SAFETY: the unfilled tail of a buffer we own exclusively.
                Some(unsafe { std::slice::from_raw_parts_mut(m.data_mut_ptr().add(f), len - f) })
            }
            _ => None,
        }
    }

    /// Records `n` octets read into the `direct` buffer; returns the frame if complete.
    pub fn direct_filled(&mut self, n: usize) -> Result<Option<Frame>, ProtocolError> {
        if let State::Body {
            body: Body::Whole(m, filled),
            ..
        } = &mut self.state
        {
            *filled = (*filled + n).min(m.len());
        }
        self.body_done()
    }
}

/// A decoded body as the frame its header's flags make it.
fn frame_of(mut msg: Msg, flags: u8) -> Frame {
    if flags & COMMAND != 0 {
        msg.set_flags(Msg::COMMAND);
        Frame::Command(msg)
    } else {
        msg.set_more(flags & MORE != 0);
        Frame::Data(msg)
    }
}

/// The header of a 3.x frame (or a 2.0 one, never with COMMAND): up to 9 octets.
pub fn header(size: usize, more: bool, command: bool) -> ([u8; 9], usize) {
    let mut h = [0u8; 9];
    let mut flags = 0;
    if more {
        flags |= MORE;
    }
    if command {
        flags |= COMMAND;
    }
    if size > 255 {
        h[0] = flags | LONG;
        h[1..9].copy_from_slice(&(size as u64).to_be_bytes());
        (h, 9)
    } else {
        h[0] = flags;
        h[1] = size as u8;
        (h, 2)
    }
}

/// The header of a ZMTP 1.0 frame: up to 10 octets.
pub fn header_v1(size: usize, more: bool) -> ([u8; 10], usize) {
    let mut h = [0u8; 10];
    let len = size as u64 + 1;
    if len < 255 {
        h[0] = len as u8;
        h[1] = more as u8;
        (h, 2)
    } else {
        h[0] = 0xff;
        h[1..9].copy_from_slice(&len.to_be_bytes());
        h[9] = more as u8;
        (h, 10)
    }
}

/// Appends a whole frame (header and body) in the given framing.
pub fn encode(out: &mut Vec<u8>, framing: Framing, body: &[u8], more: bool, command: bool) {
    encode_header(out, framing, body.len(), more, command);
    out.extend_from_slice(body);
}

/// Appends the header of a frame whose `size`-octet body follows.
pub fn encode_header(out: &mut Vec<u8>, framing: Framing, size: usize, more: bool, command: bool) {
    match framing {
        Framing::V1 => {
            let (h, n) = header_v1(size, more);
            out.extend_from_slice(&h[..n]);
        }
        Framing::V2 | Framing::V3 => {
            let (h, n) = header(size, more, command && framing == Framing::V3);
            out.extend_from_slice(&h[..n]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(
        d: &mut Decoder,
        input: &[u8],
    ) -> Result<Vec<(bool, bool, Vec<u8>)>, ProtocolError> {
        let mut out = Vec::new();
        let n = d.decode(input, &mut |f| {
            match f {
                Frame::Data(m) => out.push((false, m.more(), m.as_slice().to_vec())),
                Frame::Command(m) => out.push((true, false, m.as_slice().to_vec())),
            }
            true
        })?;
        assert_eq!(n, input.len());
        Ok(out)
    }

    #[test]
    fn rfc_short_long_and_command_frames() {
        let mut wire = Vec::new();
        encode(&mut wire, Framing::V3, b"Hello", true, false);
        encode(&mut wire, Framing::V3, &[7u8; 300], false, false);
        encode(&mut wire, Framing::V3, b"\x05READY", false, true);
        assert_eq!(&wire[..7], b"\x01\x05Hello");
        assert_eq!(&wire[7..16], &[0x02, 0, 0, 0, 0, 0, 0, 1, 44]);
        assert_eq!(wire[316], 0x04, "command flag");
        let mut d = Decoder::new(Framing::V3, -1);
        let frames = decode_all(&mut d, &wire).unwrap();
        assert_eq!(frames[0], (false, true, b"Hello".to_vec()));
        assert_eq!(frames[1], (false, false, vec![7u8; 300]));
        assert_eq!(frames[2], (true, false, b"\x05READY".to_vec()));
    }

    #[test]
    fn byte_by_byte_is_the_same() {
        let mut wire = Vec::new();
        for i in 0..20usize {
            encode(
                &mut wire,
                Framing::V3,
                &vec![i as u8; i * 40],
                i % 3 == 0,
                false,
            );
        }
        let mut d = Decoder::new(Framing::V3, -1);
        let mut got = Vec::new();
        for b in &wire {
            got.extend(decode_all(&mut d, std::slice::from_ref(b)).unwrap());
        }
        assert_eq!(got.len(), 20);
        for (i, (_, more, body)) in got.iter().enumerate() {
            assert_eq!(body, &vec![i as u8; i * 40]);
            assert_eq!(*more, i % 3 == 0);
        }
        assert!(d.at_frame_boundary());
    }

    #[test]
    fn empty_frames() {
        let mut d = Decoder::new(Framing::V3, -1);
        let f = decode_all(&mut d, &[0x01, 0x00, 0x00, 0x00]).unwrap();
        assert_eq!(f, vec![(false, true, vec![]), (false, false, vec![])]);
    }

    #[test]
    fn hostile_headers_are_refused() {
        // Reserved flag bits.
        assert_eq!(
            Decoder::new(Framing::V3, -1).decode(&[0x08, 0], &mut |_| true),
            Err(ProtocolError::Framing)
        );
        // A command with MORE.
        assert!(Decoder::new(Framing::V3, -1)
            .decode(&[0x05, 0], &mut |_| true)
            .is_err());
        // COMMAND does not exist in 2.0.
        assert!(Decoder::new(Framing::V2, -1)
            .decode(&[0x04, 0], &mut |_| true)
            .is_err());
        // A size near 2^64 (CVE-2019-6250).
        let huge = [0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0];
        assert_eq!(
            Decoder::new(Framing::V3, -1).decode(&huge, &mut |_| true),
            Err(ProtocolError::TooLarge)
        );
        // 2^63 - 1 and 2^62: no machine holds that; refused at the header, data or command.
        for (flags, top) in [(0x02u8, 0x7fu8), (0x02, 0x40), (0x06, 0x7f)] {
            let mut h = [flags, top, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
            if top == 0x40 {
                h[2..].fill(0);
            }
            assert_eq!(
                Decoder::new(Framing::V3, -1).decode(&h, &mut |_| true),
                Err(ProtocolError::TooLarge),
                "{h:02x?}"
            );
        }
        // Over ZMQ_MAXMSGSIZE.
        assert_eq!(
            Decoder::new(Framing::V3, 4).decode(&[0x00, 5], &mut |_| true),
            Err(ProtocolError::TooLarge)
        );
        // v1: a length of 0 is invalid.
        assert!(Decoder::new(Framing::V1, -1)
            .decode(&[0x00, 0x00], &mut |_| true)
            .is_err());
    }

    #[test]
    fn announced_size_is_not_reserved_up_front() {
        // 1 GiB announced, 3 bytes sent: only what arrived is held.
        let mut d = Decoder::new(Framing::V3, -1);
        let mut wire = vec![0x02];
        wire.extend_from_slice(&(1u64 << 30).to_be_bytes());
        wire.extend_from_slice(b"abc");
        assert!(decode_all(&mut d, &wire).unwrap().is_empty());
        match &d.state {
            State::Body {
                body: Body::Growing(v, _),
                ..
            } => assert!(v.capacity() < 1 << 20),
            _ => panic!("expected a growing body"),
        }
    }

    #[test]
    fn frames_whole_in_a_chunk_share_it() {
        // Three frames in a heap "read buffer": a 40-byte and a 1000-byte one (shared), a
        // 3-byte one (inline), then half of a fourth (copied as it completes).
        let mut wire = Vec::new();
        encode(&mut wire, Framing::V3, &[7u8; 40], true, false);
        encode(&mut wire, Framing::V3, &[8u8; 1000], false, false);
        encode(&mut wire, Framing::V3, b"abc", false, false);
        let split = wire.len() + 5;
        encode(&mut wire, Framing::V3, &[9u8; 50], false, false);
        let mut chunk = Msg::with_size(split).unwrap();
        // Counted, as the I/O thread's read buffer is (only then may frames slice it).
        chunk.make_counted();
        // SAFETY: the chunk has `split` bytes and is ours alone.
        unsafe { std::ptr::copy_nonoverlapping(wire.as_ptr(), chunk.data_mut_ptr(), split) };
        let mut d = Decoder::new(Framing::V3, -1);
        let mut got = Vec::new();
        let n = d
            .decode_shared(&chunk, 0, chunk.as_slice(), &mut |f| {
                got.push(f);
                true
            })
            .unwrap();
        assert_eq!(n, split);
        assert_eq!(got.len(), 3);
        assert!(!chunk.is_unique(), "frames share the chunk");
        let body = |f: &Frame| match f {
            Frame::Data(m) => (m.as_slice().to_vec(), m.more()),
            Frame::Command(_) => panic!("a command"),
        };
        let in_chunk = |f: &Frame| match f {
            Frame::Data(m) => chunk.as_slice().as_ptr_range().contains(&m.data_ptr()),
            Frame::Command(_) => panic!("a command"),
        };
        assert!(
            in_chunk(&got[0]) && in_chunk(&got[1]),
            "both share the chunk"
        );
        assert_eq!(body(&got[0]), (vec![7u8; 40], true));
        assert_eq!(body(&got[1]), (vec![8u8; 1000], false));
        assert_eq!(body(&got[2]), (b"abc".to_vec(), false));
        drop(got);
        assert!(
            chunk.is_unique(),
            "the chunk is free again once they are gone"
        );
        let rest = decode_all(&mut d, &wire[split..]).unwrap();
        assert_eq!(rest, vec![(false, false, vec![9u8; 50])]);
    }

    #[test]
    fn large_bodies_read_directly() {
        let mut d = Decoder::new(Framing::V3, -1);
        let (h, n) = header(100_000, false, false);
        assert!(decode_all(&mut d, &h[..n]).unwrap().is_empty());
        let buf = d.direct().expect("direct buffer for a large body");
        assert_eq!(buf.len(), 100_000);
        buf.fill(9);
        match d.direct_filled(100_000).unwrap() {
            Some(Frame::Data(m)) => assert!(m.as_slice().iter().all(|&b| b == 9)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn v1_framing() {
        let mut wire = Vec::new();
        encode(&mut wire, Framing::V1, b"", false, false);
        encode(&mut wire, Framing::V1, &[1u8; 300], true, false);
        assert_eq!(&wire[..2], &[0x01, 0x00], "anonymous identity frame");
        assert_eq!(wire[2], 0xff);
        let mut d = Decoder::new(Framing::V1, -1);
        let f = decode_all(&mut d, &wire).unwrap();
        assert_eq!(f[0], (false, false, vec![]));
        assert_eq!(f[1], (false, true, vec![1u8; 300]));
    }
}
