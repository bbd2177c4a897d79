//! Configuration of the Lambda functions, read once from the environment at start.

use anyhow::{Context as _, bail};

#[derive(Debug, Clone)]
pub struct Config {
    /// The DynamoDB table.
    pub table: String,
    /// Overrides the DynamoDB endpoint (DynamoDB Local).
    pub dynamodb_endpoint: Option<String>,
    /// The token signing secret.
    pub jwt_secret: String,
    /// The WebSocket API's management endpoint, for functions that push events.
    pub websocket_endpoint: Option<String>,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let table =
            var("SIDELINE_TABLE").context("SIDELINE_TABLE is not set: the DynamoDB table name")?;
        let jwt_secret = var("SIDELINE_JWT_SECRET")
            .context("SIDELINE_JWT_SECRET is not set: the token signing secret")?;
        if jwt_secret.len() < 32 {
            bail!("SIDELINE_JWT_SECRET must be at least 32 characters");
        }
        Ok(Self {
            table,
            dynamodb_endpoint: var("DYNAMODB_ENDPOINT"),
            jwt_secret,
            websocket_endpoint: var("SIDELINE_WS_ENDPOINT"),
        })
    }
}
