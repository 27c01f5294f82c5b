//! Deterministic fuzzing of everything that parses a peer's bytes: the decoder of each
//! framing (split at every kind of boundary), the greeting, commands and properties, the
//! NULL and PLAIN handshakes at every state, and ZAP replies. Inputs are valid ones mutated
//! (bit flips, truncation, insertion, length-field corruption) and pure noise, from a fixed
//! seed so a failure reproduces. The property: nothing panics, consumption never exceeds
//! the input, and decoded frames never exceed what was fed.

use std::collections::BTreeMap;

use super::command;
use super::frame::{self, Decoder, Frame, Framing};
use super::greeting::{self, Greeting, GREETING_LEN};
use super::mechanism::{local_properties, Mechanism};
use super::null::Null;
use super::plain::{PlainClient, PlainServer};
use super::zap;
use crate::msg::Msg;
use crate::socket::SocketType;

/// xorshift64*: small, fast and reproducible (also drives curve.rs's property test).
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// One random mutation of `input`.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    match rng.below(6) {
        0 if !v.is_empty() => {
            let i = rng.below(v.len());
            v[i] ^= 1 << rng.below(8);
        }
        1 => v.truncate(rng.below(v.len() + 1)),
        2 => {
            let at = rng.below(v.len() + 1);
            let n = rng.below(16) + 1;
            let extra = rng.bytes(n);
            v.splice(at..at, extra);
        }
        3 if !v.is_empty() => {
            // Lengths are where parsers break: set an octet to an extreme.
            let i = rng.below(v.len());
            v[i] = [0, 1, 0x7f, 0x80, 0xfe, 0xff][rng.below(6)];
        }
        4 if v.len() > 1 => {
            let i = rng.below(v.len());
            v.remove(i);
        }
        _ => {
            let n = rng.below(64);
            v = rng.bytes(n);
        }
    }
    v
}

/// Valid frames of every shape: short, long, empty, MORE, commands.
fn corpus(framing: Framing) -> Vec<u8> {
    let mut out = Vec::new();
    for (body, more, cmd) in [
        (&b""[..], false, false),
        (b"a", true, false),
        (&[7u8; 300][..], false, false),
        (b"\x04PING\x00\x0a", false, true),
        (b"\x05READY\x0bSocket-Type\x00\x00\x00\x04PUSH", false, true),
    ] {
        let cmd = cmd && framing == Framing::V3;
        frame::encode(&mut out, framing, body, more, cmd);
    }
    out
}

#[test]
fn decoders_survive_mutated_streams() {
    let mut rng = Rng(0x5eed_0001);
    for framing in [Framing::V1, Framing::V2, Framing::V3] {
        let base = corpus(framing);
        for round in 0..4000 {
            let input = if round % 2 == 0 {
                mutate(&mut rng, &base)
            } else {
                let mut v = mutate(&mut rng, &base);
                v = mutate(&mut rng, &v);
                v
            };
            let max = [-1i64, 0, 100, 1 << 20][rng.below(4)];
            let mut dec = Decoder::new(framing, max);
            // Fed in random pieces, as reads deliver them.
            let mut fed = 0usize;
            let mut got = 0usize;
            let mut pending: Vec<u8> = Vec::new();
            while fed < input.len() {
                let n = (rng.below(40) + 1).min(input.len() - fed);
                pending.extend_from_slice(&input[fed..fed + n]);
                fed += n;
                let mut sink = |f: Frame| {
                    got += match f {
                        Frame::Data(m) | Frame::Command(m) => m.as_slice().len(),
                    };
                    true
                };
                match dec.decode(&pending, &mut sink) {
                    Ok(used) => {
                        assert!(used <= pending.len());
                        pending.drain(..used);
                    }
                    Err(_) => break,
                }
            }
            assert!(got <= input.len(), "decoded more than was fed");
        }
    }
}

#[test]
fn greetings_survive_mutation() {
    let mut rng = Rng(0x5eed_0002);
    let base = greeting::greeting(3, "PLAIN", true);
    for _ in 0..5000 {
        let mut g = mutate(&mut rng, &base);
        g.resize(GREETING_LEN, 0);
        let g: [u8; GREETING_LEN] = g.try_into().unwrap();
        if let Ok(p) = Greeting::parse(&g) {
            assert!(p.mechanism.len() <= 20);
        }
        let _ = greeting::version_of(&g);
        let _ = greeting::is_v1_signature(&g);
    }
}

#[test]
fn commands_and_properties_survive_mutation() {
    let mut rng = Rng(0x5eed_0003);
    let base = b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x02me";
    for _ in 0..5000 {
        let v = mutate(&mut rng, base);
        if let Ok((_, data)) = command::split(&v) {
            if let Ok(props) = command::parse_properties(data) {
                let total: usize = props.iter().map(|(k, v)| k.len() + v.len()).sum();
                assert!(total <= data.len());
            }
        }
        let _ = command::parse_traffic(&v);
        let _ = command::refused(&v);
    }
}

/// Drives a mechanism with mutated versions of what a real peer sends, at each state.
fn drive(rng: &mut Rng, mk: &dyn Fn() -> Box<dyn Mechanism>, script: &[Vec<u8>]) {
    for _ in 0..1500 {
        let mut m = mk();
        // Some valid steps first, then a mutated one, then anything.
        let good = rng.below(script.len() + 1);
        for (i, cmd) in script.iter().enumerate() {
            while m.next_command().is_some() {}
            if m.zap_request().is_some() {
                m.zap_done([200, 300, 400, 500][rng.below(4)]);
            }
            let input = if i < good {
                cmd.clone()
            } else {
                mutate(rng, cmd)
            };
            if m.process_command(&input).is_err() {
                break;
            }
        }
        while m.next_command().is_some() {}
        let _ = m.status();
        let _ = m.peer_properties();
    }
}

#[test]
fn handshakes_survive_mutated_commands() {
    let mut rng = Rng(0x5eed_0004);
    let props = |k: SocketType| local_properties(k, b"id", &BTreeMap::new());
    let ready = command::ready(&[(b"Socket-Type", b"PUSH")]);
    drive(
        &mut rng,
        &|| Box::new(Null::new(SocketType::Pull, props(SocketType::Pull), false)),
        &[ready.clone(), ready.clone()],
    );
    drive(
        &mut rng,
        &|| Box::new(PlainServer::new(SocketType::Pull, props(SocketType::Pull))),
        &[
            b"\x05HELLO\x05admin\x06secret".to_vec(),
            command::command(b"INITIATE", &command::properties(&props(SocketType::Push))),
            b"\x05HELLO\x00\x00".to_vec(),
        ],
    );
    drive(
        &mut rng,
        &|| {
            Box::new(PlainClient::new(
                SocketType::Push,
                props(SocketType::Push),
                b"u",
                b"p",
            ))
        },
        &[
            b"\x07WELCOME".to_vec(),
            command::ready(&[(b"Socket-Type", b"PULL")]),
            b"^RROR\x03400".to_vec(),
        ],
    );
}

#[test]
fn zap_replies_survive_mutation() {
    let mut rng = Rng(0x5eed_0005);
    let base: [&[u8]; 7] = [
        b"",
        b"1.0",
        b"1",
        b"200",
        b"OK",
        b"user",
        b"\x05X-Foo\x00\x00\x00\x03bar",
    ];
    for _ in 0..5000 {
        let n = [7, 7, 7, 6, 8, 0][rng.below(6)];
        let frames: Vec<Msg> = (0..n)
            .map(|i| {
                let b = base.get(i).copied().unwrap_or(b"extra");
                let b = if rng.below(3) == 0 {
                    mutate(&mut rng, b)
                } else {
                    b.to_vec()
                };
                Msg::from_slice(&b).unwrap()
            })
            .collect();
        if let Ok(r) = zap::parse_reply(&frames) {
            assert!(matches!(r.status, 200 | 300 | 400 | 500));
        }
    }
}
