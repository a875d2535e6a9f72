//! GitHub's rate-limit signals and how long each one tells us to wait.
//!
//! Pure: header parsing, wait computation and time formatting take "now" as an argument, so
//! GitHub's rules ("retry-after if present, else the reset time when the budget is spent, else
//! at least a minute, growing":
//! <https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately>)
//! are unit-tested without clocks.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The rate-limit headers of one response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RateHeaders {
    /// `x-ratelimit-remaining`.
    pub remaining: Option<i64>,
    /// `x-ratelimit-reset`, UTC epoch seconds.
    pub reset: Option<u64>,
    /// `retry-after`, in seconds (GitHub does not send the HTTP-date form).
    pub retry_after: Option<Duration>,
}

impl RateHeaders {
    /// Reads the headers; a header that is absent or unreadable counts as absent.
    pub fn from_lookup<'a>(header: impl Fn(&str) -> Option<&'a str>) -> RateHeaders {
        let number = |name: &str| header(name).and_then(|v| v.trim().parse::<i64>().ok());
        RateHeaders {
            remaining: number("x-ratelimit-remaining"),
            reset: number("x-ratelimit-reset").and_then(|v| u64::try_from(v).ok()),
            retry_after: number("retry-after")
                .and_then(|v| u64::try_from(v).ok())
                .map(Duration::from_secs),
        }
    }
}

/// A refusal because of a limit: the request was not executed, so resending it is always safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// The hourly budget is spent; it comes back at `reset` (epoch seconds) when known.
    Primary { reset: Option<u64> },
    /// Too many requests too fast; `retry_after` when GitHub says how long to wait.
    Secondary { retry_after: Option<Duration> },
}

impl Limit {
    /// The key under which retries caused by this limit are counted.
    pub fn cause(&self) -> &'static str {
        match self {
            Limit::Primary { .. } => "primary",
            Limit::Secondary { .. } => "secondary",
        }
    }

    /// A short description for the announcement of the wait.
    pub fn describe(&self) -> String {
        match self {
            Limit::Primary { reset: Some(reset) } => {
                format!(
                    "primary rate limit, budget resets at {}",
                    format_epoch(*reset)
                )
            }
            Limit::Primary { reset: None } => "primary rate limit".to_string(),
            Limit::Secondary {
                retry_after: Some(after),
            } => format!("secondary rate limit, retry-after {}s", after.as_secs()),
            Limit::Secondary { retry_after: None } => {
                "secondary rate limit, no retry-after".to_string()
            }
        }
    }
}

/// The knobs of the waiting rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WaitPolicy {
    /// First wait on a secondary limit without `retry-after` (GitHub: at least a minute).
    pub secondary_min_wait: Duration,
    /// Added to a primary limit's reset time, against clock skew.
    pub reset_margin: Duration,
}

/// The longest single wait the exponential growth can reach, before the `max-wait` cap applies.
const LONGEST_GROWN_WAIT: Duration = Duration::from_secs(3600);

impl WaitPolicy {
    /// How long to pause for `limit`, the `streak`-th limit in a row (0 = first), at `now_epoch`.
    pub fn wait_for(&self, limit: &Limit, streak: u32, now_epoch: u64) -> Duration {
        match *limit {
            Limit::Primary { reset: Some(reset) } => {
                Duration::from_secs(reset.saturating_sub(now_epoch)) + self.reset_margin
            }
            Limit::Secondary {
                retry_after: Some(after),
            } => after,
            Limit::Primary { reset: None } | Limit::Secondary { retry_after: None } => {
                self.grown_wait(streak)
            }
        }
    }

    /// `secondary_min_wait`, doubled for each earlier limit in the streak.
    fn grown_wait(&self, streak: u32) -> Duration {
        let factor = 2u32.saturating_pow(streak.min(20));
        self.secondary_min_wait
            .saturating_mul(factor)
            .min(LONGEST_GROWN_WAIT.max(self.secondary_min_wait))
    }
}

/// Seconds since the epoch, for comparing with `x-ratelimit-reset`.
pub(crate) fn epoch_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `2026-02-01T12:34:56Z` for a point in time.
pub(crate) fn format_utc(time: SystemTime) -> String {
    format_epoch(epoch_seconds(time))
}

/// `2026-02-01T12:34:56Z` for epoch seconds (proleptic Gregorian calendar, UTC).
pub(crate) fn format_epoch(epoch: u64) -> String {
    crate::calendar::timestamp(epoch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: WaitPolicy = WaitPolicy {
        secondary_min_wait: Duration::from_secs(60),
        reset_margin: Duration::from_secs(1),
    };

    fn headers(pairs: &[(&str, &str)]) -> RateHeaders {
        RateHeaders::from_lookup(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| *value)
        })
    }

    #[test]
    fn reads_rate_limit_headers() {
        let read = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1767225600"),
            ("retry-after", " 7 "),
        ]);
        assert_eq!(read.remaining, Some(0));
        assert_eq!(read.reset, Some(1_767_225_600));
        assert_eq!(read.retry_after, Some(Duration::from_secs(7)));
    }

    #[test]
    fn unreadable_headers_count_as_absent() {
        let read = headers(&[
            ("x-ratelimit-remaining", "lots"),
            ("x-ratelimit-reset", "-5"),
            ("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"),
        ]);
        assert_eq!(read, RateHeaders::default());
    }

    #[test]
    fn primary_waits_until_reset_plus_margin() {
        let limit = Limit::Primary { reset: Some(1_000) };
        assert_eq!(POLICY.wait_for(&limit, 0, 990), Duration::from_secs(11));
        // A reset already in the past (clock skew) still waits the margin.
        assert_eq!(POLICY.wait_for(&limit, 0, 2_000), Duration::from_secs(1));
    }

    #[test]
    fn retry_after_is_taken_as_given() {
        let limit = Limit::Secondary {
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(POLICY.wait_for(&limit, 4, 0), Duration::from_secs(3));
    }

    #[test]
    fn secondary_without_retry_after_starts_at_the_minimum_and_doubles() {
        let limit = Limit::Secondary { retry_after: None };
        let waits: Vec<u64> = (0..4)
            .map(|streak| POLICY.wait_for(&limit, streak, 0).as_secs())
            .collect();
        assert_eq!(waits, [60, 120, 240, 480]);
        assert_eq!(POLICY.wait_for(&limit, 1_000, 0), LONGEST_GROWN_WAIT);
    }

    #[test]
    fn primary_without_reset_grows_like_secondary() {
        let limit = Limit::Primary { reset: None };
        assert_eq!(POLICY.wait_for(&limit, 1, 0), Duration::from_secs(120));
    }

    #[test]
    fn formats_utc_times() {
        assert_eq!(format_epoch(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_epoch(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_epoch(1_767_225_599), "2025-12-31T23:59:59Z");
    }
}
