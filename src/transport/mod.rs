//! Transports: endpoint addresses now; the tcp and ipc listeners and connecters come with the
//! network issue.

pub mod address;
pub mod listen;
pub mod sockopts;
