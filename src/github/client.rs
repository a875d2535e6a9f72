//! The GitHub client: one bounded, rate-limit-aware, retrying path for every API call.
//!
//! `Client` is cheap to clone (an `Arc`); all clones share one semaphore (the in-flight bound),
//! one rate-limit gate (a pause that stops every worker), one circuit breaker, one set of
//! metrics and the server's features once read (`ops::features`). There is no background task:
//! all work happens inside `graphql` calls.
//!
//! What one call does: wait at the gate, take a slot, send, classify the outcome (`classify`),
//! then answer, wait for a limit and resend, back off and resend a transient failure, or fail.
//! A request that creates something is never resent once it may have reached GitHub.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::classify::{classify, classify_rest, Verdict};
use super::config::ClientConfig;
use super::features::Features;
use super::gate::{Gate, Limiter, Pause, Slot};
use super::metrics::{Metrics, Recorder};
use super::pacing::{about, Admission, Evidence, Pacer};
use super::ratelimit::{format_utc, Limit, WaitPolicy};
use super::retry::{Backoff, Breaker};
use super::transport::{HttpTransport, RawResponse, RestCall, Transport, TransportError, Wire};
use super::types::{
    ApiError, FieldVerdict, Request, Response, Safety, TokenInput, TokenRole, TokenUse,
};

/// Rate-limit refusals one call waits through before giving up, for a server that keeps
/// answering `retry-after: 0` (the `max_wait` cap would never be reached).
const MAX_LIMIT_RETRIES: u32 = 10;

/// Secondary-limit refusals in a row after which a document of several mutations is handed
/// back (`ApiError::Refused`) for its sender to split: resending a document that holds more
/// content-creating mutations than the limit admits can never succeed.
const REFUSALS_BEFORE_SPLIT: u32 = 2;

/// `Refused` when `request`, a document of several mutations, has now been refused by a
/// secondary limit `refusals` times in a row: its sender splits it rather than resending it.
fn split_instead(limit: &Limit, request: &Request, refusals: u32) -> Option<ApiError> {
    if !matches!(limit, Limit::Secondary { .. }) || refusals < REFUSALS_BEFORE_SPLIT {
        return None;
    }
    let mutations = Some(request.mutation_fields).filter(|&n| n > 1)?;
    Some(ApiError::Refused {
        mutations,
        attempts: refusals,
    })
}

/// What one call sends, and how: the request, its token and safety, and when a refused
/// document goes back to its sender to split (GraphQL only). `operation` and `mutations` name
/// it in the request log.
struct Exchange<'a> {
    wire: Wire<'a>,
    role: TokenRole,
    safety: Safety,
    split: &'a (dyn Fn(&Limit, u32) -> Option<ApiError> + Sync),
    operation: &'a str,
    mutations: u64,
    /// Content-creating mutations among them: what the pacer holds back.
    creations: u32,
}

/// Pauses on a rate limit at least this long are announced with the run's progress.
const NOTICE_PAUSE: Duration = Duration::from_secs(3);

/// Where an announcement of a wait goes.
type Announce = Box<dyn Fn(&str) + Send + Sync>;

/// An answer's mutations refused one by one by a secondary limit ("submitted too quickly").
trait Throttled {
    fn throttled(&self) -> usize;
}

impl Throttled for Response {
    fn throttled(&self) -> usize {
        self.errors
            .iter()
            .filter(|error| error.verdict() == FieldVerdict::Throttled)
            .count()
    }
}

impl Throttled for RawResponse {
    /// REST calls create no content the pacer counts.
    fn throttled(&self) -> usize {
        0
    }
}

/// The client. See the module docs for what clones share.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Box<dyn Transport>,
    gate: Gate,
    limiter: Limiter,
    breaker: Breaker,
    backoff: Backoff,
    max_retries: u32,
    adaptive_backoff: bool,
    metrics: Recorder,
    /// Token values, scrubbed from every message that leaves the client.
    secrets: Vec<String>,
    /// The input the board's token came from: `github-token` unless `project-token` holds
    /// another token.
    project_input: TokenInput,
    /// What the server supports, read once (`ops::features`).
    features: tokio::sync::OnceCell<Features>,
    /// Paces content-creating requests to GitHub's content-creation limit.
    pacer: Pacer,
    /// The window assumed for a content refusal without `retry-after`: the wait planpilot
    /// takes for it (`secondary_min_wait`).
    window_without_retry_after: Duration,
    /// Where announcements of waits on the content limit go (the log by default).
    announce: std::sync::OnceLock<Announce>,
}

impl Client {
    /// A client for `config`; fails on an unusable URL, token or setting.
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        let transport = HttpTransport::new(&config)?;
        Client::with_transport(&config, Box::new(transport))
    }

    pub(crate) fn with_transport(
        config: &ClientConfig,
        transport: Box<dyn Transport>,
    ) -> Result<Client, ApiError> {
        if config.max_concurrency == 0 {
            return Err(ApiError::Invalid {
                message: "max-concurrency must be at least 1".to_string(),
            });
        }
        let policy = WaitPolicy {
            secondary_min_wait: config.secondary_min_wait,
            reset_margin: config.reset_margin,
        };
        let secrets = [&config.token, &config.project_token]
            .into_iter()
            .flatten()
            .map(|secret| secret.expose().trim().to_string())
            .filter(|value| !value.is_empty())
            .collect();
        let own_project_token = config.project_token.as_ref().is_some_and(|project| {
            config.token.as_ref().map(|t| t.expose().trim()) != Some(project.expose().trim())
        });
        let project_input = if own_project_token {
            TokenInput::ProjectToken
        } else {
            TokenInput::GithubToken
        };
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                gate: Gate::new(policy, config.max_wait),
                limiter: Limiter::new(config.max_concurrency, config.adaptive_backoff),
                breaker: Breaker::new(config.breaker_threshold),
                backoff: Backoff {
                    base: config.backoff_base,
                    max: config.backoff_max,
                },
                max_retries: config.max_retries,
                adaptive_backoff: config.adaptive_backoff,
                metrics: Recorder::default(),
                secrets,
                project_input,
                features: tokio::sync::OnceCell::new(),
                pacer: Pacer::new(config.content_rate),
                window_without_retry_after: config.secondary_min_wait,
                announce: std::sync::OnceLock::new(),
            }),
        })
    }

    /// Sends `request`, waiting out rate limits and retrying transient failures as configured.
    ///
    /// `Ok` when GitHub answered with `data`, possibly with per-field `errors` (map them to
    /// items with `GraphqlError::alias`). A `Safety::Create` request that may have reached
    /// GitHub without a clear answer fails with `ApiError::Ambiguous` instead of being resent.
    pub async fn graphql(&self, request: Request) -> Result<Response, ApiError> {
        self.inner.metrics.record_document(&request);
        let body = serde_json::json!({"query": request.document, "variables": request.variables})
            .to_string();
        let exchange = Exchange {
            wire: Wire::Graphql(&body),
            role: request.token,
            safety: request.safety,
            split: &|limit, refusals| split_instead(limit, &request, refusals),
            operation: request.operation_name(),
            mutations: request.mutation_fields,
            creations: u32::try_from(request.content_creations).unwrap_or(u32::MAX),
        };
        self.send(exchange, classify).await
    }

    /// Sends a REST call (see `rest`) through the same bound, waits and retries as `graphql`;
    /// the answer is any 2xx.
    pub(crate) async fn rest(
        &self,
        call: &RestCall,
        role: TokenRole,
        safety: Safety,
    ) -> Result<RawResponse, ApiError> {
        let exchange = Exchange {
            wire: Wire::Rest(call),
            role,
            safety,
            split: &|_, _| None,
            operation: call.url.path(),
            mutations: 0,
            creations: 0,
        };
        self.send(exchange, classify_rest).await
    }

    /// The loop behind `graphql` and `rest`: attempt, then answer, wait, retry or fail.
    async fn send<A: Throttled>(
        &self,
        exchange: Exchange<'_>,
        classify: fn(Result<RawResponse, TransportError>, TokenUse) -> Verdict<A>,
    ) -> Result<A, ApiError> {
        let inner = &*self.inner;
        let (safety, split) = (exchange.safety, exchange.split);
        let mut transient_retries = 0;
        let mut limit_retries = 0;
        loop {
            // The slot is given back only once a limit's pause and back-off are in place, so
            // no queued worker slips a request in between a refusal and the pause.
            let retries = transient_retries + limit_retries;
            // Content creations wait for their tokens before queueing for a slot, so that
            // reads and other writes pass them meanwhile.
            let reserved = inner.pace(&exchange).await?;
            let (verdict, slot, sent) = inner
                .attempt(&exchange, retries, reserved, classify)
                .await?;
            match verdict {
                Verdict::Answer { response, limit } => {
                    inner.record_answer(&slot);
                    inner.record_creations(&exchange, sent, &response, limit.as_ref());
                    if let Some(limit) = limit {
                        // The answer stands; the refusal of some of its fields still pauses
                        // everyone. Giving up on waiting shows in the next requests.
                        if inner.adaptive_backoff {
                            let _ = inner.pause_for(&limit, &slot);
                        } else {
                            inner.metrics.record_limit(Duration::ZERO);
                        }
                    }
                    return Ok(response);
                }
                Verdict::Limit(limit) => {
                    let evidence = inner.evidence_of(&limit, &slot);
                    inner.learn(evidence, exchange.creations, sent);
                    let wait = if inner.adaptive_backoff {
                        let pause = inner.pause_for(&limit, &slot);
                        drop(slot);
                        pause?.wait
                    } else {
                        drop(slot);
                        inner.solo_wait(&limit, limit_retries)?
                    };
                    limit_retries += 1;
                    if limit_retries > MAX_LIMIT_RETRIES {
                        return Err(ApiError::RateLimited {
                            until: format_utc(SystemTime::now() + wait),
                        });
                    }
                    if !inner.adaptive_backoff {
                        tokio::time::sleep(wait).await;
                    }
                    if let Some(refused) = split(&limit, limit_retries) {
                        return Err(refused);
                    }
                    inner.metrics.record_retry(limit.cause());
                }
                Verdict::Transient { message, sent } => {
                    drop(slot);
                    inner.breaker.record_failure();
                    if sent && safety == Safety::Create {
                        return Err(ApiError::Ambiguous {
                            message: format!(
                                "{message}; a request that creates something is not resent \
                                 blindly: look for what it would have created first"
                            ),
                        });
                    }
                    if transient_retries >= inner.max_retries {
                        return Err(ApiError::Transient {
                            attempts: transient_retries + 1,
                            message,
                        });
                    }
                    let delay = inner.backoff.random_delay(transient_retries);
                    transient_retries += 1;
                    inner.metrics.record_retry("transient");
                    tracing::info!(
                        retry = transient_retries,
                        delay_ms = delay.as_millis() as u64,
                        "{message}; retrying in {delay:.1?}"
                    );
                    tokio::time::sleep(delay).await;
                }
                Verdict::Fail(error) => {
                    inner.breaker.record_failure();
                    return Err(error);
                }
            }
        }
    }

    /// A snapshot of the counters shared by all clones.
    pub fn metrics(&self) -> Metrics {
        self.inner.metrics.snapshot()
    }

    /// Requests the client lets out at once right now: `max-concurrency`, or less after GitHub
    /// refused a level (adaptive back-off). Callers that cut work into concurrent pieces size
    /// them by it, so the pieces match what is admitted.
    pub fn concurrency(&self) -> usize {
        self.inner.limiter.target()
    }

    /// Counts a retry the caller makes (a read sent again because its answer was partial).
    pub(crate) fn note_retry(&self, cause: &str) {
        self.inner.metrics.record_retry(cause);
    }

    /// How long to wait before retry number `retry` (from 0) of something transient: the
    /// client's backoff with jitter.
    pub(crate) fn retry_delay(&self, retry: u32) -> Duration {
        self.inner.backoff.random_delay(retry)
    }

    /// Where `ops::features` keeps what the server supports, for every clone.
    pub(crate) fn feature_cache(&self) -> &tokio::sync::OnceCell<Features> {
        &self.inner.features
    }

    /// Says how many content creations (issues, labels, sub-issue and blocked-by links) the
    /// run expects to make in all, for the announcements of waits on the content limit.
    pub fn expect_content(&self, total: u64) {
        self.inner.pacer.expect(total);
    }

    /// The content-creation rate creations are paced to: the `content-rate` input, or what
    /// the first content-limit refusal taught; `None` while nothing paces them.
    pub fn content_rate(&self) -> Option<super::config::ContentRate> {
        self.inner.pacer.rate()
    }

    /// Sends the announcements of waits on GitHub's limits (one line each: a pause of every
    /// request of 3 s or more, and waits on the content limit at most once per half minute),
    /// with how far the run is, to `announce` instead of the log; the first call wins.
    pub fn on_wait(&self, announce: impl Fn(&str) + Send + Sync + 'static) {
        let _ = self.inner.announce.set(Box::new(announce));
    }

    /// The input whose token requests of `role` carry, for messages about that token.
    pub fn token_input(&self, role: TokenRole) -> TokenInput {
        self.inner.token_use(role).input
    }
}

/// The request log line (`RUNNER_DEBUG=1`): method, operation, status, time and retries, and
/// what became of the attempt. It names the token by its input, never by its value; the
/// outcome's text was scrubbed of token values with the verdict.
fn log_request<A>(
    exchange: &Exchange<'_>,
    token: TokenUse,
    retries: u32,
    status: Option<u16>,
    remaining: Option<i64>,
    elapsed: Duration,
    verdict: &Verdict<A>,
) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let (method, api) = match exchange.wire {
        Wire::Graphql(_) => ("POST", "graphql"),
        Wire::Rest(call) => (call.method.as_str(), "rest"),
    };
    let status = status.map_or_else(|| "none".to_string(), |s| s.to_string());
    tracing::debug!(
        method = %method,
        api = %api,
        operation = %exchange.operation,
        mutations = exchange.mutations,
        token = %token.input.name(),
        status = %status,
        time_ms = elapsed.as_millis() as u64,
        retry = retries,
        ratelimit_remaining = remaining,
        outcome = %verdict.outcome(),
        "request"
    );
}

impl Inner {
    /// One HTTP exchange: wait at the gate, take a slot, send, classify, and log it at debug
    /// level. The slot is returned with the verdict for the caller to release, with when the
    /// request left. `retries`: how many times this call was sent before; `reserved`: when the
    /// pacer gave this request its tokens.
    async fn attempt<A>(
        &self,
        exchange: &Exchange<'_>,
        retries: u32,
        reserved: Option<tokio::time::Instant>,
        classify: fn(Result<RawResponse, TransportError>, TokenUse) -> Verdict<A>,
    ) -> Result<(Verdict<A>, Slot<'_>, tokio::time::Instant), ApiError> {
        let role = exchange.role;
        let slot = loop {
            self.breaker.check()?;
            self.gate.wait_open().await?;
            let slot = self.limiter.acquire().await;
            // A pause may have begun while this worker queued for a slot.
            if !self.gate.is_closed() {
                self.breaker.check()?;
                break slot;
            }
        };
        let in_flight = self.metrics.start_request();
        let started = tokio::time::Instant::now();
        // The tokens taken before queueing for the slot count from now: GitHub counts a
        // creation when it arrives.
        if let Some(reserved) = reserved {
            self.pacer.departed(exchange.creations, reserved, started);
        }
        let outcome = self.transport.send(exchange.wire, role).await;
        let elapsed = started.elapsed();
        drop(in_flight);
        let status = outcome.as_ref().map(|raw| raw.status).ok();
        let remaining = outcome.as_ref().ok().and_then(|raw| raw.headers.remaining);
        if let Ok(raw) = &outcome {
            self.metrics.record_remaining(raw.headers.remaining);
        }
        let token = self.token_use(role);
        let verdict = classify(outcome, token).map_messages(|text| self.redact(text));
        log_request(
            exchange, token, retries, status, remaining, elapsed, &verdict,
        );
        Ok((verdict, slot, started))
    }

    /// Waits until the pacer gives `exchange`'s creations their tokens, and says for when they
    /// were reserved (`None`: nothing reserved); `Err(Refused)` for a
    /// document of several mutations that holds more creations than one window admits (its
    /// sender splits it; it was not sent).
    async fn pace(
        &self,
        exchange: &Exchange<'_>,
    ) -> Result<Option<tokio::time::Instant>, ApiError> {
        if exchange.creations == 0 {
            return Ok(None);
        }
        loop {
            // Tokens are taken once a pause is over: taken during it, they would return one
            // window after a departure that had not happened.
            self.gate.wait_open().await?;
            let now = tokio::time::Instant::now();
            match self.pacer.admit(exchange.creations, now) {
                Admission::TooLarge { capacity } if exchange.mutations > 1 => {
                    tracing::debug!(
                        creations = exchange.creations,
                        capacity,
                        "a document holds more creations than the content limit admits at once"
                    );
                    return Err(ApiError::Refused {
                        mutations: exchange.mutations,
                        attempts: 0,
                    });
                }
                // A single creation always fits a window of at least one.
                Admission::TooLarge { .. } => return Ok(None),
                Admission::Now => return Ok(Some(now)),
                Admission::Wait { until, notice } => {
                    if let Some(notice) = notice {
                        self.announce(&notice);
                    }
                    tokio::time::sleep_until(until).await;
                }
            }
        }
    }

    /// Sends `notice` where announcements of waits go (the log by default).
    fn announce(&self, notice: &str) {
        match self.announce.get() {
            Some(announce) => announce(notice),
            None => tracing::info!("{notice}"),
        }
    }

    /// Tells the pacer what became of `exchange`'s creations in an answer: admitted, except
    /// those refused one by one as "submitted too quickly", which teach it the limit.
    fn record_creations(
        &self,
        exchange: &Exchange<'_>,
        sent: tokio::time::Instant,
        response: &impl Throttled,
        limit: Option<&Limit>,
    ) {
        if exchange.creations == 0 {
            return;
        }
        let throttled = u32::try_from(response.throttled())
            .unwrap_or(u32::MAX)
            .min(exchange.creations);
        self.pacer.admitted(exchange.creations - throttled, sent);
        // Only the content limit words a refusal "submitted too quickly".
        if let Some(Limit::Secondary { retry_after }) = limit.filter(|_| throttled > 0) {
            let window = retry_after
                .filter(|after| !after.is_zero())
                .unwrap_or(self.window_without_retry_after);
            self.learn(Some(Evidence::Wording { window }), throttled, sent);
        }
    }

    /// What a refusal in GitHub's general wording says of its cause, for the pacer: nothing
    /// (`None`) unless it is a secondary limit with a `retry-after`, at a number of requests in
    /// flight GitHub has clearly answered (`Limiter::judge_refusal`). `retry-after: 0` says
    /// nothing of a window either.
    fn evidence_of(&self, limit: &Limit, slot: &Slot<'_>) -> Option<Evidence> {
        let Limit::Secondary { retry_after } = *limit else {
            return None;
        };
        let rate = self.limiter.judge_refusal(slot);
        let window = retry_after
            .filter(|after| !after.is_zero())
            .filter(|_| rate);
        Some(Evidence::Secondary(window))
    }

    /// A secondary limit refused `creations` content creations sent at `sent`: the pacer
    /// learns the content limit from it when `evidence` shows that limit made the refusal.
    fn learn(&self, evidence: Option<Evidence>, creations: u32, sent: tokio::time::Instant) {
        let Some(evidence) = evidence.filter(|_| creations > 0) else {
            return;
        };
        let now = tokio::time::Instant::now();
        if let Some(rate) = self.pacer.refused(creations, sent, evidence, now) {
            tracing::info!(
                rate = %rate,
                "GitHub's content limit refused a write: pacing issues, labels and links to \
                 {rate} from now on"
            );
        }
    }

    fn token_use(&self, role: TokenRole) -> TokenUse {
        let input = match role {
            TokenRole::Issues => TokenInput::GithubToken,
            TokenRole::Project => self.project_input,
        };
        TokenUse { role, input }
    }

    fn record_answer(&self, slot: &Slot<'_>) {
        self.breaker.record_success();
        self.limiter.record_success(slot);
        self.gate.record_answer();
    }

    /// Adaptive back-off off: the refused request alone waits (the caller sleeps), nothing
    /// else pauses.
    fn solo_wait(&self, limit: &Limit, streak: u32) -> Result<Duration, ApiError> {
        let wait = self.gate.solo_wait(limit, streak);
        self.metrics
            .record_limit(*wait.as_ref().unwrap_or(&Duration::ZERO));
        match &wait {
            Ok(wait) => tracing::warn!(
                reason = limit.cause(),
                wait_ms = wait.as_millis() as u64,
                "{}: retrying this request in {wait:.1?}",
                limit.describe()
            ),
            Err(error) => tracing::warn!(
                reason = limit.cause(),
                "{}: waiting would exceed max-wait; {error}",
                limit.describe()
            ),
        }
        wait
    }

    /// Pauses every worker for `limit` and lowers the concurrency for the refusal of the
    /// request holding `slot` (once per level: see `Limiter::back_off`); announces the wait.
    fn pause_for(&self, limit: &Limit, slot: &Slot<'_>) -> Result<Pause, ApiError> {
        let pause = self.gate.pause_for(limit);
        if pause.is_ok() {
            self.limiter.back_off(slot);
        }
        let added = pause.as_ref().map_or(Duration::ZERO, |pause| pause.added);
        self.metrics.record_limit(added);
        // A pause long enough to notice is announced with how far the run is.
        if let Some(pause) = pause.as_ref().ok().filter(|p| p.added >= NOTICE_PAUSE) {
            self.announce(&format!(
                "GitHub's {}: every request waits about {}; {}",
                limit.describe(),
                about(pause.wait),
                self.pacer.progress()
            ));
        }
        match &pause {
            Ok(pause) if pause.added > Duration::ZERO => tracing::warn!(
                reason = limit.cause(),
                wait_ms = pause.wait.as_millis() as u64,
                concurrency = self.limiter.target(),
                "{}: pausing all requests for {:.1?}",
                limit.describe(),
                pause.wait
            ),
            Ok(_) => tracing::debug!(
                reason = limit.cause(),
                "{}: already paused",
                limit.describe()
            ),
            Err(error) => tracing::warn!(
                reason = limit.cause(),
                "{}: waiting would exceed max-wait; {error}",
                limit.describe()
            ),
        }
        pause
    }

    /// `text` with every token value replaced by `***`.
    fn redact(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_string(), |text, secret| {
            text.replace(secret.as_str(), "***")
        })
    }
}

#[cfg(test)]
mod tests {
    //! The retry, pause and bound logic on paused tokio time, with scripted answers: every
    //! delay is virtual, so the tests assert exact waits without depending on the machine.

    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use futures::future::BoxFuture;
    use serde_json::json;
    use tokio::time::Instant;

    use super::*;
    use crate::github::config::Secret;
    use crate::github::ratelimit::{epoch_seconds, RateHeaders};
    use crate::github::transport::{RawResponse, TransportError, Wire};

    type Outcome = Result<RawResponse, TransportError>;

    /// Answers from a script (then `{"data": {"ok": true}}`), recording when each request left.
    #[derive(Default)]
    struct Scripted {
        script: Mutex<VecDeque<Outcome>>,
        sent_at: Mutex<Vec<Instant>>,
        latency: Duration,
        in_flight: AtomicUsize,
        max_in_flight: AtomicUsize,
    }

    impl Transport for Arc<Scripted> {
        fn send<'a>(&'a self, _wire: Wire<'a>, _role: TokenRole) -> BoxFuture<'a, Outcome> {
            Box::pin(async move {
                self.sent_at.lock().unwrap().push(Instant::now());
                let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                self.max_in_flight.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(self.latency).await;
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
                let next = self.script.lock().unwrap().pop_front();
                next.unwrap_or_else(|| Ok(ok()))
            })
        }
    }

    fn raw(status: u16, headers: RateHeaders, body: serde_json::Value) -> RawResponse {
        RawResponse {
            status,
            headers,
            body: body.to_string().into_bytes(),
            link: None,
        }
    }

    fn ok() -> RawResponse {
        raw(200, RateHeaders::default(), json!({"data": {"ok": true}}))
    }

    fn bad_gateway() -> Outcome {
        Ok(raw(
            502,
            RateHeaders::default(),
            json!({"message": "Bad Gateway"}),
        ))
    }

    fn secondary(retry_after: Option<u64>) -> Outcome {
        let headers = RateHeaders {
            retry_after: retry_after.map(Duration::from_secs),
            ..RateHeaders::default()
        };
        Ok(raw(
            403,
            headers,
            json!({"message": "You have exceeded a secondary rate limit."}),
        ))
    }

    fn dropped(sent: bool) -> Outcome {
        Err(TransportError {
            message: "connection closed before message completed".to_string(),
            sent,
        })
    }

    fn config() -> ClientConfig {
        ClientConfig {
            max_retries: 3,
            backoff_base: Duration::from_secs(1),
            secondary_min_wait: Duration::from_secs(60),
            ..ClientConfig::new("http://fake/graphql", "test-token")
        }
    }

    fn client_with(config: ClientConfig, script: Vec<Outcome>) -> (Client, Arc<Scripted>) {
        let transport = Arc::new(Scripted {
            script: Mutex::new(script.into()),
            latency: Duration::from_millis(100),
            ..Scripted::default()
        });
        let client = Client::with_transport(&config, Box::new(transport.clone())).unwrap();
        (client, transport)
    }

    fn read() -> Request {
        Request::query("query { viewer { login } }", json!({}))
    }

    fn create() -> Request {
        Request::mutation(
            "mutation { createIssue(input: {repositoryId: \"R\", title: \"t\"}) { issue { id } } }",
            json!({}),
            Safety::Create,
        )
    }

    fn gaps(transport: &Scripted) -> Vec<Duration> {
        let sent = transport.sent_at.lock().unwrap();
        sent.windows(2).map(|pair| pair[1] - pair[0]).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_502_is_retried_then_succeeds() {
        let (client, _) = client_with(config(), vec![bad_gateway()]);
        let response = client.graphql(read()).await.unwrap();
        assert_eq!(response.data["ok"], true);
        let metrics = client.metrics();
        assert_eq!(metrics.requests, 2);
        assert_eq!(metrics.graphql_documents, 1);
        assert_eq!(metrics.retries.get("transient"), Some(&1));
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_grows_between_retries() {
        let script = vec![bad_gateway(), bad_gateway(), dropped(true)];
        let (client, transport) = client_with(config(), script);
        client.graphql(read()).await.unwrap();
        // Each gap is the 100 ms answer plus the backoff: [1, 1.5) s, [2, 3) s, [4, 6) s.
        let backoffs: Vec<Duration> = gaps(&transport)
            .into_iter()
            .map(|gap| gap - Duration::from_millis(100))
            .collect();
        assert_eq!(backoffs.len(), 3);
        for (retry, backoff) in backoffs.iter().enumerate() {
            let floor = Duration::from_secs(1 << retry);
            assert!(
                *backoff >= floor && *backoff < floor * 3 / 2,
                "{backoffs:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_max_retries() {
        let script = vec![bad_gateway(); 5];
        let (client, _) = client_with(
            ClientConfig {
                max_retries: 2,
                ..config()
            },
            script,
        );
        let error = client.graphql(read()).await.unwrap_err();
        assert!(
            matches!(error, ApiError::Transient { attempts: 3, .. }),
            "{error}"
        );
        assert_eq!(client.metrics().requests, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn max_retries_zero_sends_once() {
        let (client, _) = client_with(
            ClientConfig {
                max_retries: 0,
                ..config()
            },
            vec![bad_gateway()],
        );
        let error = client.graphql(read()).await.unwrap_err();
        assert!(
            matches!(error, ApiError::Transient { attempts: 1, .. }),
            "{error}"
        );
        assert_eq!(client.metrics().requests, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_create_is_not_resent_after_an_ambiguous_failure() {
        for outcome in [bad_gateway(), dropped(true)] {
            let (client, _) = client_with(config(), vec![outcome]);
            let error = client.graphql(create()).await.unwrap_err();
            assert!(matches!(error, ApiError::Ambiguous { .. }), "{error}");
            assert!(error
                .to_string()
                .contains("look for what it would have created"));
            assert_eq!(client.metrics().requests, 1);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_create_is_resent_when_it_never_left_or_was_refused_by_a_limit() {
        let (client, _) = client_with(config(), vec![dropped(false), secondary(Some(2))]);
        client.graphql(create()).await.unwrap();
        let metrics = client.metrics();
        assert_eq!(metrics.requests, 3);
        assert_eq!(metrics.retries.get("transient"), Some(&1));
        assert_eq!(metrics.retries.get("secondary"), Some(&1));
        assert_eq!((metrics.mutations, metrics.mutation_fields), (1, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn idempotent_mutations_are_resent_after_an_ambiguous_failure() {
        let request = Request::mutation(
            "mutation { a: closeIssue(input: {issueId: \"I\"}) { clientMutationId } }",
            json!({}),
            Safety::Idempotent,
        );
        let (client, _) = client_with(config(), vec![dropped(true), bad_gateway()]);
        client.graphql(request).await.unwrap();
        assert_eq!(client.metrics().requests, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn secondary_limit_waits_retry_after_or_a_growing_minimum() {
        let script = vec![secondary(Some(7)), secondary(None), secondary(None)];
        let config = ClientConfig {
            max_wait: Duration::from_secs(600),
            ..config()
        };
        let (client, transport) = client_with(config, script);
        client.graphql(read()).await.unwrap();
        let waits: Vec<u64> = gaps(&transport)
            .into_iter()
            .map(|gap| (gap - Duration::from_millis(100)).as_secs())
            .collect();
        // The streak counts the retry-after pause too: 7 s, then 60 s doubled once, then twice.
        assert_eq!(waits, [7, 120, 240]);
        let metrics = client.metrics();
        assert_eq!(metrics.retries.get("secondary"), Some(&3));
        assert_eq!(metrics.rate_limit_hits, 3);
        assert_eq!(metrics.rate_limit_wait_ms, 367_000);
    }

    #[tokio::test(start_paused = true)]
    async fn graphql_rate_limited_waits_for_the_reset() {
        let reset = epoch_seconds(SystemTime::now()) + 30;
        let headers = RateHeaders {
            remaining: Some(0),
            reset: Some(reset),
            retry_after: None,
        };
        let limited = raw(
            200,
            headers,
            json!({"data": null, "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]}),
        );
        let (client, transport) = client_with(config(), vec![Ok(limited)]);
        client.graphql(read()).await.unwrap();
        let wait = gaps(&transport)[0] - Duration::from_millis(100);
        // Until the reset (29-30 s away, depending on the wall clock's second) plus the margin.
        assert!(
            wait >= Duration::from_secs(30) && wait <= Duration::from_secs(31),
            "{wait:?}"
        );
        let metrics = client.metrics();
        assert_eq!(metrics.retries.get("primary"), Some(&1));
        assert_eq!(metrics.ratelimit_remaining, Some(0), "the last value seen");
    }

    #[tokio::test(start_paused = true)]
    async fn the_pause_stops_every_worker() {
        let (client, transport) = client_with(config(), vec![secondary(Some(30))]);
        let start = Instant::now();
        let first = tokio::spawn({
            let client = client.clone();
            async move { client.graphql(read()).await }
        });
        // The others start once the first has been refused.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let others: Vec<_> = (0..4)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.graphql(read()).await })
            })
            .collect();
        first.await.unwrap().unwrap();
        for other in others {
            other.await.unwrap().unwrap();
        }
        let sent = transport.sent_at.lock().unwrap();
        assert_eq!(sent.len(), 6);
        let pause_end = start + Duration::from_millis(100) + Duration::from_secs(30);
        assert!(
            sent[1..].iter().all(|at| *at >= pause_end),
            "sent during the pause"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_refusals_halves_the_concurrency_once() {
        let config = ClientConfig {
            max_concurrency: 8,
            ..config()
        };
        let (client, transport) = client_with(config, vec![secondary(Some(1)); 4]);
        let calls = (0..4).map(|_| client.graphql(read()));
        for result in futures::future::join_all(calls).await {
            result.unwrap();
        }
        // Four were in flight when the burst came: halved once to 2 (four times would be 1),
        // and four resends are not yet the rounds of successes that grow it.
        assert_eq!(client.concurrency(), 2);
        transport
            .script
            .lock()
            .unwrap()
            .push_back(secondary(Some(1)));
        client.graphql(read()).await.unwrap();
        assert_eq!(
            client.concurrency(),
            2,
            "one request refused at a level GitHub answered: a rate, not too many at once"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_grows_back_in_steps_but_not_into_the_refused_level() {
        let config = ClientConfig {
            max_concurrency: 4,
            ..config()
        };
        let (client, transport) = client_with(config, vec![secondary(Some(5)); 4]);
        let burst = (0..4).map(|_| client.graphql(read()));
        for result in futures::future::join_all(burst).await {
            result.unwrap();
        }
        assert_eq!(client.concurrency(), 2, "half of the 4 refused");
        let later = (0..60).map(|_| client.graphql(read()));
        for result in futures::future::join_all(later).await {
            result.unwrap();
        }
        assert_eq!(
            client.concurrency(),
            3,
            "grown after rounds of successes, held below the refused 4"
        );
        let sent = transport.sent_at.lock().unwrap();
        assert_eq!(sent.len(), 4 + 4 + 60);
    }

    #[tokio::test(start_paused = true)]
    async fn without_adaptive_back_off_only_the_refused_request_waits() {
        let config = ClientConfig {
            max_concurrency: 4,
            adaptive_backoff: false,
            ..config()
        };
        let (client, transport) = client_with(config, vec![secondary(Some(30))]);
        let start = Instant::now();
        let calls = (0..4).map(|_| client.graphql(read()));
        for result in futures::future::join_all(calls).await {
            result.unwrap();
        }
        let sent = transport.sent_at.lock().unwrap();
        assert_eq!(sent.len(), 5);
        // The three others left at once; the refused one 30 s after its refusal.
        assert!(sent[1..4].iter().all(|at| *at == start), "{sent:?}");
        assert_eq!(
            sent[4] - start,
            Duration::from_millis(100) + Duration::from_secs(30)
        );
        assert_eq!(client.inner.limiter.target(), 4, "the bound stays");
        let metrics = client.metrics();
        assert_eq!(metrics.rate_limit_hits, 1);
        assert_eq!(metrics.retries.get("secondary"), Some(&1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_document_of_several_mutations_refused_twice_is_handed_back_to_split() {
        let batch = Request::batch(
            "mutation { a: addBlockedBy(input: {issueId: \"A\", blockingIssueId: \"B\"}) { issue { id } } \
             b: addBlockedBy(input: {issueId: \"C\", blockingIssueId: \"D\"}) { issue { id } } }",
            json!({}),
            Safety::Idempotent,
            2,
        );
        let script = vec![secondary(Some(1)); 4];
        let (client, _) = client_with(config(), script);
        let error = client.graphql(batch).await.unwrap_err();
        assert!(
            matches!(
                error,
                ApiError::Refused {
                    mutations: 2,
                    attempts: 2
                }
            ),
            "{error}"
        );
        assert_eq!(client.metrics().requests, 2);
        // A single mutation is not split: it waits the limit out.
        client.graphql(create()).await.unwrap();
        assert_eq!(client.metrics().requests, 5);
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_never_exceeds_the_bound() {
        for bound in [1, 3] {
            let (client, transport) = client_with(
                ClientConfig {
                    max_concurrency: bound,
                    ..config()
                },
                vec![],
            );
            let calls = (0..20).map(|_| client.graphql(read()));
            for result in futures::future::join_all(calls).await {
                result.unwrap();
            }
            assert_eq!(transport.max_in_flight.load(Ordering::SeqCst), bound);
            assert_eq!(client.metrics().max_in_flight, bound as u64);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_past_max_wait_reports_rate_limited_and_stops_sending() {
        let config = ClientConfig {
            max_wait: Duration::from_secs(60),
            ..config()
        };
        let (client, _) = client_with(config, vec![secondary(Some(600))]);
        let error = client.graphql(read()).await.unwrap_err();
        assert!(matches!(error, ApiError::RateLimited { .. }), "{error}");
        assert!(
            error.to_string().starts_with("rate limited until 20"),
            "{error}"
        );
        let later = client.graphql(read()).await.unwrap_err();
        assert!(matches!(later, ApiError::RateLimited { .. }));
        assert_eq!(client.metrics().requests, 1, "no request while given up");
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_that_keeps_saying_retry_now_is_not_retried_forever() {
        let script = vec![secondary(Some(0)); MAX_LIMIT_RETRIES as usize + 5];
        let (client, _) = client_with(config(), script);
        let error = client.graphql(read()).await.unwrap_err();
        assert!(matches!(error, ApiError::RateLimited { .. }), "{error}");
        assert_eq!(client.metrics().requests, u64::from(MAX_LIMIT_RETRIES) + 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_partly_refused_answer_is_returned_and_pauses_the_others() {
        let partial = raw(
            200,
            RateHeaders {
                retry_after: Some(Duration::from_secs(20)),
                ..RateHeaders::default()
            },
            json!({
                "data": {"a0": {"issue": {"id": "I_1"}}, "a1": null},
                "errors": [{"type": "UNPROCESSABLE", "path": ["a1"], "message": "was submitted too quickly"}]
            }),
        );
        let (client, transport) = client_with(config(), vec![Ok(partial)]);
        let response = client.graphql(create()).await.unwrap();
        assert_eq!(response.errors[0].alias(), Some("a1"));
        client.graphql(read()).await.unwrap();
        assert!(gaps(&transport)[0] >= Duration::from_secs(20));
        assert_eq!(client.metrics().rate_limit_hits, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_failures_fail_at_once() {
        let answers = [
            (401, json!({"message": "Bad credentials"})),
            (404, json!({"message": "Not Found"})),
            (422, json!({"message": "Validation Failed"})),
            (
                200,
                json!({"data": null, "errors": [{"type": "FORBIDDEN", "message": "Resource not accessible by integration"}]}),
            ),
        ];
        for (status, body) in answers {
            let (client, _) = client_with(
                config(),
                vec![Ok(raw(status, RateHeaders::default(), body))],
            );
            assert!(client.graphql(read()).await.is_err());
            assert_eq!(client.metrics().requests, 1, "status {status}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_breaker_stops_everything_after_consecutive_failures() {
        let config = ClientConfig {
            max_retries: 0,
            breaker_threshold: 3,
            ..config()
        };
        let (client, _) = client_with(config, vec![bad_gateway(); 10]);
        for _ in 0..3 {
            let error = client.graphql(read()).await.unwrap_err();
            assert!(matches!(error, ApiError::Transient { .. }), "{error}");
        }
        let error = client.clone().graphql(read()).await.unwrap_err();
        assert!(
            matches!(error, ApiError::CircuitOpen { failures: 3 }),
            "{error}"
        );
        assert_eq!(client.metrics().requests, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_are_scrubbed_from_errors() {
        let echo = json!({"message": "token test-token and project-secret are not welcome"});
        let config = ClientConfig {
            project_token: Some(Secret::new("project-secret")),
            ..config()
        };
        let (client, _) = client_with(config, vec![Ok(raw(422, RateHeaders::default(), echo))]);
        let error = client
            .graphql(read().with_token(TokenRole::Project))
            .await
            .unwrap_err();
        let text = format!("{error} {error:?}");
        assert!(
            !text.contains("test-token") && !text.contains("project-secret"),
            "{text}"
        );
        assert!(text.contains("token *** and *** are not welcome"), "{text}");
    }

    #[tokio::test(start_paused = true)]
    async fn rest_calls_share_the_retries_limits_and_the_create_rule() {
        let call = |method: reqwest::Method| RestCall {
            method,
            url: reqwest::Url::parse("http://fake/repos/a/b/issues/1/comments").unwrap(),
            body: Some("{}".to_string()),
        };
        let created = Ok(raw(201, RateHeaders::default(), json!({"id": 7})));
        let (client, transport) = client_with(
            config(),
            vec![bad_gateway(), secondary(Some(3)), created, dropped(true)],
        );
        let answer = client
            .rest(&call(reqwest::Method::GET), TokenRole::Issues, Safety::Read)
            .await
            .unwrap();
        assert_eq!((answer.status, client.metrics().requests), (201, 3));
        assert!(
            gaps(&transport)[1] >= Duration::from_secs(3),
            "waited out the limit"
        );
        let error = client
            .rest(
                &call(reqwest::Method::POST),
                TokenRole::Issues,
                Safety::Create,
            )
            .await
            .unwrap_err();
        assert!(matches!(error, ApiError::Ambiguous { .. }), "{error}");
        assert_eq!(
            client.metrics().requests,
            4,
            "a create is not resent blindly"
        );
        assert_eq!(client.metrics().graphql_documents, 0);
    }

    #[test]
    fn zero_concurrency_is_refused() {
        let transport = Arc::new(Scripted::default());
        let config = ClientConfig {
            max_concurrency: 0,
            ..config()
        };
        assert!(Client::with_transport(&config, Box::new(transport)).is_err());
    }
}
