//! `GET/POST /_fake/faults`: the fault knobs as JSON, so a fake started as a binary can be
//! retuned mid-run (benchmarks). Durations are milliseconds; 0 switches an optional limit off.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::{ContentLimit, Faults};

/// `Faults` on the wire. In a POST every field is optional: absent fields keep their value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsJson {
    pub latency_ms: Option<u64>,
    pub mutation_latency_ms: Option<u64>,
    pub jitter_ms: Option<u64>,
    pub error_502_rate: Option<f64>,
    pub something_went_wrong_rate: Option<f64>,
    pub drop_after_apply_rate: Option<f64>,
    pub partial_read_rate: Option<f64>,
    pub rate_limited_every: Option<u64>,
    pub max_concurrent: Option<u64>,
    pub content_limit: Option<u64>,
    pub content_window_secs: Option<u64>,
    pub content_limit_graphql: Option<bool>,
    pub points_per_minute: Option<u64>,
    pub retry_after_secs: Option<u64>,
    pub retry_after_omit_rate: Option<f64>,
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

impl FaultsJson {
    /// Every knob of `faults`, with 0 for limits that are off.
    pub fn from_faults(faults: &Faults) -> FaultsJson {
        FaultsJson {
            latency_ms: Some(ms(faults.latency)),
            mutation_latency_ms: Some(ms(faults.mutation_latency)),
            jitter_ms: Some(ms(faults.jitter)),
            error_502_rate: Some(faults.error_502_rate),
            something_went_wrong_rate: Some(faults.something_went_wrong_rate),
            drop_after_apply_rate: Some(faults.drop_after_apply_rate),
            partial_read_rate: Some(faults.partial_read_rate),
            rate_limited_every: Some(faults.rate_limited_every.unwrap_or(0)),
            max_concurrent: Some(faults.max_concurrent.unwrap_or(0)),
            content_limit: Some(faults.content_limit.map_or(0, |l| l.max)),
            content_window_secs: Some(faults.content_limit.map_or(60, |l| l.window.as_secs())),
            content_limit_graphql: Some(faults.content_limit_graphql),
            points_per_minute: Some(faults.secondary_points_per_minute.unwrap_or(0)),
            retry_after_secs: Some(faults.retry_after_secs),
            retry_after_omit_rate: Some(faults.retry_after_omit_rate),
        }
    }

    /// `faults` with the given fields changed; probabilities must lie in 0..=1.
    pub fn apply(&self, faults: &Faults) -> Result<Faults, String> {
        for (name, rate) in [
            ("error_502_rate", self.error_502_rate),
            ("something_went_wrong_rate", self.something_went_wrong_rate),
            ("drop_after_apply_rate", self.drop_after_apply_rate),
            ("partial_read_rate", self.partial_read_rate),
            ("retry_after_omit_rate", self.retry_after_omit_rate),
        ] {
            if rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        let on = |n: u64| (n > 0).then_some(n);
        let mut next = faults.clone();
        let set_ms = |target: &mut Duration, value: Option<u64>| {
            if let Some(v) = value {
                *target = Duration::from_millis(v);
            }
        };
        set_ms(&mut next.latency, self.latency_ms);
        set_ms(&mut next.mutation_latency, self.mutation_latency_ms);
        set_ms(&mut next.jitter, self.jitter_ms);
        next.error_502_rate = self.error_502_rate.unwrap_or(next.error_502_rate);
        next.something_went_wrong_rate = self
            .something_went_wrong_rate
            .unwrap_or(next.something_went_wrong_rate);
        next.drop_after_apply_rate = self
            .drop_after_apply_rate
            .unwrap_or(next.drop_after_apply_rate);
        next.partial_read_rate = self.partial_read_rate.unwrap_or(next.partial_read_rate);
        if let Some(n) = self.rate_limited_every {
            next.rate_limited_every = on(n);
        }
        if let Some(n) = self.max_concurrent {
            next.max_concurrent = on(n);
        }
        let window = self
            .content_window_secs
            .map(Duration::from_secs)
            .or(next.content_limit.map(|l| l.window))
            .unwrap_or(Duration::from_secs(60));
        let max = self.content_limit.or(next.content_limit.map(|l| l.max));
        next.content_limit = max.and_then(on).map(|max| ContentLimit { max, window });
        next.content_limit_graphql = self
            .content_limit_graphql
            .unwrap_or(next.content_limit_graphql);
        if let Some(n) = self.points_per_minute {
            next.secondary_points_per_minute = on(n);
        }
        next.retry_after_secs = self.retry_after_secs.unwrap_or(next.retry_after_secs);
        next.retry_after_omit_rate = self
            .retry_after_omit_rate
            .unwrap_or(next.retry_after_omit_rate);
        Ok(next)
    }
}
