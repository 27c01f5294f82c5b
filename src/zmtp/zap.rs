//! ZAP (RFC 27): the request a server sends its process's handler at
//! `inproc://zeromq.zap.01`, and the checks libzmq makes of the reply.

use super::command::{self, Properties};
use super::mechanism::ZapRequest;
use crate::capi::consts::*;
use crate::msg::Msg;

/// The inproc endpoint (without "inproc://") a ZAP handler binds.
pub const ENDPOINT: &str = "zeromq.zap.01";

/// Reply frames: delimiter, version, request id, status code, status text, user id, metadata.
const REPLY_FRAMES: usize = 7;

/// The request id we send; one request per connection, so it is always "1" (as libzmq's).
const REQUEST_ID: &[u8] = b"1";

/// The frames of a request: an empty delimiter (so REP and ROUTER handlers both read it as
/// an envelope), "1.0", request id, domain, peer address, our routing id, mechanism, then
/// the mechanism's credentials.
pub fn request(req: &ZapRequest, domain: &[u8], address: &[u8], routing_id: &[u8]) -> Vec<Msg> {
    let mut parts: Vec<&[u8]> = vec![b"", b"1.0", REQUEST_ID, domain, address, routing_id];
    parts.push(req.mechanism);
    parts.extend(req.credentials.iter().map(|c| c.as_slice()));
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let mut m = Msg::from_slice(p).unwrap_or_default();
            m.set_more(i + 1 < n);
            m
        })
        .collect()
}

/// A valid reply's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// 200, 300, 400 or 500.
    pub status: u16,
    /// User-Id (possibly empty) first, then the handler's metadata: the properties the
    /// connection's messages carry from ZAP.
    pub properties: Properties,
}

/// Checks a whole reply (`frames` is one multipart message) as libzmq does; Err is the
/// ZMQ_PROTOCOL_ERROR_ZAP_* value for HANDSHAKE_FAILED_PROTOCOL.
pub fn parse_reply(frames: &[Msg]) -> Result<Reply, i32> {
    if frames.len() != REPLY_FRAMES {
        return Err(ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY);
    }
    let f = |i: usize| frames[i].as_slice();
    if !f(0).is_empty() {
        return Err(ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED);
    }
    if f(1) != b"1.0" {
        return Err(ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION);
    }
    if f(2) != REQUEST_ID {
        return Err(ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID);
    }
    let status = match f(3) {
        &[d @ b'2'..=b'5', b'0', b'0'] => u16::from(d - b'0') * 100,
        _ => return Err(ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE),
    };
    let metadata =
        command::parse_properties(f(6)).map_err(|_| ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA)?;
    let mut properties = vec![(b"User-Id".to_vec(), f(5).to_vec())];
    properties.extend(metadata);
    Ok(Reply { status, properties })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgs(parts: &[&[u8]]) -> Vec<Msg> {
        parts.iter().map(|p| Msg::from_slice(p).unwrap()).collect()
    }

    #[test]
    fn request_frames() {
        let req = ZapRequest {
            mechanism: b"PLAIN",
            credentials: vec![b"admin".to_vec(), b"secret".to_vec()],
        };
        let f = request(&req, b"dom", b"127.0.0.1", b"rid");
        let bodies: Vec<&[u8]> = f.iter().map(|m| m.as_slice()).collect();
        assert_eq!(
            bodies,
            vec![
                &b""[..],
                b"1.0",
                b"1",
                b"dom",
                b"127.0.0.1",
                b"rid",
                b"PLAIN",
                b"admin",
                b"secret"
            ]
        );
        assert!(f[..8].iter().all(|m| m.more()));
        assert!(!f[8].more());
    }

    #[test]
    fn replies() {
        let ok = parse_reply(&msgs(&[
            b"",
            b"1.0",
            b"1",
            b"200",
            b"OK",
            b"alice",
            b"\x05X-Foo\x00\x00\x00\x03bar",
        ]))
        .unwrap();
        assert_eq!(ok.status, 200);
        assert_eq!(
            ok.properties,
            vec![
                (b"User-Id".to_vec(), b"alice".to_vec()),
                (b"X-Foo".to_vec(), b"bar".to_vec())
            ]
        );
        let bad = |parts: &[&[u8]]| parse_reply(&msgs(parts)).unwrap_err();
        let good: [&[u8]; 7] = [b"", b"1.0", b"1", b"400", b"", b"", b""];
        assert_eq!(parse_reply(&msgs(&good)).unwrap().status, 400);
        assert_eq!(bad(&good[..6]), ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY);
        let mut p = good;
        p[0] = b"x";
        assert_eq!(bad(&p), ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED);
        let mut p = good;
        p[1] = b"2.0";
        assert_eq!(bad(&p), ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION);
        let mut p = good;
        p[2] = b"2";
        assert_eq!(bad(&p), ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID);
        for code in [&b"201"[..], b"600", b"20", b"abc", b"100"] {
            let mut p = good;
            p[3] = code;
            assert_eq!(bad(&p), ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE);
        }
        let mut p = good;
        p[6] = b"\x05X-Foo\x00\x00";
        assert_eq!(bad(&p), ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA);
    }
}
