//! Typed access to the API: one generic request function, one module per resource.

pub mod api;
pub mod config;
pub mod events;
pub mod presence;
pub mod read;
pub mod requests;
