//! Numbers of the options that sit in zmq.h's draft section.
//!
//! `capi::consts` declares them only with the `draft` feature (the header must match
//! upstream's), but libzmq handles several of them (93-96, 98-100, 108, 109, 116) with no
//! draft gate, so the option table needs the numbers in every build.
#![allow(missing_docs)]

use std::os::raw::c_int;

pub(crate) const ZMQ_ZAP_ENFORCE_DOMAIN: c_int = 93;
pub(crate) const ZMQ_LOOPBACK_FASTPATH: c_int = 94;
pub(crate) const ZMQ_METADATA: c_int = 95;
pub(crate) const ZMQ_MULTICAST_LOOP: c_int = 96;
pub(crate) const ZMQ_ROUTER_NOTIFY: c_int = 97;
pub(crate) const ZMQ_XPUB_MANUAL_LAST_VALUE: c_int = 98;
pub(crate) const ZMQ_SOCKS_USERNAME: c_int = 99;
pub(crate) const ZMQ_SOCKS_PASSWORD: c_int = 100;
pub(crate) const ZMQ_IN_BATCH_SIZE: c_int = 101;
pub(crate) const ZMQ_OUT_BATCH_SIZE: c_int = 102;
pub(crate) const ZMQ_ONLY_FIRST_SUBSCRIBE: c_int = 108;
pub(crate) const ZMQ_RECONNECT_STOP: c_int = 109;
pub(crate) const ZMQ_HELLO_MSG: c_int = 110;
pub(crate) const ZMQ_DISCONNECT_MSG: c_int = 111;
pub(crate) const ZMQ_PRIORITY: c_int = 112;
pub(crate) const ZMQ_BUSY_POLL: c_int = 113;
pub(crate) const ZMQ_HICCUP_MSG: c_int = 114;
pub(crate) const ZMQ_XSUB_VERBOSE_UNSUBSCRIBE: c_int = 115;
pub(crate) const ZMQ_TOPICS_COUNT: c_int = 116;

/// ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT: the largest ZMQ_ROUTER_NOTIFY value.
pub(crate) const NOTIFY_ALL: c_int = 3;

/// Whether this build has libzmq's draft API (`ZMQ_BUILD_DRAFT_API`), which also enables the
/// "gated" options.
pub(crate) const DRAFT: bool = cfg!(feature = "draft");

#[cfg(all(test, feature = "draft"))]
mod tests {
    use crate::capi::consts as c;

    #[test]
    fn numbers_match_the_header() {
        let pairs = [
            (super::ZMQ_ZAP_ENFORCE_DOMAIN, c::ZMQ_ZAP_ENFORCE_DOMAIN),
            (super::ZMQ_LOOPBACK_FASTPATH, c::ZMQ_LOOPBACK_FASTPATH),
            (super::ZMQ_METADATA, c::ZMQ_METADATA),
            (super::ZMQ_MULTICAST_LOOP, c::ZMQ_MULTICAST_LOOP),
            (super::ZMQ_ROUTER_NOTIFY, c::ZMQ_ROUTER_NOTIFY),
            (
                super::ZMQ_XPUB_MANUAL_LAST_VALUE,
                c::ZMQ_XPUB_MANUAL_LAST_VALUE,
            ),
            (super::ZMQ_SOCKS_USERNAME, c::ZMQ_SOCKS_USERNAME),
            (super::ZMQ_SOCKS_PASSWORD, c::ZMQ_SOCKS_PASSWORD),
            (super::ZMQ_IN_BATCH_SIZE, c::ZMQ_IN_BATCH_SIZE),
            (super::ZMQ_OUT_BATCH_SIZE, c::ZMQ_OUT_BATCH_SIZE),
            (super::ZMQ_ONLY_FIRST_SUBSCRIBE, c::ZMQ_ONLY_FIRST_SUBSCRIBE),
            (super::ZMQ_RECONNECT_STOP, c::ZMQ_RECONNECT_STOP),
            (super::ZMQ_HELLO_MSG, c::ZMQ_HELLO_MSG),
            (super::ZMQ_DISCONNECT_MSG, c::ZMQ_DISCONNECT_MSG),
            (super::ZMQ_PRIORITY, c::ZMQ_PRIORITY),
            (super::ZMQ_BUSY_POLL, c::ZMQ_BUSY_POLL),
            (super::ZMQ_HICCUP_MSG, c::ZMQ_HICCUP_MSG),
            (
                super::ZMQ_XSUB_VERBOSE_UNSUBSCRIBE,
                c::ZMQ_XSUB_VERBOSE_UNSUBSCRIBE,
            ),
            (super::ZMQ_TOPICS_COUNT, c::ZMQ_TOPICS_COUNT),
            (
                super::NOTIFY_ALL,
                c::ZMQ_NOTIFY_CONNECT | c::ZMQ_NOTIFY_DISCONNECT,
            ),
        ];
        for (ours, header) in pairs {
            assert_eq!(ours, header);
        }
    }
}
