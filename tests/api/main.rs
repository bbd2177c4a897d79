//! The HTTP API end to end, on the embedded default and on DynamoDB Local.

#[path = "../common/mod.rs"]
mod common;
mod helpers;

mod auth;
mod big;
mod business;
mod clients;
mod companies;
mod edits;
mod email;
mod fanout_aws;
mod faults;
mod groups;
mod idempotency;
mod limits;
mod mass;
mod media;
mod messages;
mod notifications;
mod notify;
mod offboarding;
mod openapi;
mod permissions;
mod products;
mod push;
mod reactions;
mod realtime;
mod receipts;
mod robustness;
mod scale;
mod scheduled;
mod sms_aws;
mod staff;
mod templates;
mod tenancy;
mod texting;
mod vault;
