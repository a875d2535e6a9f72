//! Admission to GitHub: the shared rate-limit pause and the adaptive concurrency bound.
//!
//! - `Gate`: when any request hits a rate limit, the gate closes for the wait GitHub asks for,
//!   and every worker waits at it before sending. It also keeps the total waited time under
//!   `max-wait`; past that, requests fail with `RateLimited` until the limit has lifted.
//! - `Limiter`: a semaphore of at most `max-concurrency` permits. A rate limit that refuses a
//!   request while N were in flight, when N at once had not been answered at the current bound,
//!   halves the bound (N / 2) and remembers N as refused. The bound grows by one only after a
//!   few rounds of successes at its level, and never back to a refused level while that
//!   refusal is held (minutes, doubling if refused again): it settles just below what GitHub
//!   accepts instead of climbing back into the next refusal. A refusal at a level GitHub has
//!   answered is about a rate, not concurrency: only the pause answers it.
//!
//! With adaptive back-off off (`ClientConfig::adaptive_backoff`), the limiter keeps its bound
//! and a refused request waits on its own (`Gate::solo_wait`), without closing the gate.
//!
//! Both are owned by the client (one of each per `Client`, shared by its clones). No lock is
//! held across an `.await`.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

use super::ratelimit::{epoch_seconds, format_utc, Limit, WaitPolicy};
use super::types::ApiError;

/// The shared pause. See the module docs.
#[derive(Debug)]
pub(crate) struct Gate {
    policy: WaitPolicy,
    max_wait: Duration,
    state: Mutex<GateState>,
}

#[derive(Debug, Default)]
struct GateState {
    /// Closed until this instant.
    paused_until: Option<Instant>,
    /// Total pause time so far (overlapping pauses counted once).
    waited: Duration,
    /// Pauses since the last successful answer: the growth exponent of the next pause.
    streak: u32,
    /// The exponent used by the current pause, for limits of the same burst.
    burst_streak: u32,
    /// Set when a wait would exceed `max_wait`: until then, requests fail fast.
    gave_up_until: Option<(Instant, SystemTime)>,
}

/// What `Gate::pause_for` decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pause {
    /// How long the limit asked to wait.
    pub wait: Duration,
    /// How much that lengthened the current pause (0 when another worker already paused longer).
    pub added: Duration,
}

impl Gate {
    pub fn new(policy: WaitPolicy, max_wait: Duration) -> Gate {
        Gate {
            policy,
            max_wait,
            state: Mutex::new(GateState::default()),
        }
    }

    /// Waits while the gate is closed; `Err(RateLimited)` if the client gave up on waiting.
    pub async fn wait_open(&self) -> Result<(), ApiError> {
        loop {
            let paused_until = {
                let state = self.lock();
                if let Some((instant, time)) = state.gave_up_until {
                    if Instant::now() < instant {
                        return Err(ApiError::RateLimited {
                            until: format_utc(time),
                        });
                    }
                }
                state.paused_until
            };
            match paused_until {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => return Ok(()),
            }
        }
    }

    /// Whether the gate is closed right now (paused, or given up on waiting).
    pub fn is_closed(&self) -> bool {
        let state = self.lock();
        let now = Instant::now();
        let ends = [state.paused_until, state.gave_up_until.map(|(end, _)| end)];
        ends.into_iter().flatten().any(|end| end > now)
    }

    /// Closes the gate for as long as `limit` asks, or gives up (`Err(RateLimited)`) when that
    /// would take the total waiting past `max_wait`.
    pub fn pause_for(&self, limit: &Limit) -> Result<Pause, ApiError> {
        let now = Instant::now();
        let mut state = self.lock();
        let current_end = state.paused_until.filter(|until| *until > now);
        // A limit that arrives while already paused belongs to the same burst: same exponent.
        if current_end.is_none() {
            state.burst_streak = state.streak;
            state.streak = state.streak.saturating_add(1);
        }
        let wait =
            self.policy
                .wait_for(limit, state.burst_streak, epoch_seconds(SystemTime::now()));
        let new_end = now + wait;
        let added = new_end.saturating_duration_since(current_end.unwrap_or(now));
        if state.waited + added > self.max_wait {
            let until = SystemTime::now() + wait;
            state.gave_up_until = Some((new_end, until));
            return Err(ApiError::RateLimited {
                until: format_utc(until),
            });
        }
        state.waited += added;
        state.paused_until = Some(current_end.map_or(new_end, |end| end.max(new_end)));
        Ok(Pause { wait, added })
    }

    /// The wait for `limit`, for the refused request alone (adaptive back-off off): the gate
    /// stays open; the wait still counts against `max_wait` (summed, as nothing overlaps it).
    pub fn solo_wait(&self, limit: &Limit, streak: u32) -> Result<Duration, ApiError> {
        let wait = self
            .policy
            .wait_for(limit, streak, epoch_seconds(SystemTime::now()));
        let mut state = self.lock();
        if state.waited + wait > self.max_wait {
            return Err(ApiError::RateLimited {
                until: format_utc(SystemTime::now() + wait),
            });
        }
        state.waited += wait;
        Ok(wait)
    }

    /// A request got a real answer: the next limit starts a new streak.
    pub fn record_answer(&self) {
        self.lock().streak = 0;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        // The state is plain data updated in single statements: a panic elsewhere cannot leave
        // it half-written, so a poisoned lock is still safe to use.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Successes, per permit of the current bound, before the bound grows by one: about this many
/// full rounds of requests go through at a level before the next one is tried. Only requests
/// sent at the current level count: answers of requests already in flight when it changed say
/// nothing about it.
const ROUNDS_BEFORE_GROWTH: u32 = 4;

/// How long a level GitHub refused stays off-limits: the bound grows back to just below it and
/// waits there. Refused again within that time, the level is held twice as long.
const HOLD: Duration = Duration::from_secs(300);

/// The longest a refused level is held.
const MAX_HOLD: Duration = Duration::from_secs(3600);

/// The adaptive concurrency bound. See the module docs.
#[derive(Debug)]
pub(crate) struct Limiter {
    semaphore: Semaphore,
    max: usize,
    /// Off: `back_off` changes nothing (the bound stays at `max`).
    adaptive: bool,
    state: Mutex<LimiterState>,
}

#[derive(Debug)]
struct LimiterState {
    /// Permits currently allowed (1..=max).
    target: usize,
    /// Permits taken out of the semaphore (`max - removed` exist).
    removed: usize,
    /// Successes at the current target.
    successes: u32,
    /// The most requests in flight at once (counted when each was sent) that GitHub answered
    /// in this run: a level known to be accepted.
    accepted: usize,
    /// Answers and rate-limit refusals so far, by the number of requests in flight when the
    /// request was sent (index 0 unused): the evidence `judge_refusal` weighs.
    answered_at: Vec<u32>,
    refused_at: Vec<u32>,
    /// The last refusal was about a rate, not concurrency: grow back one per success.
    quick_growth: bool,
    /// Changes of `target` so far; a slot remembers the value it was taken under.
    generation: u64,
    /// The lowest level of requests in flight GitHub refused lately.
    refused: Option<Refused>,
}

/// A level of concurrency GitHub refused, and until when the bound stays below it.
#[derive(Debug, Clone, Copy)]
struct Refused {
    level: usize,
    until: Instant,
    hold: Duration,
}

/// Permission to have one request in flight; returned (or retired) on drop.
pub(crate) struct Slot<'a> {
    limiter: &'a Limiter,
    permit: Option<SemaphorePermit<'a>>,
    generation: u64,
    /// Requests in flight when this one was sent, itself included.
    in_flight: usize,
}

impl Limiter {
    /// `max` must be at least 1. `adaptive` false: the bound never changes.
    pub fn new(max: usize, adaptive: bool) -> Limiter {
        Limiter {
            semaphore: Semaphore::new(max),
            max,
            adaptive,
            state: Mutex::new(LimiterState {
                target: max,
                removed: 0,
                successes: 0,
                accepted: 0,
                answered_at: vec![0; max + 1],
                refused_at: vec![0; max + 1],
                quick_growth: false,
                generation: 0,
                refused: None,
            }),
        }
    }

    pub async fn acquire(&self) -> Slot<'_> {
        // The semaphore is never closed, so acquiring cannot fail.
        let permit = self
            .semaphore
            .acquire()
            .await
            .expect("the limiter's semaphore is never closed");
        let state = self.lock();
        let in_flight =
            (self.max - state.removed).saturating_sub(self.semaphore.available_permits());
        Slot {
            limiter: self,
            permit: Some(permit),
            generation: state.generation,
            in_flight,
        }
    }

    /// Counts the rate-limit refusal of `slot`'s request and says whether it is clearly about
    /// a rate, not concurrency: GitHub answered at least twice, and twice as often as it
    /// refused, requests sent with as many in flight or more. One answer at a level can be
    /// luck (a request GitHub had just finished still counted here), so a single one is not
    /// enough; refusals at a level outnumbering its answers are the concurrency limit's mark.
    pub fn judge_refusal(&self, slot: &Slot<'_>) -> bool {
        let mut state = self.lock();
        let level = slot.in_flight.min(self.max);
        state.refused_at[level] = state.refused_at[level].saturating_add(1);
        state.clearly_a_rate(level)
    }

    /// Permits currently allowed.
    pub fn target(&self) -> usize {
        self.lock().target
    }

    /// A rate limit refused the request holding `slot` while N requests (its own included: the
    /// caller still holds the slot) were out: level N is remembered as refused, and the bound
    /// drops to half of it (at least 1). A request sent before the bound last changed says
    /// nothing about the current level (the other refusals of a burst, or stragglers after a
    /// short pause): its refusal changes nothing. Idle permits are retired now, busy ones when
    /// their request ends.
    pub fn back_off(&self, slot: &Slot<'_>) {
        if !self.adaptive {
            return;
        }
        let now = Instant::now();
        let mut state = self.lock();
        if slot.generation != state.generation {
            return;
        }
        let in_flight = (self.max - state.removed)
            .saturating_sub(self.semaphore.available_permits())
            .max(1);
        let level = in_flight.min(state.target).max(1);
        // GitHub answered this many at once before: the refusal is about a rate (content
        // created per minute, points, the hourly budget). Fewer requests at once meet it less
        // often while it lasts, but the level is no limit to stay below: each success gives a
        // permit back.
        let rate = state.clearly_a_rate(level);
        state.quick_growth = rate;
        state.target = (level / 2).max(1);
        state.successes = 0;
        state.generation += 1;
        // One request alone refused says nothing about concurrency: no level to stay below.
        if level > 1 && !rate {
            let active = state.refused.filter(|r| now < r.until);
            let (level, hold) = match active {
                Some(before) if level <= before.level => {
                    (level, before.hold.saturating_mul(2).min(MAX_HOLD))
                }
                Some(before) => (before.level, before.hold),
                None => (level, HOLD),
            };
            state.refused = Some(Refused {
                level,
                until: now + hold,
                hold,
            });
        }
        while self.max - state.removed > state.target {
            match self.semaphore.try_acquire() {
                Ok(permit) => {
                    permit.forget();
                    state.removed += 1;
                }
                Err(_) => break,
            }
        }
    }

    /// Counts the success of the request holding `slot`. After `ROUNDS_BEFORE_GROWTH` rounds
    /// of successes at the current bound (requests sent at it), the bound grows by one, up to
    /// `max` — but not to a level GitHub refused, while that refusal is held.
    pub fn record_success(&self, slot: &Slot<'_>) {
        let mut state = self.lock();
        state.accepted = state.accepted.max(slot.in_flight);
        let level = slot.in_flight.min(self.max);
        state.answered_at[level] = state.answered_at[level].saturating_add(1);
        if slot.generation != state.generation {
            return;
        }
        if state.target == self.max {
            return;
        }
        state.successes = state.successes.saturating_add(1);
        let window = if state.quick_growth {
            1
        } else {
            ROUNDS_BEFORE_GROWTH.saturating_mul(state.target as u32)
        };
        if state.successes < window {
            return;
        }
        let next = state.target + 1;
        let now = Instant::now();
        match state.refused {
            Some(refused) if now < refused.until && next >= refused.level => return,
            Some(refused) if now >= refused.until => state.refused = None,
            _ => {}
        }
        state.successes = 0;
        state.target = next;
        state.generation += 1;
        if self.max - state.removed < state.target {
            state.removed -= 1;
            self.semaphore.add_permits(1);
        }
    }

    fn release(&self, permit: SemaphorePermit<'_>) {
        let mut state = self.lock();
        if self.max - state.removed > state.target {
            permit.forget();
            state.removed += 1;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LimiterState> {
        // Plain counters updated under the lock: still consistent after a panic elsewhere.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl LimiterState {
    /// Whether GitHub answered requests sent with `level` or more in flight at least twice,
    /// and twice as often as it refused them: a refusal at that level is then about a rate.
    /// A request alone in flight is never too many at once.
    fn clearly_a_rate(&self, level: usize) -> bool {
        if level <= 1 {
            return true;
        }
        let level = level.min(self.answered_at.len() - 1);
        let answered: u32 = self.answered_at[level..].iter().sum();
        let refused: u32 = self.refused_at[level..].iter().sum();
        answered >= 2 && answered >= 2 * refused
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Some(permit) = self.permit.take() {
            self.limiter.release(permit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: WaitPolicy = WaitPolicy {
        secondary_min_wait: Duration::from_secs(60),
        reset_margin: Duration::from_secs(1),
    };

    fn secondary(seconds: u64) -> Limit {
        Limit::Secondary {
            retry_after: Some(Duration::from_secs(seconds)),
        }
    }

    const NO_RETRY_AFTER: Limit = Limit::Secondary { retry_after: None };

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_waiter_until_it_ends() {
        let gate = Gate::new(POLICY, Duration::from_secs(600));
        let start = Instant::now();
        gate.pause_for(&secondary(30)).unwrap();
        assert!(gate.is_closed());
        let waiters = (0..3).map(|_| async {
            gate.wait_open().await.unwrap();
            Instant::now()
        });
        for opened in futures::future::join_all(waiters).await {
            assert_eq!(opened - start, Duration::from_secs(30));
        }
        assert!(!gate.is_closed());
    }

    #[tokio::test(start_paused = true)]
    async fn overlapping_pauses_are_counted_once() {
        let gate = Gate::new(POLICY, Duration::from_secs(600));
        let first = gate.pause_for(&secondary(30)).unwrap();
        tokio::time::advance(Duration::from_secs(10)).await;
        let second = gate.pause_for(&secondary(30)).unwrap();
        let shorter = gate.pause_for(&secondary(5)).unwrap();
        assert_eq!(first.added, Duration::from_secs(30));
        assert_eq!(second.added, Duration::from_secs(10));
        assert_eq!(shorter.added, Duration::ZERO);
        assert_eq!(gate.lock().waited, Duration::from_secs(40));
    }

    #[tokio::test(start_paused = true)]
    async fn repeated_limits_grow_the_wait_until_an_answer() {
        let gate = Gate::new(POLICY, Duration::from_secs(3600));
        let mut waits = Vec::new();
        for _ in 0..3 {
            let pause = gate.pause_for(&NO_RETRY_AFTER).unwrap();
            // A second refusal of the same burst does not grow the streak.
            assert_eq!(
                gate.pause_for(&NO_RETRY_AFTER).unwrap().added,
                Duration::ZERO
            );
            waits.push(pause.wait.as_secs());
            gate.wait_open().await.unwrap();
        }
        assert_eq!(waits, [60, 120, 240]);
        gate.record_answer();
        assert_eq!(gate.pause_for(&NO_RETRY_AFTER).unwrap().wait.as_secs(), 60);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_past_max_wait_until_the_limit_lifts() {
        let gate = Gate::new(POLICY, Duration::from_secs(100));
        gate.pause_for(&secondary(60)).unwrap();
        gate.wait_open().await.unwrap();
        let refused = gate.pause_for(&secondary(50));
        assert!(matches!(refused, Err(ApiError::RateLimited { .. })));
        assert!(
            gate.is_closed(),
            "closed for those who queued for a slot meanwhile"
        );
        assert!(matches!(
            gate.wait_open().await,
            Err(ApiError::RateLimited { .. })
        ));
        tokio::time::advance(Duration::from_secs(50)).await;
        assert!(gate.wait_open().await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn zero_max_wait_gives_up_at_the_first_limit() {
        let gate = Gate::new(POLICY, Duration::ZERO);
        let error = gate.pause_for(&secondary(1)).unwrap_err();
        assert!(error.to_string().starts_with("rate limited until "));
    }

    /// Takes a slot, counts its success, gives it back: one request sent and answered.
    async fn succeed_once(limiter: &Limiter) {
        let slot = limiter.acquire().await;
        limiter.record_success(&slot);
    }

    /// `n` slots held at once (requests in flight).
    async fn in_flight(limiter: &Limiter, n: usize) -> Vec<Slot<'_>> {
        futures::future::join_all((0..n).map(|_| limiter.acquire())).await
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_halves_the_level_that_was_in_flight() {
        let limiter = Limiter::new(8, true);
        let busy = in_flight(&limiter, 8).await;
        limiter.back_off(&busy[0]);
        drop(busy);
        assert_eq!(limiter.target(), 4);
        assert_eq!(limiter.semaphore.available_permits(), 4);
        let busy = in_flight(&limiter, 3).await;
        limiter.back_off(&busy[0]);
        drop(busy);
        assert_eq!(limiter.target(), 1, "3 were out: half of 3");
        let busy = in_flight(&limiter, 1).await;
        limiter.back_off(&busy[0]);
        drop(busy);
        assert_eq!(limiter.target(), 1, "never below one");
        assert_eq!(limiter.semaphore.available_permits(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_bound_grows_after_rounds_of_successes_up_to_below_the_refused_level() {
        let limiter = Limiter::new(8, true);
        let busy = in_flight(&limiter, 8).await;
        limiter.back_off(&busy[0]);
        drop(busy);
        for _ in 0..ROUNDS_BEFORE_GROWTH * 4 - 1 {
            succeed_once(&limiter).await;
        }
        assert_eq!(limiter.target(), 4, "not yet a full window at 4");
        succeed_once(&limiter).await;
        assert_eq!(limiter.target(), 5);
        for _ in 0..ROUNDS_BEFORE_GROWTH * (5 + 6 + 7) {
            succeed_once(&limiter).await;
        }
        assert_eq!(limiter.target(), 7, "8 was refused: held below it");
        assert_eq!(limiter.semaphore.available_permits(), 7);
        tokio::time::advance(HOLD).await;
        for _ in 0..ROUNDS_BEFORE_GROWTH * 7 {
            succeed_once(&limiter).await;
        }
        assert_eq!(
            limiter.target(),
            8,
            "the hold is over: the maximum is tried again"
        );
        for _ in 0..ROUNDS_BEFORE_GROWTH * 20 {
            succeed_once(&limiter).await;
        }
        assert_eq!(limiter.target(), 8, "never above the maximum");
        assert_eq!(limiter.semaphore.available_permits(), 8);
    }

    /// GitHub accepting 2 at once, the setting 5: refused at 5, then at 3 (within the first
    /// hold: held twice as long), then it settles at 2 and stays there until the hold ends.
    #[tokio::test(start_paused = true)]
    async fn a_level_refused_twice_settles_just_below_it() {
        let limiter = Limiter::new(5, true);
        let busy = in_flight(&limiter, 5).await;
        limiter.back_off(&busy[0]);
        drop(busy);
        assert_eq!(limiter.target(), 2);
        for _ in 0..ROUNDS_BEFORE_GROWTH * 2 {
            succeed_once(&limiter).await;
        }
        assert_eq!(limiter.target(), 3, "3 was never refused: tried");
        let busy = in_flight(&limiter, 3).await;
        limiter.back_off(&busy[0]);
        drop(busy);
        assert_eq!(limiter.target(), 1);
        for _ in 0..ROUNDS_BEFORE_GROWTH * 100 {
            succeed_once(&limiter).await;
        }
        assert_eq!(limiter.target(), 2, "settled below the refused 3");
        tokio::time::advance(HOLD).await;
        for _ in 0..ROUNDS_BEFORE_GROWTH * 100 {
            succeed_once(&limiter).await;
        }
        assert_eq!(limiter.target(), 2, "refused twice: held twice as long");
        tokio::time::advance(HOLD).await;
        for _ in 0..ROUNDS_BEFORE_GROWTH * 2 {
            succeed_once(&limiter).await;
        }
        assert_eq!(limiter.target(), 3, "probed again after the doubled hold");
    }

    /// One answer at a level among refusals there is luck (GitHub had just finished another
    /// request), not a sign the level is accepted: the refusals are the concurrency limit's.
    #[tokio::test(start_paused = true)]
    async fn a_lucky_answer_among_refusals_at_a_level_does_not_make_them_a_rate() {
        let limiter = Limiter::new(4, true);
        let round = in_flight(&limiter, 3).await;
        for slot in &round {
            limiter.record_success(slot);
        }
        drop(round);
        let mut rates = Vec::new();
        for _ in 0..3 {
            let busy = in_flight(&limiter, 3).await;
            rates.push(limiter.judge_refusal(&busy[2]));
        }
        assert_eq!(rates, [false, false, false]);
        // Answered twice as often as refused at that level or above: a rate.
        for _ in 0..4 {
            let round = in_flight(&limiter, 4).await;
            for slot in &round {
                limiter.record_success(slot);
            }
        }
        let busy = in_flight(&limiter, 4).await;
        assert!(limiter.judge_refusal(&busy[3]));
    }

    /// A content or points limit refusing a write at a level GitHub has answered is no sign of
    /// too many at once: the bound halves while the rate is met, then each success gives a
    /// permit back, up to the maximum (no level is held).
    #[tokio::test(start_paused = true)]
    async fn a_refusal_at_a_level_github_answered_is_a_rate_and_recovers_quickly() {
        let limiter = Limiter::new(4, true);
        for _ in 0..2 {
            let round = in_flight(&limiter, 4).await;
            for slot in &round {
                limiter.record_success(slot);
            }
        }
        let busy = in_flight(&limiter, 4).await;
        limiter.back_off(&busy[0]);
        drop(busy);
        assert_eq!(limiter.target(), 2);
        succeed_once(&limiter).await;
        succeed_once(&limiter).await;
        assert_eq!(
            limiter.target(),
            4,
            "one permit back per success, 4 not held"
        );
        // Requests sent one at a time prove nothing about four at once: that refusal is held.
        let limiter = Limiter::new(4, true);
        for _ in 0..10 {
            succeed_once(&limiter).await;
        }
        let busy = in_flight(&limiter, 4).await;
        limiter.back_off(&busy[0]);
        drop(busy);
        assert_eq!(limiter.target(), 2);
        for _ in 0..ROUNDS_BEFORE_GROWTH * 100 {
            succeed_once(&limiter).await;
        }
        assert_eq!(limiter.target(), 3, "held below the refused 4");
    }

    #[tokio::test(start_paused = true)]
    async fn answers_of_requests_sent_before_a_change_do_not_count() {
        let limiter = Limiter::new(4, true);
        let early = in_flight(&limiter, 4).await;
        limiter.back_off(&early[0]);
        for slot in &early[1..] {
            limiter.back_off(slot);
        }
        assert_eq!(limiter.target(), 2, "the other refusals of the burst: once");
        for _ in 0..ROUNDS_BEFORE_GROWTH {
            for slot in &early {
                limiter.record_success(slot);
            }
        }
        assert_eq!(limiter.target(), 2, "sent before the limit: not counted");
        drop(early);
        for _ in 0..ROUNDS_BEFORE_GROWTH * 2 {
            succeed_once(&limiter).await;
        }
        assert_eq!(limiter.target(), 3, "sent after it: counted");
    }

    #[tokio::test(start_paused = true)]
    async fn without_adaptive_back_off_the_bound_stays() {
        let limiter = Limiter::new(4, false);
        let busy = in_flight(&limiter, 4).await;
        limiter.back_off(&busy[0]);
        drop(busy);
        assert_eq!(limiter.target(), 4);
        assert_eq!(limiter.semaphore.available_permits(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_solo_wait_leaves_the_gate_open_and_counts_against_max_wait() {
        let gate = Gate::new(POLICY, Duration::from_secs(100));
        assert_eq!(
            gate.solo_wait(&secondary(60), 0).unwrap(),
            Duration::from_secs(60)
        );
        assert!(!gate.is_closed());
        assert_eq!(
            gate.solo_wait(&NO_RETRY_AFTER, 0).unwrap_err().to_string()[..16],
            *"rate limited unt"
        );
        assert_eq!(
            gate.solo_wait(&secondary(40), 3).unwrap(),
            Duration::from_secs(40)
        );
    }

    #[tokio::test]
    async fn busy_permits_are_retired_when_their_request_ends() {
        let limiter = Limiter::new(4, true);
        let busy: Vec<Slot<'_>> =
            futures::future::join_all((0..4).map(|_| limiter.acquire())).await;
        limiter.back_off(&busy[0]);
        assert_eq!(limiter.semaphore.available_permits(), 0);
        drop(busy);
        assert_eq!(limiter.semaphore.available_permits(), 2);
        let held: Vec<Slot<'_>> =
            futures::future::join_all((0..2).map(|_| limiter.acquire())).await;
        assert!(
            limiter.semaphore.try_acquire().is_err(),
            "only two in flight"
        );
        drop(held);
    }
}
