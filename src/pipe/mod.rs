//! Queues between threads: the per-socket mailbox and its eventfd signaler.
//! (The message pipes between sockets and peers arrive with the sockets issue.)

pub mod mailbox;
pub mod pipe;
pub mod signaler;
pub mod ypipe;
