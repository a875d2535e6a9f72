//! Runs the `fake-github` binary as a child process and reads its counters and state.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::http;

/// The knobs the fake is started with.
#[derive(Debug, Clone, Default)]
pub struct FakeKnobs {
    pub latency_ms: u64,
    pub mutation_latency_ms: u64,
    pub jitter_ms: u64,
    pub seed: u64,
    /// Further flags, e.g. the secondary-limit settings.
    pub extra_args: Vec<String>,
}

impl FakeKnobs {
    fn args(&self) -> Vec<String> {
        let mut args = vec![
            "--port".to_string(),
            "0".to_string(),
            "--latency-ms".to_string(),
            self.latency_ms.to_string(),
            "--mutation-latency-ms".to_string(),
            self.mutation_latency_ms.to_string(),
            "--jitter-ms".to_string(),
            self.jitter_ms.to_string(),
            "--seed".to_string(),
            self.seed.to_string(),
        ];
        args.extend(self.extra_args.iter().cloned());
        args
    }
}

/// A running fake; killed when dropped.
pub struct FakeServer {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl FakeServer {
    /// Starts the binary and waits for its `listening http://...` line.
    pub fn spawn(binary: &Path, knobs: &FakeKnobs) -> Result<FakeServer> {
        let mut child = Command::new(binary)
            .args(knobs.args())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child
            .stdout
            .take()
            .context("the fake's stdout is not captured")?;
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        reader.read_line(&mut first)?;
        let url = match parse_listening(&first) {
            Some(url) => url,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("fake-github did not print its address; first line: {first:?}");
            }
        };
        // Keep draining its stdout so a chatty fake never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        });
        Ok(FakeServer { child, url })
    }

    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.url)
    }

    pub fn stats(&self) -> Result<FakeStats> {
        let body = http::get(&self.url, "/_fake/stats")?;
        serde_json::from_str(&body).context("parsing /_fake/stats")
    }

    /// Zeroes the counters (including `max_in_flight`), so the next run is measured alone.
    pub fn reset_stats(&self) -> Result<()> {
        http::post_empty(&self.url, "/_fake/reset_stats")
    }

    pub fn state(&self) -> Result<serde_json::Value> {
        let body = http::get(&self.url, "/_fake/state")?;
        serde_json::from_str(&body).context("parsing /_fake/state")
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        // Our own child, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse_listening(line: &str) -> Option<String> {
    let url = line.trim().strip_prefix("listening ")?;
    url.starts_with("http://")
        .then(|| url.trim_end_matches('/').to_string())
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct MutationStats {
    pub total: u64,
    pub by_name: BTreeMap<String, u64>,
}

/// `GET /_fake/stats`. Missing counters read as 0, so an older fake still works.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FakeStats {
    pub requests: u64,
    pub graphql_documents: u64,
    pub mutations: MutationStats,
    pub max_in_flight: u64,
    pub validation_failures: u64,
    pub faults_injected: u64,
    pub rate_limited: u64,
    pub secondary_limited: u64,
}

impl FakeStats {
    /// What happened between `before` and `self`. `max_in_flight` is a high-water mark and
    /// cannot be subtracted: it is `self`'s (the bench resets the counters before each run).
    pub fn since(&self, before: &FakeStats) -> FakeStats {
        let by_name = self
            .mutations
            .by_name
            .iter()
            .map(|(name, &count)| {
                let earlier = before.mutations.by_name.get(name).copied().unwrap_or(0);
                (name.clone(), count.saturating_sub(earlier))
            })
            .filter(|(_, count)| *count > 0)
            .collect();
        FakeStats {
            requests: self.requests.saturating_sub(before.requests),
            graphql_documents: self
                .graphql_documents
                .saturating_sub(before.graphql_documents),
            mutations: MutationStats {
                total: self.mutations.total.saturating_sub(before.mutations.total),
                by_name,
            },
            max_in_flight: self.max_in_flight,
            validation_failures: self
                .validation_failures
                .saturating_sub(before.validation_failures),
            faults_injected: self.faults_injected.saturating_sub(before.faults_injected),
            rate_limited: self.rate_limited.saturating_sub(before.rate_limited),
            secondary_limited: self
                .secondary_limited
                .saturating_sub(before.secondary_limited),
        }
    }

    /// Responses that were a rate limit of either kind.
    pub fn limited(&self) -> u64 {
        self.rate_limited + self.secondary_limited
    }
}

/// What the fake holds for one plan: issues claimed per item, to find duplicates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Census {
    /// Issues whose body carries a planpilot marker of the plan.
    pub managed: usize,
    /// Distinct items those issues claim.
    pub items: usize,
    /// Issues beyond the first for each item: must be 0.
    pub duplicates: usize,
}

/// Counts the plan's managed issues in `/_fake/state` by the item id in their marker.
pub fn census(state: &serde_json::Value, plan_key: &str) -> Census {
    let mut per_item: HashMap<String, usize> = HashMap::new();
    for issue in issues_of(state) {
        let body = issue.get("body").and_then(|b| b.as_str()).unwrap_or("");
        if let Some((key, item)) = marker_identity(body) {
            if key == plan_key {
                *per_item.entry(item).or_default() += 1;
            }
        }
    }
    let managed = per_item.values().sum();
    Census {
        managed,
        items: per_item.len(),
        duplicates: managed - per_item.len(),
    }
}

/// The issues of a state document, whether listed as an array or keyed by number.
fn issues_of(state: &serde_json::Value) -> Vec<&serde_json::Value> {
    match state.get("issues") {
        Some(serde_json::Value::Array(list)) => list.iter().collect(),
        Some(serde_json::Value::Object(map)) => map.values().collect(),
        _ => Vec::new(),
    }
}

/// Names of the repository's labels in `/_fake/state`.
pub fn repository_labels(state: &serde_json::Value) -> BTreeSet<String> {
    let labels = state.get("labels").and_then(|l| l.as_array());
    labels
        .into_iter()
        .flatten()
        .filter_map(|l| l.get("name").and_then(|n| n.as_str()))
        .map(str::to_string)
        .collect()
}

/// Names of the labels the plan's managed issues carry.
pub fn labels_in_use(state: &serde_json::Value, plan_key: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for issue in issues_of(state) {
        let body = issue.get("body").and_then(|b| b.as_str()).unwrap_or("");
        if marker_identity(body).is_none_or(|(key, _)| key != plan_key) {
            continue;
        }
        let labels = issue.get("labels").and_then(|l| l.as_array());
        for label in labels.into_iter().flatten() {
            let name = label
                .as_str()
                .or_else(|| label.get("name").and_then(|n| n.as_str()));
            names.extend(name.map(str::to_string));
        }
    }
    names
}

/// `(plan key, item id)` from the managed block's begin marker
/// `<!-- planpilot:begin plan=KEY item=ID ... -->` (values percent-encoded; generated ids and
/// keys need no decoding).
fn marker_identity(body: &str) -> Option<(String, String)> {
    let line = body
        .lines()
        .find(|line| line.trim_start().starts_with("<!-- planpilot:begin "))?;
    let attribute = |name: &str| {
        line.split_whitespace()
            .find_map(|a| a.strip_prefix(name).map(str::to_string))
    };
    Some((attribute("plan=")?, attribute("item=")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_listening_line() {
        assert_eq!(
            parse_listening("listening http://127.0.0.1:4567\n").as_deref(),
            Some("http://127.0.0.1:4567")
        );
        assert_eq!(parse_listening("starting up"), None);
        assert_eq!(parse_listening("listening 127.0.0.1:1"), None);
    }

    #[test]
    fn knobs_become_flags() {
        let knobs = FakeKnobs {
            latency_ms: 100,
            mutation_latency_ms: 50,
            jitter_ms: 0,
            seed: 7,
            extra_args: vec!["--fault-502".to_string(), "0.1".to_string()],
        };
        let args = knobs.args().join(" ");
        assert_eq!(
            args,
            "--port 0 --latency-ms 100 --mutation-latency-ms 50 --jitter-ms 0 --seed 7 \
             --fault-502 0.1"
        );
    }

    #[test]
    fn stats_parse_leniently_and_subtract() {
        let before: FakeStats = serde_json::from_value(json!({
            "requests": 10, "mutations": {"total": 4, "by_name": {"createIssue": 4}},
            "max_in_flight": 3, "rate_limited": 1
        }))
        .unwrap();
        let after: FakeStats = serde_json::from_value(json!({
            "requests": 13, "graphql_documents": 13,
            "mutations": {"total": 5, "by_name": {"createIssue": 4, "updateIssue": 1}},
            "max_in_flight": 5, "rate_limited": 1, "secondary_limited": 2, "unknown": true
        }))
        .unwrap();
        let delta = after.since(&before);
        assert_eq!(delta.requests, 3);
        assert_eq!(delta.mutations.total, 1);
        assert_eq!(
            delta.mutations.by_name,
            BTreeMap::from([("updateIssue".to_string(), 1)])
        );
        assert_eq!(delta.max_in_flight, 5);
        assert_eq!(delta.limited(), 2);
    }

    #[test]
    fn census_counts_duplicates_per_item_of_the_plan() {
        let body = |item: &str| {
            format!("intro\n<!-- planpilot:begin plan=p1 item={item} labels= assignees= -->\nx\n<!-- planpilot:end -->")
        };
        let state = json!({"issues": [
            {"number": 1, "body": body("E1")},
            {"number": 2, "body": body("T1")},
            {"number": 3, "body": body("T1")},
            {"number": 4, "body": "a human's issue"},
            {"number": 5, "body": body("T1").replace("plan=p1", "plan=other")},
        ]});
        assert_eq!(
            census(&state, "p1"),
            Census {
                managed: 3,
                items: 2,
                duplicates: 1
            }
        );
        let keyed = json!({"issues": {"1": {"body": body("E1")}}});
        assert_eq!(census(&keyed, "p1").items, 1);
        assert_eq!(census(&json!({}), "p1"), Census::default());
    }
}
