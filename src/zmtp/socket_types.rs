//! Which socket types may talk to which over ZMTP (libzmq's check on the peer's Socket-Type).

use crate::socket::SocketType::{self, *};

/// True if a socket of type `mine` accepts a peer announcing `peer` (its Socket-Type name).
pub fn compatible(mine: SocketType, peer: &[u8]) -> bool {
    let ok: &[&[u8]] = match mine {
        Pair => &[b"PAIR"],
        Pub | XPub => &[b"SUB", b"XSUB"],
        Sub | XSub => &[b"PUB", b"XPUB"],
        Req => &[b"REP", b"ROUTER"],
        Rep => &[b"REQ", b"DEALER"],
        Dealer => &[b"REP", b"DEALER", b"ROUTER"],
        Router => &[b"REQ", b"DEALER", b"ROUTER"],
        Pull => &[b"PUSH"],
        Push => &[b"PULL"],
        Server => &[b"CLIENT"],
        Client => &[b"SERVER"],
        Radio => &[b"DISH"],
        Dish => &[b"RADIO"],
        Gather => &[b"SCATTER"],
        Scatter => &[b"GATHER"],
        Peer => &[b"PEER"],
        Channel => &[b"CHANNEL"],
        Dgram | Stream => &[],
    };
    ok.contains(&peer)
}

/// The socket-type octet of a ZMTP 2.0 greeting (RFC 15), for the classic types.
pub fn v2_type_octet(t: SocketType) -> Option<u8> {
    matches!(
        t,
        Pair | Pub | Sub | Req | Rep | Dealer | Router | Pull | Push | XPub | XSub
    )
    .then(|| match t {
        // 2.0 has no XPUB/XSUB numbers: they present as PUB/SUB.
        XPub => 1,
        XSub => 2,
        other => other.raw() as u8,
    })
}

/// The type name a ZMTP 2.0 peer announced with its socket-type octet.
pub fn v2_type_name(octet: u8) -> Option<&'static [u8]> {
    Some(match octet {
        0 => b"PAIR",
        1 => b"PUB",
        2 => b"SUB",
        3 => b"REQ",
        4 => b"REP",
        5 => b"DEALER",
        6 => b"ROUTER",
        7 => b"PULL",
        8 => b"PUSH",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs() {
        assert!(compatible(Req, b"ROUTER"));
        assert!(compatible(XSub, b"XPUB"));
        assert!(!compatible(Req, b"REQ"));
        assert!(!compatible(Push, b"PUSH"));
        assert!(!compatible(Pair, b"pair"), "case-sensitive, as libzmq");
        assert_eq!(v2_type_octet(Dealer), Some(5));
        assert_eq!(v2_type_name(7), Some(&b"PULL"[..]));
        assert_eq!(v2_type_octet(Server), None);
    }
}
