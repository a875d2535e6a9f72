//! Retrying transient failures: exponential backoff with jitter, and the circuit breaker that
//! stops a run after too many failures in a row instead of burning the rate-limit budget.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use super::types::ApiError;

/// Delays between retries of a transient failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    /// Delay before the first retry (before jitter).
    pub base: Duration,
    /// No single delay exceeds this.
    pub max: Duration,
}

impl Backoff {
    /// The delay before retry number `retry` (0 = first), with `jitter` in `[0, 1)` adding up to
    /// half the delay again. Ranges of successive retries do not overlap, so delays always grow
    /// (until `max`), whatever the jitter.
    pub fn delay(&self, retry: u32, jitter: f64) -> Duration {
        let exponential = self.base.saturating_mul(2u32.saturating_pow(retry.min(30)));
        let spread = exponential.mul_f64(jitter.clamp(0.0, 1.0) / 2.0);
        (exponential + spread).min(self.max)
    }

    /// `delay` with a random jitter, so that workers that failed together do not retry together.
    pub fn random_delay(&self, retry: u32) -> Duration {
        self.delay(retry, rand::random::<f64>())
    }
}

/// Opens after `threshold` consecutive failed requests; once open, every request fails at once.
///
/// It stays open for the life of the client: the run stops and the next run resumes the work.
#[derive(Debug)]
pub(crate) struct Breaker {
    threshold: u32,
    consecutive: AtomicU32,
    open: AtomicBool,
}

impl Breaker {
    /// `threshold` 0 disables the breaker.
    pub fn new(threshold: u32) -> Breaker {
        Breaker {
            threshold,
            consecutive: AtomicU32::new(0),
            open: AtomicBool::new(false),
        }
    }

    /// `Err(CircuitOpen)` once the breaker has opened.
    pub fn check(&self) -> Result<(), ApiError> {
        if self.open.load(Ordering::Acquire) {
            return Err(ApiError::CircuitOpen {
                failures: self.threshold,
            });
        }
        Ok(())
    }

    pub fn record_success(&self) {
        self.consecutive.store(0, Ordering::Release);
    }

    pub fn record_failure(&self) {
        let failures = self.consecutive.fetch_add(1, Ordering::AcqRel) + 1;
        if self.threshold > 0
            && failures >= self.threshold
            && !self.open.swap(true, Ordering::AcqRel)
        {
            tracing::error!(
                failures,
                "{failures} consecutive requests failed: stopping all requests (circuit breaker)"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKOFF: Backoff = Backoff {
        base: Duration::from_millis(100),
        max: Duration::from_secs(10),
    };

    #[test]
    fn backoff_doubles_without_jitter() {
        let delays: Vec<u128> = (0..4).map(|n| BACKOFF.delay(n, 0.0).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800]);
    }

    #[test]
    fn backoff_grows_whatever_the_jitter() {
        for retry in 0..6 {
            let slowest_now = BACKOFF.delay(retry, 0.999_999);
            let fastest_next = BACKOFF.delay(retry + 1, 0.0);
            assert!(
                slowest_now < fastest_next,
                "retry {retry}: {slowest_now:?} >= {fastest_next:?}"
            );
        }
        assert!(BACKOFF.delay(0, 0.5) > BACKOFF.delay(0, 0.0));
    }

    #[test]
    fn backoff_is_capped() {
        assert_eq!(BACKOFF.delay(20, 0.9), Duration::from_secs(10));
        assert_eq!(BACKOFF.delay(u32::MAX, 0.0), Duration::from_secs(10));
    }

    #[test]
    fn random_backoff_stays_in_its_range() {
        for _ in 0..100 {
            let delay = BACKOFF.random_delay(1);
            assert!(delay >= Duration::from_millis(200) && delay < Duration::from_millis(300));
        }
    }

    #[test]
    fn breaker_opens_after_consecutive_failures_only() {
        let breaker = Breaker::new(3);
        breaker.record_failure();
        breaker.record_failure();
        breaker.record_success();
        breaker.record_failure();
        breaker.record_failure();
        assert!(breaker.check().is_ok());
        breaker.record_failure();
        assert!(matches!(
            breaker.check(),
            Err(ApiError::CircuitOpen { failures: 3 })
        ));
        breaker.record_success();
        assert!(breaker.check().is_err(), "an open breaker stays open");
    }

    #[test]
    fn breaker_with_threshold_zero_never_opens() {
        let breaker = Breaker::new(0);
        for _ in 0..100 {
            breaker.record_failure();
        }
        assert!(breaker.check().is_ok());
    }
}
