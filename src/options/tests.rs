//! Unit tests of the option table: defaults, size rules, ranges, type restrictions.

use std::os::raw::c_int;

use super::ids;
use super::*;
use crate::capi::consts::*;
use crate::socket::SocketType::{self, *};

const ALL_TYPES: [SocketType; 21] = [
    Pair, Pub, Sub, Req, Rep, Dealer, Router, Pull, Push, XPub, XSub, Stream, Server, Client,
    Radio, Dish, Gather, Scatter, Dgram, Peer, Channel,
];

fn int_bytes(v: c_int) -> [u8; 4] {
    v.to_ne_bytes()
}

fn get_int(o: &Options, kind: SocketType, option: c_int) -> Result<c_int> {
    let mut b = [0u8; 4];
    assert_eq!(o.get(kind, option, &mut b)?, 4);
    Ok(c_int::from_ne_bytes(b))
}

fn get_bytes(o: &Options, kind: SocketType, option: c_int) -> Result<Vec<u8>> {
    let mut b = [0xaau8; 300];
    let n = o.get(kind, option, &mut b)?;
    assert!(
        b[n..].iter().all(|&x| x == 0),
        "rest of the buffer is zeroed"
    );
    Ok(b[..n].to_vec())
}

fn set_int(o: &mut Options, kind: SocketType, option: c_int, v: c_int) -> Result<()> {
    o.set(kind, option, &int_bytes(v))
}

/// Every int option that every type can read, with its default.
const INT_DEFAULTS: &[(c_int, c_int)] = &[
    (ZMQ_SNDHWM, 1000),
    (ZMQ_RCVHWM, 1000),
    (ZMQ_RATE, 100),
    (ZMQ_RECOVERY_IVL, 10000),
    (ZMQ_SNDBUF, -1),
    (ZMQ_RCVBUF, -1),
    (ZMQ_LINGER, -1),
    (ZMQ_RECONNECT_IVL, 100),
    (ZMQ_RECONNECT_IVL_MAX, 0),
    (ZMQ_BACKLOG, 100),
    (ZMQ_MULTICAST_HOPS, 1),
    (ZMQ_RCVTIMEO, -1),
    (ZMQ_SNDTIMEO, -1),
    (ZMQ_IPV4ONLY, 1),
    (ZMQ_IPV6, 0),
    (ZMQ_TCP_KEEPALIVE, -1),
    (ZMQ_TCP_KEEPALIVE_CNT, -1),
    (ZMQ_TCP_KEEPALIVE_IDLE, -1),
    (ZMQ_TCP_KEEPALIVE_INTVL, -1),
    (ZMQ_IMMEDIATE, 0),
    (ZMQ_MECHANISM, ZMQ_NULL),
    (ZMQ_PLAIN_SERVER, 0),
    (ZMQ_CONFLATE, 0),
    (ZMQ_TOS, 0),
    (ZMQ_HANDSHAKE_IVL, 30000),
    (ZMQ_INVERT_MATCHING, 0),
    (ZMQ_HEARTBEAT_IVL, 0),
    (ZMQ_HEARTBEAT_TTL, 0),
    (ZMQ_HEARTBEAT_TIMEOUT, -1),
    (ZMQ_CONNECT_TIMEOUT, 0),
    (ZMQ_TCP_MAXRT, 0),
    (ZMQ_MULTICAST_MAXTPDU, 1500),
    (ZMQ_USE_FD, -1),
    (ids::ZMQ_ZAP_ENFORCE_DOMAIN, 0),
    (ids::ZMQ_LOOPBACK_FASTPATH, 0),
    (ids::ZMQ_MULTICAST_LOOP, 1),
    (ids::ZMQ_RECONNECT_STOP, 0),
];

#[cfg(feature = "draft")]
const DRAFT_INT_DEFAULTS: &[(c_int, c_int)] = &[
    (ids::ZMQ_ROUTER_NOTIFY, 0),
    (ids::ZMQ_IN_BATCH_SIZE, 8192),
    (ids::ZMQ_OUT_BATCH_SIZE, 8192),
    (ids::ZMQ_PRIORITY, 0),
];
#[cfg(not(feature = "draft"))]
const DRAFT_INT_DEFAULTS: &[(c_int, c_int)] = &[];

const STRINGS: [c_int; 7] = [
    ZMQ_PLAIN_USERNAME,
    ZMQ_PLAIN_PASSWORD,
    ZMQ_ZAP_DOMAIN,
    ZMQ_SOCKS_PROXY,
    ids::ZMQ_SOCKS_USERNAME,
    ids::ZMQ_SOCKS_PASSWORD,
    ZMQ_BINDTODEVICE,
];

#[test]
fn defaults_on_every_type() {
    let o = Options::default();
    for kind in ALL_TYPES {
        for &(opt, want) in INT_DEFAULTS.iter().chain(DRAFT_INT_DEFAULTS) {
            assert_eq!(get_int(&o, kind, opt), Ok(want), "option {opt} on {kind:?}");
        }
        assert_eq!(get_int(&o, kind, ZMQ_TYPE), Ok(kind.raw()));
        let mut b8 = [0xffu8; 8];
        assert_eq!(o.get(kind, ZMQ_AFFINITY, &mut b8), Ok(8));
        assert_eq!(u64::from_ne_bytes(b8), 0);
        assert_eq!(o.get(kind, ZMQ_MAXMSGSIZE, &mut b8), Ok(8));
        assert_eq!(i64::from_ne_bytes(b8), -1);
        assert_eq!(get_bytes(&o, kind, ZMQ_ROUTING_ID), Ok(vec![]));
        for s in STRINGS {
            assert_eq!(get_bytes(&o, kind, s), Ok(vec![0]), "string {s}");
        }
    }
}

#[test]
fn context_defaults() {
    let blocky = crate::ctx::SocketDefaults {
        linger: -1,
        ipv6: false,
    };
    for kind in ALL_TYPES {
        let o = Options::for_socket(kind, &blocky);
        let want = if matches!(kind, Sub | XSub | Dish) {
            0
        } else {
            -1
        };
        assert_eq!(get_int(&o, kind, ZMQ_LINGER), Ok(want), "{kind:?}");
    }
    let o = Options::for_socket(
        Pair,
        &crate::ctx::SocketDefaults {
            linger: 0,
            ipv6: true,
        },
    );
    assert_eq!(get_int(&o, Pair, ZMQ_LINGER), Ok(0));
    assert_eq!(get_int(&o, Pair, ZMQ_IPV6), Ok(1));
    assert_eq!(get_int(&o, Pair, ZMQ_IPV4ONLY), Ok(0));
}

#[test]
fn int_options_need_exactly_sizeof_int() {
    for &(opt, _) in INT_DEFAULTS.iter().chain(DRAFT_INT_DEFAULTS) {
        let mut o = Options::default();
        for len in [0usize, 3, 5, 8] {
            let mut buf = [0u8; 8];
            assert_eq!(
                o.get(Pair, opt, &mut buf[..len]),
                Err(Error::INVAL),
                "get {opt}/{len}"
            );
            let r = o.set(Router, opt, &[0u8; 8][..len]);
            assert_eq!(r, Err(Error::INVAL), "set {opt}/{len}");
        }
        assert_eq!(o, Options::default(), "a refused value changes nothing");
    }
}

#[test]
fn eight_byte_options() {
    let mut o = Options::default();
    for opt in [ZMQ_AFFINITY, ZMQ_MAXMSGSIZE] {
        assert_eq!(o.set(Pair, opt, &[1, 2, 3, 4]), Err(Error::INVAL));
        let mut b4 = [0u8; 4];
        assert_eq!(o.get(Pair, opt, &mut b4), Err(Error::INVAL));
        let mut b16 = [0u8; 16];
        assert_eq!(o.get(Pair, opt, &mut b16), Err(Error::INVAL));
    }
    o.set(Pair, ZMQ_MAXMSGSIZE, &4096i64.to_ne_bytes()).unwrap();
    assert_eq!(o.maxmsgsize, 4096);
    o.set(Pair, ZMQ_AFFINITY, &u64::MAX.to_ne_bytes()).unwrap();
    assert_eq!(o.affinity, u64::MAX);
}

#[test]
fn ranges() {
    let mut o = Options::default();
    let cases: &[(c_int, c_int, c_int)] = &[
        // (option, smallest accepted, a refused value)
        (ZMQ_LINGER, -1, -2),
        (ZMQ_SNDHWM, 0, -1),
        (ZMQ_RCVHWM, 0, -1),
        (ZMQ_RCVTIMEO, -1, -2),
        (ZMQ_SNDTIMEO, -1, -2),
        (ZMQ_SNDBUF, -1, -2),
        (ZMQ_RCVBUF, -1, -2),
        (ZMQ_RATE, 1, 0),
        (ZMQ_RECOVERY_IVL, 0, -1),
        (ZMQ_RECONNECT_IVL, -1, -2),
        (ZMQ_RECONNECT_IVL_MAX, 0, -1),
        (ZMQ_BACKLOG, 0, -1),
        (ZMQ_MULTICAST_HOPS, 1, 0),
        (ZMQ_MULTICAST_MAXTPDU, 1, 0),
        (ZMQ_TCP_KEEPALIVE_CNT, -1, -2),
        (ZMQ_TCP_KEEPALIVE_IDLE, -1, -2),
        (ZMQ_TCP_KEEPALIVE_INTVL, -1, -2),
        (ZMQ_TOS, 0, -1),
        (ZMQ_HANDSHAKE_IVL, 0, -1),
        (ZMQ_HEARTBEAT_IVL, 0, -1),
        (ZMQ_HEARTBEAT_TIMEOUT, 0, -1),
        (ZMQ_CONNECT_TIMEOUT, 0, -1),
        (ZMQ_TCP_MAXRT, 0, -1),
        (ZMQ_USE_FD, -1, -2),
    ];
    for &(opt, min, bad) in cases {
        assert_eq!(
            set_int(&mut o, Pair, opt, bad),
            Err(Error::INVAL),
            "{opt}={bad}"
        );
        assert_eq!(set_int(&mut o, Pair, opt, min), Ok(()), "{opt}={min}");
        assert_eq!(get_int(&o, Pair, opt), Ok(min));
        assert_eq!(set_int(&mut o, Pair, opt, c_int::MAX), Ok(()));
    }
    for v in [-1, 0, 1] {
        set_int(&mut o, Pair, ZMQ_TCP_KEEPALIVE, v).unwrap();
    }
    assert_eq!(
        set_int(&mut o, Pair, ZMQ_TCP_KEEPALIVE, 2),
        Err(Error::INVAL)
    );
    for strict in [
        ZMQ_IPV6,
        ZMQ_IPV4ONLY,
        ZMQ_IMMEDIATE,
        ZMQ_CONFLATE,
        ZMQ_PLAIN_SERVER,
    ] {
        assert_eq!(set_int(&mut o, Pair, strict, 2), Err(Error::INVAL));
        assert_eq!(set_int(&mut o, Pair, strict, -1), Err(Error::INVAL));
    }
    for relaxed in [
        ZMQ_INVERT_MATCHING,
        ids::ZMQ_ZAP_ENFORCE_DOMAIN,
        ids::ZMQ_LOOPBACK_FASTPATH,
        ids::ZMQ_MULTICAST_LOOP,
    ] {
        set_int(&mut o, Pair, relaxed, -7).unwrap();
        assert_eq!(get_int(&o, Pair, relaxed), Ok(1));
    }
    set_int(&mut o, Pair, ids::ZMQ_RECONNECT_STOP, -5).unwrap();
    assert_eq!(get_int(&o, Pair, ids::ZMQ_RECONNECT_STOP), Ok(-5));
}

#[test]
fn ipv4only_is_the_inverse_of_ipv6() {
    let mut o = Options::default();
    set_int(&mut o, Pair, ZMQ_IPV4ONLY, 0).unwrap();
    assert_eq!(get_int(&o, Pair, ZMQ_IPV6), Ok(1));
    set_int(&mut o, Pair, ZMQ_IPV6, 0).unwrap();
    assert_eq!(get_int(&o, Pair, ZMQ_IPV4ONLY), Ok(1));
}

#[test]
fn heartbeat_ttl_in_deciseconds() {
    let mut o = Options::default();
    for (set, got) in [(1999, 1900), (99, 0), (-99, 0), (6_553_599, 6_553_500)] {
        set_int(&mut o, Pair, ZMQ_HEARTBEAT_TTL, set).unwrap();
        assert_eq!(get_int(&o, Pair, ZMQ_HEARTBEAT_TTL), Ok(got), "{set}");
    }
    for bad in [-100, 6_553_600] {
        assert_eq!(
            set_int(&mut o, Pair, ZMQ_HEARTBEAT_TTL, bad),
            Err(Error::INVAL)
        );
    }
}

#[test]
fn routing_id() {
    let mut o = Options::default();
    assert_eq!(o.set(Dealer, ZMQ_ROUTING_ID, b""), Err(Error::INVAL));
    assert_eq!(
        o.set_nullable(Dealer, ZMQ_ROUTING_ID, None),
        Err(Error::INVAL)
    );
    assert_eq!(
        o.set(Dealer, ZMQ_ROUTING_ID, &[7u8; 256]),
        Err(Error::INVAL)
    );
    o.set(Dealer, ZMQ_ROUTING_ID, &[7u8; 255]).unwrap();
    o.set(Pub, ZMQ_ROUTING_ID, b"\0abc").unwrap();
    assert_eq!(get_bytes(&o, Pub, ZMQ_ROUTING_ID), Ok(b"\0abc".to_vec()));
    let mut small = [0u8; 3];
    assert_eq!(o.get(Pub, ZMQ_ROUTING_ID, &mut small), Err(Error::INVAL));
    let mut exact = [0u8; 4];
    assert_eq!(o.get(Pub, ZMQ_ROUTING_ID, &mut exact), Ok(4));
}

#[test]
fn strings() {
    let mut o = Options::default();
    o.set(Pair, ZMQ_ZAP_DOMAIN, b"global").unwrap();
    assert_eq!(
        get_bytes(&o, Pair, ZMQ_ZAP_DOMAIN),
        Ok(b"global\0".to_vec())
    );
    let mut exact = [0u8; 7];
    assert_eq!(o.get(Pair, ZMQ_ZAP_DOMAIN, &mut exact), Ok(7));
    let mut short = [0u8; 6];
    assert_eq!(o.get(Pair, ZMQ_ZAP_DOMAIN, &mut short), Err(Error::INVAL));
    assert_eq!(o.set(Pair, ZMQ_ZAP_DOMAIN, b""), Err(Error::INVAL));
    assert_eq!(o.set(Pair, ZMQ_ZAP_DOMAIN, &[b'a'; 256]), Err(Error::INVAL));
    o.set(Pair, ZMQ_ZAP_DOMAIN, &[b'a'; 255]).unwrap();

    // Strict strings: NULL/0 clears, empty non-NULL is refused.
    o.set(Pair, ZMQ_SOCKS_PROXY, b"proxy:1080").unwrap();
    assert_eq!(o.set(Pair, ZMQ_SOCKS_PROXY, b""), Err(Error::INVAL));
    o.set_nullable(Pair, ZMQ_SOCKS_PROXY, None).unwrap();
    assert_eq!(get_bytes(&o, Pair, ZMQ_SOCKS_PROXY), Ok(b"\0".to_vec()));
    o.set(Pair, ZMQ_BINDTODEVICE, &[b'e'; 16]).unwrap();
    assert_eq!(
        o.set(Pair, ZMQ_BINDTODEVICE, &[b'e'; 17]),
        Err(Error::INVAL)
    );

    // SOCKS credentials: NULL and empty both clear.
    o.set(Pair, ids::ZMQ_SOCKS_USERNAME, b"me").unwrap();
    o.set(Pair, ids::ZMQ_SOCKS_USERNAME, b"").unwrap();
    assert_eq!(
        get_bytes(&o, Pair, ids::ZMQ_SOCKS_USERNAME),
        Ok(b"\0".to_vec())
    );
    assert_eq!(
        o.set(Pair, ids::ZMQ_SOCKS_PASSWORD, &[1; 256]),
        Err(Error::INVAL)
    );
}

#[test]
fn plain_mechanism() {
    let mut o = Options::default();
    o.set(Pair, ZMQ_PLAIN_USERNAME, b"admin").unwrap();
    assert_eq!(get_int(&o, Pair, ZMQ_MECHANISM), Ok(ZMQ_PLAIN));
    assert_eq!(get_int(&o, Pair, ZMQ_PLAIN_SERVER), Ok(0));
    set_int(&mut o, Pair, ZMQ_PLAIN_SERVER, 1).unwrap();
    assert_eq!(get_int(&o, Pair, ZMQ_PLAIN_SERVER), Ok(1));
    assert_eq!(o.set(Pair, ZMQ_PLAIN_PASSWORD, b""), Err(Error::INVAL));
    o.set_nullable(Pair, ZMQ_PLAIN_USERNAME, None).unwrap();
    assert_eq!(get_int(&o, Pair, ZMQ_MECHANISM), Ok(ZMQ_NULL));
    assert_eq!(get_int(&o, Pair, ZMQ_PLAIN_SERVER), Ok(0));
    // The username itself stays.
    assert_eq!(
        get_bytes(&o, Pair, ZMQ_PLAIN_USERNAME),
        Ok(b"admin\0".to_vec())
    );
}

#[test]
fn unbuilt_mechanisms_and_transports() {
    let mut o = Options::default();
    let ints = [
        ZMQ_GSSAPI_SERVER,
        ZMQ_GSSAPI_PLAINTEXT,
        ZMQ_GSSAPI_PRINCIPAL_NAMETYPE,
        ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE,
        ZMQ_VMCI_CONNECT_TIMEOUT,
    ];
    for opt in ints {
        assert_eq!(set_int(&mut o, Pair, opt, 0), Err(Error::INVAL), "{opt}");
        assert_eq!(get_int(&o, Pair, opt), Err(Error::INVAL), "{opt}");
    }
    for opt in 103..=107 {
        assert_eq!(o.set(Pair, opt, b"x"), Err(Error::INVAL));
    }
    for opt in 117..=124 {
        assert_eq!(set_int(&mut o, Pair, opt, 1), Err(Error::INVAL));
        assert_eq!(get_int(&o, Pair, opt), Err(Error::INVAL));
    }
    for opt in [
        ZMQ_VMCI_BUFFER_SIZE,
        ZMQ_VMCI_BUFFER_MIN_SIZE,
        ZMQ_VMCI_BUFFER_MAX_SIZE,
    ] {
        assert_eq!(o.set(Pair, opt, &[0u8; 8]), Err(Error::INVAL));
    }
    assert_eq!(o, Options::default());
}

/// The Z85 text of the bytes 0..32.
const Z85_ZERO_TO_31: &[u8; 40] = b"009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x";

fn zero_to_31() -> [u8; 32] {
    std::array::from_fn(|i| i as u8)
}

#[test]
fn curve_keys_binary_and_z85() {
    assert_eq!(
        crate::z85::encode(&zero_to_31()).unwrap().as_bytes(),
        Z85_ZERO_TO_31
    );
    for (opt, field) in [
        (ZMQ_CURVE_PUBLICKEY, 0),
        (ZMQ_CURVE_SECRETKEY, 1),
        (ZMQ_CURVE_SERVERKEY, 2),
    ] {
        let key_of = |o: &Options| match field {
            0 => o.curve.public,
            1 => o.curve.secret,
            _ => o.curve.server_key,
        };
        // Zeros until set, in both forms.
        let o = Options::default();
        let mut bin = [0xaau8; 32];
        assert_eq!(o.get(Pair, opt, &mut bin), Ok(32));
        assert_eq!(bin, [0; 32]);
        let mut text = [0xaau8; 41];
        assert_eq!(o.get(Pair, opt, &mut text), Ok(41));
        assert_eq!(&text[..], b"0000000000000000000000000000000000000000\0");

        // Binary (32), Z85 (40), Z85 with its NUL (41).
        for val in [
            zero_to_31().to_vec(),
            Z85_ZERO_TO_31.to_vec(),
            [&Z85_ZERO_TO_31[..], b"\0"].concat(),
        ] {
            let mut o = Options::default();
            o.set(Dealer, opt, &val).unwrap();
            assert_eq!(key_of(&o), zero_to_31(), "{opt} {}", val.len());
            assert_eq!(get_int(&o, Dealer, ZMQ_MECHANISM), Ok(ZMQ_CURVE));
            let mut bin = [0u8; 32];
            assert_eq!(o.get(Dealer, opt, &mut bin), Ok(32));
            assert_eq!(bin, zero_to_31());
            let mut text = [0xaau8; 41];
            assert_eq!(o.get(Dealer, opt, &mut text), Ok(41));
            assert_eq!(&text[..40], Z85_ZERO_TO_31);
            assert_eq!(text[40], 0);
        }

        let mut o = Options::default();
        // Wrong lengths, bad text, 41 bytes without the NUL: EINVAL, nothing changes.
        for bad in [
            &b""[..],
            &[1u8; 31],
            &[1u8; 33],
            &[b'a'; 39],
            &[b'a'; 42],
            &[b'a'; 41],
            b"~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
            b"\x00000000000000000000000000000000000000000",
        ] {
            assert_eq!(o.set(Pair, opt, bad), Err(Error::INVAL), "{bad:?}");
        }
        assert_eq!(o.set_nullable(Pair, opt, None), Err(Error::INVAL));
        assert_eq!(o, Options::default());
        // getsockopt takes exactly 32 or 41 bytes.
        for n in [0usize, 4, 31, 33, 40, 42, 64] {
            let mut b = vec![0u8; n];
            assert_eq!(o.get(Pair, opt, &mut b), Err(Error::INVAL), "{n}");
        }
        // As libzmq reads the text up to its first NUL: 35 characters set the first 28
        // bytes of the key.
        let mut short = [&Z85_ZERO_TO_31[..35], &[0u8; 5]].concat();
        o.set(Pair, opt, &short).unwrap();
        let mut want = [0u8; 32];
        want[..28].copy_from_slice(&zero_to_31()[..28]);
        assert_eq!(key_of(&o), want);
        short.push(0);
        o.set(Pair, opt, &short).unwrap();
    }
}

#[test]
fn curve_roles_and_mechanism() {
    let mut o = Options::default();
    assert_eq!(get_int(&o, Pair, ZMQ_CURVE_SERVER), Ok(0));
    set_int(&mut o, Pair, ZMQ_CURVE_SERVER, 1).unwrap();
    assert_eq!(get_int(&o, Pair, ZMQ_MECHANISM), Ok(ZMQ_CURVE));
    assert_eq!(get_int(&o, Pair, ZMQ_CURVE_SERVER), Ok(1));
    assert!(o.as_server);
    assert_eq!(get_int(&o, Pair, ZMQ_PLAIN_SERVER), Ok(0));
    // Keys keep the server role; a server key makes this side a client.
    o.set(Pair, ZMQ_CURVE_SECRETKEY, &[3u8; 32]).unwrap();
    assert_eq!(get_int(&o, Pair, ZMQ_CURVE_SERVER), Ok(1));
    o.set(Pair, ZMQ_CURVE_SERVERKEY, &[4u8; 32]).unwrap();
    assert_eq!(get_int(&o, Pair, ZMQ_CURVE_SERVER), Ok(0));
    assert_eq!(get_int(&o, Pair, ZMQ_MECHANISM), Ok(ZMQ_CURVE));
    assert!(!o.as_server);
    // A failed server key leaves the role.
    set_int(&mut o, Pair, ZMQ_CURVE_SERVER, 1).unwrap();
    assert_eq!(
        o.set(Pair, ZMQ_CURVE_SERVERKEY, &[4u8; 31]),
        Err(Error::INVAL)
    );
    assert!(o.as_server);
    // 0 turns the mechanism back to NULL, as PLAIN_SERVER does.
    set_int(&mut o, Pair, ZMQ_CURVE_SERVER, 0).unwrap();
    assert_eq!(get_int(&o, Pair, ZMQ_MECHANISM), Ok(ZMQ_NULL));
    assert_eq!(get_int(&o, Pair, ZMQ_CURVE_SERVER), Ok(0));
    assert_eq!(o.curve.secret, [3u8; 32], "the keys stay");
    for v in [2, -1] {
        assert_eq!(
            set_int(&mut o, Pair, ZMQ_CURVE_SERVER, v),
            Err(Error::INVAL)
        );
    }
    assert_eq!(o.set(Pair, ZMQ_CURVE_SERVER, &[1u8; 8]), Err(Error::INVAL));
    // PLAIN after CURVE, and back.
    o.set(Pair, ZMQ_PLAIN_USERNAME, b"u").unwrap();
    assert_eq!(get_int(&o, Pair, ZMQ_MECHANISM), Ok(ZMQ_PLAIN));
    o.set(Pair, ZMQ_CURVE_PUBLICKEY, &[5u8; 32]).unwrap();
    assert_eq!(get_int(&o, Pair, ZMQ_MECHANISM), Ok(ZMQ_CURVE));
    // Every socket type takes them.
    for kind in ALL_TYPES {
        let mut o = Options::default();
        set_int(&mut o, kind, ZMQ_CURVE_SERVER, 1).unwrap();
        o.set(kind, ZMQ_CURVE_PUBLICKEY, &[1u8; 32]).unwrap();
    }
}

#[test]
fn unknown_and_retired_numbers() {
    let mut o = Options::default();
    for opt in [
        -1, 0, 1, 2, 3, 10, 20, 26, 29, 30, 67, 70, 82, 83, 125, 1000,
    ] {
        assert_eq!(set_int(&mut o, Router, opt, 0), Err(Error::INVAL), "{opt}");
        assert_eq!(get_int(&o, Router, opt), Err(Error::INVAL), "{opt}");
    }
}

#[test]
fn set_only_options_are_not_readable() {
    let o = Options::default();
    let set_only = [
        ZMQ_SUBSCRIBE,
        ZMQ_UNSUBSCRIBE,
        ZMQ_ROUTER_MANDATORY,
        ZMQ_TCP_ACCEPT_FILTER,
        ZMQ_XPUB_VERBOSE,
        ZMQ_ROUTER_RAW,
        ZMQ_PROBE_ROUTER,
        ZMQ_REQ_CORRELATE,
        ZMQ_REQ_RELAXED,
        ZMQ_ROUTER_HANDOVER,
        ZMQ_IPC_FILTER_PID,
        ZMQ_IPC_FILTER_UID,
        ZMQ_IPC_FILTER_GID,
        ZMQ_CONNECT_ROUTING_ID,
        ZMQ_XPUB_NODROP,
        ZMQ_XPUB_MANUAL,
        ZMQ_XPUB_WELCOME_MSG,
        ZMQ_STREAM_NOTIFY,
        ZMQ_XPUB_VERBOSER,
        ids::ZMQ_METADATA,
        ids::ZMQ_XPUB_MANUAL_LAST_VALUE,
        ids::ZMQ_ONLY_FIRST_SUBSCRIBE,
        ids::ZMQ_HELLO_MSG,
        ids::ZMQ_DISCONNECT_MSG,
        ids::ZMQ_HICCUP_MSG,
        ids::ZMQ_XSUB_VERBOSE_UNSUBSCRIBE,
        ids::ZMQ_BUSY_POLL,
    ];
    for kind in ALL_TYPES {
        for opt in set_only {
            let mut b = [0u8; 4];
            assert_eq!(
                o.get(kind, opt, &mut b),
                Err(Error::INVAL),
                "{opt} on {kind:?}"
            );
            let mut big = [0u8; 256];
            assert_eq!(o.get(kind, opt, &mut big), Err(Error::INVAL));
        }
    }
}

/// Which types accept each type-specific int option (value 1).
#[test]
fn type_restrictions() {
    let table: &[(c_int, &[SocketType])] = &[
        (ZMQ_ROUTER_MANDATORY, &[Router, Rep]),
        (ZMQ_ROUTER_RAW, &[Router, Rep]),
        (ZMQ_ROUTER_HANDOVER, &[Router, Rep]),
        (ZMQ_PROBE_ROUTER, &[Router, Rep, Dealer, Req]),
        (ZMQ_REQ_CORRELATE, &[Req]),
        (ZMQ_REQ_RELAXED, &[Req]),
        (ZMQ_STREAM_NOTIFY, &[Stream]),
        (ZMQ_XPUB_VERBOSE, &[Pub, XPub]),
        (ZMQ_XPUB_VERBOSER, &[Pub, XPub]),
        (ZMQ_XPUB_MANUAL, &[Pub, XPub]),
        (ids::ZMQ_XPUB_MANUAL_LAST_VALUE, &[Pub, XPub]),
        (ZMQ_XPUB_NODROP, &[Pub, XPub, Radio]),
        (ids::ZMQ_ONLY_FIRST_SUBSCRIBE, &[Pub, XPub, XSub]),
        // Generic options (accepted everywhere, effective on some types only).
        (ZMQ_CONFLATE, &ALL_TYPES),
        (ZMQ_INVERT_MATCHING, &ALL_TYPES),
    ];
    for &(opt, ok_types) in table {
        for kind in ALL_TYPES {
            let mut o = Options::default();
            let want = if ok_types.contains(&kind) {
                Ok(())
            } else {
                Err(Error::INVAL)
            };
            assert_eq!(set_int(&mut o, kind, opt, 1), want, "{opt} on {kind:?}");
        }
    }
    #[cfg(feature = "draft")]
    for kind in ALL_TYPES {
        let mut o = Options::default();
        let want = if kind == XSub {
            Ok(())
        } else {
            Err(Error::INVAL)
        };
        assert_eq!(
            set_int(&mut o, kind, ids::ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, 1),
            want
        );
        let want = if matches!(kind, Router | Rep) {
            Ok(())
        } else {
            Err(Error::INVAL)
        };
        assert_eq!(
            set_int(&mut o, kind, ids::ZMQ_ROUTER_NOTIFY, 3),
            want,
            "{kind:?}"
        );
    }
}

#[test]
fn per_type_value_rules() {
    let mut o = Options::default();
    for opt in [ZMQ_ROUTER_MANDATORY, ZMQ_PROBE_ROUTER, ZMQ_ROUTER_HANDOVER] {
        set_int(&mut o, Router, opt, 5).unwrap();
        assert_eq!(set_int(&mut o, Router, opt, -1), Err(Error::INVAL));
        assert_eq!(o.set(Router, opt, &[1, 0, 0, 0, 0]), Err(Error::INVAL));
    }
    assert_eq!(
        set_int(&mut o, Stream, ZMQ_STREAM_NOTIFY, 2),
        Err(Error::INVAL)
    );
    set_int(&mut o, Stream, ZMQ_STREAM_NOTIFY, 0).unwrap();
    assert!(!o.typed.stream_notify);
    assert_eq!(
        set_int(&mut o, XPub, ZMQ_XPUB_NODROP, -1),
        Err(Error::INVAL)
    );
    set_int(&mut o, XPub, ZMQ_XPUB_NODROP, 7).unwrap();
    assert!(!o.typed.lossy);
    set_int(&mut o, XPub, ZMQ_XPUB_VERBOSER, 1).unwrap();
    assert!(o.typed.xpub_verbose_subs && o.typed.xpub_verbose_unsubs);
    set_int(&mut o, XPub, ZMQ_XPUB_VERBOSE, 1).unwrap();
    assert!(o.typed.xpub_verbose_subs && !o.typed.xpub_verbose_unsubs);
    #[cfg(feature = "draft")]
    {
        assert_eq!(
            set_int(&mut o, Router, ids::ZMQ_ROUTER_NOTIFY, 4),
            Err(Error::INVAL)
        );
        set_int(
            &mut o,
            Router,
            ids::ZMQ_ROUTER_NOTIFY,
            ZMQ_NOTIFY_DISCONNECT,
        )
        .unwrap();
        assert_eq!(
            get_int(&o, Pair, ids::ZMQ_ROUTER_NOTIFY),
            Ok(ZMQ_NOTIFY_DISCONNECT)
        );
    }
}

#[test]
fn subscriptions() {
    let mut o = Options::default();
    o.set(Sub, ZMQ_SUBSCRIBE, b"topic").unwrap();
    o.set_nullable(Sub, ZMQ_SUBSCRIBE, None).unwrap();
    o.set(Sub, ZMQ_UNSUBSCRIBE, b"never subscribed").unwrap();
    for kind in ALL_TYPES.into_iter().filter(|&k| k != Sub) {
        assert_eq!(
            o.set(kind, ZMQ_SUBSCRIBE, b"a"),
            Err(Error::INVAL),
            "{kind:?}"
        );
        assert_eq!(
            o.set(kind, ZMQ_UNSUBSCRIBE, b"a"),
            Err(Error::INVAL),
            "{kind:?}"
        );
    }
    // XPUB (and PUB, which derives from it) accept them in manual mode.
    for kind in [XPub, Pub] {
        let mut o = Options::default();
        set_int(&mut o, kind, ZMQ_XPUB_MANUAL, 1).unwrap();
        o.set(kind, ZMQ_SUBSCRIBE, b"a").unwrap();
        o.set(kind, ZMQ_UNSUBSCRIBE, b"a").unwrap();
        let mut o = Options::default();
        set_int(&mut o, kind, ids::ZMQ_XPUB_MANUAL_LAST_VALUE, 1).unwrap();
        o.set(kind, ZMQ_SUBSCRIBE, b"").unwrap();
    }
    assert_eq!(
        set_int(&mut o, Sub, ids::ZMQ_ONLY_FIRST_SUBSCRIBE, 1),
        Err(Error::INVAL)
    );
}

#[test]
fn binary_messages() {
    let mut o = Options::default();
    o.set(XPub, ZMQ_XPUB_WELCOME_MSG, b"hi").unwrap();
    assert_eq!(o.typed.welcome_msg, b"hi");
    o.set_nullable(XPub, ZMQ_XPUB_WELCOME_MSG, None).unwrap();
    assert!(o.typed.welcome_msg.is_empty());
    assert_eq!(o.set(Sub, ZMQ_XPUB_WELCOME_MSG, b"hi"), Err(Error::INVAL));
    #[cfg(feature = "draft")]
    for opt in [
        ids::ZMQ_HELLO_MSG,
        ids::ZMQ_DISCONNECT_MSG,
        ids::ZMQ_HICCUP_MSG,
    ] {
        // Generic in libzmq: accepted on every type, used by some.
        o.set(Pair, opt, b"msg").unwrap();
        o.set_nullable(Pair, opt, None).unwrap();
    }
}

#[test]
fn connect_routing_id() {
    for kind in ALL_TYPES {
        let mut o = Options::default();
        let want = if matches!(kind, Router | Rep | Stream) {
            Ok(())
        } else {
            Err(Error::INVAL)
        };
        assert_eq!(
            o.set(kind, ZMQ_CONNECT_ROUTING_ID, b"peer"),
            want,
            "{kind:?}"
        );
        assert_eq!(o.set(kind, ZMQ_CONNECT_ROUTING_ID, b""), Err(Error::INVAL));
        assert_eq!(
            o.set_nullable(kind, ZMQ_CONNECT_ROUTING_ID, None),
            Err(Error::INVAL)
        );
    }
}

#[test]
fn metadata() {
    let mut o = Options::default();
    o.set(Pair, ids::ZMQ_METADATA, b"X-key:value").unwrap();
    o.set(Pair, ids::ZMQ_METADATA, b"X-key:other").unwrap();
    assert_eq!(
        o.metadata.get(&b"X-key"[..]).map(|v| &v[..]),
        Some(&b"value"[..])
    );
    for bad in [
        &b"key:value"[..],
        b"X-key:",
        b":value",
        b"X-key",
        b"X-:b",
        b"",
        b"x-a:b",
    ] {
        assert_eq!(
            o.set(Pair, ids::ZMQ_METADATA, bad),
            Err(Error::INVAL),
            "{bad:?}"
        );
    }
    let mut long_key = b"X-".to_vec();
    long_key.extend([b'k'; 254]);
    long_key.extend(b":v");
    assert_eq!(o.set(Pair, ids::ZMQ_METADATA, &long_key), Err(Error::INVAL));
}

#[test]
fn filters() {
    let mut o = Options::default();
    o.set(Pair, ZMQ_TCP_ACCEPT_FILTER, b"127.0.0.1").unwrap();
    o.set(Pair, ZMQ_TCP_ACCEPT_FILTER, b"10.0.0.0/8").unwrap();
    assert_eq!(o.tcp_accept_filters.len(), 2);
    assert_eq!(
        o.set(Pair, ZMQ_TCP_ACCEPT_FILTER, b"nonsense"),
        Err(Error::INVAL)
    );
    assert_eq!(o.set(Pair, ZMQ_TCP_ACCEPT_FILTER, b""), Err(Error::INVAL));
    o.set_nullable(Pair, ZMQ_TCP_ACCEPT_FILTER, None).unwrap();
    assert!(o.tcp_accept_filters.is_empty());

    o.set(Pair, ZMQ_IPC_FILTER_UID, &1000u32.to_ne_bytes())
        .unwrap();
    o.set(Pair, ZMQ_IPC_FILTER_PID, &42i32.to_ne_bytes())
        .unwrap();
    assert_eq!(
        o.set(Pair, ZMQ_IPC_FILTER_GID, &[0u8; 8]),
        Err(Error::INVAL)
    );
    assert_eq!(o.set(Pair, ZMQ_IPC_FILTER_GID, b""), Err(Error::INVAL));
    o.set_nullable(Pair, ZMQ_IPC_FILTER_UID, None).unwrap();
    assert!(o.ipc_uid_filters.is_empty() && o.ipc_pid_filters.contains(&42));
}

#[cfg(feature = "draft")]
#[test]
fn gated_draft_options() {
    let mut o = Options::default();
    for opt in [ids::ZMQ_IN_BATCH_SIZE, ids::ZMQ_OUT_BATCH_SIZE] {
        assert_eq!(set_int(&mut o, Pair, opt, 0), Err(Error::INVAL));
        set_int(&mut o, Pair, opt, 1).unwrap();
        assert_eq!(get_int(&o, Pair, opt), Ok(1));
    }
    assert_eq!(
        set_int(&mut o, Pair, ids::ZMQ_PRIORITY, -1),
        Err(Error::INVAL)
    );
    set_int(&mut o, Pair, ids::ZMQ_PRIORITY, 3).unwrap();
    // BUSY_POLL is settable with any int; reading it always fails in libzmq 4.3.5.
    set_int(&mut o, Pair, ids::ZMQ_BUSY_POLL, -3).unwrap();
    let mut b = [0u8; 4];
    assert_eq!(o.get(Pair, ids::ZMQ_BUSY_POLL, &mut b), Err(Error::INVAL));
    assert_eq!(c_int::from_ne_bytes(b), -3);
    // XSUB_VERBOSE_UNSUBSCRIBE has no size check in libzmq beyond reading an int.
    o.set(XSub, ids::ZMQ_XSUB_VERBOSE_UNSUBSCRIBE, &[1, 0, 0, 0, 9, 9])
        .unwrap();
    assert!(o.typed.xsub_verbose_unsubs);
}
