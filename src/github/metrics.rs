//! The client's counters: `Recorder`, shared by all clones, and `Metrics`, the snapshot the
//! sync report and the benchmarks read.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::types::Request;

/// Counters the sync report and benchmarks read.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Documents the callers asked to send (each counted once, however often it was resent).
    pub graphql_documents: u64,
    /// Of those, documents whose operation is a `mutation`.
    pub mutations: u64,
    /// Top-level fields of those mutation documents: one per aliased mutation.
    pub mutation_fields: u64,
    /// Resends by cause: `transient`, `primary`, `secondary`, `partial read`.
    pub retries: BTreeMap<String, u64>,
    /// Rate-limit refusals seen (whole requests or some of their fields).
    pub rate_limit_hits: u64,
    /// Time all requests were paused on rate limits (overlapping pauses counted once).
    pub rate_limit_wait_ms: u64,
    /// Most requests in flight at one moment.
    pub max_in_flight: u64,
    /// The last `x-ratelimit-remaining` GitHub reported.
    pub ratelimit_remaining: Option<i64>,
}

/// Lock-free counters (the retry map aside, which changes rarely).
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    requests: AtomicU64,
    graphql_documents: AtomicU64,
    mutations: AtomicU64,
    mutation_fields: AtomicU64,
    retries: Mutex<BTreeMap<String, u64>>,
    rate_limit_hits: AtomicU64,
    rate_limit_wait_ms: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    ratelimit_remaining: Remaining,
}

/// The last `x-ratelimit-remaining`; `i64::MIN` until a response carried one.
#[derive(Debug)]
struct Remaining(AtomicI64);

impl Default for Remaining {
    fn default() -> Self {
        Remaining(AtomicI64::new(i64::MIN))
    }
}

/// Marks one request in flight for as long as it lives.
pub(crate) struct InFlight<'a>(&'a Recorder);

impl Recorder {
    /// One document the caller asked to send (retries are not counted again).
    pub fn record_document(&self, request: &Request) {
        self.graphql_documents.fetch_add(1, Ordering::Relaxed);
        if request.is_mutation() {
            self.mutations.fetch_add(1, Ordering::Relaxed);
            self.mutation_fields
                .fetch_add(request.mutation_fields, Ordering::Relaxed);
        }
    }

    /// One HTTP request about to be sent.
    pub fn start_request(&self) -> InFlight<'_> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let now = self.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        self.max_in_flight.fetch_max(now, Ordering::AcqRel);
        InFlight(self)
    }

    pub fn record_retry(&self, cause: &str) {
        let mut retries = self
            .retries
            .lock()
            // A map of counters: still consistent after a panic elsewhere.
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *retries.entry(cause.to_string()).or_default() += 1;
    }

    /// One rate-limit refusal, which lengthened the shared pause by `added`.
    pub fn record_limit(&self, added: Duration) {
        self.rate_limit_hits.fetch_add(1, Ordering::Relaxed);
        let millis = u64::try_from(added.as_millis()).unwrap_or(u64::MAX);
        self.rate_limit_wait_ms.fetch_add(millis, Ordering::Relaxed);
    }

    pub fn record_remaining(&self, remaining: Option<i64>) {
        if let Some(remaining) = remaining {
            self.ratelimit_remaining
                .0
                .store(remaining, Ordering::Relaxed);
        }
    }

    pub fn snapshot(&self) -> Metrics {
        let remaining = self.ratelimit_remaining.0.load(Ordering::Relaxed);
        Metrics {
            requests: self.requests.load(Ordering::Relaxed),
            graphql_documents: self.graphql_documents.load(Ordering::Relaxed),
            mutations: self.mutations.load(Ordering::Relaxed),
            mutation_fields: self.mutation_fields.load(Ordering::Relaxed),
            retries: self
                .retries
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone(),
            rate_limit_hits: self.rate_limit_hits.load(Ordering::Relaxed),
            rate_limit_wait_ms: self.rate_limit_wait_ms.load(Ordering::Relaxed),
            max_in_flight: self.max_in_flight.load(Ordering::Relaxed),
            ratelimit_remaining: (remaining != i64::MIN).then_some(remaining),
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::github::types::Safety;

    #[test]
    fn counts_per_document_and_per_field() {
        let recorder = Recorder::default();
        recorder.record_document(&Request::query("query { viewer { login } }", json!({})));
        recorder.record_document(&Request::batch(
            "mutation { a: closeIssue(input: {issueId: \"1\"}) { clientMutationId } b: closeIssue(input: {issueId: \"2\"}) { clientMutationId } }",
            json!({}),
            Safety::Idempotent,
            2,
        ));
        let metrics = recorder.snapshot();
        assert_eq!(metrics.graphql_documents, 2);
        assert_eq!(metrics.mutations, 1);
        assert_eq!(metrics.mutation_fields, 2);
    }

    #[test]
    fn tracks_in_flight_high_water_mark_and_remaining() {
        let recorder = Recorder::default();
        assert_eq!(recorder.snapshot().ratelimit_remaining, None);
        let first = recorder.start_request();
        let second = recorder.start_request();
        drop(first);
        drop(second);
        let _third = recorder.start_request();
        recorder.record_remaining(Some(4_321));
        recorder.record_remaining(None);
        recorder.record_retry("transient");
        recorder.record_retry("transient");
        recorder.record_limit(Duration::from_millis(1_500));
        let metrics = recorder.snapshot();
        assert_eq!(metrics.requests, 3);
        assert_eq!(metrics.max_in_flight, 2);
        assert_eq!(metrics.ratelimit_remaining, Some(4_321));
        assert_eq!(metrics.retries.get("transient"), Some(&2));
        assert_eq!(
            (metrics.rate_limit_hits, metrics.rate_limit_wait_ms),
            (1, 1_500)
        );
    }
}
