//! Everything that talks to GitHub. Imports point down this list:
//!
//! - `backlog`: the reads of `planpilot import` (selected issues, sub-issue trees, the board);
//!   it uses `ops` and `client` like the sync does.
//! - `ops`: the GraphQL documents planpilot sends (reads, mutations, aliased batches) and
//!   typed views of their answers.
//! - `rest`: the REST calls planpilot makes (pull-request comments), through the same client.
//! - `client`: the one path for every request — a process-wide concurrency bound, retries,
//!   rate-limit handling, a circuit breaker and metrics. Its parts:
//!   - `transport`: HTTP(S) to the GraphQL endpoint and REST URLs; never retries or interprets.
//!   - `classify`: outcome → answer / wait for a limit / retry / fail (pure).
//!   - `gate`: the shared rate-limit pause and the adaptive concurrency bound.
//!   - `retry`: backoff with jitter and the circuit breaker.
//!   - `metrics`: the shared counters and their snapshot.
//!   - `ratelimit`: GitHub's limit headers and how long each limit says to wait (pure).
//!   - `pacing`: the shared token bucket that paces content-creating writes to the
//!     content-creation limit learned from its first refusal (pure).
//! - `config`, `types`, `features`: the settings, the token, the request, answer and error
//!   types, and the set of features a server has, which every part above uses; they import
//!   nothing of `github`.

pub mod backlog;
mod classify;
mod client;
mod config;
mod features;
mod gate;
mod metrics;
pub mod ops;
mod pacing;
mod ratelimit;
pub mod rest;
mod retry;
mod transport;
mod types;

pub use client::Client;
pub use config::{endpoints, ClientConfig, ContentRate, Secret};
pub use features::{Feature, Features};
pub use metrics::Metrics;
pub use types::{
    ApiError, FieldVerdict, GraphqlError, Request, Response, Safety, TokenInput, TokenRole,
    TokenUse,
};
