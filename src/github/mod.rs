//! Everything that talks to GitHub.
//!
//! - `client`: the one path for every request — transport, a process-wide concurrency bound,
//!   retries, rate-limit handling, a circuit breaker and metrics. Its parts:
//!   - `transport`: HTTP(S) to the GraphQL endpoint; never retries or interprets.
//!   - `classify`: outcome → answer / wait for a limit / retry / fail (pure).
//!   - `ratelimit`: GitHub's limit headers and how long each limit says to wait (pure).
//!   - `gate`: the shared rate-limit pause and the adaptive concurrency bound.
//!   - `retry`: backoff with jitter and the circuit breaker.
//!   - `metrics`: the shared counters.
//! - `ops`: the GraphQL documents planpilot sends and typed wrappers around them.

mod classify;
pub mod client;
mod gate;
mod metrics;
pub mod ops;
mod ratelimit;
mod retry;
mod transport;

pub use client::{
    ApiError, Client, ClientConfig, GraphqlError, Metrics, Request, Response, Safety, Secret,
    TokenRole,
};
