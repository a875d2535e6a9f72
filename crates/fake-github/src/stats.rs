//! Counters served at `GET /_fake/stats` and by `FakeGithub::stats`.

use std::collections::BTreeMap;

use serde::Serialize;

/// Mutation counts: all top-level mutation fields executed, and per mutation name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MutationStats {
    pub total: u64,
    pub by_name: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// API requests received (`/graphql`, REST), including rejected ones.
    pub requests: u64,
    /// GraphQL documents that reached parsing.
    pub graphql_documents: u64,
    pub mutations: MutationStats,
    /// Highest number of API requests in flight at once.
    pub max_in_flight: u64,
    /// Documents rejected by schema validation, or for variables their types do not admit.
    pub validation_failures: u64,
    /// Injected 502s, "Something went wrong" answers and dropped connections.
    pub faults_injected: u64,
    /// Query answers with a field of an issue left out (`partial_read_rate`).
    pub partial_reads: u64,
    /// Connections dropped after their mutations were applied.
    pub dropped_after_apply: u64,
    /// `RATE_LIMITED` answers (budget exhausted or `rate_limited_every`).
    pub rate_limited: u64,
    /// Secondary-limit 403 answers.
    pub secondary_limited: u64,
    /// 401 answers.
    pub unauthorized: u64,
    /// Total latency injected (request latency, jitter, per-mutation latency), in microseconds.
    pub injected_delay_us: u64,
    /// Primary points used in the current window.
    pub primary_used: u64,
    /// REST calls that passed authentication (`/repos/…`, `/repositories/…`).
    pub rest_calls: u64,
    /// REST calls that changed something (a comment created or edited).
    pub rest_writes: u64,
}
