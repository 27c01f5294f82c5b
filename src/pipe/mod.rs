//! Queues between threads: the per-socket mailbox and its eventfd signaler, the lock-free
//! ypipe, and the duplex pipe built from two of them.
//! (The message pipes between sockets and peers arrive with the sockets issue.)

pub mod mailbox;
pub mod duplex;
pub mod signaler;
pub mod ypipe;
