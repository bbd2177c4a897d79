//! The Store port's conformance suite, run against both adapters: the embedded redb store and
//! the DynamoDB adapter on DynamoDB Local.

#[path = "../common/mod.rs"]
mod common;
mod conformance;
mod retries;
