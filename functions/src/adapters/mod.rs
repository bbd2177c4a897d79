//! Adapters of the domain's ports other than the store: on AWS and local.

pub mod apigateway;
pub mod files;
pub mod hub;
pub mod limits;
pub mod mailbox;
pub mod s3;
pub mod ses;
