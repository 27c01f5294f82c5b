//! How option values cross the C boundary: the size rules libzmq applies when it reads a
//! value from `zmq_setsockopt` and writes one for `zmq_getsockopt`.

use std::os::raw::c_int;

use crate::error::{Error, Result};

const INT: usize = std::mem::size_of::<c_int>();

/// An `int` value: exactly `sizeof(int)` bytes, or nothing.
pub fn int(val: &[u8]) -> Option<c_int> {
    <[u8; INT]>::try_from(val).ok().map(c_int::from_ne_bytes)
}

/// An `int` value that `ok` accepts; EINVAL for a wrong size or value.
pub fn int_where(val: &[u8], ok: impl Fn(c_int) -> bool) -> Result<c_int> {
    int(val).filter(|&v| ok(v)).ok_or(Error::INVAL)
}

/// An `int` of at least `min`.
pub fn int_min(val: &[u8], min: c_int) -> Result<c_int> {
    int_where(val, |v| v >= min)
}

/// An `int` that must be 0 or 1 (libzmq's "strict" booleans).
pub fn bool_strict(val: &[u8]) -> Result<bool> {
    int_where(val, |v| v == 0 || v == 1).map(|v| v != 0)
}

/// Any `int`, non-zero meaning true (libzmq's "relaxed" booleans).
pub fn bool_relaxed(val: &[u8]) -> Result<bool> {
    int(val).map(|v| v != 0).ok_or(Error::INVAL)
}

/// An `int64_t`/`uint64_t` value: exactly 8 bytes.
pub fn eight(val: &[u8]) -> Result<[u8; 8]> {
    <[u8; 8]>::try_from(val).map_err(|_| Error::INVAL)
}

/// A string that may be reset only with NULL/0: NULL → empty, otherwise 1..=max bytes
/// (a non-NULL empty value is EINVAL).
pub fn string_strict(val: Option<&[u8]>, max: usize) -> Result<Vec<u8>> {
    match val {
        None => Ok(Vec::new()),
        Some(v) if !v.is_empty() && v.len() <= max => Ok(v.to_vec()),
        Some(_) => Err(Error::INVAL),
    }
}

/// A string of 1..=max bytes; libzmq calls this "allow empty relaxed" but rejects empty.
pub fn string_relaxed(val: &[u8], max: usize) -> Result<Vec<u8>> {
    if !val.is_empty() && val.len() <= max {
        Ok(val.to_vec())
    } else {
        Err(Error::INVAL)
    }
}

/// Writes an `int` into a buffer of exactly `sizeof(int)`.
pub fn put_int(buf: &mut [u8], v: c_int) -> Result<usize> {
    put_exact(buf, &v.to_ne_bytes())
}

/// Writes a value into a buffer of exactly its size (ints, int64, uint64).
pub fn put_exact(buf: &mut [u8], v: &[u8]) -> Result<usize> {
    if buf.len() != v.len() {
        return Err(Error::INVAL);
    }
    buf.copy_from_slice(v);
    Ok(v.len())
}

/// libzmq's `do_getsockopt`: the buffer may be larger than the value; the rest is zeroed and
/// the length written is the value's. Too small → EINVAL.
pub fn put_relaxed(buf: &mut [u8], v: &[u8]) -> Result<usize> {
    if buf.len() < v.len() {
        return Err(Error::INVAL);
    }
    let (head, tail) = buf.split_at_mut(v.len());
    head.copy_from_slice(v);
    tail.fill(0);
    Ok(v.len())
}

/// An `int` with the relaxed rule (RCVMORE, EVENTS, FD, THREAD_SAFE, TOPICS_COUNT).
pub fn put_int_relaxed(buf: &mut [u8], v: c_int) -> Result<usize> {
    put_relaxed(buf, &v.to_ne_bytes())
}

/// A string with its terminating NUL; the length written is `strlen + 1`.
pub fn put_str(buf: &mut [u8], s: &[u8]) -> Result<usize> {
    if buf.len() <= s.len() {
        return Err(Error::INVAL);
    }
    put_relaxed(buf, s)?;
    Ok(s.len() + 1)
}
