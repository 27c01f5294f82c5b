//! Socket types: numbers, names and the properties the rest of the engine asks about.

use std::os::raw::c_int;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum SocketType {
    Pair = 0,
    Pub = 1,
    Sub = 2,
    Req = 3,
    Rep = 4,
    Dealer = 5,
    Router = 6,
    Pull = 7,
    Push = 8,
    XPub = 9,
    XSub = 10,
    Stream = 11,
    Server = 12,
    Client = 13,
    Radio = 14,
    Dish = 15,
    Gather = 16,
    Scatter = 17,
    Dgram = 18,
    Peer = 19,
    Channel = 20,
}

use SocketType::*;

impl SocketType {
    /// libzmq creates all 21 types, draft or not; anything else is EINVAL.
    pub fn from_raw(t: c_int) -> Option<SocketType> {
        const ALL: [SocketType; 21] = [
            Pair, Pub, Sub, Req, Rep, Dealer, Router, Pull, Push, XPub, XSub, Stream, Server,
            Client, Radio, Dish, Gather, Scatter, Dgram, Peer, Channel,
        ];
        usize::try_from(t).ok().and_then(|i| ALL.get(i).copied())
    }

    pub fn raw(self) -> c_int {
        self as c_int
    }

    /// The Socket-Type name used in ZMTP READY and `zmq_msg_gets`.
    pub fn name(self) -> &'static str {
        match self {
            Pair => "PAIR",
            Pub => "PUB",
            Sub => "SUB",
            Req => "REQ",
            Rep => "REP",
            Dealer => "DEALER",
            Router => "ROUTER",
            Pull => "PULL",
            Push => "PUSH",
            XPub => "XPUB",
            XSub => "XSUB",
            Stream => "STREAM",
            Server => "SERVER",
            Client => "CLIENT",
            Radio => "RADIO",
            Dish => "DISH",
            Gather => "GATHER",
            Scatter => "SCATTER",
            Dgram => "DGRAM",
            Peer => "PEER",
            Channel => "CHANNEL",
        }
    }

    /// The draft types are thread-safe (usable from several threads, no ZMQ_FD).
    pub fn thread_safe(self) -> bool {
        matches!(
            self,
            Server | Client | Radio | Dish | Gather | Scatter | Peer | Channel
        )
    }

    pub fn can_send(self) -> bool {
        !matches!(self, Sub | Pull | Dish | Gather)
    }

    pub fn can_recv(self) -> bool {
        !matches!(self, Pub | Push | Radio | Scatter)
    }

    /// Types whose send never blocks for want of a peer: they drop instead.
    pub fn send_drops(self) -> bool {
        matches!(self, Pub | XPub | Radio | Router | Stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        for t in 0..21 {
            assert_eq!(SocketType::from_raw(t).unwrap().raw(), t);
        }
        assert!(SocketType::from_raw(21).is_none());
        assert!(SocketType::from_raw(-1).is_none());
    }
}
