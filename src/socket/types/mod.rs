//! One module per socket type; `make` builds the routing of a type.

mod dealer;
mod pair;
mod pull;
mod push;
mod rep;
mod req;
mod router;
mod stream;
mod sub;
mod xpub;
mod xsub;

use super::pattern::{Pattern, Unrouted};
use super::SocketType::{self, *};

pub fn make(kind: SocketType) -> Box<dyn Pattern> {
    match kind {
        Pair => Box::new(pair::Pair::default()),
        Push => Box::new(push::Push::default()),
        Pull => Box::new(pull::Pull::default()),
        Dealer => dealer::new(),
        Req => req::new(),
        Rep => rep::new(),
        Router => router::new(),
        Pub => xpub::new_pub(),
        XPub => xpub::new_xpub(),
        Sub => sub::new(),
        XSub => xsub::new(),
        Stream => stream::new(),
        // The draft types are created and configurable; their routing comes with the draft API.
        Radio => Box::new(Unrouted { drops: true }),
        _ => Box::new(Unrouted { drops: false }),
    }
}
