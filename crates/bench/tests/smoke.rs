//! CI's smoke version of the benchmark: the quick scenario (a small generated plan on the
//! fake at low latency) through the library, checking the benchmark's invariants only — never
//! timing: the sync completes, no item gets two issues, an unchanged re-run writes nothing, a
//! title edit writes at most two mutations, and requests in flight never exceed the setting.
//! Also checks that the harness reads the fake's counters and state correctly.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use fake_github::{Config, FakeGithub, Faults};
use planpilot::github::{Client, ClientConfig, Secret};
use planpilot::plan::{self, LoadOptions, Plan};
use planpilot::sync::{self, Silent, SyncOptions};
use planpilot_bench::fake::{census, FakeStats};
use planpilot_bench::generate::{generate, PlanFile};
use planpilot_bench::http;
use planpilot_bench::scenarios::Config as BenchConfig;
use serde_json::json;

const MAX_CONCURRENCY: usize = 3;

fn load(generated: &PlanFile, dir: &std::path::Path) -> Plan {
    let path = dir.join("plan.yaml");
    std::fs::write(&path, generated.to_yaml().unwrap()).unwrap();
    plan::load(
        &path,
        &LoadOptions {
            root: Some(dir.to_path_buf()),
        },
    )
    .unwrap_or_else(|e| panic!("generated plan loads: {:?}", e.diagnostics))
}

/// Syncs and returns the fake's counters for that run.
async fn sync_measured(
    fake: &FakeGithub,
    client: &Client,
    options: &SyncOptions,
    plan: &Plan,
) -> FakeStats {
    let before = stats_of(fake);
    let report = sync::run(plan, client, options, &Silent)
        .await
        .expect("sync runs");
    assert!(report.errors.is_empty(), "errors: {:#?}", report.errors);
    stats_of(fake).since(&before)
}

/// The library's counters in the shape the bench reads from `/_fake/stats`.
fn stats_of(fake: &FakeGithub) -> FakeStats {
    serde_json::from_value(serde_json::to_value(fake.stats()).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_scenario_holds_the_benchmark_invariants() {
    let quick = BenchConfig::quick();
    let config = Config {
        faults: Faults {
            latency: Duration::from_millis(quick.latency.request_ms),
            mutation_latency: Duration::from_millis(quick.latency.mutation_ms),
            ..Faults::default()
        },
        ..Config::default()
    };
    let shape = quick.base_shape();
    let fake = FakeGithub::start(config).await.unwrap();
    let mut client_config = ClientConfig::new(fake.graphql_url(), Secret::new("test-token"));
    client_config.max_concurrency = MAX_CONCURRENCY;
    let client = Client::new(client_config).unwrap();
    let mut options = SyncOptions::new("acme/roadmap".parse().unwrap());
    options.project = Some("https://github.com/orgs/acme/projects/1".parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let generated = generate(shape, quick.seed);
    let plan = load(&generated, dir.path());
    assert_eq!(plan.items.len(), shape.items());

    let first = sync_measured(&fake, &client, &options, &plan).await;
    assert!(first.mutations.total > 0);
    let found = census(&fake.state(), &plan.key);
    assert_eq!((found.items, found.duplicates), (shape.items(), 0));
    assert!(
        (1..=MAX_CONCURRENCY as u64).contains(&first.max_in_flight),
        "max in flight {} with max-concurrency {MAX_CONCURRENCY}",
        first.max_in_flight
    );

    let rerun = sync_measured(&fake, &client, &options, &plan).await;
    assert_eq!(rerun.mutations.total, 0, "{:?}", rerun.mutations.by_name);

    let mut edited = generated.clone();
    edited.retitle_task(0).unwrap();
    let edit = sync_measured(&fake, &client, &options, &load(&edited, dir.path())).await;
    assert!(
        (1..=2).contains(&edit.mutations.total),
        "{:?}",
        edit.mutations.by_name
    );
    assert_eq!(census(&fake.state(), &plan.key).duplicates, 0);
    assert!(stats_of(&fake).max_in_flight <= MAX_CONCURRENCY as u64);
    fake.shutdown().await;
}

/// Scenario 7's invariant on the quick plan: against a server that accepts
/// `ACCEPTED_CONCURRENCY` requests at once, the default `max-concurrency` is refused at most
/// `MAX_CAP_REFUSALS` times — the adaptive back-off settles instead of climbing back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_concurrency_cap_is_refused_only_a_handful_of_times() {
    // GitHub's concurrency refusals share the content limit's 403 and wording; with or
    // without a `retry-after`, they must not be taken for the content limit.
    for retry_after_secs in [0, 1] {
        concurrency_capped_sync(retry_after_secs).await;
    }
}

async fn concurrency_capped_sync(retry_after_secs: u64) {
    use planpilot_bench::scenarios::{ACCEPTED_CONCURRENCY, DEFAULT_CONCURRENCY, MAX_CAP_REFUSALS};
    let quick = BenchConfig::quick();
    let config = Config {
        faults: Faults {
            latency: Duration::from_millis(quick.latency.request_ms),
            mutation_latency: Duration::from_millis(quick.latency.mutation_ms),
            max_concurrent: Some(ACCEPTED_CONCURRENCY),
            retry_after_secs,
            ..Faults::default()
        },
        ..Config::default()
    };
    let fake = FakeGithub::start(config).await.unwrap();
    let mut client_config = ClientConfig::new(fake.graphql_url(), Secret::new("test-token"));
    client_config.max_concurrency = DEFAULT_CONCURRENCY as usize;
    let client = Client::new(client_config).unwrap();
    let mut options = SyncOptions::new("acme/roadmap".parse().unwrap());
    options.project = Some("https://github.com/orgs/acme/projects/1".parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let generated = generate(quick.base_shape(), quick.seed);
    let plan = load(&generated, dir.path());
    let run = sync_measured(&fake, &client, &options, &plan).await;
    assert_eq!(census(&fake.state(), &plan.key).duplicates, 0);
    assert!(
        (1..=MAX_CAP_REFUSALS).contains(&run.limited()),
        "retry-after {retry_after_secs}: refused {} times",
        run.limited()
    );
    assert_eq!(
        client.content_rate(),
        None,
        "retry-after {retry_after_secs}: a concurrency refusal paced the content creations"
    );
    fake.shutdown().await;
}

/// Sends one GraphQL document with the fake's token; returns the raw response.
fn post_graphql(base_url: &str, body: &serde_json::Value) -> String {
    let authority = base_url.trim_start_matches("http://");
    let payload = body.to_string();
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "POST /graphql HTTP/1.0\r\nHost: {authority}\r\nAuthorization: Bearer test-token\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}",
        payload.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_and_state_read_over_http_match_the_fake() {
    let fake = FakeGithub::start(Config::default()).await.unwrap();
    let url = fake.url();
    let repository_id = fake.state()["repository"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (stats, state) = tokio::task::spawn_blocking(move || {
        let before: FakeStats = serde_json::from_str(&http::get(&url, "/_fake/stats").unwrap()).unwrap();
        let body = "<!-- planpilot:begin plan=bench-1 item=T7 labels= assignees= -->\nx\n\
                    <!-- planpilot:end -->";
        let document = "mutation($r: ID!, $b: String!) { \
             a: createIssue(input: {repositoryId: $r, title: \"one\", body: $b}) { issue { number } } \
             b: createIssue(input: {repositoryId: $r, title: \"two\", body: $b}) { issue { number } } }";
        let response = post_graphql(
            &url,
            &json!({"query": document, "variables": {"r": repository_id, "b": body}}),
        );
        assert!(response.contains("\"number\""), "{response}");
        let after: FakeStats = serde_json::from_str(&http::get(&url, "/_fake/stats").unwrap()).unwrap();
        let state: serde_json::Value =
            serde_json::from_str(&http::get(&url, "/_fake/state").unwrap()).unwrap();
        (after.since(&before), state)
    })
    .await
    .unwrap();
    assert_eq!(stats.requests, 1);
    assert_eq!(stats.mutations.total, 2);
    assert_eq!(stats.mutations.by_name.get("createIssue"), Some(&2));
    assert!(stats.max_in_flight >= 1);
    let found = census(&state, "bench-1");
    assert_eq!((found.managed, found.items, found.duplicates), (2, 1, 1));
    fake.shutdown().await;
}
