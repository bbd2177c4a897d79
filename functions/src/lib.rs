//! The Sideline backend: services and rules (`domain`), the Store port and its adapters
//! (`store`), the other ports (`adapters`), the HTTP routers (`http`), what reacts to committed
//! changes (`events`), and how the Lambda functions and the local server are put together.

pub mod adapters;
pub mod config;
pub mod domain;
pub mod events;
pub mod http;
pub mod lambda;
pub mod local;
pub mod store;

#[cfg(test)]
mod properties;
