//! Queues between threads: the per-socket mailbox and its eventfd signaler, the lock-free
//! ypipe, and the duplex pipe built from two of them.

pub mod duplex;
pub mod mailbox;
pub mod signaler;
pub mod spin;
pub mod ypipe;
