//! Why a peer's input was refused, with the value libzmq reports in
//! ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL.

use std::fmt;

use crate::capi::consts::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolError {
    Unspecified,
    UnexpectedCommand,
    InvalidSequence,
    KeyExchange,
    MalformedCommandUnspecified,
    MalformedCommandMessage,
    MalformedCommandHello,
    MalformedCommandInitiate,
    MalformedCommandError,
    MalformedCommandReady,
    MalformedCommandWelcome,
    InvalidMetadata,
    Cryptographic,
    MechanismMismatch,
    /// Not a handshake error: the peer broke the framing after the handshake, or sent a
    /// message over ZMQ_MAXMSGSIZE. The connection is dropped; no monitor value.
    Framing,
    TooLarge,
    /// The peer's Socket-Type cannot talk to ours.
    IncompatibleSocketType,
    /// The peer sent ERROR during the handshake. The value is the ZAP status (300, 400,
    /// 500) when the reason was one, reported as HANDSHAKE_FAILED_AUTH; else 0.
    Refused(u16),
}

impl ProtocolError {
    /// The ZMQ_PROTOCOL_ERROR_* value for the monitor event.
    pub fn code(self) -> i32 {
        use ProtocolError::*;
        match self {
            Unspecified | Framing | TooLarge | Refused(_) => ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
            // libzmq refuses a bad Socket-Type while parsing the metadata.
            IncompatibleSocketType => ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA,
            UnexpectedCommand => ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
            InvalidSequence => ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE,
            KeyExchange => ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE,
            MalformedCommandUnspecified => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
            MalformedCommandMessage => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE,
            MalformedCommandHello => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
            MalformedCommandInitiate => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE,
            MalformedCommandError => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR,
            MalformedCommandReady => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY,
            MalformedCommandWelcome => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME,
            InvalidMetadata => ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA,
            Cryptographic => ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
            MechanismMismatch => ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ZMTP protocol error {:?} (0x{:08x})", self, self.code())
    }
}

impl std::error::Error for ProtocolError {}
