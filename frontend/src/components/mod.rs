//! Pieces the pages share.

pub mod conversation;
pub mod field;
