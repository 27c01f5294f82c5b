//! The options every socket type accepts (libzmq's `options_t`), with libzmq's value rules.

use std::os::raw::c_int;

use super::ids::{self, DRAFT};
use super::value::{
    bool_relaxed, bool_strict, eight, int, int_min, int_where, put_exact, put_int, put_relaxed,
    put_str, string_relaxed, string_strict,
};
use super::{Options, TcpAcceptFilter};
use crate::capi::consts::*;
use crate::error::{Error, Result};
use crate::socket::SocketType;
use crate::z85;

/// Longest ZMQ_BINDTODEVICE name in bytes: IFNAMSIZ, as libzmq checks it.
const BINDDEVSIZ: usize = 16;
/// Longest PLAIN credential, ZAP domain, SOCKS credential and accept filter: UCHAR_MAX.
const SHORT_STRING: usize = 255;
/// A CURVE key in binary, in Z85, and in Z85 with its NUL.
const CURVE_KEY: usize = 32;
const CURVE_KEY_Z85: usize = 40;
const CURVE_KEY_Z85_NUL: usize = 41;
/// ZMQ_HEARTBEAT_TTL is given in ms and kept in deciseconds.
const MS_PER_DECISECOND: c_int = 100;

impl Options {
    pub(super) fn set_generic(&mut self, option: c_int, val: Option<&[u8]>) -> Result<()> {
        let bytes = val.unwrap_or(&[]);
        match option {
            ZMQ_SNDHWM => self.sndhwm = int_min(bytes, 0)?,
            ZMQ_RCVHWM => self.rcvhwm = int_min(bytes, 0)?,
            ZMQ_AFFINITY => self.affinity = u64::from_ne_bytes(eight(bytes)?),
            ZMQ_ROUTING_ID => {
                if bytes.is_empty() || bytes.len() > 255 {
                    return Err(Error::INVAL);
                }
                self.routing_id = bytes.to_vec();
            }
            ZMQ_RATE => self.rate = int_min(bytes, 1)?,
            ZMQ_RECOVERY_IVL => self.recovery_ivl = int_min(bytes, 0)?,
            ZMQ_SNDBUF => self.sndbuf = int_min(bytes, -1)?,
            ZMQ_RCVBUF => self.rcvbuf = int_min(bytes, -1)?,
            ZMQ_TOS => self.tos = int_min(bytes, 0)?,
            ZMQ_LINGER => self.linger = int_min(bytes, -1)?,
            ZMQ_CONNECT_TIMEOUT => self.connect_timeout = int_min(bytes, 0)?,
            ZMQ_TCP_MAXRT => self.tcp_maxrt = int_min(bytes, 0)?,
            ids::ZMQ_RECONNECT_STOP => self.reconnect_stop = int(bytes).ok_or(Error::INVAL)?,
            ZMQ_RECONNECT_IVL => self.reconnect_ivl = int_min(bytes, -1)?,
            ZMQ_RECONNECT_IVL_MAX => self.reconnect_ivl_max = int_min(bytes, 0)?,
            ZMQ_BACKLOG => self.backlog = int_min(bytes, 0)?,
            ZMQ_MAXMSGSIZE => self.maxmsgsize = i64::from_ne_bytes(eight(bytes)?),
            ZMQ_MULTICAST_HOPS => self.multicast_hops = int_min(bytes, 1)?,
            ZMQ_MULTICAST_MAXTPDU => self.multicast_maxtpdu = int_min(bytes, 1)?,
            ZMQ_RCVTIMEO => self.rcvtimeo = int_min(bytes, -1)?,
            ZMQ_SNDTIMEO => self.sndtimeo = int_min(bytes, -1)?,
            ZMQ_IPV4ONLY => self.ipv6 = !bool_strict(bytes)?,
            ZMQ_IPV6 => self.ipv6 = bool_strict(bytes)?,
            ZMQ_SOCKS_PROXY => self.socks_proxy = string_strict(val, usize::MAX)?,
            // NULL and empty both clear these two.
            ids::ZMQ_SOCKS_USERNAME => self.socks_username = string_strict(non_empty(val), 255)?,
            ids::ZMQ_SOCKS_PASSWORD => self.socks_password = string_strict(non_empty(val), 255)?,
            ZMQ_TCP_KEEPALIVE => self.tcp_keepalive = int_where(bytes, |v| (-1..=1).contains(&v))?,
            ZMQ_TCP_KEEPALIVE_CNT => self.tcp_keepalive_cnt = int_min(bytes, -1)?,
            ZMQ_TCP_KEEPALIVE_IDLE => self.tcp_keepalive_idle = int_min(bytes, -1)?,
            ZMQ_TCP_KEEPALIVE_INTVL => self.tcp_keepalive_intvl = int_min(bytes, -1)?,
            ZMQ_IMMEDIATE => self.immediate = bool_strict(bytes)?,
            ZMQ_TCP_ACCEPT_FILTER => {
                let filter = string_strict(val, SHORT_STRING)?;
                if filter.is_empty() {
                    self.tcp_accept_filters.clear();
                } else {
                    let f = TcpAcceptFilter::parse(&filter, self.ipv6)?;
                    self.tcp_accept_filters.push(f);
                }
            }
            ZMQ_IPC_FILTER_UID => id_filter(&mut self.ipc_uid_filters, val, u32::from_ne_bytes)?,
            ZMQ_IPC_FILTER_GID => id_filter(&mut self.ipc_gid_filters, val, u32::from_ne_bytes)?,
            ZMQ_IPC_FILTER_PID => id_filter(&mut self.ipc_pid_filters, val, i32::from_ne_bytes)?,
            ZMQ_PLAIN_SERVER => {
                self.as_server = bool_strict(bytes)?;
                self.mechanism = if self.as_server { ZMQ_PLAIN } else { ZMQ_NULL };
            }
            ZMQ_PLAIN_USERNAME | ZMQ_PLAIN_PASSWORD => match val {
                None => self.mechanism = ZMQ_NULL,
                Some(v) if !v.is_empty() && v.len() <= SHORT_STRING => {
                    if option == ZMQ_PLAIN_USERNAME {
                        self.plain_username = v.to_vec();
                    } else {
                        self.plain_password = v.to_vec();
                    }
                    self.as_server = false;
                    self.mechanism = ZMQ_PLAIN;
                }
                Some(_) => return Err(Error::INVAL),
            },
            ZMQ_CURVE_SERVER => {
                self.as_server = bool_strict(bytes)?;
                self.mechanism = if self.as_server { ZMQ_CURVE } else { ZMQ_NULL };
            }
            ZMQ_CURVE_PUBLICKEY => self.set_curve_key(|k| &mut k.public, bytes)?,
            ZMQ_CURVE_SECRETKEY => self.set_curve_key(|k| &mut k.secret, bytes)?,
            ZMQ_CURVE_SERVERKEY => {
                // A server key makes this side a CURVE client.
                self.set_curve_key(|k| &mut k.server_key, bytes)?;
                self.as_server = false;
            }
            ZMQ_ZAP_DOMAIN => self.zap_domain = string_relaxed(bytes, SHORT_STRING)?,
            ZMQ_CONFLATE => self.conflate = bool_strict(bytes)?,
            ZMQ_HANDSHAKE_IVL => self.handshake_ivl = int_min(bytes, 0)?,
            ZMQ_INVERT_MATCHING => self.invert_matching = bool_relaxed(bytes)?,
            ZMQ_HEARTBEAT_IVL => self.heartbeat_ivl = int_min(bytes, 0)?,
            ZMQ_HEARTBEAT_TTL => {
                // Truncated toward zero, so -99..=-1 ms become 0 as in libzmq.
                let ds = int(bytes).ok_or(Error::INVAL)? / MS_PER_DECISECOND;
                self.heartbeat_ttl = u16::try_from(ds).map_err(|_| Error::INVAL)?;
            }
            ZMQ_HEARTBEAT_TIMEOUT => self.heartbeat_timeout = int_min(bytes, 0)?,
            ZMQ_USE_FD => self.use_fd = int_min(bytes, -1)?,
            ZMQ_BINDTODEVICE => self.bound_device = string_strict(val, BINDDEVSIZ)?,
            ids::ZMQ_ZAP_ENFORCE_DOMAIN => self.zap_enforce_domain = bool_relaxed(bytes)?,
            ids::ZMQ_LOOPBACK_FASTPATH => self.loopback_fastpath = bool_relaxed(bytes)?,
            ids::ZMQ_METADATA => self.add_metadata(bytes)?,
            ids::ZMQ_MULTICAST_LOOP => self.multicast_loop = bool_relaxed(bytes)?,
            // The rest exist only in draft builds ("gated" in the notes).
            ids::ZMQ_IN_BATCH_SIZE if DRAFT => self.in_batch_size = int_min(bytes, 1)?,
            ids::ZMQ_OUT_BATCH_SIZE if DRAFT => self.out_batch_size = int_min(bytes, 1)?,
            ids::ZMQ_BUSY_POLL if DRAFT => self.busy_poll = int(bytes).ok_or(Error::INVAL)?,
            ids::ZMQ_HELLO_MSG if DRAFT => self.hello_msg = bytes.to_vec(),
            ids::ZMQ_DISCONNECT_MSG if DRAFT => self.disconnect_msg = bytes.to_vec(),
            ids::ZMQ_HICCUP_MSG if DRAFT => self.hiccup_msg = bytes.to_vec(),
            ids::ZMQ_PRIORITY if DRAFT => self.priority = int_min(bytes, 0)?,
            // Not built: GSSAPI (62-65, 90, 91), VMCI (85-88), WSS (103-107),
            // NORM (117-124). Everything else is unknown or type-specific.
            _ => return Err(Error::INVAL),
        }
        Ok(())
    }

    /// A CURVE key (libzmq's `set_curve_key`): 32 bytes binary, or Z85 text of 40 bytes or
    /// of 41 with a terminating NUL. The text is read up to its first NUL, as libzmq reads
    /// it with `zmq_z85_decode`: any multiple of 5 characters (at least 5) decodes into the
    /// start of the key, and a bad group leaves the groups before it written. Success makes
    /// the mechanism CURVE.
    fn set_curve_key(
        &mut self,
        field: fn(&mut crate::zmtp::security::CurveKeys) -> &mut [u8; CURVE_KEY],
        v: &[u8],
    ) -> Result<()> {
        let key = field(&mut self.curve);
        match v.len() {
            CURVE_KEY => key.copy_from_slice(v),
            CURVE_KEY_Z85 | CURVE_KEY_Z85_NUL => {
                let text = &v[..v.iter().position(|&b| b == 0).unwrap_or(v.len())];
                if text.len() < 5 || z85::decoded_len(text.len()) > CURVE_KEY {
                    return Err(Error::INVAL);
                }
                z85::decode_into(text, key)?;
            }
            _ => return Err(Error::INVAL),
        }
        self.mechanism = ZMQ_CURVE;
        Ok(())
    }

    /// ZMQ_METADATA "X-key:value": the key starts with "X-" and has at most 255 bytes, the
    /// value is not empty. A value of exactly sizeof(int) bytes is refused, as in libzmq.
    fn add_metadata(&mut self, v: &[u8]) -> Result<()> {
        if v.is_empty() || int(v).is_some() {
            return Err(Error::INVAL);
        }
        let colon = v.iter().position(|&b| b == b':').ok_or(Error::INVAL)?;
        let (key, value) = (&v[..colon], &v[colon + 1..]);
        if colon == 0 || value.is_empty() || !key.starts_with(b"X-") || key.len() > 255 {
            return Err(Error::INVAL);
        }
        self.metadata
            .entry(key.to_vec())
            .or_insert_with(|| value.to_vec());
        Ok(())
    }

    pub(super) fn get_generic(
        &self,
        kind: SocketType,
        option: c_int,
        buf: &mut [u8],
    ) -> Result<usize> {
        let v = match option {
            ZMQ_AFFINITY => return put_exact(buf, &self.affinity.to_ne_bytes()),
            ZMQ_MAXMSGSIZE => return put_exact(buf, &self.maxmsgsize.to_ne_bytes()),
            ZMQ_ROUTING_ID => return put_relaxed(buf, &self.routing_id),
            ZMQ_SOCKS_PROXY => return put_str(buf, &self.socks_proxy),
            ids::ZMQ_SOCKS_USERNAME => return put_str(buf, &self.socks_username),
            ids::ZMQ_SOCKS_PASSWORD => return put_str(buf, &self.socks_password),
            ZMQ_PLAIN_USERNAME => return put_str(buf, &self.plain_username),
            ZMQ_PLAIN_PASSWORD => return put_str(buf, &self.plain_password),
            ZMQ_ZAP_DOMAIN => return put_str(buf, &self.zap_domain),
            ZMQ_BINDTODEVICE => return put_str(buf, &self.bound_device),
            ZMQ_CURVE_PUBLICKEY => return get_curve_key(buf, &self.curve.public),
            ZMQ_CURVE_SECRETKEY => return get_curve_key(buf, &self.curve.secret),
            ZMQ_CURVE_SERVERKEY => return get_curve_key(buf, &self.curve.server_key),
            ZMQ_SNDHWM => self.sndhwm,
            ZMQ_RCVHWM => self.rcvhwm,
            ZMQ_RATE => self.rate,
            ZMQ_RECOVERY_IVL => self.recovery_ivl,
            ZMQ_SNDBUF => self.sndbuf,
            ZMQ_RCVBUF => self.rcvbuf,
            ZMQ_TOS => self.tos,
            ZMQ_TYPE => kind.raw(),
            ZMQ_LINGER => self.linger,
            ZMQ_CONNECT_TIMEOUT => self.connect_timeout,
            ZMQ_TCP_MAXRT => self.tcp_maxrt,
            ids::ZMQ_RECONNECT_STOP => self.reconnect_stop,
            ZMQ_RECONNECT_IVL => self.reconnect_ivl,
            ZMQ_RECONNECT_IVL_MAX => self.reconnect_ivl_max,
            ZMQ_BACKLOG => self.backlog,
            ZMQ_MULTICAST_HOPS => self.multicast_hops,
            ZMQ_MULTICAST_MAXTPDU => self.multicast_maxtpdu,
            ZMQ_RCVTIMEO => self.rcvtimeo,
            ZMQ_SNDTIMEO => self.sndtimeo,
            ZMQ_IPV4ONLY => !self.ipv6 as c_int,
            ZMQ_IPV6 => self.ipv6 as c_int,
            ZMQ_IMMEDIATE => self.immediate as c_int,
            ZMQ_TCP_KEEPALIVE => self.tcp_keepalive,
            ZMQ_TCP_KEEPALIVE_CNT => self.tcp_keepalive_cnt,
            ZMQ_TCP_KEEPALIVE_IDLE => self.tcp_keepalive_idle,
            ZMQ_TCP_KEEPALIVE_INTVL => self.tcp_keepalive_intvl,
            ZMQ_MECHANISM => self.mechanism,
            ZMQ_PLAIN_SERVER => (self.as_server && self.mechanism == ZMQ_PLAIN) as c_int,
            ZMQ_CURVE_SERVER => (self.as_server && self.mechanism == ZMQ_CURVE) as c_int,
            ZMQ_CONFLATE => self.conflate as c_int,
            ZMQ_HANDSHAKE_IVL => self.handshake_ivl,
            ZMQ_INVERT_MATCHING => self.invert_matching as c_int,
            ZMQ_HEARTBEAT_IVL => self.heartbeat_ivl,
            ZMQ_HEARTBEAT_TTL => c_int::from(self.heartbeat_ttl) * MS_PER_DECISECOND,
            ZMQ_HEARTBEAT_TIMEOUT => self.heartbeat_timeout,
            ZMQ_USE_FD => self.use_fd,
            ids::ZMQ_ZAP_ENFORCE_DOMAIN => self.zap_enforce_domain as c_int,
            ids::ZMQ_LOOPBACK_FASTPATH => self.loopback_fastpath as c_int,
            ids::ZMQ_MULTICAST_LOOP => self.multicast_loop as c_int,
            ids::ZMQ_ROUTER_NOTIFY if DRAFT => self.router_notify,
            ids::ZMQ_IN_BATCH_SIZE if DRAFT => self.in_batch_size,
            ids::ZMQ_OUT_BATCH_SIZE if DRAFT => self.out_batch_size,
            ids::ZMQ_PRIORITY if DRAFT => self.priority,
            ids::ZMQ_BUSY_POLL if DRAFT => {
                // libzmq 4.3.5 writes the value but then reports EINVAL (a missing return).
                let _ = put_int(buf, self.busy_poll);
                return Err(Error::INVAL);
            }
            _ => return Err(Error::INVAL),
        };
        put_int(buf, v)
    }
}

/// A CURVE key for getsockopt: a buffer of exactly 32 bytes gets it in binary, one of
/// exactly 41 gets it in Z85 with a NUL; any other size is EINVAL (libzmq's
/// `do_getsockopt_curve_key`). The length reported is the buffer's.
fn get_curve_key(buf: &mut [u8], key: &[u8; CURVE_KEY]) -> Result<usize> {
    match buf.len() {
        CURVE_KEY => buf.copy_from_slice(key),
        CURVE_KEY_Z85_NUL => {
            z85::encode_into(key, buf)?;
            buf[CURVE_KEY_Z85] = 0;
        }
        _ => return Err(Error::INVAL),
    }
    Ok(buf.len())
}

/// `None` for NULL or empty: SOCKS_USERNAME/PASSWORD clear on either.
fn non_empty(val: Option<&[u8]>) -> Option<&[u8]> {
    val.filter(|v| !v.is_empty())
}

/// An IPC peer filter: NULL/0 clears the set, a 4-byte id adds to it.
fn id_filter<T: Ord>(
    set: &mut std::collections::BTreeSet<T>,
    val: Option<&[u8]>,
    decode: fn([u8; 4]) -> T,
) -> Result<()> {
    match val {
        None => set.clear(),
        Some(v) => {
            set.insert(decode(<[u8; 4]>::try_from(v).map_err(|_| Error::INVAL)?));
        }
    }
    Ok(())
}
