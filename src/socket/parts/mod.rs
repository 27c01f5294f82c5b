//! Routing parts that socket types are built from.

pub mod fq;
pub mod lb;
