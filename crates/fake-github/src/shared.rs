//! What every endpoint of the fake shares: its state, the budgets it counts, and the gate a
//! request passes before it is served (the token, the in-flight count, the `x-ratelimit-*`
//! headers and the secondary-limit answer), so GraphQL and REST answer alike.
//!
//! `Shared` is owned by an `Arc` held by the accept loop and every connection task; it lives
//! until `FakeGithub::shutdown` stops the loop and the last connection closes.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::config::{Config, Faults};
use crate::exec::RateInfo;
use crate::schema::Schema;
use crate::state::State;
use crate::stats::Stats;

const SECONDARY_DOCS_URL: &str =
    "https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api#secondary-rate-limits";

pub struct Shared {
    pub token: String,
    /// The schema as served: the full one without the features this server lacks; an
    /// upgrade (`FakeGithub::set_without_features`) swaps it between requests.
    pub schema: Mutex<Schema>,
    /// The full schema the served one is cut from.
    pub base_schema: Schema,
    primary_window_secs: u64,
    /// The REST budget (`x-ratelimit-resource: core`), counted apart from GraphQL's as on
    /// GitHub, with the same size and window.
    core_budget: Mutex<Budget>,
    pub state: Mutex<State>,
    pub faults: Mutex<Faults>,
    pub stats: Mutex<Stats>,
    pub(crate) rng: Mutex<StdRng>,
    pub(crate) in_flight: AtomicU64,
    pub(crate) budget: Mutex<Budget>,
    pub(crate) content_window: Mutex<VecDeque<Instant>>,
    pub(crate) points_window: Mutex<VecDeque<(Instant, u64)>>,
    pub(crate) documents: AtomicU64,
    pub(crate) log: Option<Mutex<std::fs::File>>,
    pub(crate) started: Instant,
}

pub(crate) struct Budget {
    used: u64,
    reset_at: u64,
    /// Points per window.
    limit: u64,
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock cannot leave these plain-data structures half-updated in a
    // way worse than the panic itself; keep serving.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// A fake's shared state; `base_schema` is the full schema, served without
    /// `config.without_features`.
    pub fn new(config: &Config, base_schema: Schema) -> anyhow::Result<Shared> {
        let schema = base_schema.without(&config.without_features)?;
        let state = State::new(config);
        let primary_window_secs = config.primary_window.as_secs().max(1);
        let reset_at = state.now_secs() + primary_window_secs;
        let log = match &config.log_path {
            Some(path) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| anyhow::anyhow!("opening request log {}: {e}", path.display()))?,
            )),
            None => None,
        };
        let stats = Stats::default();
        Ok(Shared {
            token: config.token.clone(),
            schema: Mutex::new(schema),
            base_schema,
            primary_window_secs,
            core_budget: Mutex::new(Budget {
                used: 0,
                reset_at,
                limit: config.primary_budget,
            }),
            state: Mutex::new(state),
            faults: Mutex::new(config.faults.clone()),
            stats: Mutex::new(stats),
            rng: Mutex::new(StdRng::seed_from_u64(config.seed)),
            in_flight: AtomicU64::new(0),
            budget: Mutex::new(Budget {
                used: 0,
                reset_at,
                limit: config.primary_budget,
            }),
            content_window: Mutex::new(VecDeque::new()),
            points_window: Mutex::new(VecDeque::new()),
            documents: AtomicU64::new(0),
            log,
            started: Instant::now(),
        })
    }

    pub fn stats(&self) -> Stats {
        let mut stats = lock(&self.stats).clone();
        stats.primary_used = lock(&self.budget).used;
        stats
    }

    pub fn reset_stats(&self) {
        *lock(&self.stats) = Stats::default();
    }

    /// Starts a fresh primary-budget window now, with `limit` points if given.
    pub fn reset_primary_budget(&self, limit: Option<u64>) {
        let now = lock(&self.state).now_secs();
        // The hour passes for the REST budget too.
        for budget in [&self.budget, &self.core_budget] {
            let mut budget = lock(budget);
            budget.used = 0;
            budget.reset_at = now + self.primary_window_secs;
            if let Some(limit) = limit {
                budget.limit = limit;
            }
        }
    }

    /// Spends one REST request of the core budget; `Err` with the budget when none is left.
    pub(crate) fn spend_core(&self) -> Result<RateInfo, RateInfo> {
        let now = lock(&self.state).now_secs();
        let mut budget = lock(&self.core_budget);
        if now >= budget.reset_at {
            budget.used = 0;
            budget.reset_at = now + self.primary_window_secs;
        }
        let exhausted = budget.used >= budget.limit;
        if !exhausted {
            budget.used += 1;
        }
        let rate = RateInfo {
            limit: budget.limit,
            remaining: budget.limit.saturating_sub(budget.used),
            used: budget.used,
            reset_at: budget.reset_at,
            cost: 1,
            node_count: 0,
        };
        if exhausted {
            Err(rate)
        } else {
            Ok(rate)
        }
    }

    pub(crate) fn chance(&self, probability: f64) -> bool {
        probability > 0.0 && lock(&self.rng).gen_bool(probability.clamp(0.0, 1.0))
    }

    pub(crate) fn jitter(&self, max: Duration) -> Duration {
        if max.is_zero() {
            return Duration::ZERO;
        }
        let ms = max.as_micros() as u64;
        Duration::from_micros(lock(&self.rng).gen_range(0..=ms))
    }

    /// Sleep for an injected delay and account for it in the stats.
    pub(crate) async fn delay(&self, delay: Duration) {
        if delay.is_zero() {
            return;
        }
        lock(&self.stats).injected_delay_us += delay.as_micros() as u64;
        tokio::time::sleep(delay).await;
    }

    pub(crate) fn log(&self, entry: Value) {
        if let Some(file) = &self.log {
            let mut line = entry.to_string();
            line.push('\n');
            let _ = lock(file).write_all(line.as_bytes());
        }
    }

    /// Current primary budget; starts a new window when the old one has passed.
    pub(crate) fn rate_info(&self, cost: u64) -> RateInfo {
        let now = lock(&self.state).now_secs();
        let mut budget = lock(&self.budget);
        if now >= budget.reset_at {
            budget.used = 0;
            budget.reset_at = now + self.primary_window_secs;
        }
        RateInfo {
            limit: budget.limit,
            remaining: budget.limit.saturating_sub(budget.used),
            used: budget.used,
            reset_at: budget.reset_at,
            cost,
            node_count: 0,
        }
    }

    pub(crate) fn spend(&self, cost: u64) -> RateInfo {
        lock(&self.budget).used += cost;
        self.rate_info(cost)
    }
}

/// Counts a request in flight for as long as it lives.
pub(crate) struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    pub(crate) fn enter(shared: &'a Shared) -> (InFlight<'a>, u64) {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let mut stats = lock(&shared.stats);
        stats.requests += 1;
        stats.max_in_flight = stats.max_in_flight.max(now);
        (InFlight(shared), now)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What every request passes first, in GitHub's order: the token, the in-flight limit, the
/// latency, an injected 502. `Ok` with the faults in force for the rest of the request;
/// `Err` with the answer and a short outcome word for the log.
pub(crate) async fn gate(
    shared: &Shared,
    headers: &HeaderMap,
    in_flight: u64,
) -> Result<Faults, (Response, &'static str)> {
    if !authorized(shared, headers) {
        return Err((unauthorized(shared), "unauthorized"));
    }
    let faults = lock(&shared.faults).clone();
    if faults.max_concurrent.is_some_and(|max| in_flight > max) {
        return Err((secondary_limited(shared, &faults), "secondary_concurrency"));
    }
    shared
        .delay(faults.latency + shared.jitter(faults.jitter))
        .await;
    if shared.chance(faults.error_502_rate) {
        lock(&shared.stats).faults_injected += 1;
        let body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
        return Err(((StatusCode::BAD_GATEWAY, body).into_response(), "fault_502"));
    }
    Ok(faults)
}

pub(crate) fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .or_else(|| value.strip_prefix("token "));
    token.is_some_and(|t| t.trim() == shared.token)
}

pub(crate) fn unauthorized(shared: &Shared) -> Response {
    lock(&shared.stats).unauthorized += 1;
    let body = json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"});
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

pub(crate) fn with_rate_headers(response: Response, rate: &RateInfo) -> Response {
    with_rate_headers_of(response, rate, "graphql")
}

/// The `x-ratelimit-*` headers of `rate`, for the budget named `resource` (`graphql`, `core`).
pub(crate) fn with_rate_headers_of(
    mut response: Response,
    rate: &RateInfo,
    resource: &str,
) -> Response {
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set("x-ratelimit-limit", rate.limit.to_string());
    set("x-ratelimit-remaining", rate.remaining.to_string());
    set("x-ratelimit-used", rate.used.to_string());
    set("x-ratelimit-reset", rate.reset_at.to_string());
    set("x-ratelimit-resource", resource.to_string());
    response
}

pub(crate) fn secondary_limited(shared: &Shared, faults: &Faults) -> Response {
    lock(&shared.stats).secondary_limited += 1;
    let rate = shared.rate_info(0);
    let body = json!({
        "documentation_url": SECONDARY_DOCS_URL,
        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:FAKE:0000.",
    });
    let mut response = (StatusCode::FORBIDDEN, Json(body)).into_response();
    if !shared.chance(faults.retry_after_omit_rate) {
        if let Ok(v) = HeaderValue::from_str(&faults.retry_after_secs.to_string()) {
            response.headers_mut().insert("retry-after", v);
        }
    }
    with_rate_headers(response, &rate)
}
