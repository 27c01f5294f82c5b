//! Socket monitoring (`zmq_socket_monitor`, `zmq_socket_monitor_versioned`).
//!
//! Every socket has a `Monitor`, shared (an `Arc`) with its listeners and sessions on the
//! I/O threads. While monitoring is on it holds an internal socket (PAIR, or PUB/PUSH for
//! the versioned call) bound to the monitor's inproc address; events are sent to it without
//! ever waiting: an event that finds the monitor socket full, or without a reader, is
//! dropped, as libzmq's monitor drops events past its high-water mark.
//!
//! Frames, as libzmq: version 1 is a 6-byte frame (native-endian u16 event, u32 value,
//! unaligned) then the endpoint; version 2 is a u64 event, a u64 count, that many u64
//! values, the local endpoint, then the remote endpoint.

use std::os::raw::c_int;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::capi::consts::*;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::Socket;

pub const CONNECTED: u64 = ZMQ_EVENT_CONNECTED as u64;
pub const CONNECT_DELAYED: u64 = ZMQ_EVENT_CONNECT_DELAYED as u64;
pub const CONNECT_RETRIED: u64 = ZMQ_EVENT_CONNECT_RETRIED as u64;
pub const LISTENING: u64 = ZMQ_EVENT_LISTENING as u64;
pub const BIND_FAILED: u64 = ZMQ_EVENT_BIND_FAILED as u64;
pub const ACCEPTED: u64 = ZMQ_EVENT_ACCEPTED as u64;
pub const ACCEPT_FAILED: u64 = ZMQ_EVENT_ACCEPT_FAILED as u64;
pub const CLOSED: u64 = ZMQ_EVENT_CLOSED as u64;
pub const CLOSE_FAILED: u64 = ZMQ_EVENT_CLOSE_FAILED as u64;
/// ZMQ_EVENT_PIPES_STATS (a draft constant, so spelled out for builds without the draft API).
pub const PIPES_STATS: u64 = 0x10000;
pub const DISCONNECTED: u64 = ZMQ_EVENT_DISCONNECTED as u64;
pub const MONITOR_STOPPED: u64 = ZMQ_EVENT_MONITOR_STOPPED as u64;
pub const HANDSHAKE_FAILED_NO_DETAIL: u64 = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL as u64;
pub const HANDSHAKE_SUCCEEDED: u64 = ZMQ_EVENT_HANDSHAKE_SUCCEEDED as u64;
pub const HANDSHAKE_FAILED_PROTOCOL: u64 = ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL as u64;
pub const HANDSHAKE_FAILED_AUTH: u64 = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH as u64;

/// Which side of a connection an event belongs to, and its addresses. Version 1 reports one
/// endpoint: the local one on the bind side, the remote one on the connect side (libzmq's
/// "identifier"); version 2 reports both.
#[derive(Clone, Debug, Default)]
pub struct Endpoints {
    pub local: String,
    pub remote: String,
    pub bind_side: bool,
}

impl Endpoints {
    /// A bound endpoint (listener events, accepted connections before their addresses).
    pub fn bound(ep: &str) -> Endpoints {
        Endpoints {
            local: ep.to_owned(),
            remote: String::new(),
            bind_side: true,
        }
    }

    /// A connected endpoint, before the connection exists.
    pub fn connecting(ep: &str) -> Endpoints {
        Endpoints {
            local: String::new(),
            remote: ep.to_owned(),
            bind_side: false,
        }
    }

    fn identifier(&self) -> &str {
        if self.bind_side {
            &self.local
        } else {
            &self.remote
        }
    }
}

struct Active {
    sock: Socket,
    version: c_int,
}

/// The event sink of one socket; see the module documentation.
#[derive(Default)]
pub struct Monitor {
    /// The events wanted (0 while monitoring is off): checked without the lock.
    mask: AtomicU64,
    active: Mutex<Option<Active>>,
}

impl Monitor {
    pub fn new() -> Arc<Monitor> {
        Arc::new(Monitor::default())
    }

    /// True if `event` would be reported now.
    pub fn wants(&self, event: u64) -> bool {
        self.mask.load(Ordering::Relaxed) & event != 0
    }

    /// Reports an event with one value (callable from any thread; never blocks for long).
    pub fn event(&self, event: u64, value: u64, ep: &Endpoints) {
        self.emit(event, &[value], ep);
    }

    pub fn emit(&self, event: u64, values: &[u64], ep: &Endpoints) {
        if !self.wants(event) {
            return;
        }
        let mut g = self.active.lock();
        let Some(a) = g.as_mut() else {
            return;
        };
        send_event(a, event, values, ep);
    }

    /// Starts (or, with `addr` None, stops) monitoring for `socket`, as libzmq's checks go:
    /// v1 takes events below 0x10000 only, the address must be inproc, the type PAIR, PUB
    /// or PUSH; a monitor already running is stopped first (it reports MONITOR_STOPPED).
    pub fn start(
        socket: &mut Socket,
        addr: Option<&str>,
        events: u64,
        version: c_int,
        kind: c_int,
    ) -> Result<()> {
        socket.process_commands()?;
        if version == 1 && events >> 16 != 0 {
            return Err(Error::INVAL);
        }
        let mon = socket.monitor().clone();
        let Some(addr) = addr else {
            mon.stop();
            return Ok(());
        };
        let (proto, _) = addr.split_once("://").ok_or(Error::INVAL)?;
        if proto != "inproc" {
            return Err(Error::PROTONOSUPPORT);
        }
        if !matches!(kind, ZMQ_PAIR | ZMQ_PUB | ZMQ_PUSH) {
            return Err(Error::INVAL);
        }
        mon.stop();
        let mut sock = Socket::new(socket.ctx(), kind)?;
        sock.options.linger = 0;
        // A failed bind drops (closes) the new socket.
        sock.bind(addr)?;
        *mon.active.lock() = Some(Active { sock, version });
        mon.mask.store(events, Ordering::Relaxed);
        Ok(())
    }

    /// Ends monitoring, reporting MONITOR_STOPPED first if it was asked for.
    pub fn stop(&self) {
        let old = {
            let mut g = self.active.lock();
            let mask = self.mask.swap(0, Ordering::Relaxed);
            let mut old = g.take();
            if let Some(a) = old.as_mut() {
                if mask & MONITOR_STOPPED != 0 {
                    send_event(a, MONITOR_STOPPED, &[0], &Endpoints::default());
                }
            }
            old
        };
        // The monitor socket closes outside the lock.
        drop(old);
    }
}

fn send_event(a: &mut Active, event: u64, values: &[u64], ep: &Endpoints) {
    let mut frames: Vec<Vec<u8>> = Vec::with_capacity(4 + values.len());
    match a.version {
        1 => {
            let mut head = Vec::with_capacity(6);
            head.extend_from_slice(&(event as u16).to_ne_bytes());
            head.extend_from_slice(&(values.first().copied().unwrap_or(0) as u32).to_ne_bytes());
            frames.push(head);
            frames.push(ep.identifier().as_bytes().to_vec());
        }
        2 => {
            frames.push(event.to_ne_bytes().to_vec());
            frames.push((values.len() as u64).to_ne_bytes().to_vec());
            for v in values {
                frames.push(v.to_ne_bytes().to_vec());
            }
            frames.push(ep.local.as_bytes().to_vec());
            frames.push(ep.remote.as_bytes().to_vec());
        }
        _ => return,
    }
    let last = frames.len() - 1;
    for (i, f) in frames.iter().enumerate() {
        let Ok(mut m) = Msg::from_slice(f) else {
            return;
        };
        let flags = ZMQ_DONTWAIT | if i < last { ZMQ_SNDMORE } else { 0 };
        // The first part decides: a full or unconnected monitor drops the whole event (the
        // later parts of a message that started always go in).
        if a.sock.send(&mut m, flags).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctx::Ctx;

    fn recv(r: &mut Socket) -> Vec<u8> {
        r.recv(0).unwrap().as_slice().to_vec()
    }

    #[test]
    fn v1_and_v2_frames() {
        let ctx = Ctx::new().unwrap();
        let mut s = Socket::new(&ctx, ZMQ_PAIR).unwrap();
        Monitor::start(
            &mut s,
            Some("inproc://m1"),
            u64::from(ZMQ_EVENT_ALL as u32),
            1,
            0,
        )
        .unwrap();
        let mut r = Socket::new(&ctx, ZMQ_PAIR).unwrap();
        r.options.rcvtimeo = 2000;
        r.connect("inproc://m1").unwrap();
        s.monitor()
            .event(LISTENING, 7, &Endpoints::bound("tcp://1.2.3.4:5"));
        let head = recv(&mut r);
        assert_eq!(head.len(), 6);
        assert!(r.rcvmore());
        assert_eq!(&head[..2], &(LISTENING as u16).to_ne_bytes());
        assert_eq!(&head[2..], &7u32.to_ne_bytes());
        assert_eq!(recv(&mut r), b"tcp://1.2.3.4:5");
        assert!(!r.rcvmore());
        // The connect side reports the remote address.
        s.monitor()
            .event(CONNECTED, 3, &Endpoints::connecting("tcp://h:1"));
        recv(&mut r);
        assert_eq!(recv(&mut r), b"tcp://h:1");

        // v2: event, count, values, local, remote; the old monitor says it stopped.
        Monitor::start(&mut s, Some("inproc://m2"), u64::MAX, 2, ZMQ_PAIR).unwrap();
        assert_eq!(&recv(&mut r)[..2], &(MONITOR_STOPPED as u16).to_ne_bytes());
        recv(&mut r);
        let mut r2 = Socket::new(&ctx, ZMQ_PAIR).unwrap();
        r2.options.rcvtimeo = 2000;
        r2.connect("inproc://m2").unwrap();
        s.monitor()
            .emit(ACCEPTED, &[9], &Endpoints::bound("ipc://x"));
        assert_eq!(recv(&mut r2), ACCEPTED.to_ne_bytes());
        assert_eq!(recv(&mut r2), 1u64.to_ne_bytes());
        assert_eq!(recv(&mut r2), 9u64.to_ne_bytes());
        assert_eq!(recv(&mut r2), b"ipc://x");
        assert_eq!(recv(&mut r2), b"");
        assert!(!r2.rcvmore());

        assert_eq!(
            Monitor::start(&mut s, Some("tcp://1.2.3.4:5"), 1, 1, ZMQ_PAIR),
            Err(Error::PROTONOSUPPORT)
        );
        assert_eq!(
            Monitor::start(&mut s, Some("inproc://m3"), 0x10000, 1, ZMQ_PAIR),
            Err(Error::INVAL)
        );
        assert_eq!(
            Monitor::start(&mut s, Some("inproc://m3"), 1, 2, ZMQ_SUB),
            Err(Error::INVAL)
        );
        drop((s, r, r2));
        ctx.terminate().unwrap();
    }
}
