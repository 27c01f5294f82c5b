//! Options that only some socket types accept (libzmq's per-type `xsetsockopt`): ROUTER and
//! REP (which derives from it), STREAM, DEALER and REQ, PUB and XPUB (PUB derives from XPUB and
//! accepts all its options), XSUB, SUB, RADIO. A type that does not know an option answers
//! EINVAL, and the caller then tries the generic table, as libzmq does.

use std::os::raw::c_int;

use super::ids::{self, DRAFT};
use super::value::{bool_strict, int, int_where};
use crate::capi::consts::*;
use crate::error::{Error, Result};
use crate::socket::SocketType::{self, *};

/// State kept by the type-specific options. Defaults are libzmq's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeOptions {
    /// ZMQ_ROUTER_MANDATORY: unroutable messages fail with EHOSTUNREACH.
    pub router_mandatory: bool,
    /// ZMQ_ROUTER_RAW: the ROUTER speaks raw TCP (no ZMTP, no routing-id frames exchanged).
    pub router_raw: bool,
    /// ZMQ_ROUTER_HANDOVER: a new peer with a known routing id takes it over.
    pub router_handover: bool,
    /// ZMQ_PROBE_ROUTER (ROUTER, REP, DEALER, REQ): send an empty message on connect.
    pub probe_router: bool,
    /// ZMQ_REQ_CORRELATE: REQ prefixes requests with a request id.
    pub req_correlate: bool,
    /// ZMQ_REQ_RELAXED: REQ may send again without waiting for the reply.
    pub req_relaxed: bool,
    /// ZMQ_CONNECT_ROUTING_ID (ROUTER, REP, STREAM): routing id for the next connect; empty
    /// when unset (libzmq does not accept an empty one).
    pub connect_routing_id: Vec<u8>,
    /// ZMQ_STREAM_NOTIFY: STREAM delivers empty connect/disconnect messages (default on).
    pub stream_notify: bool,
    /// ZMQ_XPUB_VERBOSE / VERBOSER: pass duplicate subscriptions / unsubscriptions up.
    pub xpub_verbose_subs: bool,
    pub xpub_verbose_unsubs: bool,
    /// ZMQ_XPUB_MANUAL (or MANUAL_LAST_VALUE): the application manages subscriptions.
    pub xpub_manual: bool,
    /// ZMQ_XPUB_MANUAL_LAST_VALUE: send the last value only to the newest subscriber.
    pub xpub_send_last_pipe: bool,
    /// Inverse of ZMQ_XPUB_NODROP (XPUB, PUB, RADIO): drop at the HWM instead of EAGAIN.
    pub lossy: bool,
    /// ZMQ_ONLY_FIRST_SUBSCRIBE (XPUB, PUB, XSUB): only the first part of a multi-part
    /// message can be a (un)subscription.
    pub only_first_subscribe: bool,
    /// ZMQ_XSUB_VERBOSE_UNSUBSCRIBE: XSUB forwards every unsubscription.
    pub xsub_verbose_unsubs: bool,
    /// ZMQ_XPUB_WELCOME_MSG: sent to each new subscriber; empty = none.
    pub welcome_msg: Vec<u8>,
}

impl Default for TypeOptions {
    fn default() -> Self {
        TypeOptions {
            router_mandatory: false,
            router_raw: false,
            router_handover: false,
            probe_router: false,
            req_correlate: false,
            req_relaxed: false,
            connect_routing_id: Vec::new(),
            stream_notify: true,
            xpub_verbose_subs: false,
            xpub_verbose_unsubs: false,
            xpub_manual: false,
            xpub_send_last_pipe: false,
            lossy: true,
            only_first_subscribe: false,
            xsub_verbose_unsubs: false,
            welcome_msg: Vec::new(),
        }
    }
}

/// What a type-specific setter did with an option it knows. `router_notify` lives in the
/// generic table (it is readable on every type) but only ROUTER can set it.
pub enum Applied {
    Done,
    RouterNotify(c_int),
}

/// A non-negative `int`, the rule most per-type options share.
fn flag(val: &[u8]) -> Result<bool> {
    int_where(val, |v| v >= 0).map(|v| v != 0)
}

impl TypeOptions {
    /// The socket type's own setter. `val` None is a NULL value with length 0.
    pub fn set(&mut self, kind: SocketType, option: c_int, val: Option<&[u8]>) -> Result<Applied> {
        let bytes = val.unwrap_or(&[]);
        match kind {
            Router | Rep => return self.set_router(option, val),
            Stream => match option {
                ZMQ_STREAM_NOTIFY => self.stream_notify = bool_strict(bytes)?,
                _ => self.set_routing(option, val)?,
            },
            Req => match option {
                ZMQ_REQ_CORRELATE => self.req_correlate = flag(bytes)?,
                ZMQ_REQ_RELAXED => self.req_relaxed = flag(bytes)?,
                _ => self.set_dealer(option, bytes)?,
            },
            Dealer => self.set_dealer(option, bytes)?,
            Pub | XPub => self.set_xpub(option, val)?,
            XSub => self.set_xsub(option, bytes)?,
            Sub => match option {
                // The subscription trie arrives with the routing; nothing else is observable.
                ZMQ_SUBSCRIBE | ZMQ_UNSUBSCRIBE => {}
                _ => return Err(Error::INVAL),
            },
            Radio => match (option, flag(bytes)) {
                (ZMQ_XPUB_NODROP, Ok(nodrop)) => self.lossy = !nodrop,
                _ => return Err(Error::INVAL),
            },
            _ => return Err(Error::INVAL),
        }
        Ok(Applied::Done)
    }

    fn set_router(&mut self, option: c_int, val: Option<&[u8]>) -> Result<Applied> {
        let bytes = val.unwrap_or(&[]);
        match option {
            ZMQ_ROUTER_RAW => self.router_raw = flag(bytes)?,
            ZMQ_ROUTER_MANDATORY => self.router_mandatory = flag(bytes)?,
            ZMQ_PROBE_ROUTER => self.probe_router = flag(bytes)?,
            ZMQ_ROUTER_HANDOVER => self.router_handover = flag(bytes)?,
            ids::ZMQ_ROUTER_NOTIFY if DRAFT => {
                let v = int_where(bytes, |v| (0..=ids::NOTIFY_ALL).contains(&v))?;
                return Ok(Applied::RouterNotify(v));
            }
            _ => self.set_routing(option, val)?,
        }
        Ok(Applied::Done)
    }

    /// What ROUTER, REP and STREAM share: ZMQ_CONNECT_ROUTING_ID (non-NULL, non-empty).
    fn set_routing(&mut self, option: c_int, val: Option<&[u8]>) -> Result<()> {
        match (option, val) {
            (ZMQ_CONNECT_ROUTING_ID, Some(v)) if !v.is_empty() => {
                self.connect_routing_id = v.to_vec();
                Ok(())
            }
            _ => Err(Error::INVAL),
        }
    }

    fn set_dealer(&mut self, option: c_int, bytes: &[u8]) -> Result<()> {
        match option {
            ZMQ_PROBE_ROUTER => self.probe_router = flag(bytes)?,
            _ => return Err(Error::INVAL),
        }
        Ok(())
    }

    fn set_xpub(&mut self, option: c_int, val: Option<&[u8]>) -> Result<()> {
        let bytes = val.unwrap_or(&[]);
        match option {
            ZMQ_XPUB_VERBOSE
            | ZMQ_XPUB_VERBOSER
            | ids::ZMQ_XPUB_MANUAL_LAST_VALUE
            | ZMQ_XPUB_NODROP
            | ZMQ_XPUB_MANUAL
            | ids::ZMQ_ONLY_FIRST_SUBSCRIBE => {
                let on = flag(bytes)?;
                match option {
                    ZMQ_XPUB_VERBOSE => {
                        self.xpub_verbose_subs = on;
                        self.xpub_verbose_unsubs = false;
                    }
                    ZMQ_XPUB_VERBOSER => {
                        self.xpub_verbose_subs = on;
                        self.xpub_verbose_unsubs = on;
                    }
                    ids::ZMQ_XPUB_MANUAL_LAST_VALUE => {
                        self.xpub_manual = on;
                        self.xpub_send_last_pipe = on;
                    }
                    ZMQ_XPUB_NODROP => self.lossy = !on,
                    ZMQ_XPUB_MANUAL => self.xpub_manual = on,
                    _ => self.only_first_subscribe = on,
                }
            }
            // In manual mode the application (un)subscribes the last subscriber's pipe; with
            // no subscriber yet libzmq accepts the call and does nothing.
            ZMQ_SUBSCRIBE | ZMQ_UNSUBSCRIBE if self.xpub_manual => {}
            ZMQ_XPUB_WELCOME_MSG => self.welcome_msg = bytes.to_vec(),
            _ => return Err(Error::INVAL),
        }
        Ok(())
    }

    fn set_xsub(&mut self, option: c_int, bytes: &[u8]) -> Result<()> {
        match option {
            ids::ZMQ_ONLY_FIRST_SUBSCRIBE => self.only_first_subscribe = flag(bytes)?,
            // libzmq reads an int here without checking the length; we need at least one.
            ids::ZMQ_XSUB_VERBOSE_UNSUBSCRIBE if DRAFT => {
                let v = bytes.get(..4).and_then(int).ok_or(Error::INVAL)?;
                self.xsub_verbose_unsubs = v != 0;
            }
            _ => return Err(Error::INVAL),
        }
        Ok(())
    }
}

/// Types whose ZMQ_TOPICS_COUNT is defined (the subscription-holding family).
pub fn counts_topics(kind: SocketType) -> bool {
    matches!(kind, Pub | XPub | Sub | XSub)
}
