//! Pieces the ZMTP session and the raw (STREAM) session share: writing the output buffer,
//! keeping the WRITABLE interest in step with it, and ending the session's pipe.

use std::io::{ErrorKind, Read, Write};
use std::time::Duration;

use mio::Interest;

use super::reactor::Ctl;
use super::session::SessionConfig;
use super::stream::Stream;
use crate::msg::Msg;
use crate::pipe::duplex::Pipe;

/// Writes `out[*pos..]` to the stream until it is all written or the stream would block;
/// an output buffer written through is emptied. False if the connection broke.
pub(super) fn write_out(stream: &mut Stream, out: &mut Vec<u8>, pos: &mut usize) -> bool {
    write_out_body(stream, out, pos, &mut None, &mut 0)
}

/// One read: Ok(Some(n)) for n > 0 octets, Ok(None) if the stream would block, Err(errno)
/// if the connection ended (EPIPE when the peer closed it).
pub(super) fn read_some(stream: &mut Stream, buf: &mut [u8]) -> Result<Option<usize>, i32> {
    loop {
        match stream.read(buf) {
            Ok(0) => return Err(libc::EPIPE),
            Ok(n) => return Ok(Some(n)),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(None),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.raw_os_error().unwrap_or(libc::EIO)),
        }
    }
}

/// A failed connect (or a lost connection) of a connecting session: try again after the
/// current interval (reported as CONNECT_RETRIED), which then backs off.
pub(super) fn retry_later(ctl: &mut Ctl, cfg: &SessionConfig, ivl: &mut i32, timer: u64) {
    let ms = (*ivl).max(0) as u64;
    ctl.set_timer(Duration::from_millis(ms), timer);
    let eps = crate::monitor::Endpoints::connecting(&cfg.endpoint);
    cfg.monitor.event(crate::monitor::CONNECT_RETRIED, ms, &eps);
    *ivl = backoff(*ivl, cfg.reconnect_ivl_max);
}

/// The read buffer of the I/O thread: one per thread, lent to one session read at a time
/// (a buffer per connection would cost every idle connection its size). It is a heap
/// message, so the frames decoded from a read share it instead of being copied out; while
/// any of them lives, the next read gets a fresh buffer.
pub(super) struct ReadBuf(Msg);

thread_local! {
    static READ_BUF: std::cell::Cell<Option<Msg>> = const { std::cell::Cell::new(None) };
}

/// Bytes one read takes at most: the decoder then takes every frame in them.
pub(super) const READ_CHUNK: usize = 64 * 1024;

/// Write rounds (take what the pipe holds, write it) a session runs in one turn before the
/// reactor serves its other sources. A socket that writes about as fast as the I/O thread
/// sends keeps the pipe from ever looking empty, so a turn bounded only in bytes can run for
/// thousands of small writes: a subscriber sharing the thread then waited until the
/// publisher paused (hundreds of ms under a flood).
pub(super) const TURN_ROUNDS: usize = 8;

impl ReadBuf {
    pub(super) fn take() -> ReadBuf {
        // Only unshared buffers are given back (see `give_back`).
        ReadBuf(READ_BUF.with(|c| c.take()).unwrap_or_else(Self::fresh))
    }

    fn fresh() -> Msg {
        // Zeroed when made: a read may only fill initialised memory.
        let mut m = Msg::with_size(READ_CHUNK).unwrap_or_else(|_| std::process::abort());
        m.make_counted();
        m
    }

    /// Makes the buffer fit for the next read: a fresh one if messages still share it.
    pub(super) fn renew_if_shared(&mut self) {
        if !self.0.is_unique() {
            self.0 = Self::fresh();
        }
    }

    pub(super) fn give_back(self) {
        if self.0.is_unique() {
            READ_BUF.with(|c| c.set(Some(self.0)));
        }
    }

    /// The message the buffer is (for `Decoder::decode_shared`).
    pub(super) fn chunk(&self) -> &Msg {
        &self.0
    }
}

impl std::ops::Deref for ReadBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl std::ops::DerefMut for ReadBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        let len = self.0.len();
        // SAFETY: the buffer's `len` bytes are initialised (zeroed when made) and ours alone
        // while no message shares it (`give_back` keeps only unshared buffers, `renew_if_shared`
        // replaces a shared one before the next read).
        unsafe { std::slice::from_raw_parts_mut(self.0.data_mut_ptr(), len) }
    }
}

/// `write_out` followed by a message body written from the message itself: writev of what
/// is left of `out` and of `body` (the body's bytes follow `out`'s on the wire), until both
/// are written (`body` becomes None) or the stream would block; adds the bytes written to
/// `*written`. False if the connection broke.
pub(super) fn write_out_body(
    stream: &mut Stream,
    out: &mut Vec<u8>,
    pos: &mut usize,
    body: &mut Option<(Msg, usize)>,
    written: &mut usize,
) -> bool {
    loop {
        let head = &out[*pos..];
        let tail: &[u8] = match body {
            Some((m, k)) => &m.as_slice()[*k..],
            None => &[],
        };
        if head.is_empty() && tail.is_empty() {
            *body = None;
            break;
        }
        let r = if tail.is_empty() {
            stream.write(head)
        } else {
            let bufs = [std::io::IoSlice::new(head), std::io::IoSlice::new(tail)];
            stream.write_vectored(&bufs)
        };
        match r {
            Ok(0) => return false,
            Ok(n) => {
                *written += n;
                let from_head = n.min(head.len());
                *pos += from_head;
                if let Some((_, k)) = body {
                    *k += n - from_head;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
    if *pos == out.len() {
        out.clear();
        *pos = 0;
    }
    true
}

/// Registers the stream for WRITABLE too while `want_write`, for READABLE only otherwise;
/// `writable` is the interest registered now.
pub(super) fn set_write_interest(
    ctl: &mut Ctl,
    stream: &mut Stream,
    writable: &mut bool,
    want_write: bool,
) {
    if want_write != *writable {
        let interest = if want_write {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        let _ = ctl.registry().reregister(stream, ctl.token, interest);
        *writable = want_write;
    }
}

/// Ends the session's end of its pipe (if it still has one): the reactor stops routing its
/// commands here, a drain it held for the context's termination is released, and what was
/// received stays readable by the socket.
pub(super) fn end_pipe(ctl: &mut Ctl, pipe: &mut Option<Pipe>, cfg: &SessionConfig) {
    if let Some(mut p) = pipe.take() {
        ctl.disown_key(p.id());
        if p.release_drain() {
            cfg.draining.sub();
        }
        p.terminate(true);
    }
}

/// The socket ended its end of the pipe: arms the linger timer `timer` (for the socket's
/// ZMQ_LINGER, if positive) and answers true when there is something to deliver (messages
/// left in the pipe, or a connection that is up) and the linger allows it; false when the
/// session is to finish now.
pub(super) fn start_linger(
    ctl: &mut Ctl,
    pipe: &mut Option<Pipe>,
    connected: bool,
    timer: u64,
) -> bool {
    let linger = pipe.as_ref().map_or(0, |p| p.peer_linger());
    let pending = pipe.as_mut().is_some_and(|p| p.check_read());
    if linger == 0 || (!pending && !connected) {
        return false;
    }
    if linger > 0 {
        ctl.set_timer(Duration::from_millis(linger as u64), timer);
    }
    true
}

/// Registers the stream of a connect in progress (readable and writable: its end shows as
/// either); false if that failed.
pub(super) fn register_connecting(ctl: &mut Ctl, stream: &mut Stream) -> bool {
    ctl.registry()
        .register(stream, ctl.token, Interest::READABLE | Interest::WRITABLE)
        .is_ok()
}

/// The reconnect interval after `ivl`: doubled up to ZMQ_RECONNECT_IVL_MAX when that is set
/// (exponential backoff, as libzmq), else unchanged.
pub(super) fn backoff(ivl: i32, ivl_max: i32) -> i32 {
    if ivl_max > 0 {
        (ivl * 2).min(ivl_max)
    } else {
        ivl
    }
}

/// Closes the connection's stream (if any), then ends the session's pipe (`end_pipe`).
pub(super) fn close(
    ctl: &mut Ctl,
    stream: Option<Stream>,
    pipe: &mut Option<Pipe>,
    cfg: &SessionConfig,
) {
    if let Some(mut stream) = stream {
        let _ = ctl.registry().deregister(&mut stream);
    }
    end_pipe(ctl, pipe, cfg);
}
