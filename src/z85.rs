//! Z85, the printable encoding of ZeroMQ RFC 32 (rfc.zeromq.org/spec/32): every 4 bytes,
//! read as a big-endian 32-bit number, become 5 characters, the base-85 digits of that number,
//! most significant first, drawn from an 85-character alphabet that is safe in source code,
//! configuration files and shells.
//!
//! These functions take any input length that is a multiple of the block size (including
//! zero); the stricter rules of `zmq_z85_decode` (at least one block) live in the C API.

use crate::error::{Error, Result};

/// The 85 digits, in order of value (RFC 32).
const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Marks a byte that is not a digit in `DIGIT_VALUE`.
const NOT_A_DIGIT: u8 = 0xff;

/// The value of each byte as a Z85 digit, or `NOT_A_DIGIT`.
const DIGIT_VALUE: [u8; 256] = {
    let mut table = [NOT_A_DIGIT; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Bytes per block of binary data.
const BYTES: usize = 4;
/// Characters per block of text.
const CHARS: usize = 5;

/// Length of the text for `n` bytes (`n` a multiple of 4), without any terminator.
pub fn encoded_len(n: usize) -> usize {
    n / BYTES * CHARS
}

/// Length of the data that `n` characters (`n` a multiple of 5) decode to.
pub fn decoded_len(n: usize) -> usize {
    n / CHARS * BYTES
}

/// Encodes `data` into the first `encoded_len(data.len())` bytes of `out`.
///
/// EINVAL when `data.len()` is not a multiple of 4 or `out` is too short.
pub fn encode_into(data: &[u8], out: &mut [u8]) -> Result<()> {
    if !data.len().is_multiple_of(BYTES) || out.len() < encoded_len(data.len()) {
        return Err(Error::INVAL);
    }
    for (block, text) in data.chunks_exact(BYTES).zip(out.chunks_exact_mut(CHARS)) {
        let mut value = u32::from_be_bytes([block[0], block[1], block[2], block[3]]);
        // Least significant digit last: fill the group from its end.
        for c in text.iter_mut().rev() {
            *c = ALPHABET[(value % 85) as usize];
            value /= 85;
        }
    }
    Ok(())
}

/// Encodes `data` (length a multiple of 4) as a string; EINVAL otherwise.
pub fn encode(data: &[u8]) -> Result<String> {
    let mut out = vec![0u8; encoded_len(data.len())];
    encode_into(data, &mut out)?;
    // Every byte comes from ALPHABET, which is ASCII.
    Ok(out.into_iter().map(char::from).collect())
}

/// Decodes `text` into the first `decoded_len(text.len())` bytes of `out`.
///
/// EINVAL when `text.len()` is not a multiple of 5, `out` is too short, a character is not in
/// the alphabet, or a group of 5 characters stands for a number above 2^32 - 1 (the largest
/// 5-digit base-85 number is 85^5 - 1 = 4 437 053 124). Groups before a bad one are already
/// written to `out` when the error is returned.
pub fn decode_into(text: &[u8], out: &mut [u8]) -> Result<()> {
    if !text.len().is_multiple_of(CHARS) || out.len() < decoded_len(text.len()) {
        return Err(Error::INVAL);
    }
    for (group, block) in text.chunks_exact(CHARS).zip(out.chunks_exact_mut(BYTES)) {
        let mut value: u32 = 0;
        for &c in group {
            let digit = DIGIT_VALUE[c as usize];
            if digit == NOT_A_DIGIT {
                return Err(Error::INVAL);
            }
            value = value
                .checked_mul(85)
                .and_then(|v| v.checked_add(u32::from(digit)))
                .ok_or(Error::INVAL)?;
        }
        block.copy_from_slice(&value.to_be_bytes());
    }
    Ok(())
}

/// Decodes `text` (length a multiple of 5, Z85 characters only); EINVAL otherwise.
pub fn decode(text: &[u8]) -> Result<Vec<u8>> {
    let mut out = vec![0u8; decoded_len(text.len())];
    decode_into(text, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of RFC 32.
    const HELLO: [u8; 8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];

    #[test]
    fn rfc32_vector_encodes() {
        assert_eq!(encode(&HELLO).unwrap(), "HelloWorld");
    }

    #[test]
    fn rfc32_vector_decodes() {
        assert_eq!(decode(b"HelloWorld").unwrap(), HELLO);
    }

    #[test]
    fn alphabet_is_85_distinct_printable_characters() {
        let mut seen = [false; 256];
        for &c in ALPHABET {
            assert!(c.is_ascii_graphic());
            assert!(!seen[c as usize], "{} twice", c as char);
            seen[c as usize] = true;
        }
        let digits = DIGIT_VALUE.iter().filter(|&&v| v != NOT_A_DIGIT).count();
        assert_eq!(digits, 85);
    }

    #[test]
    fn extremes() {
        assert_eq!(encode(&[0, 0, 0, 0]).unwrap(), "00000");
        // 2^32 - 1 in base 85 is 82 23 54 31 70 in digits.
        assert_eq!(encode(&[0xff; 4]).unwrap(), "%nSc0");
        assert_eq!(decode(b"%nSc0").unwrap(), [0xff; 4]);
        assert_eq!(decode(b"00000").unwrap(), [0; 4]);
    }

    #[test]
    fn round_trip_every_byte_value() {
        let data: Vec<u8> = (0..=255u8).collect();
        let text = encode(&data).unwrap();
        assert_eq!(text.len(), 320);
        assert_eq!(decode(text.as_bytes()).unwrap(), data);
    }

    #[test]
    fn round_trip_pseudo_random() {
        let mut x: u32 = 0x1234_5678;
        for len in (0..200).step_by(4) {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let text = encode(&data).unwrap();
            assert_eq!(text.len(), len / 4 * 5);
            assert_eq!(decode(text.as_bytes()).unwrap(), data);
        }
    }

    #[test]
    fn empty_is_empty() {
        assert_eq!(encode(&[]).unwrap(), "");
        assert_eq!(decode(b"").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn bad_lengths() {
        for n in [1, 2, 3, 5, 7] {
            assert_eq!(encode(&vec![0; n]), Err(Error::INVAL));
        }
        for n in [1, 4, 6, 9, 11] {
            assert_eq!(decode(&vec![b'0'; n]), Err(Error::INVAL));
        }
    }

    #[test]
    fn short_output_buffers() {
        let mut out = [0u8; 9];
        assert_eq!(encode_into(&HELLO, &mut out), Err(Error::INVAL));
        let mut out = [0u8; 7];
        assert_eq!(decode_into(b"HelloWorld", &mut out), Err(Error::INVAL));
        // A longer buffer is fine, and only the prefix is written.
        let mut out = [0xaau8; 12];
        encode_into(&HELLO, &mut out).unwrap();
        assert_eq!(&out[..10], b"HelloWorld");
        assert_eq!(&out[10..], [0xaa, 0xaa]);
    }

    #[test]
    fn characters_outside_the_alphabet() {
        for c in [
            b' ', b'"', b'\'', b',', b';', b'\\', b'_', b'`', b'|', b'~', 0x7f, 0x80, 0xff, 0,
            b'\n',
        ] {
            let mut text = *b"Hello";
            text[2] = c;
            assert_eq!(decode(&text), Err(Error::INVAL), "character {c:#x}");
        }
    }

    #[test]
    fn groups_above_u32_max() {
        // "%nSc0" is 2^32 - 1; one more in the last digit overflows, as does every larger group.
        assert_eq!(decode(b"%nSc1"), Err(Error::INVAL));
        assert_eq!(decode(b"%nSd0"), Err(Error::INVAL));
        assert_eq!(decode(b"#####"), Err(Error::INVAL));
        assert_eq!(decode(b"HelloWorld#####"), Err(Error::INVAL));
    }

    #[test]
    fn error_keeps_groups_before_it() {
        let mut out = [0u8; 8];
        assert_eq!(decode_into(b"Hello#####", &mut out), Err(Error::INVAL));
        assert_eq!(&out[..4], &HELLO[..4]);
        assert_eq!(&out[4..], [0; 4]);
    }
}
