//! Everything that talks to GitHub.
//!
//! - `client`: the one path for every request — transport, a process-wide concurrency bound,
//!   retries, rate-limit handling, a circuit breaker and metrics.
//! - `ops`: the GraphQL documents planpilot sends and typed wrappers around them.

pub mod client;

pub use client::{
    ApiError, Client, ClientConfig, GraphqlError, Metrics, Request, Response, Safety, Secret,
    TokenRole,
};
