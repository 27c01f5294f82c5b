//! PUB and XPUB (routing being written; until then they drop what they send).

use crate::socket::pattern::{Pattern, Unrouted};

pub fn new_pub() -> Box<dyn Pattern> {
    Box::new(Unrouted { drops: true })
}

pub fn new_xpub() -> Box<dyn Pattern> {
    Box::new(Unrouted { drops: true })
}
