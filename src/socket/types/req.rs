//! REQ (routing being written; until then it behaves as with no peers).

use crate::socket::pattern::{Pattern, Unrouted};

pub fn new() -> Box<dyn Pattern> {
    Box::new(Unrouted { drops: false })
}
