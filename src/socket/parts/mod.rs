//! Routing parts that socket types are built from.

pub mod active_set;
pub mod dist;
pub mod fq;
pub mod lb;
pub mod routing_ids;
pub mod trie;
