//! A drop-in replacement for libzmq 4.3.5.
//!
//! Layers, top to bottom: `capi` (the C ABI, nothing else), the safe API (`ctx`, `socket`,
//! `msg`, `options`), `pipe` (mailboxes and, later, message pipes), and the I/O and protocol
//! layers that arrive with the transports. See ../shared/DESIGN.md.

pub mod capi;
pub mod ctx;
pub mod error;
pub mod io;
pub mod monitor;
pub mod msg;
pub mod options;
pub mod pipe;
pub mod proxy;
pub mod socket;
pub mod timers;
pub mod transport;
pub mod version;
pub mod z85;
pub mod zmtp;
