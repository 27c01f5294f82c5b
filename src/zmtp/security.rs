//! What a socket's security options ask of its connections: the mechanism, its role and its
//! credentials, copied into each session at bind/connect time.

use super::command::Properties;
use super::mechanism::Mechanism;
use super::null::Null;
use super::plain::{PlainClient, PlainServer};
use crate::socket::SocketType;

/// A CURVE key pair and the server's public key (RFC 26 long-term keys).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CurveKeys {
    pub public: [u8; 32],
    pub secret: [u8; 32],
    pub server_key: [u8; 32],
}

impl Drop for CurveKeys {
    fn drop(&mut self) {
        // The secret key must not outlive its owner in freed memory.
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

impl std::fmt::Debug for CurveKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurveKeys").finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Default)]
pub enum Security {
    #[default]
    Null,
    Plain {
        server: bool,
        username: Vec<u8>,
        password: Vec<u8>,
    },
    Curve {
        server: bool,
        keys: CurveKeys,
    },
}

impl Security {
    /// The security a socket's options ask for.
    pub fn from_options(o: &crate::options::Options) -> Security {
        use crate::capi::consts::{ZMQ_CURVE, ZMQ_PLAIN};
        match o.mechanism {
            ZMQ_PLAIN => Security::Plain {
                server: o.as_server,
                username: o.plain_username.clone(),
                password: o.plain_password.clone(),
            },
            ZMQ_CURVE => Security::Curve {
                server: o.as_server,
                keys: o.curve.clone(),
            },
            _ => Security::Null,
        }
    }

    /// The name in the greeting.
    pub fn name(&self) -> &'static str {
        match self {
            Security::Null => "NULL",
            Security::Plain { .. } => "PLAIN",
            Security::Curve { .. } => "CURVE",
        }
    }

    /// A fresh mechanism for one connection; `props` are the properties this side announces.
    pub fn mechanism(&self, kind: SocketType, props: Properties, zap: bool) -> Box<dyn Mechanism> {
        match self {
            Security::Null => Box::new(Null::new(kind, props, zap)),
            Security::Plain { server: true, .. } => Box::new(PlainServer::new(kind, props)),
            Security::Plain {
                username, password, ..
            } => Box::new(PlainClient::new(kind, props, username, password)),
            Security::Curve { server, keys } => super::curve::mechanism(*server, kind, props, keys),
        }
    }
}
