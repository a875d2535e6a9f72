//! The GitHub client: one bounded, rate-limit-aware, retrying path for every API call.
//!
//! `Client` is cheap to clone (an `Arc`); all clones share one semaphore (the in-flight bound),
//! one rate-limit gate (a pause that stops every worker) and one set of metrics.

use std::time::Duration;

/// A token. Its `Debug` and `Display` never show the value.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The raw value, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Settings for `Client::new`.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `GITHUB_GRAPHQL_URL`, default `https://api.github.com/graphql`.
    pub graphql_url: String,
    /// `GITHUB_API_URL`, default `https://api.github.com`.
    pub api_url: String,
    /// Token for issues (the `github-token` input).
    pub token: Option<Secret>,
    /// Token for Projects v2 (`project-token`); falls back to `token`.
    pub project_token: Option<Secret>,
    /// Requests in flight at once, process-wide (>= 1).
    pub max_concurrency: usize,
    /// Retries of a transient failure (0 disables).
    pub max_retries: u32,
    /// Total time the client may spend waiting on rate limits before giving up.
    pub max_wait: Duration,
}

/// Which token a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenRole {
    #[default]
    Issues,
    Project,
}

/// Whether a request may be sent again after an ambiguous failure (sent, no answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// A query: always safe to resend.
    Read,
    /// A mutation whose repetition changes nothing or fails harmlessly (update, close, set field).
    Idempotent,
    /// A mutation that creates something: never resent blindly; the caller must look first.
    Create,
}

/// One GraphQL request.
#[derive(Debug, Clone)]
pub struct Request {
    pub document: String,
    pub variables: serde_json::Value,
    pub safety: Safety,
    pub token: TokenRole,
}

/// One entry of a GraphQL `errors` array.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct GraphqlError {
    pub message: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub path: Vec<serde_json::Value>,
}

impl GraphqlError {
    /// The top-level field (or alias) the error belongs to, for mapping errors of aliased
    /// multi-mutation documents back to their items.
    pub fn alias(&self) -> Option<&str> {
        self.path.first().and_then(|p| p.as_str())
    }
}

/// A successful GraphQL answer: `data`, plus per-field errors when only part of it failed.
#[derive(Debug, Clone)]
pub struct Response {
    pub data: serde_json::Value,
    pub errors: Vec<GraphqlError>,
}

/// Why a request failed, after the client's retries and waits.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("bad credentials: the token was rejected (401); check the token input")]
    Unauthorized,
    #[error("forbidden: {message}")]
    Forbidden { message: String },
    #[error("not found: {message}")]
    NotFound { message: String },
    #[error("GitHub rejected the request: {message}")]
    Invalid { message: String },
    #[error("rate limited until {until}; re-run after that to resume")]
    RateLimited { until: String },
    #[error("the request may or may not have been applied: {message}")]
    Ambiguous { message: String },
    #[error("GitHub kept failing after {attempts} attempt(s): {message}")]
    Transient { attempts: u32, message: String },
    #[error("stopped after {failures} consecutive failures (circuit breaker)")]
    CircuitOpen { failures: u32 },
}

/// Counters the sync report and benchmarks read.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Metrics {
    pub requests: u64,
    pub graphql_documents: u64,
    pub mutations: u64,
    pub retries: std::collections::BTreeMap<String, u64>,
    pub rate_limit_wait_ms: u64,
    pub max_in_flight: u64,
    pub ratelimit_remaining: Option<i64>,
}

/// The client. See the module docs for what clones share.
#[derive(Clone)]
pub struct Client {
    _private: (),
}

impl Client {
    pub fn new(_config: ClientConfig) -> Result<Client, ApiError> {
        unimplemented!("github::client is built by the client issue")
    }

    pub async fn graphql(&self, _request: Request) -> Result<Response, ApiError> {
        unimplemented!("github::client is built by the client issue")
    }

    pub fn metrics(&self) -> Metrics {
        Metrics::default()
    }
}
