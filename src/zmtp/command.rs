//! ZMTP 3.x commands and their property lists.
//!
//! A command body is a 1-octet name length, the name, then the command's data. Properties
//! (READY, INITIATE, ZAP metadata) are a 1-octet name length (1..255), the name, a 4-octet
//! big-endian value length (< 2^31), the value.

use super::ProtocolError;

/// Property names allowed by the spec: ALPHA DIGIT - _ . +
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'+'))
}

/// A parsed property list: (name, value) in wire order.
pub type Properties = Vec<(Vec<u8>, Vec<u8>)>;

/// Parses properties, refusing anything malformed (lengths past the end, bad names).
pub fn parse_properties(mut data: &[u8]) -> Result<Properties, ProtocolError> {
    let mut props = Vec::new();
    while !data.is_empty() {
        let nlen = data[0] as usize;
        let name = data
            .get(1..1 + nlen)
            .ok_or(ProtocolError::InvalidMetadata)?;
        if !valid_name(name) {
            return Err(ProtocolError::InvalidMetadata);
        }
        data = &data[1 + nlen..];
        let vlen_b = data.get(..4).ok_or(ProtocolError::InvalidMetadata)?;
        let vlen = u32::from_be_bytes(vlen_b.try_into().unwrap()) as usize;
        if vlen > i32::MAX as usize {
            return Err(ProtocolError::InvalidMetadata);
        }
        let value = data
            .get(4..4 + vlen)
            .ok_or(ProtocolError::InvalidMetadata)?;
        props.push((name.to_vec(), value.to_vec()));
        data = &data[4 + vlen..];
    }
    Ok(props)
}

/// Appends one property.
pub fn put_property(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    debug_assert!(!name.is_empty() && name.len() <= 255);
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    out.extend_from_slice(&(value.len() as u32).to_be_bytes());
    out.extend_from_slice(value);
}

/// Finds a property by exact name (libzmq matches "Socket-Type"/"Identity" this way).
pub fn property<'a>(props: &'a Properties, name: &[u8]) -> Option<&'a [u8]> {
    props
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_slice())
}

/// A command body with the given name and data.
pub fn command(name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + name.len() + data.len());
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    out.extend_from_slice(data);
    out
}

/// Splits a command body into (name, data). A body that names no command (as libzmq, which
/// matches names by prefix, sees it) is an unexpected command.
pub fn split(body: &[u8]) -> Result<(&[u8], &[u8]), ProtocolError> {
    let n = *body.first().ok_or(ProtocolError::UnexpectedCommand)? as usize;
    let name = body.get(1..1 + n).ok_or(ProtocolError::UnexpectedCommand)?;
    Ok((name, &body[1 + n..]))
}

/// The commands of the traffic phase (after the handshake).
#[derive(Debug, PartialEq, Eq)]
pub enum Traffic<'a> {
    Subscribe(&'a [u8]),
    Cancel(&'a [u8]),
    /// TTL in deciseconds, and up to 16 octets of context to echo.
    Ping {
        ttl: u16,
        context: &'a [u8],
    },
    Pong(&'a [u8]),
    Error(&'a [u8]),
    Join(&'a [u8]),
    Leave(&'a [u8]),
    /// A command this version does not know: ignored, as RFC 37 asks.
    Unknown(&'a [u8]),
}

pub fn parse_traffic(body: &[u8]) -> Result<Traffic<'_>, ProtocolError> {
    let (name, data) = split(body)?;
    Ok(match name {
        b"SUBSCRIBE" => Traffic::Subscribe(data),
        b"CANCEL" => Traffic::Cancel(data),
        b"PING" => {
            if data.len() < 2 || data.len() > 2 + 16 {
                return Err(ProtocolError::MalformedCommandUnspecified);
            }
            Traffic::Ping {
                ttl: u16::from_be_bytes([data[0], data[1]]),
                context: &data[2..],
            }
        }
        b"PONG" => Traffic::Pong(data),
        b"ERROR" => Traffic::Error(parse_error(data)?),
        b"JOIN" => Traffic::Join(data),
        b"LEAVE" => Traffic::Leave(data),
        _ => Traffic::Unknown(name),
    })
}

/// The reason of an ERROR command (1-octet length + text).
pub fn parse_error(data: &[u8]) -> Result<&[u8], ProtocolError> {
    let n = *data.first().ok_or(ProtocolError::MalformedCommandError)? as usize;
    data.get(1..1 + n)
        .ok_or(ProtocolError::MalformedCommandError)
}

/// An ERROR received in a handshake, as the error it ends the handshake with: a reason of
/// "300", "400" or "500" is a ZAP verdict (reported as HANDSHAKE_FAILED_AUTH).
pub fn refused(data: &[u8]) -> ProtocolError {
    match parse_error(data) {
        Ok(&[d @ b'3'..=b'5', b'0', b'0']) => ProtocolError::Refused(u16::from(d - b'0') * 100),
        Ok(_) => ProtocolError::Refused(0),
        Err(e) => e,
    }
}

/// The properties in wire form (READY, INITIATE, ZAP metadata).
pub fn properties(props: &Properties) -> Vec<u8> {
    let mut data = Vec::new();
    for (n, v) in props {
        put_property(&mut data, n, v);
    }
    data
}

pub fn ready(props: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut data = Vec::new();
    for (n, v) in props {
        put_property(&mut data, n, v);
    }
    command(b"READY", &data)
}

pub fn error(reason: &[u8]) -> Vec<u8> {
    let r = &reason[..reason.len().min(255)];
    let mut data = vec![r.len() as u8];
    data.extend_from_slice(r);
    command(b"ERROR", &data)
}

pub fn subscribe(topic: &[u8]) -> Vec<u8> {
    command(b"SUBSCRIBE", topic)
}

pub fn cancel(topic: &[u8]) -> Vec<u8> {
    command(b"CANCEL", topic)
}

pub fn ping(ttl_ds: u16, context: &[u8]) -> Vec<u8> {
    let mut data = ttl_ds.to_be_bytes().to_vec();
    data.extend_from_slice(&context[..context.len().min(16)]);
    command(b"PING", &data)
}

pub fn pong(context: &[u8]) -> Vec<u8> {
    command(b"PONG", context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_bytes_as_the_rfc_shows() {
        let body = ready(&[(b"Socket-Type", b"DEALER"), (b"Identity", b"")]);
        let mut want = b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER".to_vec();
        want.extend_from_slice(b"\x08Identity\x00\x00\x00\x00");
        assert_eq!(body, want);
        let (name, data) = split(&body).unwrap();
        assert_eq!(name, b"READY");
        let props = parse_properties(data).unwrap();
        assert_eq!(property(&props, b"Socket-Type"), Some(&b"DEALER"[..]));
        assert_eq!(property(&props, b"Identity"), Some(&b""[..]));
    }

    #[test]
    fn malformed_properties() {
        // Value length runs past the end.
        assert!(parse_properties(b"\x01A\x00\x00\x00\x05ab").is_err());
        // Name length past the end, empty name, bad character.
        assert!(parse_properties(b"\x09Short").is_err());
        assert!(parse_properties(b"\x00\x00\x00\x00\x00").is_err());
        assert!(parse_properties(b"\x02A!\x00\x00\x00\x00").is_err());
        // Value length with the top bit set.
        assert!(parse_properties(b"\x01A\x80\x00\x00\x00").is_err());
        // 255-char name is fine.
        let mut p = Vec::new();
        put_property(&mut p, &[b'a'; 255], b"v");
        assert_eq!(parse_properties(&p).unwrap()[0].0.len(), 255);
    }

    #[test]
    fn traffic_commands() {
        assert_eq!(
            parse_traffic(&subscribe(b"ab")).unwrap(),
            Traffic::Subscribe(b"ab")
        );
        assert_eq!(parse_traffic(&cancel(b"")).unwrap(), Traffic::Cancel(b""));
        assert_eq!(
            parse_traffic(&ping(10, b"ctx")).unwrap(),
            Traffic::Ping {
                ttl: 10,
                context: b"ctx"
            }
        );
        assert_eq!(&ping(0x0102, b"")[..], b"\x04PING\x01\x02");
        assert_eq!(parse_traffic(&pong(b"ctx")).unwrap(), Traffic::Pong(b"ctx"));
        assert_eq!(parse_traffic(&error(b"no")).unwrap(), Traffic::Error(b"no"));
        assert_eq!(
            parse_traffic(b"\x03FOOxyz").unwrap(),
            Traffic::Unknown(b"FOO")
        );
        assert!(parse_traffic(b"").is_err());
        assert!(parse_traffic(b"\x09SUB").is_err());
        assert!(parse_traffic(b"\x04PING\x00").is_err(), "PING needs a TTL");
        assert!(parse_traffic(b"\x05ERROR\x05ab").is_err());
    }
}
