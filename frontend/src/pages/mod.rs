//! One module per screen.

pub mod account;
pub mod audit;
pub mod auth;
pub mod business;
pub mod clients;
pub mod groups;
pub mod inbox;
pub mod products;
pub mod scheduled;
pub mod staff;
pub mod templates;
pub mod texting;
pub mod tools;
pub mod vault;
