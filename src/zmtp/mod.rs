//! ZMTP, sans I/O: pure functions and state machines over byte buffers — the greeting, the
//! framing of each protocol version, commands and their properties, and the security
//! mechanisms. Transports feed bytes in and write the bytes these produce; nothing here
//! touches a socket, a thread or a clock.

pub mod command;
pub mod curve;
pub mod error;
pub mod frame;
pub mod greeting;
pub mod mechanism;
pub mod null;
pub mod plain;
pub mod security;
pub mod socket_types;
pub mod zap;

pub use error::ProtocolError;

#[cfg(test)]
mod fuzz_tests;
