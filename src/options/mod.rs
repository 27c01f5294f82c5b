//! Socket options: every option of libzmq 4.3.5, with its default, its size rule, its range
//! and the socket types that accept it.
//!
//! `Options::set` and `Options::get` follow libzmq's dispatch: the socket type's own options
//! first (`typed`), then the generic table (`generic`). What is socket state rather than a
//! stored option (RCVMORE, FD, EVENTS, LAST_ENDPOINT, THREAD_SAFE, TOPICS_COUNT) is answered
//! by the socket layer, with the size rules of `value`.
//!
//! CURVE is built (options 47-50, as a libzmq built with libsodium). This build has no
//! GSSAPI, NORM, WSS or VMCI: their options give EINVAL, as in a libzmq built without them.

mod accept_filter;
mod generic;
pub(crate) mod ids;
mod typed;
pub mod value;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::os::raw::c_int;

pub use accept_filter::TcpAcceptFilter;
pub use typed::{counts_topics, TypeOptions};

use crate::capi::consts::ZMQ_NULL;
use crate::ctx::SocketDefaults;
use crate::error::{Error, Result};
use crate::socket::SocketType;
use typed::Applied;

/// The option values of one socket. Field names follow the options; times are in
/// milliseconds unless a comment says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub sndhwm: c_int,
    pub rcvhwm: c_int,
    /// Bitmap of the I/O threads new connections may use (0 = any).
    pub affinity: u64,
    /// ZMQ_ROUTING_ID (1..255 bytes; empty = none set).
    pub routing_id: Vec<u8>,
    /// Multicast rate in kbit/s.
    pub rate: c_int,
    pub recovery_ivl: c_int,
    pub multicast_hops: c_int,
    pub multicast_maxtpdu: c_int,
    /// SO_SNDBUF / SO_RCVBUF (-1 = the OS default).
    pub sndbuf: c_int,
    pub rcvbuf: c_int,
    /// IP_TOS.
    pub tos: c_int,
    /// SO_PRIORITY.
    pub priority: c_int,
    pub linger: c_int,
    pub connect_timeout: c_int,
    pub tcp_maxrt: c_int,
    /// ZMQ_RECONNECT_STOP flags.
    pub reconnect_stop: c_int,
    /// -1 = never reconnect.
    pub reconnect_ivl: c_int,
    pub reconnect_ivl_max: c_int,
    pub backlog: c_int,
    /// Largest inbound message in bytes (-1 = no limit).
    pub maxmsgsize: i64,
    pub rcvtimeo: c_int,
    pub sndtimeo: c_int,
    pub ipv6: bool,
    /// ZMQ_IMMEDIATE: queue only on completed connections.
    pub immediate: bool,
    pub invert_matching: bool,
    /// ZMQ_SOCKS_PROXY address, username and password (empty = unset).
    pub socks_proxy: Vec<u8>,
    pub socks_username: Vec<u8>,
    pub socks_password: Vec<u8>,
    /// SO_KEEPALIVE and its TCP_KEEP* parameters (-1 = leave the OS setting).
    pub tcp_keepalive: c_int,
    pub tcp_keepalive_cnt: c_int,
    pub tcp_keepalive_idle: c_int,
    pub tcp_keepalive_intvl: c_int,
    pub tcp_accept_filters: Vec<TcpAcceptFilter>,
    pub ipc_uid_filters: BTreeSet<u32>,
    pub ipc_gid_filters: BTreeSet<u32>,
    pub ipc_pid_filters: BTreeSet<i32>,
    /// ZMQ_NULL, ZMQ_PLAIN, ZMQ_CURVE or ZMQ_GSSAPI.
    pub mechanism: c_int,
    /// Whether this side is the security server.
    pub as_server: bool,
    pub zap_domain: Vec<u8>,
    pub zap_enforce_domain: bool,
    pub plain_username: Vec<u8>,
    pub plain_password: Vec<u8>,
    /// ZMQ_CURVE_PUBLICKEY, _SECRETKEY and _SERVERKEY (zeros until set).
    pub curve: crate::zmtp::security::CurveKeys,
    pub conflate: bool,
    /// 0 = no handshake time limit.
    pub handshake_ivl: c_int,
    pub heartbeat_ivl: c_int,
    /// ZMQ_HEARTBEAT_TTL in deciseconds, as it travels in PING.
    pub heartbeat_ttl: u16,
    /// -1 = use the heartbeat interval.
    pub heartbeat_timeout: c_int,
    /// A listening descriptor to use instead of creating one (-1 = none).
    pub use_fd: c_int,
    /// SO_BINDTODEVICE interface name (empty = none).
    pub bound_device: Vec<u8>,
    pub loopback_fastpath: bool,
    pub multicast_loop: bool,
    pub in_batch_size: c_int,
    pub out_batch_size: c_int,
    /// ZMQ_ROUTER_NOTIFY flags (set on ROUTER only, readable everywhere).
    pub router_notify: c_int,
    /// ZMQ_METADATA "X-" properties sent in the handshake; the first value of a key stays.
    pub metadata: BTreeMap<Vec<u8>, Vec<u8>>,
    /// ZMQ_HELLO_MSG, ZMQ_DISCONNECT_MSG, ZMQ_HICCUP_MSG (empty = none).
    pub hello_msg: Vec<u8>,
    pub disconnect_msg: Vec<u8>,
    pub hiccup_msg: Vec<u8>,
    pub busy_poll: c_int,
    /// Options of particular socket types.
    pub typed: TypeOptions,
}

impl Default for Options {
    /// libzmq's defaults for a socket of a context with default options.
    fn default() -> Self {
        Options {
            sndhwm: 1000,
            rcvhwm: 1000,
            affinity: 0,
            routing_id: Vec::new(),
            rate: 100,
            recovery_ivl: 10000,
            multicast_hops: 1,
            multicast_maxtpdu: 1500,
            sndbuf: -1,
            rcvbuf: -1,
            tos: 0,
            priority: 0,
            linger: -1,
            connect_timeout: 0,
            tcp_maxrt: 0,
            reconnect_stop: 0,
            reconnect_ivl: 100,
            reconnect_ivl_max: 0,
            backlog: 100,
            maxmsgsize: -1,
            rcvtimeo: -1,
            sndtimeo: -1,
            ipv6: false,
            immediate: false,
            invert_matching: false,
            socks_proxy: Vec::new(),
            socks_username: Vec::new(),
            socks_password: Vec::new(),
            tcp_keepalive: -1,
            tcp_keepalive_cnt: -1,
            tcp_keepalive_idle: -1,
            tcp_keepalive_intvl: -1,
            tcp_accept_filters: Vec::new(),
            ipc_uid_filters: BTreeSet::new(),
            ipc_gid_filters: BTreeSet::new(),
            ipc_pid_filters: BTreeSet::new(),
            mechanism: ZMQ_NULL,
            as_server: false,
            zap_domain: Vec::new(),
            zap_enforce_domain: false,
            curve: Default::default(),
            plain_username: Vec::new(),
            plain_password: Vec::new(),
            conflate: false,
            handshake_ivl: 30000,
            heartbeat_ivl: 0,
            heartbeat_ttl: 0,
            heartbeat_timeout: -1,
            use_fd: -1,
            bound_device: Vec::new(),
            loopback_fastpath: false,
            multicast_loop: true,
            in_batch_size: 8192,
            out_batch_size: 8192,
            router_notify: 0,
            metadata: BTreeMap::new(),
            hello_msg: Vec::new(),
            disconnect_msg: Vec::new(),
            hiccup_msg: Vec::new(),
            busy_poll: 0,
            typed: TypeOptions::default(),
        }
    }
}

impl Options {
    /// A new socket's options: libzmq's defaults, with LINGER and IPV6 from the context
    /// (LINGER is 0 when the context's BLOCKY is off). SUB, XSUB and DISH always start with
    /// LINGER 0: libzmq does not wait to send pending subscriptions when they close.
    pub fn for_socket(kind: SocketType, ctx: &SocketDefaults) -> Options {
        let linger = match kind {
            SocketType::Sub | SocketType::XSub | SocketType::Dish => 0,
            _ => ctx.linger,
        };
        Options {
            linger,
            ipv6: ctx.ipv6,
            ..Options::default()
        }
    }

    /// `zmq_setsockopt` with a non-NULL value.
    pub fn set(&mut self, kind: SocketType, option: c_int, val: &[u8]) -> Result<()> {
        self.set_nullable(kind, option, Some(val))
    }

    /// `zmq_setsockopt`, where `None` is a NULL value of length 0 (which some options treat
    /// differently from an empty non-NULL one).
    pub fn set_nullable(
        &mut self,
        kind: SocketType,
        option: c_int,
        val: Option<&[u8]>,
    ) -> Result<()> {
        match self.typed.set(kind, option, val) {
            Ok(Applied::Done) => return Ok(()),
            Ok(Applied::RouterNotify(v)) => {
                self.router_notify = v;
                return Ok(());
            }
            Err(e) if e != Error::INVAL => return Err(e),
            Err(_) => {}
        }
        self.set_generic(option, val)
    }

    /// `zmq_getsockopt` of a stored option: writes into `buf` (the caller's buffer, of the
    /// caller's `*optvallen`) and returns the length to report back.
    pub fn get(&self, kind: SocketType, option: c_int, buf: &mut [u8]) -> Result<usize> {
        self.get_generic(kind, option, buf)
    }
}
